// The metadata buffer cache: FAT, directory, boot and FSInfo sectors, write-back, with ordered
// flushes. Each change is recorded as a delta tagged with an epoch (the write-ordering phase it
// belongs to, see ORDER below); `flush` writes epoch 1's sectors, waits for the device, then
// epoch 2's, and so on, so a cut at any point leaves the disk with every epoch before some epoch
// k and part of epoch k.
// Rules for callers: read with `read` (the current view, including unflushed changes; do not
// mutate the returned bytes) and change only through `update`/`fresh`. A change whose bytes
// overlap a pending change of a later epoch forces a flush first, so that the disk never sees a
// later phase's bytes before an earlier one's. `mirrorsOf` says where else a sector is written
// (a FAT sector goes to every mirrored copy).
// Invariants: a sector with pending deltas is never evicted; `base` holds what the disk has for
// that sector (as far as this cache wrote it), and deltas are applied to it in epoch order.
import type { VolumeIO } from './device.ts';

/** The write-ordering phases, written in this order with a device flush between each. */
export const ORDER = {
  /** New clusters' own FAT entries and fresh directory clusters' contents (nothing names them yet). */
  PREP: 1,
  /** Links from existing chains to new clusters. */
  LINK: 2,
  /** Long-name entries of new names. */
  NAMES: 3,
  /** Short entries: new, grown, shrunk, deleted, and rename targets (marked). */
  COMMIT: 4,
  /** Long-name entries of removed names, rename sources, '..' of moved directories, the end mark of a shrunk chain. */
  CLEAN: 5,
  /** Frees of clusters released by COMMIT/CLEAN, marker clears, FSInfo. */
  FREE: 6,
} as const;
export type Epoch = (typeof ORDER)[keyof typeof ORDER];

interface Delta { readonly epoch: number; readonly offset: number; readonly bytes: Uint8Array }

interface Slot {
  cur: Uint8Array;
  base: Uint8Array | null;
  deltas: Delta[];
}

export interface CacheOptions {
  /** Clean sectors kept at most (dirty ones are kept until flushed). */
  readonly capacity: number;
  /** Extra sector offsets a sector is also written at (FAT mirrors); [] for most sectors. */
  readonly mirrorsOf: (sector: number) => readonly number[];
  /** Called after a flush completed every epoch (the FAT drops its pending frees). */
  readonly onFlushed: () => void;
}

export class SectorCache {
  private readonly io: VolumeIO;
  private readonly opts: CacheOptions;
  private readonly slots = new Map<number, Slot>();
  /** The sector `peek` last moved to the end of the LRU order (-1: none). */
  private latest = -1;
  private dirty = new Set<number>();
  private flushing: Promise<void> | null = null;
  hits = 0;
  misses = 0;

  constructor(io: VolumeIO, opts: CacheOptions) {
    this.io = io;
    this.opts = opts;
  }

  get dirtyCount(): number { return this.dirty.size; }

  /** The current bytes of `sector` when it is in the cache, without waiting (undefined on a miss). */
  peek(sector: number): Uint8Array | undefined {
    const s = this.slots.get(sector);
    if (s === undefined) return undefined;
    this.hits++;
    // Walks meet one FAT sector many times running: it is already the most recent then.
    if (sector !== this.latest) {
      this.slots.delete(sector);
      this.slots.set(sector, s);
      this.latest = sector;
    }
    return s.cur;
  }

  /** The current bytes of `sector` (read from the device on a miss). */
  async read(sector: number): Promise<Uint8Array> {
    const s = this.slots.get(sector);
    if (s !== undefined) {
      this.hits++;
      this.slots.delete(sector);
      this.slots.set(sector, s);
      this.latest = sector;
      return s.cur;
    }
    this.misses++;
    const data = await this.io.read(sector, 1);
    const again = this.slots.get(sector);
    if (again !== undefined) return again.cur;
    this.slots.set(sector, { cur: data, base: null, deltas: [] });
    this.latest = -1;
    this.evict();
    return data;
  }

  /** Loads `count` sectors from `first` into the cache with one device read for the missing ones. */
  async prefetch(first: number, count: number): Promise<void> {
    let i = 0;
    while (i < count) {
      if (this.slots.has(first + i)) { i++; continue; }
      let n = 1;
      while (i + n < count && !this.slots.has(first + i + n) && n < 128) n++;
      const data = await this.io.read(first + i, n);
      const ss = this.io.sectorSize;
      for (let k = 0; k < n; k++) {
        if (!this.slots.has(first + i + k)) this.slots.set(first + i + k, { cur: data.slice(k * ss, (k + 1) * ss), base: null, deltas: [] });
      }
      this.latest = -1;
      i += n;
    }
    this.evict();
  }

  /** The current bytes of sectors [first, first+count) in one array, without caching what it reads. */
  async snapshot(first: number, count: number): Promise<Uint8Array> {
    const data = await this.io.read(first, count);
    const ss = this.io.sectorSize;
    for (let k = 0; k < count; k++) {
      const s = this.slots.get(first + k);
      if (s !== undefined) data.set(s.cur, k * ss);
    }
    return data;
  }

  /** True when `sector` has a pending change of an epoch later than `epoch` overlapping [offset, offset+length). */
  private conflicts(sector: number, offset: number, length: number, epoch: number): boolean {
    const s = this.slots.get(sector);
    if (s === undefined) return false;
    for (const d of s.deltas) {
      if (d.epoch > epoch && d.offset < offset + length && offset < d.offset + d.bytes.length) return true;
    }
    return false;
  }

