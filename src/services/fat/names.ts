// Names on a FAT volume: long names (VFAT, UTF-16 code units, up to 255), short 8.3 names (11
// bytes, OEM code page 437), how a long name maps to a short one, and the long-name entry format.
// Rules for callers: `checkLongName` before storing a name; compare names with `nameKey` (FAT is
// case-insensitive and case-preserving). A name that fits 8.3 (one dot at most, 1-8 + 0-3 valid
// characters, each part all upper or all lower case) is stored as a short entry alone, with the
// NT case bits for lower-case parts; any other name gets long-name entries and a generated short
// alias BASIS~N.EXT unique in its directory.
// Invariants: the engine writes only short names that fsck.fat accepts (no lower case, no bytes
// below 0x20, none of "*+,./:;<=>?[\]|, no leading space); checksums follow the VFAT rule.
import { u16 } from './le.ts';

export const NT_LOWER_BASE = 0x08;
export const NT_LOWER_EXT = 0x10;
export const MAX_NAME = 255;

const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐' +
  '└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

/** Characters a long name may not hold (besides those below 0x20). */
const LONG_FORBIDDEN = '"*/:<>?\\|';
/** Punctuation a short name generated here may hold besides A-Z and 0-9. */
const SHORT_EXTRA = "$%'-_@~`!(){}^#&";
/** Bytes fsck.fat refuses anywhere in a short name. */
const SHORT_FORBIDDEN = '*?<>|"\\/:.';

/** Why `name` cannot be a file name, or null when it can. */
export function checkLongName(name: string): string | null {
  if (name.length === 0) return 'a name is not empty';
  if (name.length > MAX_NAME) return `a name has at most ${MAX_NAME} characters, this one ${name.length}`;
  if (name === '.' || name === '..') return `'${name}' is reserved`;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20) return `control character 0x${c.toString(16)} at ${i}`;
    if (LONG_FORBIDDEN.includes(name[i] as string)) return `'${name[i] as string}' at ${i} is not allowed in a FAT name`;
  }
  const last = name[name.length - 1];
  if (last === '.' || last === ' ') return 'a FAT name does not end with a dot or a space';
  return null;
}

/** The key two names compare equal by (per-code-unit upper case, as FAT's up-case table does). */
export function nameKey(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const ch = name[i] as string;
    const up = ch.toUpperCase();
    out += up.length === 1 ? up : ch;
  }
  return out;
}

export function lfnChecksum(sfn: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = ((((sum & 1) << 7) | (sum >> 1)) + (sfn[i] ?? 0)) & 0xff;
  return sum;
}

function decodeOem(b: number): string {
  return b < 0x80 ? String.fromCharCode(b) : (CP437_HIGH[b - 0x80] ?? '?');
}

/** The stored short name as text (NAME.EXT, upper case as stored), 0x05 read as 0xE5. */
export function shortText(sfn: Uint8Array, ntres = 0): string {
  let base = '';
  let ext = '';
  for (let i = 0; i < 8; i++) base += decodeOem(i === 0 && sfn[0] === 0x05 ? 0xe5 : (sfn[i] ?? 0x20));
  for (let i = 8; i < 11; i++) ext += decodeOem(sfn[i] ?? 0x20);
  base = base.replace(/ +$/, '');
  ext = ext.replace(/ +$/, '');
  if ((ntres & NT_LOWER_BASE) !== 0) base = base.toLowerCase();
  if ((ntres & NT_LOWER_EXT) !== 0) ext = ext.toLowerCase();
  return ext === '' ? base : `${base}.${ext}`;
}

/** Why a stored short name is invalid (fsck.fat's rules), or null. */
export function checkShortBytes(sfn: Uint8Array): string | null {
  if (sfn[0] === 0x20) return 'it starts with a space';
  for (let i = 0; i < 11; i++) {
    const b = sfn[i] ?? 0;
    if ((b < 0x20 && !(i === 0 && b === 0x05)) || b === 0x7f) return `byte 0x${b.toString(16)} at ${i}`;
    if (b < 0x80 && SHORT_FORBIDDEN.includes(String.fromCharCode(b))) return `'${String.fromCharCode(b)}' at ${i}`;
  }
  return null;
}

