// What the web tests share: a FAT image holding a small site and the same files in a host
// directory, Node's own http with serve-static (Express's static server) as the reference for
// what a server answers, and a raw TCP client for what fetch and curl will not send.
// Rules for callers: `site()` builds a fresh image and host copy in a temp dir (remove it with
// `rmSync(dir, { recursive: true })`); every server listens on 127.0.0.1 only; `raw` resolves with
// what the peer sent until it closed or `quietMs` passed without a byte.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import serveStatic from 'serve-static';
import { DiskSession } from '../src/cli/disk-session.ts';

export interface Site {
  readonly dir: string;
  readonly image: string;
  readonly hostRoot: string;
  readonly files: ReadonlyMap<string, Uint8Array>;
}

function bytesOf(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) { x = (x * 1664525 + 1013904223) >>> 0; b[i] = x >>> 24; }
  return b;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The site: paths below /www on the volume, below hostRoot on the host. */
export function siteFiles(): Map<string, Uint8Array> {
  return new Map<string, Uint8Array>([
    ['/index.html', text('<!doctype html><title>Sing</title><h1>Served by a SIP</h1>\n')],
    ['/a.txt', text('a'.repeat(1000) + '\n' + 'z'.repeat(23))],
    ['/style.css', text('body { font-family: sans-serif; }\n')],
    ['/data.json', text('{"ok":true,"n":42}\n')],
    ['/big.bin', bytesOf(300 * 1024 + 17, 7)],
    ['/mid.bin', bytesOf(64 * 1024, 9)],
    ['/empty.txt', new Uint8Array(0)],
    ['/docs/index.html', text('<!doctype html><title>docs</title>\n')],
    ['/docs/guide.md', text('# Guide\n\nRead the source.\n')],
  ]);
}

export async function site(): Promise<Site> {
  const dir = mkdtempSync(join(tmpdir(), 'sing-web-'));
  const image = join(dir, 'web.img');
  const hostRoot = join(dir, 'www');
  const files = siteFiles();
  await DiskSession.create(image, 16 * 1024 * 1024, { label: 'WEB' });
  const s = await DiskSession.mount(image);
  try {
    await s.fs.mkdir('/www');
    await s.fs.mkdir('/www/docs');
    for (const [p, b] of files) {
      await s.fs.writeFile(`/www${p}`, b);
      mkdirSync(dirname(join(hostRoot, p)), { recursive: true });
      writeFileSync(join(hostRoot, p), b);
    }
  } finally {
    await s.close();
  }
  return { dir, image, hostRoot, files };
}

/** Node's http with serve-static over `root`: the reference answers. */
export async function reference(root: string): Promise<{ readonly url: string; readonly server: Server; close(): Promise<void> }> {
  const serve = serveStatic(root, { index: ['index.html'], dotfiles: 'ignore', fallthrough: false });
  const server = createServer((req, res) => {
    serve(req, res, (err?: { status?: number | undefined; headers?: Record<string, string> | undefined }) => {
      res.statusCode = err?.status ?? 404;
      for (const [k, v] of Object.entries(err?.headers ?? {})) res.setHeader(k, v);
      res.end(`${res.statusCode}\n`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** Sends `bytes` (a piece at a time when given several) and collects the answer. */
export function raw(port: number, pieces: readonly (string | Uint8Array)[], opts: { readonly quietMs?: number; readonly gapMs?: number } = {}): Promise<{ readonly data: Buffer; readonly closed: boolean; readonly error: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect(port, '127.0.0.1');
    let timer: NodeJS.Timeout | null = null;
    let done = false;
    const finish = (closed: boolean, error: string): void => {
      if (done) return;
      done = true;
      if (timer !== null) clearTimeout(timer);
      s.destroy();
      resolve({ data: Buffer.concat(chunks), closed, error });
    };
    const quiet = (): void => {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(() => { finish(false, ''); }, opts.quietMs ?? 2000);
    };
    s.on('data', (d) => { chunks.push(d); quiet(); });
    s.on('end', () => { finish(true, ''); });
    s.on('close', () => { finish(true, ''); });
    s.on('error', (e: NodeJS.ErrnoException) => { finish(true, e.code ?? e.message); });
    s.on('connect', () => {
      void (async () => {
        for (const p of pieces) {
          if (s.destroyed) return;
          s.write(p);
          if ((opts.gapMs ?? 0) > 0) await new Promise((r) => setTimeout(r, opts.gapMs));
        }
        quiet();
      })();
    });
  });
}

/** Splits raw HTTP/1.1 responses (Content-Length bodies only) into status, headers and body. */
export function responses(data: Buffer): { status: number; headers: Map<string, string>; body: Buffer }[] {
  const out: { status: number; headers: Map<string, string>; body: Buffer }[] = [];
  let at = 0;
  while (at < data.length) {
    const end = data.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const lines = data.subarray(at, end).toString('latin1').split('\r\n');
    const status = Number((lines[0] ?? '').split(' ')[1]);
    const headers = new Map<string, string>();
    for (const l of lines.slice(1)) { const i = l.indexOf(':'); headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()); }
    const len = Number(headers.get('content-length') ?? '0');
    out.push({ status, headers, body: data.subarray(end + 4, end + 4 + len) });
    at = end + 4 + len;
  }
  return out;
}

/** One GET through node:http (fetch adds Cache-Control: no-cache to conditional requests, which
 * serve-static takes as a reason to answer in full). */
export function httpGet(url: string, headers: Readonly<Record<string, string>> = {}): Promise<{ readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const got: Buffer[] = [];
      res.on('data', (d: Buffer) => got.push(d));
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(got) }); });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
