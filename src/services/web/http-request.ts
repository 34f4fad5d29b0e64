// The web server's HTTP/1.1 request parser (RFC 9112): bytes in, requests out, no I/O.
// Rules for callers: push() what the connection read (it is copied), then call next() until it
// says 'more'; pipelined requests come out one per call. After an 'error', answer its status and
// close: the parser stays failed. A body is a fresh copy the caller keeps; a `headers` map is never
// changed once returned, and may be an earlier request's when their header blocks were equal.
// Invariants: no allocation per byte: heads are scanned by byte code with lookup tables and
// decoded as latin1 once, every string a substring of that; more bytes never cause a rescan, so a
// head fed byte by byte costs what it costs whole. A parser keeps its last header block (up to
// 4 KiB) with what it parsed to, and the process its last block without credentials: a head whose
// block is byte-identical to either has only its request line read. The buffer holds at most one
// partial request beyond what was pushed. `path` starts with '/' and never climbs above it
// (`OPTIONS *`: path '/', target '*'). How this differs from Node's llhttp, and why, is the
// test's table: any method token and bare LF line ends are accepted; HTTP/2.0 (505), two Host
// fields, request lines without a version or with two spaces, '#', '%2F', '%00', '..' above the
// root (400) and codings other than chunked (501) are refused.

export interface Limits { readonly maxHeaderBytes: number; readonly maxBodyBytes: number }

export interface HttpRequest {
  readonly method: string;        // as sent: token chars only
  readonly target: string;        // the raw request-target
  readonly path: string;          // percent-decoded, dot segments resolved, starts with '/'
  readonly query: string;         // raw, without '?'; '' when none
  readonly version: 10 | 11;
  readonly headers: ReadonlyMap<string, string>; // lower-case names; repeated fields joined with ', '
  readonly keepAlive: boolean;    // 1.1 unless Connection: close; 1.0 only with Connection: keep-alive
  readonly expectContinue: boolean;
  readonly body: Uint8Array;      // the decoded body (empty when none), a copy the caller keeps
  readonly headBytes: number;
}

/** The stable codes of refused requests. */
export type HttpErrorCode =
  | 'E_HTTP_REQUEST_LINE' | 'E_HTTP_METHOD' | 'E_HTTP_TARGET' | 'E_HTTP_PATH' | 'E_HTTP_VERSION'
  | 'E_HTTP_URI_TOO_LONG' | 'E_HTTP_HEAD_TOO_LARGE' | 'E_HTTP_HEADER' | 'E_HTTP_BARE_CR' | 'E_HTTP_CONTROL_CHAR'
  | 'E_HTTP_HOST' | 'E_HTTP_CONTENT_LENGTH' | 'E_HTTP_FRAMING' | 'E_HTTP_TRANSFER_ENCODING' | 'E_HTTP_BODY_TOO_LARGE'
  | 'E_HTTP_CHUNK' | 'E_HTTP_CHUNK_LINE_TOO_LONG' | 'E_HTTP_TRAILERS_TOO_LARGE';

export type Parsed =
  | { readonly kind: 'request'; readonly request: HttpRequest }
  | { readonly kind: 'more' }
  | { readonly kind: 'error'; readonly status: 400 | 413 | 414 | 431 | 501 | 505; readonly code: HttpErrorCode; readonly reason: string };

type Failure = Extract<Parsed, { kind: 'error' }>;
type RequestLine = Pick<HttpRequest, 'method' | 'target' | 'path' | 'query' | 'version'>;
/** What a header block parses to, apart from the request line. */
interface Fields {
  readonly headers: ReadonlyMap<string, string>; readonly length: number; readonly chunked: boolean; readonly hosts: number;
  readonly keepAlive10: boolean; readonly keepAlive11: boolean; readonly expect: boolean;
}

export const MAX_TARGET_BYTES = 8192; // the longest request-target (414 beyond)
export const MAX_CHUNK_LINE = 4096;   // the longest chunk-size line with its extensions (413 beyond, as Node)

const LF = 10, CR = 13, SP = 32, HTAB = 9, COLON = 58, SLASH = 47, PERCENT = 37, DOT = 46, QUERY = 63, SEMI = 59;
const MORE: Parsed = Object.freeze({ kind: 'more' });
const EMPTY = new Uint8Array(0);
const INITIAL = 4096, SHRINK = 64 * 1024; // a buffer's first size; larger buffers are dropped between requests
const MAX_CACHED_BLOCK = 4096;            // the largest header block kept for reuse

