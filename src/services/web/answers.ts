// How the web server answers one request: a static file (with conditional requests, byte ranges
// and HEAD), a web app's response, or a status of its own (errors, redirects, 405).
// Rules for callers: each function takes the connection and its write buffer and gives both back
// in a Wire (either null once lost); `close` tells the connection thread to end after the answer.
// A head is written into the server's scratch array and copied into the write buffer; a body comes
// from the file cache (copied once into the buffer), from the file system (read straight into the
// buffer), or from a web app's block (sent as it is when it does not fit beside the head).
// Invariants: a response always carries Content-Length (no chunked responses are needed: every
// body's length is known before its head is written), and a connection whose body could not be
// completed is aborted rather than left with a short body the client would take as whole.
import type { Abi, Bytes, Imp } from 'sing/runtime';
import type { File } from 'sing/contracts/fs';
import type { HttpRequest } from './http-request.ts';
import { STATUS_TEXT, writeHead } from './http-response.ts';
import { byteRange, conditional } from './http-files.ts';
import { FileCache, readInto, type FileInfo } from './static-files.ts';
import { send, type Connected, type Wire } from './wire.ts';
import type { AppPool } from './apps.ts';
import { MAX_GROWN, WRITE_BYTES, type WebServer } from './server.ts';

export interface Answered { readonly wire: Wire; readonly close: boolean }

/** The connection headers for an answer. */
function connectionHeaders(req: HttpRequest | null, close: boolean): readonly string[] {
  if (close) return ['Connection', 'close'];
  return req !== null && req.version === 10 ? ['Connection', 'keep-alive'] : [];
}

/** Sends head bytes already in `b` at [0, at) and `body[from, end)` through `b`, a buffer-full at
 * a time. */
async function pour(ep: Connected, b0: Bytes, at0: number, body: Uint8Array, from0: number, end: number): Promise<Wire> {
  let at = at0;
  let from = from0;
  let c: Connected | null = ep;
  let b: Bytes | null = b0;
  while (from < end && c !== null && b !== null) {
    const n = Math.min(end - from, b.length - at);
    b.write(body.subarray(from, from + n), at);
    const w = await send(c, b, at + n);
    c = w.ep;
    b = w.buf;
    from += n;
    at = 0;
  }
  return { ep: c, buf: b };
}

/** Writes a head and `body[start, end)` (null: no body) and sends them: through the connection's
 * own buffer when they fit, through a larger block taken for this answer otherwise. */
async function respond(ep: Connected, wbuf: Bytes, status: number, headers: readonly string[], body: Uint8Array | null, start: number, end: number, srv: WebServer): Promise<Wire> {
  const scratch = srv.scratch;
  const h = writeHead(scratch, 0, status, headers);
  if (h < 0) { ep.send('Abort'); return { ep: null, buf: wbuf }; }
  const total = h + (body === null ? 0 : Math.max(0, end - start));
  if (total <= wbuf.length) {
    wbuf.write(scratch.subarray(0, h), 0);
    if (body !== null && end > start) wbuf.write(body.subarray(start, end), h);
    return send(ep, wbuf, total);
  }
  const size = Math.min(total, WRITE_BYTES);
  if (!srv.room(size)) {
    // The exchange heap is short: the connection's own buffer carries it, a piece at a time.
    wbuf.write(scratch.subarray(0, h), 0);
    return pour(ep, wbuf, h, body ?? new Uint8Array(0), start, end);
  }
  if (wbuf.length < WRITE_BYTES && srv.grown < MAX_GROWN) {
    // The connection keeps the larger buffer for its next answers (a client fetching large
    // files asks again): one block per connection, not one per answer.
    srv.grown++;
    wbuf.free();
    const grown = srv.abi.alloc(WRITE_BYTES);
    grown.write(scratch.subarray(0, h), 0);
    return pour(ep, grown, h, body ?? new Uint8Array(0), start, end);
  }
  const big = srv.abi.alloc(size);
  big.write(scratch.subarray(0, h), 0);
  const w = await pour(ep, big, h, body ?? new Uint8Array(0), start, end);
  w.buf?.free();
  return { ep: w.ep, buf: wbuf };
}

