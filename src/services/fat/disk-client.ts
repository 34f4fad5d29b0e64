// The file system's disk: a SectorDevice (the engine's view, device.ts) over a DiskDevice channel
// to a driver SIP (sing/contracts/disk), plus transfers that lend the driver a client's own buffer
// so file bytes travel from the image into the client's block with no copy inside Sing.
// Rules for callers: one transfer at a time (the engine's queue serializes them, and the file
// system moves client buffers only from inside the queue); `connect` binds the driver and learns
// its geometry; `close` says Bye. When the driver goes away every later call fails with E_IO and
// `lost` resolves, so the file system can end instead of serving a volume it can no longer reach.
// Invariants: the channel lives in an EndpointMap between transfers (a field cannot hold an
// endpoint); a buffer lent to the driver comes back with the answer, or is gone with the driver.
import { EndpointMap, type Abi, type Bytes, type Imp } from 'sing/runtime';
import { DiskDevice } from 'sing/contracts/disk';
import type { SectorDevice } from './device.ts';

type Ready = Imp<typeof DiskDevice, 'Ready'>;

/** A refused or failed disk transfer; `code` is the driver's (E_RANGE, E_READ_ONLY, E_IO). */
export class DiskError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** A lent buffer's return: the buffer (null when the driver went away holding it) and what failed. */
export interface Lent { readonly buf: Bytes | null; readonly error: DiskError | null }

export class DiskClient implements SectorDevice {
  readonly #abi: Abi;
  readonly #chan = new EndpointMap<'disk', Ready>();
  readonly path: string;
  readonly name: string;
  readonly sectorSize: number;
  readonly sectorCount: number;
  readonly readOnly: boolean;
  #gone: (() => void) | null = null;
  /** Resolves when the driver has gone away. */
  readonly lost: Promise<void>;

  private constructor(abi: Abi, path: string, ep: Ready, geometry: { name: string; sectorSize: number; sectorCount: number; readOnly: boolean }) {
    this.#abi = abi;
    this.path = path;
    this.#chan.put('disk', ep);
    this.name = geometry.name;
    this.sectorSize = geometry.sectorSize;
    this.sectorCount = geometry.sectorCount;
    this.readOnly = geometry.readOnly;
    this.lost = new Promise((resolve) => { this.#gone = resolve; });
  }

  /** Binds the driver at `path` and asks its name and geometry. */
  static async connect(abi: Abi, path: string): Promise<DiskClient> {
    const c = abi.channel(DiskDevice);
    const bound = await abi.bind(path, c.exp);
    if (!bound.ok) {
      c.imp.close();
      throw new DiskError(bound.code, `${path}: ${bound.reason}`);
    }
    const hello = await c.imp.receive();
    if (hello.tag !== 'Success') throw new DiskError('E_IO', `${path}: the driver closed before it said Success`);
    const name = await hello.ep.send('GetDeviceName').receive();
    if (name.tag !== 'AckGetDeviceName') throw new DiskError('E_IO', `${path}: the driver went away`);
    const size = await name.ep.send('GetSectorSize').receive();
    if (size.tag !== 'AckGetSectorSize') throw new DiskError('E_IO', `${path}: the driver went away`);
    const count = await size.ep.send('GetSectorCount').receive();
    if (count.tag !== 'AckGetSectorCount') throw new DiskError('E_IO', `${path}: the driver went away`);
    const attrs = await count.ep.send('GetDiskAttributes').receive();
    if (attrs.tag !== 'AckGetDiskAttributes') throw new DiskError('E_IO', `${path}: the driver went away`);
    return new DiskClient(abi, path, attrs.ep, { name: name.name, sectorSize: size.sectorSize, sectorCount: count.sectorCount, readOnly: attrs.readOnly });
  }

  #take(what: string): Ready {
    const ep = this.#chan.take('disk');
    if (ep === undefined) throw new DiskError('E_IO', `${this.path}: ${what}: the disk driver has gone away`);
    return ep;
  }

  #lose(what: string): DiskError {
    const gone = this.#gone;
    this.#gone = null;
    if (gone !== null) gone();
    return new DiskError('E_IO', `${this.path}: ${what}: the disk driver went away`);
  }

  /** Reads `count` sectors into `buf` at byte `at`; the buffer comes back with the answer. */
  async readInto(sector: number, count: number, buf: Bytes, at: number): Promise<Lent> {
    const ep = this.#take('read');
    const m = await ep.send('Read', { data: buf, offset: at, length: count * this.sectorSize, sector }).receive();
    if (m.tag === 'AckRead') { this.#chan.put('disk', m.ep); return { buf: m.data, error: null }; }
    if (m.tag === 'NakRead') { this.#chan.put('disk', m.ep); return { buf: m.data, error: new DiskError(m.code, m.reason) }; }
    return { buf: null, error: this.#lose(`read of ${count} sectors at ${sector}`) };
  }

  /** Writes `count` sectors from `buf` at byte `at`; the buffer comes back with the answer. */
  async writeFrom(sector: number, count: number, buf: Bytes, at: number): Promise<Lent> {
    const ep = this.#take('write');
    const m = await ep.send('Write', { data: buf, offset: at, length: count * this.sectorSize, sector }).receive();
    if (m.tag === 'AckWrite') { this.#chan.put('disk', m.ep); return { buf: m.data, error: null }; }
    if (m.tag === 'NakWrite') { this.#chan.put('disk', m.ep); return { buf: m.data, error: new DiskError(m.code, m.reason) }; }
    return { buf: null, error: this.#lose(`write of ${count} sectors at ${sector}`) };
  }

  /** A transfer buffer, refused rather than allocated past the quota (which would end the file
   * system: clients' buffers in flight count against it too). */
  #buffer(bytes: number): Bytes {
    const u = this.#abi.heapUsage();
    if (u.bytes + bytes > u.quota) throw new DiskError('E_NO_MEMORY', `${this.path}: a ${bytes}-byte transfer buffer does not fit in the file system's exchange-heap quota (${u.bytes} of ${u.quota} bytes held)`);
    return this.#abi.alloc(bytes);
  }

  async read(sector: number, count: number): Promise<Uint8Array> {
    const r = await this.readInto(sector, count, this.#buffer(count * this.sectorSize), 0);
    const back = r.buf;
    if (back === null) throw r.error ?? this.#lose('read');
    const out = back.read();
    back.free();
    if (r.error !== null) throw r.error;
    return out;
  }

  async write(sector: number, data: Uint8Array): Promise<void> {
    const buf = this.#buffer(data.length);
    buf.write(data);
    const r = await this.writeFrom(sector, data.length / this.sectorSize, buf, 0);
    const back = r.buf;
    if (back === null) throw r.error ?? this.#lose('write');
    back.free();
    if (r.error !== null) throw r.error;
  }

  async flush(): Promise<void> {
    const ep = this.#take('flush');
    const m = await ep.send('Flush').receive();
    if (m.tag === 'AckFlush') { this.#chan.put('disk', m.ep); return; }
    if (m.tag === 'NakFlush') { this.#chan.put('disk', m.ep); throw new DiskError(m.code, m.reason); }
    throw this.#lose('flush');
  }

  close(): void {
    const ep = this.#chan.take('disk');
    if (ep !== undefined) ep.send('Bye');
  }
}
