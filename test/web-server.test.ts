// The web server SIP serving real clients: Node's fetch and curl against the running system (disk
// driver, FAT file system, network service, web server), each answer compared with what Node's own
// http with serve-static answers for the same files: bodies, statuses, content types, ranges and
// conditional requests; keep-alive reuse (curl says it reused the connection), pipelined requests
// answered in order, chunked request bodies, HEAD, redirects, and paths that try to leave the root.
// web-kit first: serve-static's modules must load before Sing locks the shared intrinsics down.
import { httpGet, raw, reference, responses, site, type Site } from './web-kit.ts';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rmSync } from 'node:fs';
import { WebSession } from '../src/cli/web-session.ts';
import { filterKills } from './kit.ts';

// curl runs asynchronously: the server answers from this very process.
const run = promisify(execFile);

let s: Site;
let web: WebSession;
let ref: Awaited<ReturnType<typeof reference>>;

before(async () => {
  filterKills();
  s = await site();
  web = await WebSession.start({ image: s.image, counter: true, params: { cacheMs: 0 } });
  ref = await reference(s.hostRoot);
});

after(async () => {
  await web?.close();
  await ref?.close();
  if (s !== undefined) rmSync(s.dir, { recursive: true, force: true });
});

async function both(path: string, init: RequestInit = {}): Promise<[Response, Response]> {
  return [await fetch(web.url + path, { ...init, redirect: 'manual' }), await fetch(ref.url + path, { ...init, redirect: 'manual' })];
}

async function bodies(a: Response, b: Response): Promise<[Buffer, Buffer]> {
  return [Buffer.from(await a.arrayBuffer()), Buffer.from(await b.arrayBuffer())];
}