function shortChar(ch: string): string | null {
  const c = ch.charCodeAt(0);
  if (c >= 0x61 && c <= 0x7a) return String.fromCharCode(c - 32);
  if ((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || SHORT_EXTRA.includes(ch)) return ch;
  return null;
}

function caseOf(s: string): 'upper' | 'lower' | 'none' | 'mixed' {
  let up = false;
  let low = false;
  for (const ch of s) {
    if (ch >= 'a' && ch <= 'z') low = true;
    else if (ch >= 'A' && ch <= 'Z') up = true;
  }
  return up && low ? 'mixed' : up ? 'upper' : low ? 'lower' : 'none';
}

function pad(base: string, ext: string): Uint8Array {
  const out = new Uint8Array(11).fill(0x20);
  for (let i = 0; i < base.length && i < 8; i++) out[i] = base.charCodeAt(i);
  for (let i = 0; i < ext.length && i < 3; i++) out[8 + i] = ext.charCodeAt(i);
  return out;
}

export type ShortPlan =
  | { readonly fits: true; readonly sfn: Uint8Array; readonly ntres: number }
  | { readonly fits: false; readonly basis: string; readonly ext: string };

/** How `name` (already checked) is stored: as a short name alone, or a long name with an alias from this basis. */
export function planShort(name: string): ShortPlan {
  const dot = name.lastIndexOf('.');
  const base = dot < 0 ? name : name.slice(0, dot);
  const ext = dot < 0 ? '' : name.slice(dot + 1);
  const fitsPart = (s: string, max: number): boolean => {
    if (s.length > max) return false;
    for (const ch of s) if (shortChar(ch) === null) return false;
    const c = caseOf(s);
    return c !== 'mixed';
  };
  if (base.length >= 1 && !base.includes('.') && fitsPart(base, 8) && fitsPart(ext, 3)) {
    const up = (s: string): string => [...s].map((ch) => shortChar(ch) as string).join('');
    const ntres = (caseOf(base) === 'lower' ? NT_LOWER_BASE : 0) | (caseOf(ext) === 'lower' ? NT_LOWER_EXT : 0);
    return { fits: true, sfn: pad(up(base), up(ext)), ntres };
  }
  const stripped = name.replace(/^\.+/, '');
  const d2 = stripped.lastIndexOf('.');
  const b2 = d2 <= 0 ? stripped : stripped.slice(0, d2);
  const e2 = d2 <= 0 ? '' : stripped.slice(d2 + 1);
  const convert = (s: string, max: number): string => {
    let out = '';
    for (const ch of s) {
      if (out.length >= max) break;
      if (ch === ' ' || ch === '.') continue;
      out += shortChar(ch) ?? '_';
    }
    return out;
  };
  const basis = convert(b2, 8);
  return { fits: false, basis: basis === '' ? '_' : basis, ext: convert(e2, 3) };
}

/** The alias BASIS~N.EXT (basis cut so the tail fits in 8). */
export function aliasWithTail(basis: string, ext: string, n: number): Uint8Array {
  const tail = `~${n}`;
  return pad(basis.slice(0, 8 - tail.length) + tail, ext);
}

/** A basis of the first two characters and four hex digits of a hash of the whole name. */
export function hashedBasis(basis: string, name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return basis.slice(0, 2) + ((h ^ (h >>> 16)) & 0xffff).toString(16).toUpperCase().padStart(4, '0');
}

/** Offsets of the 13 UTF-16 units in a long-name entry. */
const LFN_OFFSETS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];

/** The long-name entries for `name`, in on-disk order (highest ordinal first). */
export function lfnEntries(name: string, checksum: number): Uint8Array[] {
  const n = Math.ceil(name.length / 13);
  const out: Uint8Array[] = [];
  for (let k = n; k >= 1; k--) {
    const e = new Uint8Array(32);
    e[0] = k | (k === n ? 0x40 : 0);
    e[11] = 0x0f;
    e[13] = checksum;
    for (let j = 0; j < 13; j++) {
      const i = (k - 1) * 13 + j;
      const unit = i < name.length ? name.charCodeAt(i) : i === name.length ? 0 : 0xffff;
      const o = LFN_OFFSETS[j] as number;
      e[o] = unit & 0xff;
      e[o + 1] = unit >>> 8;
    }
    out.push(e);
  }
  return out;
}

/** The units of one long-name entry up to its terminator (0x0000, or 0xFFFF padding). */
export function lfnPart(e: Uint8Array): string {
  let s = '';
  for (const o of LFN_OFFSETS) {
    const unit = u16(e, o);
    if (unit === 0 || unit === 0xffff) break;
    s += String.fromCharCode(unit);
  }
  return s;
}
