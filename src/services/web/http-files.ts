// What serving a file over HTTP needs beyond the bytes (RFC 9110 §8.3, §8.8, §13, §14): the
// Content-Type by extension, a strong ETag, conditional requests and byte ranges. Pure, no I/O.
// Rules for callers: pass the request's headers as the parser gives them (lower-case names,
// repeated fields joined with ', '), the file's ETag from etagOf and its modification time in ms;
// evaluate `conditional` first and `byteRange` only when it answered 200.
// Invariants: a malformed validator or Range never makes a request fail: it is ignored as the RFC
// says (the answer is then the full representation), except If-Match, where a field that names no
// current tag fails the precondition (412). Times compare at one-second resolution, the
// resolution of an HTTP-date. A partial range always lies inside [0, size - 1].
// Choice: Sing does not send multipart/byteranges. Several ranges that coalesce (overlap or touch)
// into one are served as that one; otherwise the whole representation is sent with 200, which
// RFC 9110 §14.2 allows (a server may ignore Range).
import { parseHttpDate } from './http-response.ts';

const TEXT = '; charset=utf-8';
const TYPES: ReadonlyMap<string, string> = new Map([
  ['html', `text/html${TEXT}`], ['htm', `text/html${TEXT}`], ['css', `text/css${TEXT}`],
  ['js', `text/javascript${TEXT}`], ['mjs', `text/javascript${TEXT}`], ['json', `application/json${TEXT}`],
  ['map', `application/json${TEXT}`], ['txt', `text/plain${TEXT}`], ['md', `text/markdown${TEXT}`],
  ['csv', `text/csv${TEXT}`], ['xml', `application/xml${TEXT}`], ['svg', `image/svg+xml${TEXT}`],
  ['webmanifest', `application/manifest+json${TEXT}`],
  ['png', 'image/png'], ['jpg', 'image/jpeg'], ['jpeg', 'image/jpeg'], ['gif', 'image/gif'], ['webp', 'image/webp'],
  ['avif', 'image/avif'], ['ico', 'image/x-icon'], ['bmp', 'image/bmp'],
  ['wasm', 'application/wasm'], ['pdf', 'application/pdf'], ['zip', 'application/zip'], ['gz', 'application/gzip'],
  ['tar', 'application/x-tar'], ['bin', 'application/octet-stream'],
  ['woff', 'font/woff'], ['woff2', 'font/woff2'], ['ttf', 'font/ttf'], ['otf', 'font/otf'],
  ['mp4', 'video/mp4'], ['webm', 'video/webm'], ['ogv', 'video/ogg'], ['mp3', 'audio/mpeg'], ['ogg', 'audio/ogg'],
  ['oga', 'audio/ogg'], ['wav', 'audio/wav'], ['flac', 'audio/flac'],
]);

export function contentType(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot < 0 || dot < name.lastIndexOf('/')) return 'application/octet-stream';
  return TYPES.get(name.slice(dot + 1).toLowerCase()) ?? 'application/octet-stream';
}

export function etagOf(size: number, mtimeMs: number): string {
  return `"${Math.max(0, Math.floor(size)).toString(16)}-${Math.max(0, Math.floor(mtimeMs)).toString(16)}"`;
}

const QUOTE = 34;

function isOws(c: number): boolean { return c === 32 || c === 9; }

/**
 * True when the entity-tag list `list` (`"a", W/"b"`) names `etag`: by weak comparison (the
 * opaque tags equal), or strong (both strong as well). A malformed list matches nothing.
 */
export function matchesTag(list: string, etag: string, strong: boolean): boolean {
  const weakOurs = etag.startsWith('W/');
  if (strong && weakOurs) return false;
  const opaque = weakOurs ? etag.slice(2) : etag;
  const n = list.length;
  let i = 0;
  for (;;) {
    while (i < n && (isOws(list.charCodeAt(i)) || list.charCodeAt(i) === 44)) i++;
    if (i >= n) return false;
    let weak = false;
    if (list.startsWith('W/', i)) { weak = true; i += 2; }
    if (list.charCodeAt(i) !== QUOTE) return false;
    const close = list.indexOf('"', i + 1);
    if (close < 0) return false;
    if (!(strong && weak) && close + 1 - i === opaque.length && list.startsWith(opaque, i)) return true;
    i = close + 1;
    while (i < n && isOws(list.charCodeAt(i))) i++;
    if (i < n && list.charCodeAt(i) !== 44) return false;
  }
}

/** Milliseconds truncated to the whole second, the resolution of an HTTP-date. */
function second(ms: number): number { return Math.floor(ms / 1000) * 1000; }

