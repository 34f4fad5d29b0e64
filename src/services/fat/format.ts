// format: lays a new, empty FAT12/16/32 volume over a whole device (mkfs).
// Rules for callers: `format(dev, { clock, fat?, label?, oemName?, sectorsPerCluster? })`. The
// type follows the device's size when omitted (up to 4.1 MB FAT12, up to 512 MiB FAT16, above
// that FAT32, as Microsoft's table and mkfs.fat do) and cluster sizes follow the same tables;
// an explicit type the size cannot hold fails with E_FORMAT before anything is written.
// Invariants: the boot sector is written last and flushed, so a format cut short never leaves a
// device that mounts as a half-made volume; every sector the layout names is zeroed first.
import { MAX_FAT12_CLUSTERS, MAX_FAT16_CLUSTERS, MAX_FAT32_CLUSTERS, FSINFO_LEAD, FSINFO_STRUCT, FSINFO_TRAIL, type FatType } from './boot.ts';
import { pacer, type Pause } from './core.ts';
import { ATTR_VOLUME, encodeEntry } from './dirent.ts';
import { VolumeIO, SECTOR_SIZES, type SectorDevice } from './device.ts';
import { FatError, guarded } from './errors.ts';
import { toFat } from './fat-time.ts';
import { put16, put32 } from './le.ts';

export interface FormatOptions {
  readonly clock: () => number;
  readonly fat?: FatType;
  /** Up to 11 characters: A-Z, 0-9, space and $%'-_@~`!(){}^#& (lower case is raised). */
  readonly label?: string;
  readonly oemName?: string;
  /** A power of two; chosen from the size when omitted. */
  readonly sectorsPerCluster?: number;
  /** A 32-bit serial number; derived from the clock when omitted. */
  readonly volumeId?: number;
  /** How the caller yields its turn while large FATs are zeroed (as MountOptions.pause). */
  readonly pause?: () => PromiseLike<void>;
}

export interface Layout {
  readonly type: FatType;
  readonly bytesPerSector: number;
  readonly sectorsPerCluster: number;
  readonly reservedSectors: number;
  readonly numFats: number;
  readonly rootEntries: number;
  readonly fatSectors: number;
  readonly totalSectors: number;
  readonly clusterCount: number;
}

const MIB = 1024 * 1024;

function autoType(bytes: number): FatType {
  if (bytes <= 8400 * 512) return 12;
  if (bytes <= 512 * MIB) return 16;
  return 32;
}

/** Cluster size in bytes by Microsoft's tables (FAT16 and FAT32); FAT12 takes the smallest that fits. */
function tableClusterBytes(type: FatType, bytes: number): number {
  if (type === 12) return 512;
  if (type === 16) {
    for (const [limit, size] of [[16 * MIB, 1024], [128 * MIB, 2048], [256 * MIB, 4096], [512 * MIB, 8192], [1024 * MIB, 16384], [2048 * MIB, 32768]] as const) {
      if (bytes <= limit) return size;
    }
    return 65536;
  }
  for (const [limit, size] of [[260 * MIB, 512], [8192 * MIB, 4096], [16384 * MIB, 8192], [32768 * MIB, 16384]] as const) {
    if (bytes <= limit) return size;
  }
  return 32768;
}

function layoutFor(type: FatType, ss: number, total: number, spc: number): Layout {
  const reserved = type === 32 ? 32 : 1;
  const numFats = 2;
  const perSector = ss / 32;
  const rootEntries = type === 32 ? 0 : Math.max(perSector, total * ss <= 2880 * 512 ? 224 : 512);
  const rootSectors = Math.ceil((rootEntries * 32) / ss);
  let fatSectors = 1;
  let clusters = 0;
  for (let i = 0; i < 64; i++) {
    const data = total - reserved - numFats * fatSectors - rootSectors;
    clusters = data > 0 ? Math.floor(data / spc) : 0;
    const need = Math.ceil(((clusters + 2) * type) / 8 / ss);
    if (need <= fatSectors) break;
    fatSectors = need;
  }
  return { type, bytesPerSector: ss, sectorsPerCluster: spc, reservedSectors: reserved, numFats, rootEntries: Math.ceil((rootEntries * 32) / ss) * perSector, fatSectors, totalSectors: total, clusterCount: clusters };
}