// Byte tables. LINE: 0 ordinary head byte (HTAB, SP, printable, obs-text), 1 LF, 2 CR, 3 another
// control. TOKEN: 1 for tchar. TARGET: 0 ordinary, 1 refused (controls, SP, DEL, non-ASCII,
// '#'), 2 '%', 3 '.', 4 '?'. HEX: digit value or -1.
const LINE = new Uint8Array(256), TOKEN = new Uint8Array(256), TARGET = new Uint8Array(256), HEX = new Int8Array(256);
for (let c = 0; c < 256; c++) {
  LINE[c] = c === LF ? 1 : c === CR ? 2 : (c < 32 && c !== HTAB) || c === 127 ? 3 : 0;
  const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  TOKEN[c] = alnum || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)) ? 1 : 0;
  TARGET[c] = c <= 32 || c >= 127 || c === 35 ? 1 : c === PERCENT ? 2 : c === DOT ? 3 : c === QUERY ? 4 : 0;
  HEX[c] = c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;
}

function fail(status: Failure['status'], code: HttpErrorCode, reason: string): Failure { return { kind: 'error', status, code, reason }; }
/** A larger copy of `old`: its bytes [from, to) at 0, room for at least `need`. */
function grow(old: Uint8Array, from: number, to: number, need: number): Uint8Array {
  const grown = new Uint8Array(Math.max(INITIAL, old.length * 2, need)); grown.set(old.subarray(from, to), 0); return grown;
}

/** The first index in [from, to) whose byte is a line end or a control other than HTAB (to when none). */
function special(b: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) { if (LINE[b[i] as number] !== 0) return i; }
  return to;
}

function isDigit(x: number | undefined): boolean { return x !== undefined && x >= 48 && x <= 57; }

/** The first index in [from, to) whose byte is not a token char (to when none). */
function tokenEnd(b: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) { if (TOKEN[b[i] as number] === 0) return i; }
  return to;
}

/** Char codes as a string: String.fromCharCode over an array-like, typed arrays included. */
function fromCodes(codes: ArrayLike<number>): string {
  const s: unknown = Reflect.apply(String.fromCharCode, null, codes); return typeof s === 'string' ? s : '';
}

/** Bytes [from, to) as a latin1 string, decoded in slices the engine takes as arguments. */
function latin1(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i += 4096) { s += fromCodes(b.subarray(i, Math.min(to, i + 4096))); }
  return s;
}

/** True when the comma-separated list `v` holds `token` (lower case; compared ASCII case-insensitively). */
function hasToken(v: string, token: string): boolean {
  if (!v.includes(',')) return v.trim().toLowerCase() === token;
  for (const t of v.split(',')) if (t.trim().toLowerCase() === token) return true;
  return false;
}

/** True when buf[from, to) holds a line end or a control character other than HTAB. */
function hasControl(b: Uint8Array, from: number, to: number): boolean { return special(b, from, to) < to; }
/** Percent-decodes the path in buf[base + from, base + to) (str[k] is buf[base + k]) as UTF-8 and
 * removes dot segments: a string starting with '/', or a Failure. Only for paths with an escape or
 * a '.' after a '/' (the rest are taken as sent). */
function decodePath(b: Uint8Array, str: string, base: number, from: number, to: number): string | Failure {
  const end = base + to;
  for (let i = base + from; i < end; i++) {
    if (b[i] !== PERCENT) continue;
    const h = HEX[b[i + 1] ?? 0] as number, l = HEX[b[i + 2] ?? 0] as number;
    if (i + 2 >= end || h < 0 || l < 0) return fail(400, 'E_HTTP_PATH', 'the path has a malformed percent escape');
    const c = h * 16 + l;
    if (c < 32 || c === 127 || c === SLASH) return fail(400, 'E_HTTP_PATH', `the path holds an escaped ${c === SLASH ? "'/'" : 'control character'}`);
  }
  let decoded: string;
  try { decoded = decodeURIComponent(str.substring(from, to)); } catch { return fail(400, 'E_HTTP_PATH', 'the path is not UTF-8'); }
  const segs = decoded.split('/');
  const out: string[] = [];
  for (let k = 1; k < segs.length; k++) {
    const seg = segs[k] as string;
    if (seg === '..') {
      if (out.length === 0) return fail(400, 'E_HTTP_PATH', "the path climbs above '/'");
      out.pop();
    } else if (seg !== '.') { out.push(seg); continue; }
    if (k === segs.length - 1) out.push(''); // '/a/..' and '/a/.' are '/a/'
  }
  return `/${out.join('/')}`;
}

