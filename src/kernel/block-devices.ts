// Block devices: host files a driver program opens through the ABI (`abi.openDevice(key)`), read
// and written in whole sectors straight between the file and exchange-heap blocks. This is the
// kernel's trusted host I/O for storage; nothing else in Sing touches a disk image.
// Rules for callers: the kernel calls `open` for a process whose manifest has the `driver` category
// and declares the key as a host `file` resource (with the target the host bound it to), and
// `ended` when the process ends. A transfer moves the block into the kernel for its duration (the
// caller's handle is revoked) and hands it back with the result, so no program can touch, free or
// send memory the host is reading into or writing from; the host's read and write go to and from
// the block's bytes in the arena, with no copy between.
// Invariants: every range is checked before any I/O (RangeError); a host error comes back as an
// IoError value, never thrown into the kernel; a block whose process ended during the transfer is
// freed on completion; a device's file is closed once it is closed (or its process ended) and no
// transfer is in flight.
import { close, fstatSync, fsync, openSync, read, write } from 'node:fs';
import type { Bytes } from '../contracts/exfield.ts';
import { Pending } from '../channels/pending.ts';
import { blockOfHandle, handleFor, isWholeHandle } from '../exheap/handles.ts';
import { HeapError, type Block, type ExchangeHeap } from '../exheap/heap.ts';
import { harden } from '../lib/harden.ts';
import type { HostResource } from '../runtime/program.ts';
import type { BlockDevice, IoDone, IoError } from '../runtime/abi.ts';
import { KernelError } from './error.ts';
import type { Process } from './process.ts';
import { cpu } from './scheduler.ts';

const TOKEN: unique symbol = Symbol('device');
const SECTOR_SIZES = [512, 1024, 2048, 4096];

/** One open device: the host file and what is in flight on it. */
class Device {
  inFlight = 0;
  closed = false;
  constructor(readonly fd: number, readonly target: string) {}
  /** Closes the file once nothing is in flight. */
  settle(): void {
    if (this.closed && this.inFlight === 0 && this.fd >= 0) close(this.fd, () => undefined);
  }
}

export interface DeviceOptions { readonly sectorSize?: number; readonly readOnly?: boolean }

export class BlockDevices {
  readonly #open = new Map<Process, Map<string, Device>>();
  constructor(private readonly heap: ExchangeHeap) {}

  open(p: Process, r: HostResource | undefined, key: string, opts: DeviceOptions | undefined): BlockDevice {
    const where = `${p.label}: openDevice(${JSON.stringify(String(key))})`;
    if (p.manifest?.category !== 'driver') throw new KernelError('E_NOT_DRIVER', `${where}: only a program of the driver category may open a device (its manifest says ${p.manifest?.category ?? 'application'})`);
    if (r === undefined || r.kind !== 'file') throw new KernelError('E_RESOURCE', `${where}: the manifest declares no host file resource of that name; a driver opens only the files its manifest declares`);
    const sectorSize = opts?.sectorSize ?? 512;
    if (!SECTOR_SIZES.includes(sectorSize)) throw new RangeError(`${where}: a sector is 512, 1024, 2048 or 4096 bytes, not ${String(sectorSize)}`);
    const mine = this.#open.get(p) ?? new Map<string, Device>();
    if (mine.has(key)) throw new KernelError('E_DEVICE_OPEN', `${where}: the device is open already; close it first`);
    let fd: number;
    let readOnly = opts?.readOnly === true;
    try {
      fd = openSync(r.target, readOnly ? 'r' : 'r+');
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (!readOnly && (code === 'EACCES' || code === 'EROFS' || code === 'EPERM')) {
        fd = openSync(r.target, 'r');
        readOnly = true;
      } else {
        throw new KernelError('E_DEVICE', `${where}: the host file ${r.target} cannot be opened (${code ?? String(e)})`);
      }
    }
    const size = fstatSync(fd).size;
    const dev = new Device(fd, r.target);
    mine.set(key, dev);
    this.#open.set(p, mine);
    return new DeviceHandle(TOKEN, this, p, key, dev, sectorSize, Math.floor(size / sectorSize), readOnly);
  }

  /** The process ended: its devices close once their transfers finish. */
  ended(p: Process): void {
    const mine = this.#open.get(p);
    if (mine === undefined) return;
    this.#open.delete(p);
    for (const d of mine.values()) { d.closed = true; d.settle(); }
  }

  closeOne(p: Process, key: string, d: Device): void {
    if (d.closed) return;
    d.closed = true;
    this.#open.get(p)?.delete(key);
    d.settle();
  }

  /** Moves `buf` into the kernel for a transfer of `len` bytes at `at`, after every check. */
  take(p: Process, buf: unknown, at: number, len: number, what: string): Block {
    const b = blockOfHandle(buf);
    if (b === undefined || b.kind !== 'bytes') throw new TypeError(`${p.label}: ${what}: the buffer must be an exchange-heap byte block (Bytes)`);
    if (b.gone !== null) {
      const e = new HeapError(b.gone === 'freed' ? 'E_FREED' : 'E_MOVED', `${p.label}: ${what}: the buffer was already ${b.gone}`);
      p.violate(e);
      throw e;
    }
    if (b.owner !== p || b.parent !== null || !isWholeHandle(buf)) throw new TypeError(`${p.label}: ${what}: the buffer must be a whole block the caller owns (not a view, nor a block inside a tree)`);
    if (!Number.isInteger(at) || at < 0 || at + len > b.size) throw new RangeError(`${p.label}: ${what}: ${len} bytes at ${String(at)} do not fit in a ${b.size}-byte buffer`);
    return this.heap.transferOut(b);
  }