export function conditional(method: string, headers: ReadonlyMap<string, string>, etag: string, lastModifiedMs: number): 200 | 304 | 412 {
  const safe = method === 'GET' || method === 'HEAD';
  const modified = second(lastModifiedMs);
  const ifMatch = headers.get('if-match');
  if (ifMatch !== undefined) {
    if (ifMatch.trim() !== '*' && !matchesTag(ifMatch, etag, true)) return 412;
  } else {
    const since = headers.get('if-unmodified-since');
    if (since !== undefined) {
      const d = parseHttpDate(since);
      if (!Number.isNaN(d) && modified > d) return 412;
    }
  }
  const ifNone = headers.get('if-none-match');
  if (ifNone !== undefined) {
    if (ifNone.trim() === '*' || matchesTag(ifNone, etag, false)) return safe ? 304 : 412;
  } else if (safe) {
    const since = headers.get('if-modified-since');
    if (since !== undefined) {
      const d = parseHttpDate(since);
      if (!Number.isNaN(d) && modified <= d) return 304;
    }
  }
  return 200;
}

export type RangeResult = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

const FULL: RangeResult = Object.freeze({ kind: 'full' });
const UNSATISFIABLE: RangeResult = Object.freeze({ kind: 'unsatisfiable' });
/** More range-specs than this and the Range field is ignored (RFC 9110 §14.2 lets a server). */
export const MAX_RANGES = 64;

/** Digits of s in [i, e) as a number (saturating), or -1 when empty or not all digits. */
function digitsOf(s: string, i: number, e: number): number {
  if (i >= e) return -1;
  let v = 0;
  for (let k = i; k < e; k++) {
    const c = s.charCodeAt(k);
    if (c < 48 || c > 57) return -1;
    v = Math.min(v * 10 + c - 48, Number.MAX_SAFE_INTEGER);
  }
  return v;
}

/** The satisfiable ranges of a `bytes=` range-set as [start, end] pairs, or null when malformed. */
function rangeSet(r: string, from: number, size: number): number[] | null {
  const out: number[] = [];
  let specs = 0;
  let i = from;
  const n = r.length;
  for (;;) {
    while (i < n && (isOws(r.charCodeAt(i)) || r.charCodeAt(i) === 44)) i++;
    if (i >= n) break;
    let e = r.indexOf(',', i);
    if (e < 0) e = n;
    let t = e;
    while (t > i && isOws(r.charCodeAt(t - 1))) t--;
    const dash = r.indexOf('-', i);
    if (dash < 0 || dash >= t || ++specs > MAX_RANGES) return null;
    if (dash === i) {
      const suffix = digitsOf(r, dash + 1, t);
      if (suffix < 0) return null;
      if (suffix > 0 && size > 0) out.push(Math.max(0, size - suffix), size - 1);
    } else {
      const first = digitsOf(r, i, dash);
      const last = dash + 1 === t ? Number.MAX_SAFE_INTEGER : digitsOf(r, dash + 1, t);
      if (first < 0 || last < 0 || last < first) return null;
      if (first < size) out.push(first, Math.min(last, size - 1));
    }
    i = e;
  }
  return specs === 0 ? null : out;
}

export function byteRange(method: string, headers: ReadonlyMap<string, string>, size: number, etag: string, lastModifiedMs: number): RangeResult {
  const range = headers.get('range');
  if (range === undefined || method !== 'GET') return FULL;
  const ifRange = headers.get('if-range');
  if (ifRange !== undefined) {
    const v = ifRange.trim();
    if (v.startsWith('"') || v.startsWith('W/')) {
      if (v !== etag || etag.startsWith('W/')) return FULL;
    } else if (parseHttpDate(v) !== second(lastModifiedMs)) return FULL;
  }
  const eq = range.indexOf('=');
  if (eq < 0 || range.slice(0, eq).toLowerCase() !== 'bytes') return FULL;
  const set = rangeSet(range, eq + 1, size);
  if (set === null) return FULL;
  if (set.length === 0) return UNSATISFIABLE;
  if (set.length === 2) return { kind: 'partial', start: set[0] as number, end: set[1] as number };
  const pairs: [number, number][] = [];
  for (let k = 0; k < set.length; k += 2) { pairs.push([set[k] as number, set[k + 1] as number]); }
  pairs.sort((x, y) => x[0] - y[0]);
  const [start, first] = pairs[0] as [number, number];
  let end = first;
  for (const [s, e] of pairs) {
    if (s > end + 1) return FULL;
    end = Math.max(end, e);
  }
  return { kind: 'partial', start, end };
}