describe('answers like Node http with serve-static', () => {
  for (const path of ['/index.html', '/a.txt', '/style.css', '/data.json', '/big.bin', '/mid.bin', '/empty.txt', '/docs/guide.md', '/', '/docs/']) {
    test(`GET ${path}`, async () => {
      const [a, b] = await both(path);
      assert.equal(a.status, b.status);
      const [x, y] = await bodies(a, b);
      assert.ok(x.equals(y), `${path}: ${x.length} bytes from Sing, ${y.length} from Node`);
      assert.equal(a.headers.get('content-type')?.replace(/ /g, '').toLowerCase(), b.headers.get('content-type')?.replace(/ /g, '').toLowerCase());
      assert.equal(a.headers.get('content-length'), String(x.length));
      assert.equal(a.headers.get('accept-ranges'), 'bytes');
      assert.ok(a.headers.get('etag') !== null && a.headers.get('last-modified') !== null);
    });
  }

  test('a missing file is 404, a directory without its slash is redirected to it', async () => {
    const [a, b] = await both('/no/such.txt');
    assert.equal(a.status, 404);
    assert.equal(b.status, 404);
    const [c, d] = await both('/docs');
    assert.equal(c.status, 301);
    assert.equal(d.status, 301);
    assert.equal(c.headers.get('location'), d.headers.get('location'));
  });

  test('HEAD answers the same head as GET, without a body', async () => {
    const [a, b] = await both('/big.bin', { method: 'HEAD' });
    assert.equal(a.status, 200);
    assert.equal(a.headers.get('content-length'), b.headers.get('content-length'));
    assert.equal((await a.arrayBuffer()).byteLength, 0);
    const g = await fetch(`${web.url}/big.bin`);
    assert.equal(g.headers.get('etag'), a.headers.get('etag'));
    await g.arrayBuffer();
  });

  for (const [path, range] of [['/big.bin', 'bytes=0-99'], ['/big.bin', 'bytes=-100'], ['/big.bin', 'bytes=1000-'], ['/a.txt', 'bytes=10-20'], ['/a.txt', 'bytes=1000-99999'], ['/mid.bin', 'bytes=65000-65535'], ['/big.bin', 'bytes=0-1,5-6,300000-300010'], ['/a.txt', 'lines=1-2']] as const) {
    test(`Range ${range} of ${path}`, async () => {
      const [a, b] = await both(path, { headers: { range } });
      const [x, y] = await bodies(a, b);
      if (range.includes(',')) {
        // Sing does not send multipart/byteranges: several ranges that do not coalesce get the whole file.
        assert.equal(a.status, 200);
        assert.ok(x.equals(Buffer.from(s.files.get(path) as Uint8Array)));
        return;
      }
      assert.equal(a.status, b.status);
      assert.equal(a.headers.get('content-range'), b.headers.get('content-range'));
      assert.ok(x.equals(y));
    });
  }

  test('an unsatisfiable range is 416 with the size', async () => {
    const [a, b] = await both('/a.txt', { headers: { range: 'bytes=5000-6000' } });
    assert.equal(a.status, 416);
    assert.equal(b.status, 416);
    assert.equal(a.headers.get('content-range'), b.headers.get('content-range'));
  });

  test('conditional GET: If-None-Match and If-Modified-Since give 304 as Node does; If-Range with another tag gives the whole file', async () => {
    for (const path of ['/a.txt', '/big.bin']) {
      const [a, b] = [await httpGet(web.url + path), await httpGet(ref.url + path)];
      const tag = { sing: a.headers.etag as string, node: b.headers.etag as string };
      const since = { sing: a.headers['last-modified'] as string, node: b.headers['last-modified'] as string };
      const cases: [Record<string, string>, Record<string, string>, number][] = [
        [{ 'if-none-match': tag.sing }, { 'if-none-match': tag.node }, 304],
        [{ 'if-none-match': `"other", ${tag.sing}` }, { 'if-none-match': `"other", ${tag.node}` }, 304],
        [{ 'if-none-match': '"other"' }, { 'if-none-match': '"other"' }, 200],
        [{ 'if-modified-since': since.sing }, { 'if-modified-since': since.node }, 304],
        [{ 'if-modified-since': 'Sun, 06 Nov 1994 08:49:37 GMT' }, { 'if-modified-since': 'Sun, 06 Nov 1994 08:49:37 GMT' }, 200],
        [{ range: 'bytes=0-9', 'if-range': '"another"' }, { range: 'bytes=0-9', 'if-range': '"another"' }, 200],
        [{ range: 'bytes=0-9', 'if-range': tag.sing }, { range: 'bytes=0-9', 'if-range': tag.node }, 206],
        [{ 'if-match': '"nope"' }, { 'if-match': '"nope"' }, 412],
      ];
      for (const [mine, theirs, want] of cases) {
        const x = await httpGet(web.url + path, mine);
        const y = await httpGet(ref.url + path, theirs);
        assert.equal(x.status, want, `Sing, ${path} ${JSON.stringify(mine)}`);
        assert.equal(y.status, want, `Node, ${path} ${JSON.stringify(theirs)}`);
        if (want === 304) { assert.equal(x.body.length, 0); assert.equal(x.headers.etag, tag.sing); }
        if (want === 200 || want === 206) assert.ok(x.body.equals(y.body));
      }
    }
  });

  test('a path that climbs out of the root is refused; other methods are 405', async () => {
    for (const p of ['/%2e%2e/web.img', '/docs/%2e%2e/%2e%2e/web.img', '/..%2fweb.img']) {
      const r = await raw(web.port, [`GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
      const status = Number(r.data.toString('latin1').split(' ')[1]);
      assert.ok(status === 400 || status === 404, `${p}: ${status}`);
    }
    const r = await fetch(`${web.url}/a.txt`, { method: 'DELETE' });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'GET, HEAD');
    await r.arrayBuffer();
  });
});

describe('HTTP/1.1 connections', () => {
  test('curl: keep-alive reuse is visible in its trace', async () => {
    const r = (await run('sh', ['-c', `curl -sv --http1.1 ${web.url}/a.txt ${web.url}/style.css -o /dev/null -o /dev/null 2>&1`])).stdout;
    assert.match(r, /Re-?using existing connection/i);
    assert.equal((r.match(/< HTTP\/1\.1 200/g) ?? []).length, 2);
  });

  test('pipelined requests in one packet are answered in order', async () => {
    const req = (p: string, last = false): string => `GET ${p} HTTP/1.1\r\nHost: localhost\r\n${last ? 'Connection: close\r\n' : ''}\r\n`;
    const r = await raw(web.port, [req('/a.txt') + req('/style.css') + req('/data.json') + req('/index.html', true)]);
    const rs = responses(r.data);
    assert.deepEqual(rs.map((x) => x.status), [200, 200, 200, 200]);
    assert.deepEqual(rs.map((x) => x.body.toString()), ['/a.txt', '/style.css', '/data.json', '/index.html'].map((p) => Buffer.from(s.files.get(p) as Uint8Array).toString()));
    assert.ok(r.closed, 'Connection: close ends the connection after the last answer');
  });

  test('a request split into one-byte pieces is still one request', async () => {
    const text = 'GET /data.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
    const r = await raw(web.port, [...text].map((c) => c), { gapMs: 1 });
    const [one] = responses(r.data);
    assert.equal(one?.status, 200);
    assert.equal(one?.body.toString(), '{"ok":true,"n":42}\n');
  });

  test('HTTP/1.0 closes unless asked to keep alive', async () => {
    const a = await raw(web.port, ['GET /data.json HTTP/1.0\r\n\r\n']);
    assert.ok(a.closed);
    assert.match(a.data.toString('latin1'), /^HTTP\/1\.1 200 OK/);
    const b = await raw(web.port, ['GET /data.json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'], { quietMs: 300 });
    assert.match(b.data.toString('latin1'), /Connection: keep-alive/i);
    assert.equal(b.closed, false);
  });

  test('a chunked request body reaches a web app (curl, Transfer-Encoding: chunked)', async () => {
    const out = (await run('curl', ['-s', '--http1.1', '-X', 'POST', '-H', 'Transfer-Encoding: chunked', '-H', 'Content-Type: application/json', '--data-binary', '{"by": 5}', `${web.url}/counter/chunky`])).stdout;
    assert.deepEqual(JSON.parse(out), { name: 'chunky', count: 5 });
    const again = (await run('curl', ['-s', '-X', 'POST', `${web.url}/counter/chunky`])).stdout;
    assert.deepEqual(JSON.parse(again), { name: 'chunky', count: 6 });
  });
});

test('Expect: 100-continue is answered before the body is sent (curl waits for it)', async () => {
  const r = await raw(web.port, ['POST /counter/expect HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n'], { quietMs: 500 });
  assert.match(r.data.toString('latin1'), /^HTTP\/1\.1 100 Continue\r\n\r\n$/);
  const big = '{"by": 3}' + ' '.repeat(2000);
  const out = (await run('curl', ['-s', '-v', '--http1.1', '-X', 'POST', '-H', 'Expect: 100-continue', '--data-binary', big, `${web.url}/counter/expect`])).stderr;
  assert.match(out, /HTTP\/1\.1 100 Continue/);
});