  /** Hands a block back to its process with the result, or frees it if the process has ended. */
  give(p: Process, t: Block, w: Pending<IoDone>, error: IoError | null): void {
    const buf = handBack(this.heap, t, p);
    if (buf !== null) w.settle(Object.freeze({ buf, error }));
  }
}

/** A block coming back from a host transfer (a device's, a socket's) to `p`: its new handle, or
 * null when `p` has ended meanwhile (the block is freed then). */
export function handBack(heap: ExchangeHeap, t: Block, p: Process): Bytes | null {
  if (!p.alive) { heap.free(t); return null; }
  heap.adopt(t, p); // its own block coming back: it was charged all along
  return handleFor(t, p) as Bytes;
}

function ioError(code: IoError['code'], message: string): IoError {
  return Object.freeze({ code, message });
}

export class DeviceHandle implements BlockDevice {
  readonly #devs: BlockDevices;
  readonly #p: Process;
  readonly #dev: Device;
  readonly key: string;
  readonly sectorSize: number;
  readonly sectorCount: number;
  readonly readOnly: boolean;

  constructor(token: typeof TOKEN, devs: BlockDevices, p: Process, key: string, dev: Device, sectorSize: number, sectorCount: number, readOnly: boolean) {
    if (token !== TOKEN) throw new TypeError('BlockDevice: devices cannot be constructed; open one with abi.openDevice');
    this.#devs = devs;
    this.#p = p;
    this.#dev = dev;
    this.key = key;
    this.sectorSize = sectorSize;
    this.sectorCount = sectorCount;
    this.readOnly = readOnly;
    Object.freeze(this);
  }

  #range(what: string, sector: number, count: number): number {
    if (this.#dev.closed) throw new KernelError('E_DEVICE_CLOSED', `${this.#p.label}: ${what} on device ${this.key}, which is closed`);
    if (!Number.isSafeInteger(sector) || !Number.isSafeInteger(count) || sector < 0 || count < 1 || sector + count > this.sectorCount) {
      throw new RangeError(`${this.#p.label}: ${what}: sectors [${String(sector)}, ${String(sector)} + ${String(count)}) are not within the device's ${this.sectorCount}`);
    }
    return count * this.sectorSize;
  }

  read(sector: number, count: number, buf: Bytes, at = 0): Pending<IoDone> {
    const what = `device ${this.key}: read(${String(sector)}, ${String(count)})`;
    const len = this.#range(what, sector, count);
    return this.#transfer(this.#devs.take(this.#p, buf, at, len, what), at, len, sector, false, what);
  }

  write(sector: number, count: number, buf: Bytes, at = 0): Pending<IoDone> {
    const what = `device ${this.key}: write(${String(sector)}, ${String(count)})`;
    const len = this.#range(what, sector, count);
    return this.#transfer(this.#devs.take(this.#p, buf, at, len, what), at, len, sector, true, what);
  }

  #transfer(t: Block, at: number, len: number, sector: number, writing: boolean, what: string): Pending<IoDone> {
    const w = new Pending<IoDone>();
    const p = this.#p;
    const dev = this.#dev;
    if (writing && this.readOnly) {
      this.#devs.give(p, t, w, ioError('E_READ_ONLY', `${p.label}: ${what}: ${dev.target} is open read-only`));
      return w;
    }
    dev.inFlight++;
    const done = (err: NodeJS.ErrnoException | null, n: number): void => {
      cpu.epoch++;
      dev.inFlight--;
      dev.settle();
      const error = err !== null ? ioError('E_IO', `${p.label}: ${what} on ${dev.target}: ${err.code ?? err.message}`)
        : n !== len ? ioError('E_IO', `${p.label}: ${what} on ${dev.target}: ${n} of ${len} bytes transferred (the file is shorter than the device it was opened as)`)
          : null;
      this.#devs.give(p, t, w, error);
    };
    const heap = t.heap;
    if (writing) write(dev.fd, heap.u8, t.offset + at, len, sector * this.sectorSize, done);
    else read(dev.fd, heap.u8, t.offset + at, len, sector * this.sectorSize, done);
    return w;
  }

  flush(): Pending<IoError | null> {
    const w = new Pending<IoError | null>();
    const dev = this.#dev;
    if (dev.closed) throw new KernelError('E_DEVICE_CLOSED', `${this.#p.label}: flush on device ${this.key}, which is closed`);
    if (this.readOnly) { w.settle(null); return w; }
    dev.inFlight++;
    fsync(dev.fd, (err) => {
      cpu.epoch++;
      dev.inFlight--;
      dev.settle();
      if (this.#p.alive) w.settle(err === null ? null : ioError('E_IO', `${this.#p.label}: flush of ${dev.target}: ${err.code ?? err.message}`));
    });
    return w;
  }

  close(): void { this.#devs.closeOne(this.#p, this.key, this.#dev); }
}
harden(DeviceHandle);
