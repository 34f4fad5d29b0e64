// Static files for the web server: finding a file below the root through the file system's File
// contract (a bind of `/fs/www/a.html` opens it), and a cache of small files' bytes and attributes.
// Rules for callers: `lookup` resolves a decoded request path ('/a/b.html', never with '..') to a
// file, a directory, or a refusal with the status to answer; a file of at most CACHED_FILE_MAX
// bytes comes with its bytes, a larger one is streamed by `readRange` from the file system at
// answer time. `cacheMs` is how long a cached file is trusted without asking the file system
// (0: every lookup asks for the attributes, and the bytes are read again only when the size or
// modification time changed).
// Invariants: every File channel opened here is closed before the function returns, and every
// block allocated is freed or handed back; the cache holds copies in this program's own memory
// (no exchange-heap block), at most CACHE_BYTES of them, evicting the least recently used.
import type { Abi, Bytes, Imp } from 'sing/runtime';
import { File } from 'sing/contracts/fs';
import { contentType, etagOf } from './http-files.ts';
import { httpDate } from './http-response.ts';

/** Files up to this size are read whole and cached. */
export const CACHED_FILE_MAX = 256 * 1024;
/** The cache's bound on the bytes it keeps. */
export const CACHE_BYTES = 16 * 1024 * 1024;

export interface FileInfo {
  readonly path: string;
  readonly size: number;
  readonly modified: number;
  readonly etag: string;
  /** The Last-Modified header's value. */
  readonly lastModified: string;
  readonly type: string;
  /** The whole file, for small files; null for a file streamed at answer time. */
  readonly data: Uint8Array | null;
  /** When the file system last confirmed this (the kernel clock's ms). */
  checkedAt: number;
}

export type Lookup =
  | { readonly kind: 'file'; readonly info: FileInfo }
  | { readonly kind: 'directory' }
  | { readonly kind: 'refused'; readonly status: 403 | 404 | 500 | 503; readonly reason: string };

type Ready = Imp<typeof File, 'Ready'>;

/** The status for a file system's refusal code (in a bind's reason or a Nak). */
function statusOf(reason: string): 403 | 404 | 500 | 503 {
  if (reason.includes('E_NOT_FOUND') || reason.includes('E_NO_NAME') || reason.includes('E_NOT_DIRECTORY') || reason.includes('E_NAME')) return 404;
  if (reason.includes('E_DENIED') || reason.includes('E_ACCESS')) return 403;
  if (reason.includes('E_GONE') || reason.includes('E_UNMOUNTED')) return 503;
  return 500;
}

/** Opens `fsPath` with File; the Ready endpoint, or a refusal (a directory says E_IS_DIRECTORY). */
async function open(abi: Abi, fsPath: string): Promise<{ readonly ep: Ready | null; readonly reason: string }> {
  const ch = abi.channel(File);
  const b = await abi.bind(fsPath, ch.exp);
  if (!b.ok) { ch.imp.close(); return { ep: null, reason: `${b.code}: ${b.reason}` }; }
  const m = await ch.imp.receive();
  if (m.tag === '$closed') return { ep: null, reason: `E_GONE: ${fsPath}: the file system closed the file` };
  return { ep: m.ep, reason: '' };
}

/** Reads [start, end) of an open file into `buf` at `at`; the endpoint and block come back (null
 * when the file system went away) with the bytes read, or a reason. */
export async function readInto(ep: Ready, buf: Bytes, at: number, start: number, length: number): Promise<{ readonly ep: Ready | null; readonly buf: Bytes | null; readonly bytes: number; readonly reason: string }> {
  const m = await ep.send('Read', { buf, bufOffset: at, fileOffset: start, length }).receive();
  if (m.tag === '$closed') return { ep: null, buf: null, bytes: 0, reason: 'E_GONE: the file system closed the file' };
  if (m.tag === 'NakRead') return { ep: m.ep, buf: m.buf, bytes: 0, reason: `${m.code}: ${m.reason}` };
  return { ep: m.ep, buf: m.buf, bytes: m.bytesRead, reason: '' };
}