function fits(l: Layout): boolean {
  if (l.clusterCount < 1) return false;
  if (l.type === 12) return l.clusterCount <= MAX_FAT12_CLUSTERS;
  if (l.type === 16) return l.clusterCount > MAX_FAT12_CLUSTERS && l.clusterCount <= MAX_FAT16_CLUSTERS;
  return l.clusterCount > MAX_FAT16_CLUSTERS && l.clusterCount <= MAX_FAT32_CLUSTERS;
}

/** The layout `format` would use (throws E_FORMAT when none fits). */
export function planLayout(dev: { sectorSize: number; sectorCount: number }, opts: Omit<FormatOptions, 'clock'> = {}): Layout {
  const ss = dev.sectorSize;
  if (!SECTOR_SIZES.includes(ss)) throw new FatError('E_FORMAT', `format: a device sector of ${ss} bytes is not one of 512, 1024, 2048, 4096`);
  const total = Math.min(dev.sectorCount, 0xffffffff);
  const bytes = total * ss;
  const type = opts.fat ?? autoType(bytes);
  if (type !== 12 && type !== 16 && type !== 32) throw new FatError('E_FORMAT', `format: FAT${String(type)} is not FAT12, FAT16 or FAT32`);
  const candidates: number[] = [];
  if (opts.sectorsPerCluster !== undefined) {
    const s = opts.sectorsPerCluster;
    if (!Number.isInteger(s) || s < 1 || s > 128 || (s & (s - 1)) !== 0) throw new FatError('E_FORMAT', `format: ${s} sectors per cluster is not a power of two from 1 to 128`);
    candidates.push(s);
  } else {
    const preferred = Math.max(1, tableClusterBytes(type, bytes) / ss);
    // The table's choice first, then smaller clusters (more of them), then larger.
    for (let s = Math.min(128, preferred); s >= 1; s /= 2) candidates.push(s);
    for (let s = Math.min(128, preferred) * 2; s <= 128; s *= 2) candidates.push(s);
  }
  for (const spc of candidates) {
    const l = layoutFor(type, ss, total, spc);
    if (fits(l)) return l;
  }
  const l = layoutFor(type, ss, total, candidates[0] as number);
  const range = type === 12 ? `1..${MAX_FAT12_CLUSTERS}` : type === 16 ? `${MAX_FAT12_CLUSTERS + 1}..${MAX_FAT16_CLUSTERS}` : `${MAX_FAT16_CLUSTERS + 1}..${MAX_FAT32_CLUSTERS}`;
  throw new FatError('E_FORMAT', `format: a ${bytes}-byte device cannot hold FAT${type}: it needs ${range} clusters and gets ${l.clusterCount} with ${l.sectorsPerCluster} sectors per cluster${type === 32 ? ' (FAT32 needs about 33 MiB or more)' : ''}`);
}

