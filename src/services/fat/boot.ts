// The boot sector (BIOS parameter block) read and judged: every field the engine relies on is
// checked against the format's rules and against the device before a volume is mounted.
// Rules for callers: `parseBoot(sector0, device)` returns the volume's Geometry or throws
// FatError E_BAD_BOOT (a field breaks a rule) or E_TRUNCATED (the volume is larger than the
// device). FAT type follows dosfstools and Linux: FAT32 when the 16-bit FAT size is 0, else
// FAT12 below 4,085 clusters and FAT16 below 65,525.
// Invariants: a Geometry's regions lie inside the device and in order (reserved, FATs, root
// directory, data); the FAT holds an entry for every cluster; clusters are numbered 2..maxCluster.
import { FatError } from './errors.ts';
import { isPowerOfTwo, u16, u32, u8 } from './le.ts';

export type FatType = 12 | 16 | 32;

export interface Geometry {
  readonly type: FatType;
  readonly bytesPerSector: number;
  readonly sectorsPerCluster: number;
  readonly clusterSize: number;
  readonly reservedSectors: number;
  readonly numFats: number;
  /** Sectors of one FAT. */
  readonly fatSectors: number;
  /** The FAT the engine reads (0 unless FAT32 mirroring is off). */
  readonly activeFat: number;
  /** True when every FAT copy is written (the normal case). */
  readonly mirrored: boolean;
  readonly rootEntries: number;
  readonly rootStart: number;
  readonly rootSectors: number;
  /** FAT32's root directory cluster; 0 for FAT12/16 (fixed root region). */
  readonly rootCluster: number;
  readonly dataStart: number;
  readonly clusterCount: number;
  /** The highest valid cluster number, clusterCount + 1. */
  readonly maxCluster: number;
  readonly totalSectors: number;
  /** FAT32's FSInfo sector; 0 when there is none. */
  readonly fsInfoSector: number;
  readonly backupBootSector: number;
  readonly media: number;
  readonly volumeId: number;
  readonly label: string;
  /** Offset of the boot sector's state byte (bit 0: volume dirty), 0x25 or 0x41. */
  readonly stateOffset: number;
}

export const MAX_FAT12_CLUSTERS = 4084;
export const MAX_FAT16_CLUSTERS = 65524;
export const MAX_FAT32_CLUSTERS = 0x0ffffff5 - 2;

function bad(field: string, value: number | string, rule: string): FatError {
  return new FatError('E_BAD_BOOT', `boot sector: ${field} is ${value}: ${rule}`, { sector: 0 });
}

function labelOf(b: Uint8Array, at: number): string {
  let s = '';
  for (let i = 0; i < 11; i++) s += String.fromCharCode(u8(b, at + i));
  return s.replace(/ +$/, '');
}

/** The logical sector size the boot sector declares, read before the geometry (any device sector holds it). */
export function bootSectorSize(b: Uint8Array): number {
  return u16(b, 11);
}