/** The request line in buf[base + a, base + b); str[k] is buf[base + k] as latin1. */
function requestLine(buf: Uint8Array, str: string, base: number, a: number, b: number): RequestLine | Failure {
  const mEnd = tokenEnd(buf, base + a, base + b) - base;
  if (mEnd === a) return fail(400, 'E_HTTP_METHOD', 'the request line does not start with a method token');
  if (mEnd === b) return fail(400, 'E_HTTP_REQUEST_LINE', 'the request line has no target');
  if (buf[base + mEnd] !== SP) return fail(400, 'E_HTTP_METHOD', 'the method has a character a token may not hold');
  const tStart = mEnd + 1;
  let tEnd = b;
  let q = -1;
  let decode = false;
  const lineEnd = base + b;
  for (let i = base + tStart; i < lineEnd; i++) {
    const k = TARGET[buf[i] as number] as number;
    if (k === 0) continue;
    if (k === 1) { tEnd = i - base; break; }
    if (q >= 0) continue;
    if (k === 4) q = i - base;
    else if (k === 2 || buf[i - 1] === SLASH) decode = true;
  }
  if (tEnd - tStart > MAX_TARGET_BYTES) return fail(414, 'E_HTTP_URI_TOO_LONG', `the request target is longer than ${MAX_TARGET_BYTES} bytes`);
  if (tEnd === tStart) return fail(400, 'E_HTTP_REQUEST_LINE', 'the request line has an empty target');
  if (tEnd === b) return fail(400, 'E_HTTP_REQUEST_LINE', 'the request line has no HTTP version');
  if (buf[base + tEnd] !== SP) return fail(400, 'E_HTTP_TARGET', 'the request target holds a character outside printable ASCII, or #');
  const v = base + tEnd + 1;
  if (b - tEnd - 1 !== 8 || buf[v] !== 72 || buf[v + 1] !== 84 || buf[v + 2] !== 84 || buf[v + 3] !== 80 || buf[v + 4] !== SLASH
    || !isDigit(buf[v + 5]) || buf[v + 6] !== DOT || !isDigit(buf[v + 7])) {
    return fail(400, 'E_HTTP_REQUEST_LINE', 'the request line does not end with HTTP/<digit>.<digit>');
  }
  const version = buf[v + 5] !== 49 ? 0 : buf[v + 7] === 49 ? 11 : buf[v + 7] === 48 ? 10 : 0;
  if (version === 0) return fail(505, 'E_HTTP_VERSION', `${str.substring(tEnd + 1, b)} is not supported: HTTP/1.1 and HTTP/1.0 are`);
  const method = str.substring(a, mEnd);
  const target = str.substring(tStart, tEnd);
  // The target's form: origin (/path?query), absolute (http://host/path?query) or asterisk.
  let pStart = tStart;
  const pEnd = q < 0 ? tEnd : q;
  if (buf[base + tStart] !== SLASH) {
    if (target === '*') {
      if (method !== 'OPTIONS') return fail(400, 'E_HTTP_TARGET', "the target '*' is only for OPTIONS");
      pStart = pEnd;
    } else {
      const lower = str.substring(tStart, Math.min(tStart + 8, tEnd)).toLowerCase();
      const scheme = lower.startsWith('http://') ? 7 : lower.startsWith('https://') ? 8 : 0;
      if (scheme === 0) return fail(400, 'E_HTTP_TARGET', 'the request target is neither /path, http://host/path nor *');
      let slash = pEnd;
      for (let i = tStart + scheme; i < pEnd; i++) { if (buf[base + i] === SLASH) { slash = i; break; } }
      if (slash === tStart + scheme) return fail(400, 'E_HTTP_TARGET', 'the absolute request target has no host');
      pStart = slash;
    }
  }
  let path: string;
  if (pStart === pEnd) path = '/';
  else if (!decode) path = pStart === tStart && q < 0 ? target : str.substring(pStart, pEnd);
  else {
    const d = decodePath(buf, str, base, pStart, pEnd);
    if (typeof d !== 'string') return d;
    path = d;
  }
  return { method, target, path, query: q < 0 ? '' : str.substring(q + 1, tEnd), version };
}

