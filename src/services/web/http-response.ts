// HTTP/1.1 response heads and HTTP dates (RFC 9110, RFC 9112), pure: no I/O, no host clock.
// Rules for callers: writeHead adds nothing of its own (no Date, no Content-Length, no
// Connection): the caller lists every field. Header names must be tokens and values latin1 text
// without control characters (HTAB aside); anything else is a bug in the caller and throws an
// HttpHeadError (code E_HTTP_HEADER_NAME, E_HTTP_HEADER_VALUE or E_HTTP_STATUS) rather than
// letting a CR LF split the response. Dates are computed from epoch milliseconds by arithmetic,
// so they do not depend on the compartment's Date.
// Invariants: writeHead checks the fit first (-1 leaves `out` untouched); a refused name or value
// throws with part of the head already written, which the caller then must not send. httpDate and
// parseHttpDate round-trip every whole second of years 0000 to 9999 (httpDate throws E_HTTP_DATE
// outside them).
import { civilFromDays, daysFromCivil } from '../shared/civil-date.ts';

export type HttpHeadErrorCode = 'E_HTTP_HEADER_NAME' | 'E_HTTP_HEADER_VALUE' | 'E_HTTP_STATUS' | 'E_HTTP_DATE';

export class HttpHeadError extends Error {
  readonly code: HttpHeadErrorCode;
  constructor(code: HttpHeadErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = 'HttpHeadError';
  }
}

export const STATUS_TEXT: Readonly<Record<number, string>> = Object.freeze({
  100: 'Continue', 101: 'Switching Protocols',
  200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-Authoritative Information', 204: 'No Content', 205: 'Reset Content', 206: 'Partial Content',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
  408: 'Request Timeout', 409: 'Conflict', 410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed', 413: 'Content Too Large',
  414: 'URI Too Long', 415: 'Unsupported Media Type', 416: 'Range Not Satisfiable', 417: 'Expectation Failed', 421: 'Misdirected Request',
  422: 'Unprocessable Content', 426: 'Upgrade Required', 428: 'Precondition Required', 429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
});

// FIELD: 1 for a token char (names), VALUE: 1 for a char a value may hold (HTAB, SP..~, obs-text).
const FIELD = new Uint8Array(256);
const VALUE = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  FIELD[c] = alnum || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)) ? 1 : 0;
  VALUE[c] = c === 9 || (c >= 32 && c !== 127) ? 1 : 0;
}

/** `HTTP/1.1 <status> <text>\r\n` as bytes, made once per status. */
const statusLines: (Uint8Array | undefined)[] = [];

