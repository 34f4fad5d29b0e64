// The codec: entries to and from the text that travels in an exchange-heap block (Dump, Load).
// Format (UTF-8): a header line `KV1 <count>`, then one record per entry, each field a length and
// a colon before its text, so keys and values may hold any character, newlines included:
//   KV1 2\n3:abc5:hello\n1:x0:\n
// Lengths count UTF-16 code units (what String.prototype.length says), the block's size is the
// text's UTF-8 length. Rules for callers: `toBlock` allocates the block and hands it back owned
// by the caller (who sends it or frees it); `unpackBlock` takes the block over and frees it.
import type { Abi, Bytes } from 'sing/runtime';

export const MAGIC = 'KV1';

export interface Pair { readonly key: string; readonly value: string }

export interface Packed {
  readonly text: string;
  /** The text's length in UTF-8 bytes: the block's size. */
  readonly bytes: number;
  readonly count: number;
  /** True when entries were left out to stay within the byte limit. */
  readonly more: boolean;
}

export type Unpacked =
  | { readonly ok: true; readonly pairs: Pair[] }
  | { readonly ok: false; readonly reason: string };

/** The length of `s` encoded as UTF-8 (lone surrogates count as U+FFFD, three bytes). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { n += 4; i++; } else n += 3;
    } else n += 3;
  }
  return n;
}

const field = (s: string): string => `${s.length}:${s}`;

/** Packs entries in order until the next would pass `maxBytes`. */
export function pack(pairs: readonly Pair[], maxBytes: number): Packed {
  const parts: string[] = [];
  let body = 0;
  let more = false;
  for (const p of pairs) {
    const rec = `${field(p.key)}${field(p.value)}\n`;
    const size = utf8Length(rec);
    // The header grows by at most a few digits; leave it room.
    if (body + size + 16 > maxBytes) { more = true; break; }
    parts.push(rec);
    body += size;
  }
  const text = `${MAGIC} ${parts.length}\n${parts.join('')}`;
  return { text, bytes: utf8Length(text), count: parts.length, more };
}

/** Reads the text back into pairs; any malformed record fails the whole text. */
export function unpack(text: string): Unpacked {
  const nl = text.indexOf('\n');
  if (nl < 0) return { ok: false, reason: 'no header line' };
  const header = text.slice(0, nl).split(' ');
  if (header.length !== 2 || header[0] !== MAGIC) return { ok: false, reason: `the header is not "${MAGIC} <count>"` };
  const count = Number(header[1]);
  if (!Number.isInteger(count) || count < 0) return { ok: false, reason: 'the count is not a whole number' };
  const pairs: Pair[] = [];
  let at = nl + 1;
  const read = (): string | undefined => {
    const colon = text.indexOf(':', at);
    if (colon < 0 || colon - at > 8) return undefined;
    const len = Number(text.slice(at, colon));
    if (!Number.isInteger(len) || len < 0 || colon + 1 + len > text.length) return undefined;
    at = colon + 1 + len;
    return text.slice(colon + 1, at);
  };
  for (let i = 0; i < count; i++) {
    const key = read();
    const value = key === undefined ? undefined : read();
    if (key === undefined || value === undefined || text[at] !== '\n') return { ok: false, reason: `record ${i + 1} is malformed` };
    at++;
    pairs.push({ key, value });
  }
  if (at !== text.length) return { ok: false, reason: `${text.length - at} bytes after the last record` };
  return { ok: true, pairs };
}

/** Copies packed text into a fresh exchange-heap block of exactly its size, owned by the caller. */
export function toBlock(abi: Abi, p: Packed): Bytes {
  const block = abi.alloc(p.bytes);
  const written = block.writeText(p.text);
  if (written !== p.bytes) {
    block.free();
    throw new Error(`codec: wrote ${written} bytes, expected ${p.bytes}`);
  }
  return block;
}

/** Reads a block's text, frees the block and unpacks the text. */
export function unpackBlock(block: Bytes): Unpacked {
  const text = block.readText();
  block.free();
  return unpack(text);
}
