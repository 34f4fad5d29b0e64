// The file allocation table: entries read and written through the sector cache, chains walked
// with bounds, clusters allocated and freed, the free count kept.
// Rules for callers: entries come back normalised: 0 free, 2..maxCluster a link, END for any
// end-of-chain mark, BAD for the bad-cluster mark; anything else (1, reserved values, numbers past
// the volume) is returned as is and is corruption. Freed clusters stay unallocatable until the
// flush that writes their release (`pendingFree`), so no cluster is reused while a durable
// directory entry may still name it. `freeCount` must be counted (`countFree`) before allocating.
// Invariants: every walk stops within maxCluster steps; `set` keeps FAT32's reserved top 4 bits;
// a FAT12 entry that straddles two sectors is read and written as both halves.
import { fatStart, type Geometry } from './boot.ts';
import { ORDER, type Epoch, type SectorCache } from './cache.ts';
import { FatError } from './errors.ts';
import type { Pause } from './core.ts';
import { u16, u32 } from './le.ts';

export const END = 0x0fffffff;
export const BAD = 0x0ffffff7;

export class FatTable {
  readonly g: Geometry;
  private readonly cache: SectorCache;
  private readonly pause: Pause;
  private readonly first: number;
  /** Free clusters, counting those whose release is not yet flushed; -1 until counted. */
  freeCount = -1;
  nextFree = 2;
  readonly pendingFree = new Set<number>();

  /** Told of every cluster released (the small-file cache forgets a file that started there). */
  onRelease: (c: number) => void = () => undefined;
  constructor(g: Geometry, cache: SectorCache, pause: Pause) {
    this.g = g;
    this.cache = cache;
    this.pause = pause;
    this.first = fatStart(g, g.activeFat);
  }

  /** Clusters that can be allocated now. */
  get available(): number { return this.freeCount < 0 ? 0 : this.freeCount - this.pendingFree.size; }

  private where(c: number): { sector: number; offset: number } {
    const byte = this.g.type === 12 ? c + (c >>> 1) : this.g.type === 16 ? c * 2 : c * 4;
    const bps = this.g.bytesPerSector;
    return { sector: this.first + Math.floor(byte / bps), offset: byte % bps };
  }

  /** The entry's stored bits (FAT32: all 32). */
  async raw(c: number): Promise<number> {
    const { sector, offset } = this.where(c);
    const s = await this.cache.read(sector);
    if (this.g.type === 32) return u32(s, offset);
    if (this.g.type === 16) return u16(s, offset);
    let v: number;
    if (offset === this.g.bytesPerSector - 1) {
      const next = await this.cache.read(sector + 1);
      v = (s[offset] ?? 0) | ((next[0] ?? 0) << 8);
    } else v = u16(s, offset);
    return (c & 1) === 1 ? v >>> 4 : v & 0xfff;
  }

  static normalise(type: 12 | 16 | 32, raw: number): number {
    if (type === 12) return raw >= 0xff8 ? END : raw === 0xff7 ? BAD : raw;
    if (type === 16) return raw >= 0xfff8 ? END : raw === 0xfff7 ? BAD : raw;
    const v = raw & 0x0fffffff;
    return v >= 0x0ffffff8 ? END : v;
  }

  async get(c: number): Promise<number> {
    return FatTable.normalise(this.g.type, await this.raw(c));
  }

  /** Writes entry `c` (0, a link, END or BAD) in phase `epoch`. */
  async set(c: number, value: number, epoch: Epoch): Promise<void> {
    const v = this.stored(value);
    if (!this.setNow(c, v, epoch)) await this.setRaw(c, v, epoch);
  }

  /** The bits that stand for `value` (0, a link, END or BAD) in this FAT's width. */
  private stored(value: number): number {
    const t = this.g.type;
    return value === END ? (t === 12 ? 0xfff : t === 16 ? 0xffff : 0x0fffffff)
      : value === BAD ? (t === 12 ? 0xff7 : t === 16 ? 0xfff7 : 0x0ffffff7) : value;
  }

