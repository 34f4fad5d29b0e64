// The whole FAT held in memory for the checker: decoded entries, changes, comparison with the
// mirrors, and writing the result back to every copy.
// Rules for callers: `FatImage.load` reads the copy the volume uses (the first whose media entry
// looks right); `get`/`set` work on normalised values as FatTable's; `writeBack` writes every
// sector of every copy that differs from the image and says how many it wrote.
// Invariants: the image's bytes are the chosen copy's bytes with the checker's changes applied;
// FAT32's reserved top bits are kept.
import { fatStart, type Geometry } from './boot.ts';
import type { VolumeIO } from './device.ts';
import type { Pause } from './core.ts';
import { BAD, END, FatTable } from './fat-table.ts';
import { u16, u32 } from './le.ts';

export class FatImage {
  readonly g: Geometry;
  readonly bytes: Uint8Array;
  private readonly dv: DataView;
  /** The copy the image was read from. */
  readonly source: number;
  /** Copies whose bytes (over the entries in use) differ from the chosen one. */
  readonly mismatched: number[];
  /** True when the chosen copy's entry 0 does not carry the media byte and end marks. */
  readonly badMedia: boolean;

  private constructor(g: Geometry, bytes: Uint8Array, source: number, mismatched: number[], badMedia: boolean) {
    this.g = g;
    this.bytes = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.source = source;
    this.mismatched = mismatched;
    this.badMedia = badMedia;
  }

  /** Bytes holding entries 0..maxCluster. */
  static effective(g: Geometry): number { return Math.ceil(((g.clusterCount + 2) * g.type) / 8); }

  static async load(g: Geometry, io: VolumeIO, pause: Pause): Promise<FatImage> {
    const copies: number[] = g.mirrored ? Array.from({ length: g.numFats }, (_, k) => k) : [g.activeFat];
    const images: Uint8Array[] = [];
    for (const k of copies) images.push(await readCopy(g, io, k, pause));
    const eff = FatImage.effective(g);
    const okMedia = (b: Uint8Array): boolean => {
      const v = g.type === 12 ? u16(b, 0) & 0xfff : g.type === 16 ? u16(b, 0) : u32(b, 0) & 0x0fffffff;
      const extd = g.type === 12 ? 0xf00 : g.type === 16 ? 0xff00 : 0x0fffff00;
      return (v & extd) === extd;
    };
    let pick = 0;
    if (!okMedia(images[0] as Uint8Array)) {
      const good = images.findIndex(okMedia);
      if (good > 0) pick = good;
    }
    const chosen = images[pick] as Uint8Array;
    const mismatched: number[] = [];
    for (let i = 0; i < images.length; i++) {
      if (i === pick) continue;
      const other = images[i] as Uint8Array;
      for (let at = 0; at < eff; at += 65536) {
        const n = Math.min(65536, eff - at);
        if (!sameBytes(other.subarray(at, at + n), chosen, at, n)) { mismatched.push(copies[i] as number); break; }
        await pause();
      }
    }
    return new FatImage(g, chosen, copies[pick] as number, mismatched, !okMedia(chosen));
  }

  raw(c: number): number {
    const dv = this.dv;
    if (this.g.type === 32) return dv.getUint32(c * 4, true);
    if (this.g.type === 16) return dv.getUint16(c * 2, true);
    const o = c + (c >>> 1);
    const v = o + 1 < this.bytes.length ? dv.getUint16(o, true) : dv.getUint8(o);
    return (c & 1) === 1 ? v >>> 4 : v & 0xfff;
  }

  get(c: number): number { return FatTable.normalise(this.g.type, this.raw(c)); }

  setRaw(c: number, v: number): void {
    const dv = this.dv;
    if (this.g.type === 32) { dv.setUint32(c * 4, ((dv.getUint32(c * 4, true) & 0xf0000000) | (v & 0x0fffffff)) >>> 0, true); return; }
    if (this.g.type === 16) { dv.setUint16(c * 2, v & 0xffff, true); return; }
    const o = c + (c >>> 1);
    const w = dv.getUint16(o, true);
    dv.setUint16(o, (c & 1) === 1 ? (w & 0x000f) | ((v & 0xfff) << 4) : (w & 0xf000) | (v & 0xfff), true);
  }

  set(c: number, v: number): void {
    const t = this.g.type;
    this.setRaw(c, v === END ? (t === 12 ? 0xfff : t === 16 ? 0xffff : 0x0fffffff) : v === BAD ? (t === 12 ? 0xff7 : t === 16 ? 0xfff7 : 0x0ffffff7) : v);
  }

  /** Entry 0 rebuilt from the media byte, as fsck.fat does. */
  fixMedia(): void {
    const t = this.g.type;
    this.setRaw(0, (t === 12 ? 0xf00 : t === 16 ? 0xff00 : 0x0fffff00) | this.g.media);
  }

  /** Writes every differing sector of every copy; returns the number of sectors written. */
  async writeBack(io: VolumeIO, pause: Pause): Promise<number> {
    const g = this.g;
    const copies: number[] = g.mirrored ? Array.from({ length: g.numFats }, (_, k) => k) : [g.activeFat];
    const bps = g.bytesPerSector;
    const batch = 64;
    let written = 0;
    for (const k of copies) {
      for (let s = 0; s < g.fatSectors; s += batch) {
        const n = Math.min(batch, g.fatSectors - s);
        const disk = await io.read(fatStart(g, k) + s, n);
        for (let i = 0; i < n; i++) {
          if (sameBytes(disk.subarray(i * bps, (i + 1) * bps), this.bytes, (s + i) * bps, bps)) continue;
          await io.write(fatStart(g, k) + s + i, this.bytes.subarray((s + i) * bps, (s + i + 1) * bps));
          written++;
        }
        await pause();
      }
    }
    return written;
  }
}

async function readCopy(g: Geometry, io: VolumeIO, k: number, pause: Pause): Promise<Uint8Array> {
  const bps = g.bytesPerSector;
  const out = new Uint8Array(g.fatSectors * bps);
  const batch = 128;
  for (let s = 0; s < g.fatSectors; s += batch) {
    const n = Math.min(batch, g.fatSectors - s);
    out.set(await io.read(fatStart(g, k) + s, n), s * bps);
    await pause();
  }
  return out;
}

/** True when a[0, length) equals b[at, at+length) (compared four bytes at a time). */
function sameBytes(a: Uint8Array, b: Uint8Array, at: number, length: number): boolean {
  const da = new DataView(a.buffer, a.byteOffset, a.byteLength);
  const db = new DataView(b.buffer, b.byteOffset + at, b.byteLength - at);
  let i = 0;
  for (; i + 4 <= length; i += 4) if (da.getUint32(i) !== db.getUint32(i)) return false;
  for (; i < length; i++) if (da.getUint8(i) !== db.getUint8(i)) return false;
  return true;
}