/** A status the server answers itself, with a short text body. */
export async function answerStatus(ep: Connected, wbuf: Bytes, status: number, reason: string, close: boolean, req: HttpRequest | null, srv: WebServer, extra: readonly string[] = []): Promise<Wire> {
  const text = `${status} ${STATUS_TEXT[status] ?? ''}${reason === '' ? '' : `: ${reason}`}\n`;
  const body = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) { const c = text.charCodeAt(i); body[i] = c < 0x80 ? c : 0x3f; }
  const head = ['Date', srv.date(), 'Content-Type', 'text/plain; charset=utf-8', 'Content-Length', String(body.length), ...extra, ...connectionHeaders(req, close)];
  return respond(ep, wbuf, status, head, req !== null && req.method === 'HEAD' ? null : body, 0, body.length, srv);
}

/** Streams [start, end] (inclusive) of a large file after `head`, read from the file system
 * straight into the write buffer. */
async function streamFile(ep: Connected, wbuf: Bytes, head: number, info: FileInfo, start: number, end: number, abi: Abi): Promise<Wire> {
  const o = await FileCache.open(abi, info.path);
  const opened = o.ep;
  if (opened === null) { ep.send('Abort'); return { ep: null, buf: wbuf }; }
  let f: Imp<typeof File, 'Ready'> | null = opened;
  let c: Connected | null = ep;
  let b: Bytes | null = wbuf;
  let at = head;
  let pos = start;
  while (pos <= end && c !== null && b !== null && f !== null) {
    const want = Math.min(end + 1 - pos, b.length - at);
    const r = await readInto(f, b, at, pos, want);
    f = r.ep;
    b = r.buf;
    if (b === null) break;
    if (r.reason !== '' || r.bytes === 0) { c.send('Abort'); c = null; break; }
    const w = await send(c, b, at + r.bytes);
    c = w.ep;
    b = w.buf;
    pos += r.bytes;
    at = 0;
  }
  f?.send('Close').close();
  if (pos <= end && c !== null) { c.send('Abort'); c = null; }
  return { ep: c, buf: b };
}

async function answerFile(ep: Connected, wbuf: Bytes, req: HttpRequest, srv: WebServer, abi: Abi): Promise<Answered> {
  const close = !req.keepAlive;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return { wire: await answerStatus(ep, wbuf, 405, `${req.method} ${req.path}: static files answer GET and HEAD`, close, req, srv, ['Allow', 'GET, HEAD']), close };
  }
  const fsPath = srv.root + (req.path.endsWith('/') ? `${req.path}index.html` : req.path);
  const found = await srv.files.lookup(abi, fsPath);
  if (found.kind === 'directory') {
    const to = `${req.path}/${req.query === '' ? '' : `?${req.query}`}`;
    return { wire: await answerStatus(ep, wbuf, 301, `see ${to}`, close, req, srv, ['Location', to]), close };
  }
  if (found.kind === 'refused') {
    const why = found.status === 404 ? `${req.path} is not here` : found.reason;
    return { wire: await answerStatus(ep, wbuf, found.status, why, close, req, srv), close };
  }
  const info = found.info;
  const validators = ['ETag', info.etag, 'Last-Modified', info.lastModified];
  const cond = conditional(req.method, req.headers, info.etag, info.modified);
  if (cond === 304) {
    return { wire: await respond(ep, wbuf, 304, ['Date', srv.date(), ...validators, ...connectionHeaders(req, close)], null, 0, 0, srv), close };
  }
  if (cond === 412) return { wire: await answerStatus(ep, wbuf, 412, `${req.path}: a precondition failed`, close, req, srv), close };
  const range = byteRange(req.method, req.headers, info.size, info.etag, info.modified);
  if (range.kind === 'unsatisfiable') {
    return { wire: await answerStatus(ep, wbuf, 416, `${req.path} has ${info.size} bytes`, close, req, srv, ['Content-Range', `bytes */${info.size}`]), close };
  }
  const start = range.kind === 'partial' ? range.start : 0;
  const end = range.kind === 'partial' ? range.end : info.size - 1;
  const status = range.kind === 'partial' ? 206 : 200;
  const head = ['Date', srv.date(), 'Content-Type', info.type, 'Content-Length', String(end + 1 - start), ...validators, 'Accept-Ranges', 'bytes'];
  if (status === 206) head.push('Content-Range', `bytes ${start}-${end}/${info.size}`);
  head.push(...connectionHeaders(req, close));
  srv.served++;
  if (req.method === 'HEAD' || info.size === 0) return { wire: await respond(ep, wbuf, status, head, null, 0, 0, srv), close };
  if (info.data !== null) return { wire: await respond(ep, wbuf, status, head, info.data, start, end + 1, srv), close };
  const h = writeHead(srv.scratch, 0, status, head);
  if (h < 0) { ep.send('Abort'); return { wire: { ep: null, buf: wbuf }, close: true }; }
  if (wbuf.length >= WRITE_BYTES || !srv.room(WRITE_BYTES)) {
    wbuf.write(srv.scratch.subarray(0, h), 0);
    return { wire: await streamFile(ep, wbuf, h, info, start, end, abi), close };
  }
  const big = abi.alloc(WRITE_BYTES);
  big.write(srv.scratch.subarray(0, h), 0);
  const w = await streamFile(ep, big, h, info, start, end, abi);
  w.buf?.free();
  return { wire: { ep: w.ep, buf: wbuf }, close };
}