  /** `setRaw` done at once when the entry's sector is cached (no asynchronous step); false when
   * the caller must `setRaw` instead (FAT12 entries straddling two sectors always do). */
  private setNow(c: number, v: number, epoch: Epoch): boolean {
    const { sector, offset } = this.where(c);
    const s = this.cache.peek(sector);
    if (s === undefined) return false;
    if (this.g.type === 32) {
      const nv = ((u32(s, offset) & 0xf0000000) | (v & 0x0fffffff)) >>> 0;
      return this.cache.updateNow(sector, offset, new Uint8Array([nv & 0xff, (nv >>> 8) & 0xff, (nv >>> 16) & 0xff, nv >>> 24]), epoch);
    }
    if (this.g.type === 16) return this.cache.updateNow(sector, offset, new Uint8Array([v & 0xff, (v >>> 8) & 0xff]), epoch);
    if (offset === this.g.bytesPerSector - 1) return false;
    let word = (s[offset] ?? 0) | ((s[offset + 1] ?? 0) << 8);
    word = (c & 1) === 1 ? (word & 0x000f) | ((v & 0xfff) << 4) : (word & 0xf000) | (v & 0xfff);
    return this.cache.updateNow(sector, offset, new Uint8Array([word & 0xff, word >>> 8]), epoch);
  }

  /** Writes entry `c`'s bits as given (FAT32: the low 28; the top 4 are kept). */
  async setRaw(c: number, v: number, epoch: Epoch): Promise<void> {
    const { sector, offset } = this.where(c);
    const bps = this.g.bytesPerSector;
    if (this.g.type === 32) {
      const old = u32(await this.cache.read(sector), offset);
      const nv = ((old & 0xf0000000) | (v & 0x0fffffff)) >>> 0;
      await this.cache.update(sector, offset, new Uint8Array([nv & 0xff, (nv >>> 8) & 0xff, (nv >>> 16) & 0xff, nv >>> 24]), epoch);
      return;
    }
    if (this.g.type === 16) {
      await this.cache.update(sector, offset, new Uint8Array([v & 0xff, (v >>> 8) & 0xff]), epoch);
      return;
    }
    const s = await this.cache.read(sector);
    const straddle = offset === bps - 1;
    const lo = s[offset] ?? 0;
    const hi = straddle ? ((await this.cache.read(sector + 1))[0] ?? 0) : (s[offset + 1] ?? 0);
    let word = lo | (hi << 8);
    word = (c & 1) === 1 ? (word & 0x000f) | ((v & 0xfff) << 4) : (word & 0xf000) | (v & 0xfff);
    if (straddle) {
      await this.cache.update(sector, offset, new Uint8Array([word & 0xff]), epoch);
      await this.cache.update(sector + 1, 0, new Uint8Array([word >>> 8]), epoch);
    } else {
      await this.cache.update(sector, offset, new Uint8Array([word & 0xff, word >>> 8]), epoch);
    }
  }

  isCluster(v: number): boolean { return v >= 2 && v <= this.g.maxCluster; }

  /** Entry `c`'s stored bits if its sector is cached, without waiting (undefined on a miss). */
  private rawCached(c: number): number | undefined {
    const { sector, offset } = this.where(c);
    const s = this.cache.peek(sector);
    if (s === undefined) return undefined;
    if (this.g.type === 32) return u32(s, offset);
    if (this.g.type === 16) return u16(s, offset);
    if (offset === this.g.bytesPerSector - 1) return undefined;
    const v = u16(s, offset);
    return (c & 1) === 1 ? v >>> 4 : v & 0xfff;
  }

  /**
   * `next` answered from the cache without waiting: chain walks over cached FAT sectors (the
   * common case) then cost no asynchronous step per cluster. Undefined when the sector is not
   * cached; throws as `next` does.
   */
  nextCached(c: number, what: string): number | undefined {
    const raw = this.rawCached(c);
    return raw === undefined ? undefined : this.judged(c, FatTable.normalise(this.g.type, raw), what);
  }

  /** The next cluster after `c` in a chain: a cluster number, or END. Throws on anything else. */
  async next(c: number, what: string): Promise<number> {
    return this.judged(c, await this.get(c), what);
  }

  private judged(c: number, v: number, what: string): number {
    if (v === END || this.isCluster(v)) return v;
    const kind = v === 0 ? 'a free cluster' : v === BAD ? 'a bad-cluster mark' : `${v}, outside clusters 2..${this.g.maxCluster}`;
    throw new FatError('E_CORRUPT', `${what}: the FAT entry of cluster ${c} holds ${kind}, not a link or an end-of-chain mark`, { sector: this.where(c).sector });
  }