  /** Changes `bytes.length` bytes of `sector` at `offset`, to be written in phase `epoch`. */
  async update(sector: number, offset: number, bytes: Uint8Array, epoch: Epoch): Promise<void> {
    if (this.updateNow(sector, offset, bytes, epoch)) return;
    if (this.conflicts(sector, offset, bytes.length, epoch)) await this.flush();
    await this.read(sector);
    const s = this.slots.get(sector);
    if (s === undefined) throw new Error(`cache: sector ${sector} vanished`);
    this.apply(sector, s, offset, bytes, epoch);
  }

  /** `update` done at once when the sector is cached and nothing must be flushed first (the
   * common case, with no asynchronous step); false when the caller must `update` instead. */
  updateNow(sector: number, offset: number, bytes: Uint8Array, epoch: Epoch): boolean {
    const s = this.slots.get(sector);
    if (s === undefined || this.conflicts(sector, offset, bytes.length, epoch)) return false;
    this.hits++;
    this.apply(sector, s, offset, bytes, epoch);
    return true;
  }

  private apply(sector: number, s: Slot, offset: number, bytes: Uint8Array, epoch: Epoch): void {
    if (s.base === null) s.base = s.cur.slice();
    s.cur.set(bytes, offset);
    // A change next to or over the last one of the same phase joins it (a run of FAT entries
    // allocated in order stays one delta), so a sector keeps few deltas.
    const last = s.deltas[s.deltas.length - 1];
    if (last !== undefined && last.epoch === epoch && offset <= last.offset + last.bytes.length && last.offset <= offset + bytes.length) {
      const from = Math.min(last.offset, offset);
      const to = Math.max(last.offset + last.bytes.length, offset + bytes.length);
      s.deltas[s.deltas.length - 1] = { epoch, offset: from, bytes: s.cur.slice(from, to) };
    } else {
      s.deltas.push({ epoch, offset, bytes: bytes.slice() });
    }
    this.dirty.add(sector);
  }

  /** Replaces the whole of `sector` (a freshly allocated cluster's sector) without reading it. */
  async fresh(sector: number, bytes: Uint8Array, epoch: Epoch): Promise<void> {
    if (this.conflicts(sector, 0, bytes.length, epoch)) await this.flush();
    let s = this.slots.get(sector);
    if (s === undefined) {
      s = { cur: new Uint8Array(bytes.length), base: null, deltas: [] };
      this.slots.set(sector, s);
      this.latest = -1;
    }
    if (s.base === null) s.base = s.cur.slice();
    s.cur.set(bytes, 0);
    s.deltas.push({ epoch, offset: 0, bytes: bytes.slice() });
    this.dirty.add(sector);
  }

  /** Drops clean copies of sectors [first, first+count) (their cluster now holds file data). */
  forget(first: number, count: number): void {
    for (let i = 0; i < count; i++) {
      const s = this.slots.get(first + i);
      if (s !== undefined && s.deltas.length === 0) this.slots.delete(first + i);
    }
  }

  /** Drops every clean sector (after an outside writer changed the disk, e.g. a repair). */
  forgetAll(): void {
    for (const [k, s] of this.slots) if (s.deltas.length === 0) this.slots.delete(k);
  }

  private evict(): void {
    if (this.slots.size <= this.opts.capacity) return;
    for (const [k, s] of this.slots) {
      if (this.slots.size <= this.opts.capacity) break;
      if (s.deltas.length === 0) this.slots.delete(k);
    }
  }

  /** Writes every pending change, epoch by epoch, with a device flush after each epoch. */
  async flush(): Promise<void> {
    while (this.flushing !== null) await this.flushing;
    if (this.dirty.size === 0) return;
    const run = this.writeEpochs();
    this.flushing = run;
    try {
      await run;
    } finally {
      this.flushing = null;
    }
  }

  private async writeEpochs(): Promise<void> {
    await this.io.flush(); // file data written directly reaches the disk before any metadata names it
    const sectors = [...this.dirty].sort((a, b) => a - b);
    const epochs = new Set<number>();
    for (const k of sectors) for (const d of (this.slots.get(k) as Slot).deltas) epochs.add(d.epoch);
    for (const e of [...epochs].sort((a, b) => a - b)) {
      const touched: number[] = [];
      for (const k of sectors) {
        const s = this.slots.get(k) as Slot;
        let hit = false;
        for (const d of s.deltas) {
          if (d.epoch !== e) continue;
          (s.base as Uint8Array).set(d.bytes, d.offset);
          hit = true;
        }
        if (hit) touched.push(k);
      }
      await this.writeRuns(touched);
      await this.io.flush();
      for (const k of touched) {
        const s = this.slots.get(k) as Slot;
        s.deltas = s.deltas.filter((d) => d.epoch !== e);
      }
    }
    for (const k of sectors) {
      const s = this.slots.get(k) as Slot;
      s.base = null;
      this.dirty.delete(k);
    }
    this.evict();
    this.opts.onFlushed();
  }

  /** Writes the base copies of `sectors` (sorted), merging neighbours into one device write. */
  private async writeRuns(sectors: readonly number[]): Promise<void> {
    const ss = this.io.sectorSize;
    let i = 0;
    while (i < sectors.length) {
      const first = sectors[i] as number;
      const mirrors = this.opts.mirrorsOf(first);
      let n = 1;
      while (i + n < sectors.length && sectors[i + n] === first + n && n < 128 && sameMirrors(this.opts.mirrorsOf(first + n), mirrors)) n++;
      const buf = new Uint8Array(n * ss);
      for (let k = 0; k < n; k++) buf.set((this.slots.get(first + k) as Slot).base as Uint8Array, k * ss);
      await this.io.write(first, buf);
      for (const m of mirrors) await this.io.write(first + m, buf);
      i += n;
    }
  }
}

function sameMirrors(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