/** The header fields on lines 1 to n - 1 (pairs of int32 offsets from base in `lines`). */
function parseFields(buf: Uint8Array, str: string, base: number, lines: DataView, n: number): Fields | Failure {
  const headers = new Map<string, string>();
  let length = -1;
  let hosts = 0;
  for (let k = 1; k < n; k++) {
    const la = lines.getInt32(8 * k), lb = lines.getInt32(8 * k + 4);
    const first = buf[base + la];
    if (first === SP || first === HTAB) return fail(400, 'E_HTTP_HEADER', k === 1 ? 'the first header line starts with whitespace' : 'a header line is folded (obs-fold)');
    const ne = tokenEnd(buf, base + la, base + lb) - base;
    if (ne === lb || ne === la || buf[base + ne] !== COLON) {
      const c = buf[base + ne];
      return fail(400, 'E_HTTP_HEADER', ne === lb ? 'a header line has no colon' : ne === la ? 'a header line has an empty name'
        : c === SP || c === HTAB ? 'a header name is followed by whitespace before the colon' : 'a header name has a character a token may not hold');
    }
    let vs = ne + 1, ve = lb;
    while (vs < ve && (buf[base + vs] === SP || buf[base + vs] === HTAB)) vs++;
    while (ve > vs && (buf[base + ve - 1] === SP || buf[base + ve - 1] === HTAB)) ve--;
    const name = str.substring(la, ne).toLowerCase();
    const value = str.substring(vs, ve);
    if (name === 'content-length') {
      let cl = ve > vs ? 0 : -1;
      for (let i = vs; i < ve && cl >= 0; i++) { cl = isDigit(buf[base + i]) ? Math.min(cl * 10 + (buf[base + i] as number) - 48, 2 ** 53) : -1; }
      if (cl < 0) return fail(400, 'E_HTTP_CONTENT_LENGTH', `Content-Length ${JSON.stringify(value)} is not a number of bytes`);
      if (length >= 0 && cl !== length) return fail(400, 'E_HTTP_CONTENT_LENGTH', 'the request has two different Content-Length fields');
      if (length < 0) headers.set(name, value);
      length = cl;
      continue;
    }
    if (name === 'host' && ++hosts > 1) return fail(400, 'E_HTTP_HOST', 'the request has more than one Host field');
    const prev = headers.get(name);
    headers.set(name, prev === undefined ? value : `${prev}, ${value}`);
  }
  const te = headers.get('transfer-encoding');
  if (te !== undefined) {
    if (length >= 0) return fail(400, 'E_HTTP_FRAMING', 'the request has both Content-Length and Transfer-Encoding');
    if (te.toLowerCase() !== 'chunked') return fail(501, 'E_HTTP_TRANSFER_ENCODING', `Transfer-Encoding ${JSON.stringify(te)} is not implemented: only chunked is`);
  }
  const connection = headers.get('connection');
  const close = connection !== undefined && hasToken(connection, 'close');
  const expect = headers.get('expect');
  return {
    headers, length, chunked: te !== undefined, hosts,
    // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 is faulty framing: serve it, then close.
    keepAlive10: te === undefined && !close && connection !== undefined && hasToken(connection, 'keep-alive'),
    keepAlive11: !close,
    expect: expect !== undefined && expect.toLowerCase() === '100-continue',
  };
}

/** A header block (from after the request line to the blank line) and the fields it parsed to. */
interface Cached { block: Uint8Array; length: number; fields: Fields | null }

/** The last block without credentials (Cookie, Authorization) any parser of the process parsed:
 * the connections of one client repeat it; a block with credentials is kept by its own parser only. */
const shared: Cached = { block: EMPTY, length: 0, fields: null };

function remember(c: Cached, from: Uint8Array, start: number, end: number, fields: Fields): void {
  if (c.block.length < end - start) c.block = new Uint8Array(Math.min(MAX_CACHED_BLOCK, 2 * (end - start)));
  c.block.set(from.subarray(start, end), 0); c.length = end - start; c.fields = fields;
}