export function parseBoot(b: Uint8Array, device: { sectorSize: number; sectorCount: number }): Geometry {
  if (b.length < 512) throw bad('its length', b.length, 'a boot sector has at least 512 bytes');
  if (u8(b, 510) !== 0x55 || u8(b, 511) !== 0xaa) throw bad('the signature at 510', `0x${u16(b, 510).toString(16)}`, 'it must be 0xAA55');
  const jump = u8(b, 0);
  if (jump !== 0xeb && jump !== 0xe9) throw bad('the jump instruction', `0x${jump.toString(16)}`, 'it must start with 0xEB or 0xE9');
  const bps = u16(b, 11);
  if (bps !== 512 && bps !== 1024 && bps !== 2048 && bps !== 4096) throw bad('bytes per sector', bps, 'it must be 512, 1024, 2048 or 4096');
  if (bps < device.sectorSize || bps % device.sectorSize !== 0) throw bad('bytes per sector', bps, `it must be a whole multiple of the device's ${device.sectorSize}-byte sector`);
  const spc = u8(b, 13);
  if (!isPowerOfTwo(spc) || spc > 128) throw bad('sectors per cluster', spc, 'it must be a power of two from 1 to 128');
  const reserved = u16(b, 14);
  if (reserved < 1) throw bad('reserved sectors', reserved, 'at least the boot sector is reserved');
  const numFats = u8(b, 16);
  if (numFats !== 1 && numFats !== 2) throw bad('the number of FATs', numFats, 'it must be 1 or 2');
  const rootEntries = u16(b, 17);
  const tot16 = u16(b, 19);
  const media = u8(b, 21);
  if (media !== 0xf0 && media < 0xf8) throw bad('the media byte', `0x${media.toString(16)}`, 'it must be 0xF0 or 0xF8 to 0xFF');
  const fat16Size = u16(b, 22);
  const tot32 = u32(b, 32);
  const total = tot16 !== 0 ? tot16 : tot32;
  if (total === 0) throw bad('the total sector count', 0, 'a volume has sectors');
  if (tot16 !== 0 && tot32 !== 0 && tot16 !== tot32) throw bad('the total sector count', `${tot16} (16-bit) and ${tot32} (32-bit)`, 'the two fields disagree');
  const isFat32 = fat16Size === 0;
  const fatSectors = isFat32 ? u32(b, 36) : fat16Size;
  if (fatSectors === 0) throw bad('the FAT size', 0, 'a FAT has sectors');
  if (isFat32 && rootEntries !== 0) throw bad('root directory entries', rootEntries, 'FAT32 keeps its root directory in clusters, so it must be 0');
  if (!isFat32 && rootEntries === 0) throw bad('root directory entries', 0, 'FAT12/16 needs a root directory region');
  if ((rootEntries * 32) % bps !== 0) throw bad('root directory entries', rootEntries, `they must fill whole ${bps}-byte sectors`);
  const rootSectors = (rootEntries * 32) / bps;
  const rootStart = reserved + numFats * fatSectors;
  const dataStart = rootStart + rootSectors;
  if (dataStart >= total) throw bad('the data region start', dataStart, `it must lie before the volume's end at ${total} sectors`);
  const clusterCount = Math.floor((total - dataStart) / spc);
  if (clusterCount < 1) throw bad('the cluster count', 0, 'a volume has at least one data cluster');
  let type: FatType;
  if (isFat32) type = 32;
  else if (clusterCount <= MAX_FAT12_CLUSTERS) type = 12;
  else if (clusterCount <= MAX_FAT16_CLUSTERS) type = 16;
  else throw bad('the cluster count', clusterCount, `a FAT16 volume (16-bit FAT size ${fat16Size}) has at most ${MAX_FAT16_CLUSTERS} clusters`);
  if (type === 32 && clusterCount > MAX_FAT32_CLUSTERS) throw bad('the cluster count', clusterCount, `FAT32 has at most ${MAX_FAT32_CLUSTERS} clusters`);
  const entriesPerFat = Math.floor((fatSectors * bps * 8) / type);
  if (entriesPerFat < clusterCount + 2) throw bad('the FAT size', fatSectors, `${fatSectors} sectors hold ${entriesPerFat} entries, fewer than the ${clusterCount + 2} the volume's clusters need`);
  let rootCluster = 0;
  let fsInfoSector = 0;
  let backupBootSector = 0;
  let activeFat = 0;
  let mirrored = true;
  if (type === 32) {
    const extFlags = u16(b, 40);
    if ((extFlags & 0x80) !== 0) {
      mirrored = false;
      activeFat = extFlags & 0x0f;
      if (activeFat >= numFats) throw bad('the active FAT', activeFat, `mirroring is off and there are only ${numFats} FATs`);
    }
    const version = u16(b, 42);
    if (version !== 0) throw bad('the FAT32 version', `0x${version.toString(16)}`, 'only version 0.0 is defined');
    rootCluster = u32(b, 44);
    if (rootCluster < 2 || rootCluster > clusterCount + 1) throw bad('the root directory cluster', rootCluster, `it must be between 2 and ${clusterCount + 1}`);
    const info = u16(b, 48);
    if (info !== 0 && info !== 0xffff) {
      if (info >= reserved) throw bad('the FSInfo sector', info, `it must lie in the ${reserved} reserved sectors`);
      fsInfoSector = info;
    }
    const backup = u16(b, 50);
    if (backup !== 0 && backup !== 0xffff) {
      if (backup >= reserved || backup === fsInfoSector) throw bad('the backup boot sector', backup, `it must lie in the ${reserved} reserved sectors, apart from FSInfo`);
      backupBootSector = backup;
    }
  }
  const deviceSectors = Math.floor(device.sectorCount / (bps / device.sectorSize));
  if (total > deviceSectors) {
    throw new FatError('E_TRUNCATED', `boot sector: the volume has ${total} sectors of ${bps} bytes but the device holds only ${deviceSectors}: the image is truncated`, { sector: 0 });
  }
  const stateOffset = type === 32 ? 0x41 : 0x25;
  const extSig = u8(b, type === 32 ? 0x42 : 0x26);
  const hasExt = extSig === 0x29 || extSig === 0x28;
  return {
    type, bytesPerSector: bps, sectorsPerCluster: spc, clusterSize: bps * spc, reservedSectors: reserved, numFats,
    fatSectors, activeFat, mirrored, rootEntries, rootStart, rootSectors, rootCluster, dataStart, clusterCount,
    maxCluster: clusterCount + 1, totalSectors: total, fsInfoSector, backupBootSector, media,
    volumeId: hasExt ? u32(b, type === 32 ? 0x43 : 0x27) : 0,
    label: extSig === 0x29 ? labelOf(b, type === 32 ? 0x47 : 0x2b) : '',
    stateOffset,
  };
}

/** First logical sector of cluster `c` (2..maxCluster). */
export function clusterSector(g: Geometry, c: number): number {
  return g.dataStart + (c - 2) * g.sectorsPerCluster;
}

/** First sector of FAT copy `k`. */
export function fatStart(g: Geometry, k: number): number {
  return g.reservedSectors + k * g.fatSectors;
}

export const FSINFO_LEAD = 0x41615252;
export const FSINFO_STRUCT = 0x61417272;
export const FSINFO_TRAIL = 0xaa550000;
