// One 32-byte directory entry: the short (8.3) entry's fields decoded and encoded.
// Rules for callers: `decodeEntry` reads any slot; the caller decides what the first byte means
// (0x00 end, 0xE5 deleted, attribute 0x0F long-name part). FAT12/16 ignore the high cluster
// word (OS/2 used it for extended attributes) and write it as 0.
// Invariants: `encodeEntry(decodeEntry(b))` gives back b's bytes for every field the engine uses.
import { put16, put32, u16, u32 } from './le.ts';

export const ATTR_READ_ONLY = 0x01;
export const ATTR_HIDDEN = 0x02;
export const ATTR_SYSTEM = 0x04;
export const ATTR_VOLUME = 0x08;
export const ATTR_DIR = 0x10;
export const ATTR_ARCHIVE = 0x20;
export const ATTR_LFN = 0x0f;
/** Attribute bits a caller may set (the rest say what an entry is). */
export const ATTR_SETTABLE = ATTR_READ_ONLY | ATTR_HIDDEN | ATTR_SYSTEM | ATTR_ARCHIVE;

/**
 * Sing's own mark in the NT reserved byte: this short entry is the new name of a rename whose
 * old entry may still exist (see docs/storage.md, "Rename"). Bits 0x08 and 0x10 are the case
 * bits, 0x20 is Linux's "no 8.3 name" (fsck.fat reads it) and 0x01/0x02 Windows' EFS flags;
 * nothing known reads 0x40.
 */
export const NT_RENAME_PENDING = 0x40;
/** Patched Linux kernels' "this entry has no real 8.3 name" bit; fsck.fat refuses it without a long name. */
export const NT_NO_83NAME = 0x20;

export const DELETED = 0xe5;

export interface ShortEntry {
  sfn: Uint8Array;
  attr: number;
  ntres: number;
  ctimeTenths: number;
  ctime: number;
  cdate: number;
  adate: number;
  /** The high word as stored (FAT12/16: not part of the cluster). */
  hiWord: number;
  mtime: number;
  mdate: number;
  first: number;
  size: number;
}

export function decodeEntry(b: Uint8Array, o: number, fat32: boolean): ShortEntry {
  const hi = u16(b, o + 20);
  const lo = u16(b, o + 26);
  return {
    sfn: b.slice(o, o + 11),
    attr: b[o + 11] ?? 0,
    ntres: b[o + 12] ?? 0,
    ctimeTenths: b[o + 13] ?? 0,
    ctime: u16(b, o + 14),
    cdate: u16(b, o + 16),
    adate: u16(b, o + 18),
    hiWord: hi,
    mtime: u16(b, o + 22),
    mdate: u16(b, o + 24),
    first: fat32 ? hi * 0x10000 + lo : lo,
    size: u32(b, o + 28),
  };
}

export function encodeEntry(e: ShortEntry, fat32: boolean): Uint8Array {
  const b = new Uint8Array(32);
  b.set(e.sfn.subarray(0, 11), 0);
  b[11] = e.attr;
  b[12] = e.ntres;
  b[13] = e.ctimeTenths;
  put16(b, 14, e.ctime);
  put16(b, 16, e.cdate);
  put16(b, 18, e.adate);
  put16(b, 20, fat32 ? Math.floor(e.first / 0x10000) : 0);
  put16(b, 22, e.mtime);
  put16(b, 24, e.mdate);
  put16(b, 26, e.first & 0xffff);
  put32(b, 28, e.size);
  return b;
}

export const DOT = new Uint8Array([0x2e, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20]);
export const DOTDOT = new Uint8Array([0x2e, 0x2e, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20]);

export function sameName(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 11; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The 11 name bytes as a string key (one char per byte). */
export function sfnKey(sfn: Uint8Array): string {
  let s = '';
  for (let i = 0; i < 11; i++) s += String.fromCharCode(sfn[i] ?? 0);
  return s;
}