export class RequestParser {
  readonly #limits: Limits;
  // The bytes pushed and not yet consumed are #buf[#start, #end).
  #buf: Uint8Array = EMPTY;
  #start = 0; #end = 0;
  #failure: Failure | null = null;
  // The head being scanned: how far (from #start), where the current line starts, and the lines
  // found so far as [start, end) pairs of offsets from #start (end excludes CR LF).
  #scanOff = 0; #lineOff = 0; #nLines = 0;
  #lines: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(512)); // a DataView: element stores are slow after lockdown (http-response.ts)
  #own: Cached = { block: EMPTY, length: 0, fields: null }; // this connection's last header block
  // The request whose body is being read; what is left of its Content-Length or of the chunk; the
  // chunked body so far; how far the current chunk line was scanned; the trailers' size so far.
  #head: HttpRequest | null = null;
  #state: 'head' | 'length' | 'size' | 'data' | 'data-end' | 'trailer' = 'head';
  #need = 0; #body: Uint8Array = EMPTY; #bodyLen = 0; #lineScan = 0; #trailerBytes = 0;
  #continue = false;

  constructor(limits: Limits) { this.#limits = limits; }

  get pending(): number { return this.#end - this.#start; }
  get inHead(): boolean { return this.#failure === null && this.#state === 'head' && this.#end > this.#start; }
  get inBody(): boolean { return this.#failure === null && this.#state !== 'head'; }
  /** True while a request that sent `Expect: 100-continue` waits for its body and none of it has
   * arrived: the caller may write `HTTP/1.1 100 Continue` and then calls continueSent(). */
  get wantsContinue(): boolean { return this.#continue && this.inBody; }
  continueSent(): void { this.#continue = false; }

  push(chunk: Uint8Array, start = 0, end: number = chunk.length): void {
    const n = end - start;
    if (n <= 0) return;
    if (this.#start === this.#end) { this.#start = 0; this.#end = 0; }
    if (this.#end + n > this.#buf.length) this.#makeRoom(n);
    this.#buf.set(start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end), this.#end);
    this.#end += n;
    this.#continue = false;
  }

  #makeRoom(n: number): void {
    const live = this.#end - this.#start;
    const old = this.#buf;
    if (live + n <= old.length >> 1) old.copyWithin(0, this.#start, this.#end);
    else this.#buf = grow(old, this.#start, this.#end, live + n);
    this.#start = 0;
    this.#end = live;
  }

  next(): Parsed {
    if (this.#failure !== null) return this.#failure;
    const p = this.#state === 'head' ? this.#readHead() : this.#state === 'length' ? this.#readLength() : this.#readChunked();
    if (p.kind === 'error') { this.#failure = p; this.#head = null; }
    return p;
  }

  #readHead(): Parsed {
    const buf = this.#buf;
    const end = this.#end;
    if (this.#scanOff === 0) {
      // RFC 9112 §2.2: empty lines before a request line are ignored.
      let s = this.#start;
      while (s < end && (buf[s] === LF || (buf[s] === CR && s + 1 < end && buf[s + 1] === LF))) s += buf[s] === LF ? 1 : 2;
      this.#start = s;
      if (s === end) { this.#start = 0; this.#end = 0; return MORE; }
      const r = this.#reuseBlock(buf, s, end, this.#own) ?? (shared.fields === this.#own.fields ? null : this.#reuseBlock(buf, s, end, shared));
      if (r !== null) return r;
    }
    const s = this.#start;
    const limit = this.#limits.maxHeaderBytes;
    const stop = Math.min(end, s + limit);
    let lineOff = this.#lineOff;
    let n = this.#nLines;
    let done = -1;
    let i = special(buf, s + this.#scanOff, stop);
    while (i < stop) {
      const c = LINE[buf[i] as number];
      if (c === 1) {
        const e = i > s + lineOff && buf[i - 1] === CR ? i - 1 : i;
        if (e === s + lineOff) { done = i + 1; break; }
        if (8 * n + 8 > this.#lines.byteLength) this.#lines = new DataView(grow(new Uint8Array(this.#lines.buffer), 0, 8 * n, 16 * n).buffer);
        this.#lines.setInt32(8 * n, lineOff);
        this.#lines.setInt32(8 * n + 4, e - s);
        n++;
        lineOff = i + 1 - s;
      } else if (c === 2) {
        if (i + 1 >= end) break;
        if (buf[i + 1] !== LF) return fail(400, 'E_HTTP_BARE_CR', 'the head has a CR not followed by LF');
      } else return fail(400, 'E_HTTP_CONTROL_CHAR', `the head has the control character 0x${(buf[i] as number).toString(16)}`);
      i = special(buf, i + 1, stop);
    }
    if (done < 0) {
      this.#scanOff = Math.min(i, stop) - s; this.#lineOff = lineOff; this.#nLines = n;
      const len = end - s;
      if (n === 0 && (len > MAX_TARGET_BYTES || len > limit)) {
        // Still in the request line: a long target is 414, anything else too long 431.
        const sp = buf.subarray(s, Math.min(end, s + 64)).indexOf(SP);
        if (sp >= 0 && (len - sp - 1 > MAX_TARGET_BYTES || len > limit)) return fail(414, 'E_HTTP_URI_TOO_LONG', `the request target is longer than ${Math.min(MAX_TARGET_BYTES, limit)} bytes`);
      }
      if (len > limit) return fail(431, 'E_HTTP_HEAD_TOO_LARGE', `the request head is longer than ${limit} bytes`);
      return MORE;
    }
    this.#scanOff = 0; this.#lineOff = 0; this.#nLines = 0;
    if (n === 0) return fail(400, 'E_HTTP_REQUEST_LINE', 'the head has no request line');
    const str = latin1(buf, s, done);
    const lines = this.#lines;
    const line = requestLine(buf, str, s, lines.getInt32(0), lines.getInt32(4));
    if ('kind' in line) return line;
    const fields = parseFields(buf, str, s, lines, n);
    if ('kind' in fields) return fields;
    const e0 = s + lines.getInt32(4);
    const blockStart = buf[e0] === CR ? e0 + 2 : e0 + 1;
    const blockLen = done - blockStart;
    if (blockLen <= MAX_CACHED_BLOCK) {
      remember(this.#own, buf, blockStart, done, fields);
      if (!fields.headers.has('cookie') && !fields.headers.has('authorization')) remember(shared, buf, blockStart, done, fields);
    }
    this.#start = done;
    return this.#complete(line, fields, done - s);
  }

  /** The head at s when its header block is c's (only its request line is read), else null. */
  #reuseBlock(buf: Uint8Array, s: number, end: number, c: Cached): Parsed | null {
    if (c.fields === null) return null;
    const stop = Math.min(end, s + this.#limits.maxHeaderBytes);
    const e = special(buf, s, stop);
    const blockStart = buf[e] === LF ? e + 1 : buf[e] === CR && buf[e + 1] === LF ? e + 2 : -1;
    const len = c.length, block = c.block, fields = c.fields;
    const done = blockStart + len;
    if (blockStart < 0 || done > end || done - s > this.#limits.maxHeaderBytes) return null;
    for (let k = 0; k < len; k++) { if (buf[blockStart + k] !== block[k]) return null; }
    const line = requestLine(buf, latin1(buf, s, e), s, 0, e - s);
    if ('kind' in line) return line;
    this.#start = done;
    return this.#complete(line, fields, done - s);
  }

  /** The request of a parsed head; reads its body when it has one. */
  #complete(line: RequestLine, f: Fields, headBytes: number): Parsed {
    const version = line.version;
    if (version === 11 && f.hosts === 0) return fail(400, 'E_HTTP_HOST', 'an HTTP/1.1 request has no Host field');
    if (f.length > this.#limits.maxBodyBytes) return fail(413, 'E_HTTP_BODY_TOO_LARGE', `the body of ${f.length} bytes is over the limit of ${this.#limits.maxBodyBytes}`);
    const head: HttpRequest = {
      method: line.method, target: line.target, path: line.path, query: line.query, version, headers: f.headers,
      keepAlive: version === 11 ? f.keepAlive11 : f.keepAlive10, expectContinue: version === 11 && f.expect, body: EMPTY, headBytes,
    };
    if (f.chunked) { this.#state = 'size'; this.#bodyLen = 0; this.#lineScan = 0; this.#trailerBytes = 0; }
    else if (f.length > 0) { this.#state = 'length'; this.#need = f.length; }
    else return this.#finish(head, null);
    this.#head = head;
    this.#continue = head.expectContinue && this.#end === this.#start;
    return this.#state === 'length' ? this.#readLength() : this.#readChunked();
  }

  #readLength(): Parsed {
    const need = this.#need, from = this.#start;
    if (this.#end - from < need) return MORE;
    this.#start += need;
    return this.#finish(this.#head as HttpRequest, this.#buf.slice(from, from + need));
  }

  /** The index of the LF ending the line at #start, -1 for more bytes, -2 when the line is longer than max. */
  #lineEnd(max: number): number {
    const buf = this.#buf, s = this.#start;
    const stop = Math.min(this.#end, s + max);
    for (let i = s + this.#lineScan; i < stop; i++) { if (buf[i] === LF) { this.#lineScan = 0; return i; } }
    if (this.#end - s >= max) return -2;
    this.#lineScan = stop - s;
    return -1;
  }

  #readChunked(): Parsed {
    const buf = this.#buf;
    for (;;) {
      const st = this.#state;
      if (st === 'data') {
        const take = Math.min(this.#end - this.#start, this.#need);
        if (take === 0) return MORE;
        if (this.#bodyLen + take > this.#body.length) this.#body = grow(this.#body, 0, this.#bodyLen, this.#bodyLen + take);
        this.#body.set(buf.subarray(this.#start, this.#start + take), this.#bodyLen);
        this.#bodyLen += take;
        this.#start += take;
        this.#need -= take;
        if (this.#need > 0) return MORE;
        this.#state = 'data-end';
      } else if (st === 'data-end') {
        const avail = this.#end - this.#start;
        if (avail === 0 || (avail === 1 && buf[this.#start] === CR)) return MORE;
        const skip = buf[this.#start] === LF ? 1 : buf[this.#start] === CR && buf[this.#start + 1] === LF ? 2 : 0;
        if (skip === 0) return fail(400, 'E_HTTP_CHUNK', 'chunk data is not followed by CRLF');
        this.#start += skip;
        this.#state = 'size';
      } else {
        const trailer = st === 'trailer';
        const max = trailer ? this.#limits.maxHeaderBytes - this.#trailerBytes : MAX_CHUNK_LINE;
        const lf = this.#lineEnd(max);
        if (lf === -1) return MORE;
        if (lf === -2) return trailer ? fail(431, 'E_HTTP_TRAILERS_TOO_LARGE', `the trailers are longer than ${this.#limits.maxHeaderBytes} bytes`)
          : fail(413, 'E_HTTP_CHUNK_LINE_TOO_LONG', `a chunk-size line is longer than ${MAX_CHUNK_LINE} bytes`);
        const s = this.#start;
        const e = lf > s && buf[lf - 1] === CR ? lf - 1 : lf;
        this.#start = lf + 1;
        if (trailer) {
          if (e === s) return this.#finish(this.#head as HttpRequest, this.#bodyLen === 0 ? EMPTY : this.#body.slice(0, this.#bodyLen));
          this.#trailerBytes += lf + 1 - s;
          const ne = tokenEnd(buf, s, e);
          if (ne === s || ne === e || buf[ne] !== COLON || hasControl(buf, ne, e)) return fail(400, 'E_HTTP_CHUNK', 'a trailer line is not a header field');
          continue;
        }
        const room = this.#limits.maxBodyBytes - this.#bodyLen;
        let size = 0;
        let x = s;
        for (; x < e && (HEX[buf[x] as number] as number) >= 0; x++) {
          size = size * 16 + (HEX[buf[x] as number] as number);
          if (size > room) return fail(413, 'E_HTTP_BODY_TOO_LARGE', `the chunked body is over the limit of ${this.#limits.maxBodyBytes} bytes`);
        }
        if (x === s) return fail(400, 'E_HTTP_CHUNK', 'a chunk-size line does not start with a hex size');
        while (x < e && (buf[x] === SP || buf[x] === HTAB)) x++;
        if ((x < e && buf[x] !== SEMI) || hasControl(buf, x, e)) return fail(400, 'E_HTTP_CHUNK', 'a chunk size is followed by something other than an extension');
        if (size === 0) this.#state = 'trailer';
        else { this.#state = 'data'; this.#need = size; }
      }
    }
  }

  /** The request `h`, with `body` when it has one; the parser is then between requests. */
  #finish(h: HttpRequest, body: Uint8Array | null): Parsed {
    this.#state = 'head'; this.#head = null; this.#continue = false;
    if (this.#start === this.#end) {
      this.#start = 0; this.#end = 0;
      if (this.#buf.length > SHRINK) this.#buf = EMPTY;
    }
    if (this.#body.length > SHRINK) this.#body = EMPTY;
    const request: HttpRequest = body === null ? h : {
      method: h.method, target: h.target, path: h.path, query: h.query, version: h.version, headers: h.headers,
      keepAlive: h.keepAlive, expectContinue: h.expectContinue, body, headBytes: h.headBytes,
    };
    return { kind: 'request', request };
  }
}
