// The peers `sing bench web` measures Sing's web server against, written for Node's own `http`:
//   - `nodeStatic(root)`: a static file server over a host directory, the way a small reasonable
//     one works (serve-static/send do the same steps): per request, decode and check the path,
//     `fs.stat` it, answer 304 to a matching If-None-Match, else 200 with Content-Type,
//     Content-Length, ETag and Last-Modified, the bytes from `fs.readFile` for files up to 256 KiB
//     and from a `createReadStream` beyond; HEAD gets the head only. No cache: every request asks
//     the host's file system.
//   - `nodeApp()`: the counter web app (src/services/counter/main.ts) written as a plain `http`
//     handler below /counter: the same routes, names, JSON answers and headers.
// Rules for callers: each returns an `http.Server` not yet listening; the caller listens on
// 127.0.0.1. Keep-alive is on (Node's default), as autocannon's connections expect.
// Invariants: a path with `..`, a NUL or a bad escape is refused 400/404 before touching the disk;
// every stream opened is ended or destroyed with its response.
import { createReadStream, readFile, stat } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { handle } from '../src/services/counter/counters.ts';

/** Files up to this size are read whole (Sing's web server caches the same ones). */
const WHOLE_FILE_MAX = 256 * 1024;

const TYPES: ReadonlyMap<string, string> = new Map([
  ['html', 'text/html; charset=utf-8'], ['css', 'text/css; charset=utf-8'], ['js', 'text/javascript; charset=utf-8'],
  ['json', 'application/json; charset=utf-8'], ['txt', 'text/plain; charset=utf-8'], ['png', 'image/png'],
  ['jpg', 'image/jpeg'], ['gif', 'image/gif'], ['bin', 'application/octet-stream'],
]);

function typeOf(path: string): string {
  const dot = path.lastIndexOf('.');
  if (dot < 0 || dot < path.lastIndexOf('/')) return 'application/octet-stream';
  return TYPES.get(path.slice(dot + 1).toLowerCase()) ?? 'application/octet-stream';
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** The static server over `root` (a host directory). */
export function nodeStatic(root: string): Server {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') { res.setHeader('Allow', 'GET, HEAD'); plain(res, 405, 'GET and HEAD only\n'); return; }
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    let path: string;
    try {
      path = decodeURIComponent(q < 0 ? raw : raw.slice(0, q));
    } catch {
      plain(res, 400, 'bad escape\n');
      return;
    }
    if (!path.startsWith('/') || path.includes('\0') || path.split('/').includes('..')) { plain(res, 404, 'not found\n'); return; }
    const file = join(root, path);
    stat(file, (err, st) => {
      if (err !== null || !st.isFile()) { plain(res, 404, 'not found\n'); return; }
      const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
      const head = {
        'Content-Type': typeOf(path),
        'Content-Length': st.size,
        ETag: etag,
        'Last-Modified': st.mtime.toUTCString(),
        'Accept-Ranges': 'bytes',
        'Cache-Control': 'public, max-age=0',
      };
      if (req.headers['if-none-match'] === etag) { res.writeHead(304, { ETag: etag }); res.end(); return; }
      if (method === 'HEAD') { res.writeHead(200, head); res.end(); return; }
      if (st.size <= WHOLE_FILE_MAX) {
        readFile(file, (e, data) => {
          if (e !== null) { plain(res, 500, 'read failed\n'); return; }
          res.writeHead(200, { ...head, 'Content-Length': data.length });
          res.end(data);
        });
        return;
      }
      res.writeHead(200, head);
      const s = createReadStream(file, { highWaterMark: 64 * 1024 });
      s.on('error', () => { res.destroy(); });
      res.on('close', () => { s.destroy(); });
      s.pipe(res);
    });
  });
  return server;
}


/** The counter app below /counter, as Sing's web server routes it (`apps: '/counter=/web/counter'`). */
export function nodeApp(prefix = '/counter', maxBody = 1024 * 1024): Server {
  const values = new Map<string, number>();
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    if (path !== prefix && !path.startsWith(`${prefix}/`)) { plain(res, 404, 'not found\n'); return; }
    const method = req.method ?? 'GET';
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBody) { plain(res, 413, 'too large\n'); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => {
      if (size > maxBody) return;
      const a = handle({ values }, method, path.slice(prefix.length) || '/', Buffer.concat(chunks).toString('utf8'));
      const out = Buffer.from(a.json, 'utf8');
      res.writeHead(a.status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Length': out.length });
      res.end(method === 'HEAD' ? undefined : out);
    });
  });
}