async function answerApp(ep: Connected, wbuf: Bytes, req: HttpRequest, pool: AppPool, srv: WebServer, abi: Abi): Promise<Answered> {
  const close = !req.keepAlive;
  const a = await pool.call(abi, req, srv.bodyTimeoutMs);
  const body = a.body;
  if (body === null) return { wire: await answerStatus(ep, wbuf, a.status, a.reason, close, req, srv), close };
  const length = a.bodyLength;
  const head = ['Date', srv.date(), 'Content-Length', String(length), ...a.headers, ...connectionHeaders(req, close)];
  const h = writeHead(srv.scratch, 0, a.status, head);
  if (h < 0) { body.free(); return { wire: await answerStatus(ep, wbuf, 502, `${pool.route.name} answered a head too large to send`, close, req, srv), close }; }
  srv.served++;
  if (req.method === 'HEAD' || length === 0 || h + length <= wbuf.length) {
    wbuf.write(srv.scratch.subarray(0, h), 0);
    const n = req.method === 'HEAD' ? 0 : length;
    if (n > 0) wbuf.copyFrom(body, 0, n, h);
    body.free();
    return { wire: await send(ep, wbuf, h + n), close };
  }
  if (h + length <= WRITE_BYTES && srv.room(h + length)) {
    // Head and body in one write, through a block taken for this answer.
    const big = abi.alloc(h + length);
    big.write(srv.scratch.subarray(0, h), 0);
    big.copyFrom(body, 0, length, h);
    body.free();
    const w = await send(ep, big, h + length);
    w.buf?.free();
    return { wire: { ep: w.ep, buf: wbuf }, close };
  }
  // A large body goes out in its own block, unchanged: no copy inside Sing.
  wbuf.write(srv.scratch.subarray(0, h), 0);
  const first = await send(ep, wbuf, h);
  if (first.ep === null) { body.free(); return { wire: first, close: true }; }
  const second = await send(first.ep, body, length);
  second.buf?.free();
  return { wire: { ep: second.ep, buf: first.buf }, close };
}

/** Answers one parsed request. */
export function answerRequest(ep: Connected, wbuf: Bytes, req: HttpRequest, srv: WebServer, abi: Abi): Promise<Answered> {
  const pool = srv.routes.match(req.path);
  return pool === null ? answerFile(ep, wbuf, req, srv, abi) : answerApp(ep, wbuf, req, pool, srv, abi);
}