/** Reads the whole small file into this program's memory. */
async function readWhole(abi: Abi, ep: Ready, size: number): Promise<{ readonly ep: Ready | null; readonly data: Uint8Array | null; readonly reason: string }> {
  const data = new Uint8Array(size);
  let block: Bytes | null = abi.alloc(Math.max(1, size));
  let file: Ready | null = ep;
  let got = 0;
  while (got < size && file !== null && block !== null) {
    const r = await readInto(file, block, got, got, size - got);
    file = r.ep;
    block = r.buf;
    if (r.reason !== '') { block?.free(); return { ep: file, data: null, reason: r.reason }; }
    if (r.bytes === 0) break;
    got += r.bytes;
  }
  if (block === null) return { ep: file, data: null, reason: 'E_GONE: the file system went away during a read' };
  block.readInto(data, 0, got, 0);
  block.free();
  if (got < size) return { ep: file, data: null, reason: `E_IO: the file ended at ${got} of its ${size} bytes` };
  return { ep: file, data, reason: '' };
}

export class FileCache {
  readonly cacheMs: number;
  readonly #entries = new Map<string, FileInfo>();
  #bytes = 0;
  hits = 0;
  misses = 0;

  constructor(cacheMs: number) { this.cacheMs = cacheMs; }

  #remember(info: FileInfo): void {
    const old = this.#entries.get(info.path);
    if (old !== undefined) { this.#entries.delete(info.path); this.#bytes -= old.data?.length ?? 0; }
    if (info.data === null) return;
    this.#entries.set(info.path, info);
    this.#bytes += info.data.length;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= CACHE_BYTES) break;
      this.#entries.delete(k);
      this.#bytes -= v.data?.length ?? 0;
    }
  }

  /** The file at `fsPath` (already below the root), from the cache while it is fresh. */
  async lookup(abi: Abi, fsPath: string): Promise<Lookup> {
    const now = abi.now();
    const hit = this.#entries.get(fsPath);
    if (hit !== undefined && now - hit.checkedAt < this.cacheMs) { this.hits++; return { kind: 'file', info: hit }; }
    const o = await open(abi, fsPath);
    const opened = o.ep;
    if (opened === null) {
      this.#forget(fsPath);
      if (o.reason.includes('E_IS_DIRECTORY')) return { kind: 'directory' };
      return { kind: 'refused', status: statusOf(o.reason), reason: o.reason };
    }
    const a = await opened.send('GetAttributes').receive();
    if (a.tag === '$closed') return { kind: 'refused', status: 503, reason: `E_GONE: ${fsPath}: the file system went away` };
    if (a.tag === 'NakGetAttributes') { a.ep.send('Close').close(); return { kind: 'refused', status: statusOf(a.code), reason: `${a.code}: ${a.reason}` }; }
    const at = a.attributes;
    if (at.directory) { a.ep.send('Close').close(); return { kind: 'directory' }; }
    if (hit !== undefined && hit.size === at.size && hit.modified === at.modified) {
      a.ep.send('Close').close();
      hit.checkedAt = now;
      this.hits++;
      return { kind: 'file', info: hit };
    }
    this.misses++;
    const name = fsPath.slice(fsPath.lastIndexOf('/') + 1);
    const base = { path: fsPath, size: at.size, modified: at.modified, etag: etagOf(at.size, at.modified), lastModified: httpDate(at.modified), type: contentType(name), checkedAt: now };
    if (at.size > CACHED_FILE_MAX) {
      a.ep.send('Close').close();
      const info: FileInfo = { ...base, data: null };
      this.#forget(fsPath);
      return { kind: 'file', info };
    }
    const w = await readWhole(abi, a.ep, at.size);
    w.ep?.send('Close').close();
    if (w.data === null) { this.#forget(fsPath); return { kind: 'refused', status: statusOf(w.reason), reason: w.reason }; }
    const info: FileInfo = { ...base, data: w.data };
    this.#remember(info);
    return { kind: 'file', info };
  }

  #forget(fsPath: string): void {
    const old = this.#entries.get(fsPath);
    if (old === undefined) return;
    this.#entries.delete(fsPath);
    this.#bytes -= old.data?.length ?? 0;
  }

  /** Opens a large file for streaming; the caller reads with readInto and closes it. */
  static open(abi: Abi, fsPath: string): Promise<{ readonly ep: Ready | null; readonly reason: string }> { return open(abi, fsPath); }
}