function statusLine(status: number): Uint8Array {
  const known = statusLines[status];
  if (known !== undefined) return known;
  if (!Number.isInteger(status) || status < 100 || status > 999) throw new HttpHeadError('E_HTTP_STATUS', `status ${status} is not three digits`);
  const text = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ''}\r\n`;
  const line = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) { line[i] = text.charCodeAt(i); }
  statusLines[status] = line;
  return line;
}

// Bytes are written through a DataView: once SES has frozen the intrinsics, V8 makes every
// element store into a typed array slow (about 60 ns; DataView.setUint8 about 4 ns). The view of
// the last array written to is kept, as the server writes every head into the same one.
let lastOut: Uint8Array | null = null;
let lastView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

function viewOf(out: Uint8Array): DataView {
  if (out !== lastOut) {
    lastView = new DataView(out.buffer, out.byteOffset, out.byteLength);
    lastOut = out;
  }
  return lastView;
}

/** Copies `s` into the view at p, each char checked against `table`; returns the new position. */
function put(v: DataView, p: number, s: string, table: Uint8Array, code: HttpHeadErrorCode): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 255 || table[c] === 0) throw new HttpHeadError(code, `${code === 'E_HTTP_HEADER_NAME' ? 'header name' : 'header value'} ${JSON.stringify(s)} holds the character U+${c.toString(16).padStart(4, '0')}`);
    v.setUint8(p + i, c);
  }
  return p + n;
}

export function writeHead(out: Uint8Array, at: number, status: number, headers: readonly string[]): number {
  const line = statusLine(status);
  const count = headers.length;
  if ((count & 1) !== 0) throw new HttpHeadError('E_HTTP_HEADER_VALUE', `the header list has ${count} entries: names and values come in pairs`);
  let total = line.length + 2;
  for (let i = 0; i < count; i++) { total += (headers[i] as string).length + 2; }
  if (at < 0 || at + total > out.length) return -1;
  out.set(line, at);
  const v = viewOf(out);
  let p = at + line.length;
  for (let i = 0; i < count; i += 2) {
    const name = headers[i] as string;
    if (name.length === 0) throw new HttpHeadError('E_HTTP_HEADER_NAME', 'a header name is empty');
    p = put(v, p, name, FIELD, 'E_HTTP_HEADER_NAME');
    v.setUint16(p, 0x3a20); // ': '
    p = put(v, p + 2, headers[i + 1] as string, VALUE, 'E_HTTP_HEADER_VALUE');
    v.setUint16(p, 0x0d0a); // CR LF
    p += 2;
  }
  v.setUint16(p, 0x0d0a);
  return total;
}

export function head(status: number, headers: readonly string[]): Uint8Array {
  let total = statusLine(status).length + 2;
  for (const h of headers) total += h.length + 2;
  const out = new Uint8Array(total);
  writeHead(out, 0, status, headers);
  return out;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY_MS = 86_400_000;

function two(n: number): string { return n < 10 ? `0${n}` : `${n}`; }

export function httpDate(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  const secs = Math.floor((ms - days * DAY_MS) / 1000);
  const { year: y, month: m, day: d } = civilFromDays(days);
  if (!Number.isFinite(ms) || y < 0 || y > 9999) throw new HttpHeadError('E_HTTP_DATE', `${ms} ms is not a time an HTTP-date can name`);
  const h = Math.floor(secs / 3600), min = Math.floor(secs / 60) % 60, sec = secs % 60;
  const wd = DAYS[(((days + 4) % 7) + 7) % 7] as string;
  return `${wd}, ${two(d)} ${MONTHS[m - 1] as string} ${`000${y}`.slice(-4)} ${two(h)}:${two(min)}:${two(sec)} GMT`;
}

/** The number written by `n` ASCII digits at s[i] (a leading space allowed when `space`), or -1. */
function digits(s: string, i: number, n: number, space = false): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(i + k);
    if (space && k === 0 && c === 32 && n > 1) continue;
    if (c < 48 || c > 57) return -1;
    v = v * 10 + c - 48;
  }
  return v;
}

/** `HH:MM:SS` at s[i] as seconds of the day, or -1. */
function clock(s: string, i: number): number {
  const h = digits(s, i, 2), m = digits(s, i + 3, 2), sec = digits(s, i + 6, 2);
  if (s.charCodeAt(i + 2) !== 58 || s.charCodeAt(i + 5) !== 58 || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60) return -1;
  return h * 3600 + m * 60 + sec;
}

function dateOf(y: number, mon: number, d: number, secs: number): number {
  if (y < 0 || mon < 0 || d < 1 || secs < 0) return NaN;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const dim = mon === 1 ? (leap ? 29 : 28) : mon === 3 || mon === 5 || mon === 8 || mon === 10 ? 30 : 31;
  if (d > dim) return NaN;
  return daysFromCivil(y, mon + 1, d) * DAY_MS + secs * 1000;
}

/**
 * Parses an HTTP-date: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) and the obsolete RFC 850
 * (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`) forms; NaN when
 * invalid. Names are case-sensitive, as the grammar says; the day name is not checked against the
 * date. RFC 850's two-digit year is read as RFC 9110 §5.6.7 says, against `nowMs` when given
 * (more than 50 years ahead of it means the century before), else as 1970-2069.
 */
export function parseHttpDate(s: string, nowMs?: number): number {
  if (s.length === 29 && s.charCodeAt(3) === 44) {
    if (!DAYS.includes(s.slice(0, 3)) || s.charCodeAt(4) !== 32 || s.charCodeAt(7) !== 32 || s.charCodeAt(11) !== 32
      || s.charCodeAt(16) !== 32 || s.slice(25) !== ' GMT') return NaN;
    return dateOf(digits(s, 12, 4), MONTHS.indexOf(s.slice(8, 11)), digits(s, 5, 2), clock(s, 17));
  }
  if (s.length === 24) {
    if (!DAYS.includes(s.slice(0, 3)) || s.charCodeAt(3) !== 32 || s.charCodeAt(7) !== 32 || s.charCodeAt(10) !== 32 || s.charCodeAt(19) !== 32) return NaN;
    return dateOf(digits(s, 20, 4), MONTHS.indexOf(s.slice(4, 7)), digits(s, 8, 2, true), clock(s, 11));
  }
  const comma = s.indexOf(', ');
  if (comma < 0 || !LONG_DAYS.includes(s.slice(0, comma)) || s.length !== comma + 24) return NaN;
  const i = comma + 2;
  if (s.charCodeAt(i + 2) !== 45 || s.charCodeAt(i + 6) !== 45 || s.charCodeAt(i + 9) !== 32 || s.slice(i + 18) !== ' GMT') return NaN;
  const yy = digits(s, i + 7, 2);
  if (yy < 0) return NaN;
  let y = yy < 70 ? 2000 + yy : 1900 + yy;
  if (nowMs !== undefined && Number.isFinite(nowMs)) {
    const current = Number(httpDate(nowMs).slice(12, 16));
    y = Math.floor(current / 100) * 100 + yy;
    if (y > current + 50) y -= 100;
  }
  return dateOf(y, MONTHS.indexOf(s.slice(i + 3, i + 6)), digits(s, i, 2), clock(s, i + 10));
}

/** The Date header's value for now, recomputed at most once per second. */
export class DateCache {
  #second = NaN;
  #text = '';
  get(nowMs: number): string {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.#second) {
      this.#text = httpDate(second * 1000);
      this.#second = second;
    }
    return this.#text;
  }
}
