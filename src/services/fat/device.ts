// The engine's view of a disk (SectorDevice), an in-memory disk (MemoryDevice), and VolumeIO, the
// only path by which the engine touches a device.
// Rules for callers: a SectorDevice reads and writes whole sectors asynchronously and rejects
// with an Error carrying a `code` string when the medium fails; `flush` resolves once everything
// written before it is durable. The engine never calls a device directly: VolumeIO checks every
// transfer against the volume's bounds and turns device failures into FatError('E_IO').
// Invariants: VolumeIO never reads or writes outside [0, limit) logical sectors nor outside the
// device; it refuses every write when the volume is read-only.
import { FatError } from './errors.ts';

/** What the engine needs of a disk: whole sectors, asynchronously. */
export interface SectorDevice {
  readonly sectorSize: number;   // 512, 1024, 2048 or 4096
  readonly sectorCount: number;
  readonly readOnly: boolean;
  read(sector: number, count: number): Promise<Uint8Array>;   // exactly count*sectorSize bytes
  write(sector: number, data: Uint8Array): Promise<void>;     // data.length a multiple of sectorSize
  flush(): Promise<void>;                                     // everything written before is durable
}

export const SECTOR_SIZES: readonly number[] = [512, 1024, 2048, 4096];

/** A disk held in memory: for tests, and for a RAM-backed volume inside a program. */
export class MemoryDevice implements SectorDevice {
  readonly sectorSize: number;
  readonly sectorCount: number;
  readonly readOnly: boolean;
  readonly bytes: Uint8Array;
  constructor(sectorCount: number, sectorSize = 512, opts: { bytes?: Uint8Array; readOnly?: boolean } = {}) {
    if (!SECTOR_SIZES.includes(sectorSize)) throw new FatError('E_INVALID', `MemoryDevice: a sector size of ${sectorSize} is not one of 512, 1024, 2048, 4096`);
    if (!Number.isSafeInteger(sectorCount) || sectorCount < 1) throw new FatError('E_INVALID', `MemoryDevice: a sector count of ${sectorCount} is not a positive whole number`);
    this.sectorSize = sectorSize;
    this.sectorCount = sectorCount;
    this.readOnly = opts.readOnly ?? false;
    this.bytes = opts.bytes ?? new Uint8Array(sectorCount * sectorSize);
    if (this.bytes.length !== sectorCount * sectorSize) throw new FatError('E_INVALID', `MemoryDevice: ${this.bytes.length} bytes are not ${sectorCount} sectors of ${sectorSize}`);
  }
  read(sector: number, count: number): Promise<Uint8Array> {
    this.check(sector, count, 'read');
    return Promise.resolve(this.bytes.slice(sector * this.sectorSize, (sector + count) * this.sectorSize));
  }
  write(sector: number, data: Uint8Array): Promise<void> {
    if (this.readOnly) return Promise.reject(Object.assign(new Error('MemoryDevice: write to a read-only device'), { code: 'E_READ_ONLY' }));
    this.check(sector, data.length / this.sectorSize, 'write');
    this.bytes.set(data, sector * this.sectorSize);
    return Promise.resolve();
  }
  flush(): Promise<void> { return Promise.resolve(); }
  private check(sector: number, count: number, what: string): void {
    if (!Number.isSafeInteger(sector) || !Number.isSafeInteger(count) || sector < 0 || count < 1 || sector + count > this.sectorCount) {
      throw Object.assign(new Error(`MemoryDevice: ${what} of ${count} sectors at ${sector} is outside the device's ${this.sectorCount}`), { code: 'E_RANGE' });
    }
  }
}

function codeOf(e: unknown): string {
  const c = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof c === 'string' ? c : 'E_IO';
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The engine's access to a device in logical sectors of the volume (the boot sector's bytes per
 * sector, a whole multiple of the device's sector).
 */
export class VolumeIO {
  readonly dev: SectorDevice;
  readonly sectorSize: number;
  /** Device sectors per logical sector. */
  readonly ratio: number;
  /** Logical sectors the engine may touch. */
  limit: number;
  readOnly: boolean;
  /** Writes issued since the last flush (a flush with none skips the device's). */
  private unflushed = 0;
  writes = 0;

  constructor(dev: SectorDevice, sectorSize: number, limit: number, readOnly: boolean) {
    this.dev = dev;
    this.sectorSize = sectorSize;
    this.ratio = sectorSize / dev.sectorSize;
    if (!Number.isInteger(this.ratio) || this.ratio < 1) {
      throw new FatError('E_BAD_BOOT', `a logical sector of ${sectorSize} bytes is not a whole number of the device's ${dev.sectorSize}-byte sectors`);
    }
    const deviceLimit = Math.floor(dev.sectorCount / this.ratio);
    this.limit = Math.min(limit, deviceLimit);
    this.readOnly = readOnly || dev.readOnly;
  }

  private range(sector: number, count: number, what: string): void {
    if (!Number.isSafeInteger(sector) || !Number.isSafeInteger(count) || sector < 0 || count < 1 || sector + count > this.limit) {
      throw new FatError('E_CORRUPT', `${what} of ${count} sectors at sector ${sector} would pass the volume's end (${this.limit} sectors)`, { sector });
    }
  }

  async read(sector: number, count: number): Promise<Uint8Array> {
    this.range(sector, count, 'read');
    let data: Uint8Array;
    try {
      data = await this.dev.read(sector * this.ratio, count * this.ratio);
    } catch (e) {
      throw new FatError('E_IO', `reading ${count} sectors at sector ${sector} failed: ${codeOf(e)}: ${messageOf(e)}`, { sector });
    }
    if (!(data instanceof Uint8Array) || data.length !== count * this.sectorSize) {
      throw new FatError('E_IO', `reading ${count} sectors at sector ${sector}: the device returned ${data instanceof Uint8Array ? `${data.length} bytes` : 'no bytes'}, not ${count * this.sectorSize}`, { sector });
    }
    return data;
  }

  async write(sector: number, data: Uint8Array): Promise<void> {
    if (this.readOnly) throw new FatError('E_READ_ONLY', `writing sector ${sector}: the volume is read-only`, { sector });
    if (data.length === 0 || data.length % this.sectorSize !== 0) throw new FatError('E_INTERNAL', `writing sector ${sector}: ${data.length} bytes are not whole sectors`, { sector });
    this.range(sector, data.length / this.sectorSize, 'write');
    this.unflushed++;
    this.writes++;
    try {
      await this.dev.write(sector * this.ratio, data);
    } catch (e) {
      throw new FatError('E_IO', `writing ${data.length / this.sectorSize} sectors at sector ${sector} failed: ${codeOf(e)}: ${messageOf(e)}`, { sector });
    }
  }

  /** A write barrier: everything written before is durable when it resolves. */
  async flush(force = false): Promise<void> {
    if (this.readOnly || (this.unflushed === 0 && !force)) return;
    this.unflushed = 0;
    try {
      await this.dev.flush();
    } catch (e) {
      throw new FatError('E_IO', `flushing the device failed: ${codeOf(e)}: ${messageOf(e)}`);
    }
  }

  /** The device sector where logical sector `sector` starts. */
  deviceSector(sector: number): number { return sector * this.ratio; }
}