  /**
   * The clusters of the chain starting at `first`, at most `limit` of them (a longer chain is
   * cut short, not an error, when `cut` is set). Throws E_LOOP on a cluster met twice.
   */
  async chain(first: number, limit: number, what: string, cut = false): Promise<number[]> {
    if (first === 0) return [];
    if (!this.isCluster(first)) throw new FatError('E_CORRUPT', `${what}: its first cluster ${first} is outside clusters 2..${this.g.maxCluster}`);
    const out: number[] = [];
    const seen = new Set<number>();
    let c = first;
    const bound = Math.min(limit, this.g.clusterCount);
    for (;;) {
      if (seen.has(c)) throw new FatError('E_LOOP', `${what}: its cluster chain loops back to cluster ${c} after ${out.length} clusters`);
      seen.add(c);
      out.push(c);
      if ((out.length & 63) === 0) await this.pause();
      const n = this.nextCached(c, what) ?? await this.next(c, what);
      if (n === END) return out;
      if (out.length >= bound) {
        if (cut) return out;
        throw new FatError(out.length >= this.g.clusterCount ? 'E_LOOP' : 'E_CORRUPT', `${what}: its cluster chain is longer than the ${bound} clusters it may have`);
      }
      c = n;
    }
  }

  /** Counts free clusters over the whole FAT (current contents, in batches, decoded in place). */
  async countFree(): Promise<number> {
    const g = this.g;
    const bps = g.bytesPerSector;
    const batch = g.type === 12 ? 48 : 64; // FAT12: whole multiples of 3 sectors, so no entry straddles two batches
    let free = 0;
    let firstFree = 0;
    for (let s = 0; s < g.fatSectors; s += batch) {
      const n = Math.min(batch, g.fatSectors - s);
      const data = await this.cache.snapshot(this.first + s, n);
      const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
      const base = g.type === 12 ? (s * bps * 2) / 3 : (s * bps * 8) / g.type;
      const entries = g.type === 12 ? Math.floor((n * bps * 2) / 3) : (n * bps * 8) / g.type;
      for (let i = 0; i < entries; i++) {
        const c = base + i;
        if (c > g.maxCluster) break;
        let v: number;
        if (g.type === 32) v = dv.getUint32(i * 4, true) & 0x0fffffff;
        else if (g.type === 16) v = dv.getUint16(i * 2, true);
        else {
          const o = i + (i >>> 1);
          if (o + 1 >= data.length) break;
          const w = dv.getUint16(o, true);
          v = (i & 1) === 1 ? w >>> 4 : w & 0xfff;
        }
        if (v === 0 && c >= 2) { free++; if (firstFree === 0) firstFree = c; }
      }
      await this.pause();
    }
    this.freeCount = free;
    this.nextFree = firstFree === 0 ? 2 : firstFree;
    return free;
  }

  /**
   * Allocates `count` free clusters, chained in order and ended, in phase PREP (the caller links them); prefers the run
   * after `near`. Returns them. Throws E_NO_SPACE (nothing changed) when fewer are available.
   */
  async allocate(count: number, near: number, what: string): Promise<number[]> {
    if (count <= 0) return [];
    if (this.available < count) throw new FatError('E_NO_SPACE', `${what}: ${count} clusters are needed but only ${Math.max(0, this.available)} are free`);
    const out: number[] = [];
    const span = this.g.clusterCount;
    let c = this.isCluster(near + 1) ? near + 1 : this.isCluster(this.nextFree) ? this.nextFree : 2;
    for (let tried = 0; out.length < count && tried < span; tried++) {
      if (!this.pendingFree.has(c) && (this.rawCached(c) ?? await this.raw(c)) === 0) out.push(c);
      c = c >= this.g.maxCluster ? 2 : c + 1;
      if ((tried & 255) === 255) await this.pause();
    }
    if (out.length < count) throw new FatError('E_CORRUPT', `${what}: the free count said ${this.available} clusters are free but only ${out.length} were found`);
    for (let i = 0; i < out.length; i++) {
      const v = this.stored(i + 1 < out.length ? out[i + 1] as number : END);
      if (!this.setNow(out[i] as number, v, ORDER.PREP)) await this.setRaw(out[i] as number, v, ORDER.PREP);
    }
    this.freeCount -= out.length;
    this.nextFree = c;
    return out;
  }

  /** Releases `clusters` (already walked and checked) in phase FREE. */
  async release(clusters: readonly number[]): Promise<void> {
    for (const c of clusters) {
      if (this.pendingFree.has(c)) continue;
      this.onRelease(c);
      if (!this.setNow(c, 0, ORDER.FREE)) await this.setRaw(c, 0, ORDER.FREE);
      this.pendingFree.add(c);
      this.freeCount++;
    }
  }

  /** After a completed flush: released clusters may be reused. */
  flushed(): void {
    this.pendingFree.clear();
  }
}