function labelBytes(label: string | undefined): Uint8Array | null {
  if (label === undefined || label === '') return null;
  const up = label.toUpperCase();
  if (up.length > 11 || !/^[A-Z0-9 $%'\-_@~`!(){}^#&]+$/.test(up) || up.startsWith(' ')) {
    throw new FatError('E_FORMAT', `format: label ${JSON.stringify(label)} must be 1-11 characters of A-Z, 0-9, space and $%'-_@~\`!(){}^#&, not starting with a space`);
  }
  const out = new Uint8Array(11).fill(0x20);
  for (let i = 0; i < up.length; i++) out[i] = up.charCodeAt(i);
  return out;
}

function bootSector(l: Layout, volumeId: number, label: Uint8Array | null, oem: string): Uint8Array {
  const b = new Uint8Array(l.bytesPerSector);
  const fat32 = l.type === 32;
  b[0] = 0xeb; b[1] = fat32 ? 0x58 : 0x3c; b[2] = 0x90;
  const o = (oem + '        ').slice(0, 8);
  for (let i = 0; i < 8; i++) b[3 + i] = o.charCodeAt(i) & 0x7f;
  put16(b, 11, l.bytesPerSector);
  b[13] = l.sectorsPerCluster;
  put16(b, 14, l.reservedSectors);
  b[16] = l.numFats;
  put16(b, 17, l.rootEntries);
  put16(b, 19, l.totalSectors < 0x10000 ? l.totalSectors : 0);
  b[21] = 0xf8;
  put16(b, 22, fat32 ? 0 : l.fatSectors);
  put16(b, 24, 63);
  put16(b, 26, 255);
  put32(b, 28, 0);
  put32(b, 32, l.totalSectors < 0x10000 ? 0 : l.totalSectors);
  let ext = 36;
  if (fat32) {
    put32(b, 36, l.fatSectors);
    put16(b, 40, 0);
    put16(b, 42, 0);
    put32(b, 44, 2);
    put16(b, 48, 1);
    put16(b, 50, 6);
    ext = 64;
  }
  b[ext] = 0x80;
  b[ext + 1] = 0;
  b[ext + 2] = 0x29;
  put32(b, ext + 3, volumeId);
  b.set(label ?? new Uint8Array([0x4e, 0x4f, 0x20, 0x4e, 0x41, 0x4d, 0x45, 0x20, 0x20, 0x20, 0x20]), ext + 7);
  const fsType = fat32 ? 'FAT32   ' : l.type === 16 ? 'FAT16   ' : 'FAT12   ';
  for (let i = 0; i < 8; i++) b[ext + 18 + i] = fsType.charCodeAt(i);
  // Boot code: a halt loop (the volume is not bootable).
  const code = ext + 26;
  b[code] = 0xfa; b[code + 1] = 0xf4; b[code + 2] = 0xeb; b[code + 3] = 0xfd;
  b[510] = 0x55; b[511] = 0xaa;
  return b;
}

async function zero(io: VolumeIO, first: number, count: number, pause: Pause): Promise<void> {
  const chunk = Math.max(1, Math.floor((256 * 1024) / io.sectorSize));
  const buf = new Uint8Array(Math.min(chunk, count) * io.sectorSize);
  for (let s = 0; s < count; s += chunk) {
    const n = Math.min(chunk, count - s);
    await io.write(first + s, n === chunk ? buf : buf.subarray(0, n * io.sectorSize));
    await pause();
  }
}

/** Formats the whole device; returns the layout written. */
export async function format(dev: SectorDevice, opts: FormatOptions): Promise<Layout> {
  return guarded('format', undefined, async () => {
    if (dev.readOnly) throw new FatError('E_READ_ONLY', 'format: the device is read-only');
    const l = planLayout(dev, opts);
    const label = labelBytes(opts.label);
    const now = opts.clock();
    const stamp = toFat(now);
    const volumeId = opts.volumeId ?? (((stamp.date << 16) | stamp.time) ^ (Math.floor(now) & 0xffff)) >>> 0;
    const io = new VolumeIO(dev, l.bytesPerSector, l.totalSectors, false);
    const ss = l.bytesPerSector;
    const rootSectors = (l.rootEntries * 32) / ss;
    const dataStart = l.reservedSectors + l.numFats * l.fatSectors + rootSectors;
    // Zero the boot sector first: until the end, the device does not look like a volume.
    const pause = pacer(opts.pause, opts.clock);
    await zero(io, 0, dataStart, pause);
    if (l.type === 32) await zero(io, dataStart, l.sectorsPerCluster, pause);
    await io.flush(true);
    const fat0 = new Uint8Array(ss);
    if (l.type === 12) { fat0[0] = 0xf8; fat0[1] = 0xff; fat0[2] = 0xff; }
    else if (l.type === 16) { put16(fat0, 0, 0xfff8); put16(fat0, 2, 0xffff); }
    else { put32(fat0, 0, 0x0ffffff8); put32(fat0, 4, 0x0fffffff); put32(fat0, 8, 0x0fffffff); }
    for (let k = 0; k < l.numFats; k++) await io.write(l.reservedSectors + k * l.fatSectors, fat0);
    if (label !== null) {
      const root = new Uint8Array(ss);
      root.set(encodeEntry({ sfn: label, attr: ATTR_VOLUME, ntres: 0, ctimeTenths: 0, ctime: 0, cdate: 0, adate: 0, hiWord: 0, mtime: stamp.time, mdate: stamp.date, first: 0, size: 0 }, false), 0);
      await io.write(l.type === 32 ? dataStart : l.reservedSectors + l.numFats * l.fatSectors, root);
    }
    const boot = bootSector(l, volumeId, label, opts.oemName ?? 'SING');
    if (l.type === 32) {
      const info = new Uint8Array(ss);
      put32(info, 0, FSINFO_LEAD);
      put32(info, 484, FSINFO_STRUCT);
      put32(info, 488, l.clusterCount - 1);
      put32(info, 492, 3);
      put32(info, 508, FSINFO_TRAIL);
      await io.write(1, info);
      await io.write(7, info);
      await io.write(6, boot);
    }
    await io.flush(true);
    await io.write(0, boot);
    await io.flush(true);
    return l;
  });
}
