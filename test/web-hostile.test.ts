// Hostile peers against the web server SIP: slow heads and slow bodies (cut off with 408), garbage
// bytes (400), 100 KiB of headers (431), a body over the limit (413), half-open connections,
// resets in the middle of a response, idle connections closed, the connection cap (503), and
// 2,000 connections at once. After each, the kernel and the services are alive, another client is
// served, and the exchange heap's blocks, the services' endpoints and the kernel's host sockets
// come back to their levels before. Loopback only; every loop is bounded; nothing asserts a time.
// web-kit first: serve-static's modules must load before Sing locks the shared intrinsics down.
import { httpGet, raw, responses, site, type Site } from './web-kit.ts';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { WebSession } from '../src/cli/web-session.ts';
import { filterKills, until } from './kit.ts';

let s: Site;
let web: WebSession;

const TIMEOUTS = { headerTimeoutMs: 600, bodyTimeoutMs: 800, idleTimeoutMs: 1500, maxHeaderBytes: 8192, maxBodyBytes: 64 * 1024, maxConnections: 2500 };

before(async () => {
  filterKills();
  s = await site();
  web = await WebSession.start({ image: s.image, counter: true, params: TIMEOUTS });
});

after(async () => {
  await web?.close();
  if (s !== undefined) rmSync(s.dir, { recursive: true, force: true });
});

interface Levels { readonly blocks: number; readonly sockets: number; readonly endpoints: number }

function levels(w: WebSession): Levels {
  const ps = w.kernel.ps().filter((p) => p.program === 'net' || p.program === 'web');
  return { blocks: w.kernel.heapStats().blocks, sockets: w.kernel.sockets.stats().sockets, endpoints: ps.reduce((n, p) => n + p.endpoints, 0) };
}

/** Waits until the levels are back where they were, and says what differs if they are not. */
async function settled(w: WebSession, before: Levels): Promise<void> {
  try {
    await until(() => { const now = levels(w); return now.blocks === before.blocks && now.sockets === before.sockets && now.endpoints === before.endpoints; }, 'the levels to come back', 20_000);
  } catch {
    assert.deepEqual(levels(w), before, 'blocks, host sockets and service endpoints come back to their levels');
  }
}

/** The services run and another client is served (on a connection of its own, closed after). */
async function alive(w: WebSession): Promise<void> {
  assert.ok(w.kernel.ps().some((p) => p.program === 'web' && p.state === 'running'), 'the web server runs');
  assert.ok(w.kernel.ps().some((p) => p.program === 'net' && p.state === 'running'), 'the network service runs');
  const r = await httpGet(`${w.url}/data.json`, { connection: 'close' });
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), '{"ok":true,"n":42}\n');
}

const statusOf = (b: Buffer): number => Number(b.toString('latin1').split(' ')[1]);

/** The levels with no client connected (the last test's connections all closed). */
async function baseline(): Promise<Levels> {
  await alive(web);
  await until(() => web.kernel.sockets.stats().sockets === 0, 'every client connection to be closed', 20_000);
  return levels(web);
}

test('a slow head is cut off with 408 once its time is up', async () => {
  const before = await baseline();
  const r = await raw(web.port, ['GET /a.txt HTTP/1.1\r\n', 'Host: x\r\n', 'X-Slow: 1\r\n', 'X-Slow: 2\r\n', 'X-Slow: 3\r\n', 'X-Slow: 4\r\n'], { gapMs: 250, quietMs: 5000 });
  assert.equal(statusOf(r.data), 408);
  assert.ok(r.closed);
  await alive(web);
  await settled(web, before);
});

test('a slow body is cut off with 408', async () => {
  const before = await baseline();
  const r = await raw(web.port, ['POST /counter/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n', 'a', 'b', 'c', 'd', 'e', 'f'], { gapMs: 300, quietMs: 5000 });
  assert.equal(statusOf(r.data), 408);
  assert.ok(r.closed);
  await alive(web);
  await settled(web, before);
});

test('garbage bytes get 400 and the connection closes', async () => {
  const before = await baseline();
  const junk = new Uint8Array(4096);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 131 + 7) & 0xff;
  for (const piece of [junk, 'HELLO\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'GET /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n']) {
    const r = await raw(web.port, [piece]);
    assert.ok([400, 505, 501].includes(statusOf(r.data)) || r.data.length === 0, `answered ${r.data.subarray(0, 40).toString('latin1')}`);
    assert.ok(r.closed);
  }
  await alive(web);
  await settled(web, before);
});

test('100 KiB of headers get 431; a body over the limit gets 413', async () => {
  const before = await baseline();
  const big = await raw(web.port, [`GET /a.txt HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(100 * 1024)}\r\n\r\n`]);
  assert.equal(statusOf(big.data), 431);
  assert.ok(big.closed);
  const body = await raw(web.port, [`POST /counter/x HTTP/1.1\r\nHost: x\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`, 'x'.repeat(1000)]);
  assert.equal(statusOf(body.data), 413);
  await alive(web);
  await settled(web, before);
});

test('half-open: a client that sends its request and half-closes still gets the answer', async () => {
  const before = await baseline();
  const data = await new Promise<Buffer>((resolve, reject) => {
    const c = connect(web.port, '127.0.0.1', () => { c.end('GET /data.json HTTP/1.1\r\nHost: x\r\n\r\n'); });
    const got: Buffer[] = [];
    c.on('data', (d) => got.push(d));
    c.on('close', () => resolve(Buffer.concat(got)));
    c.on('error', reject);
  });
  assert.equal(responses(data)[0]?.body.toString(), '{"ok":true,"n":42}\n');
  await alive(web);
  await settled(web, before);
});

test('idle and silent connections are closed after the idle time', async () => {
  const before = await baseline();
  const silent = await raw(web.port, [], { quietMs: 10_000 });
  assert.ok(silent.closed, 'a connection that never sends is closed');
  assert.equal(silent.data.length, 0);
  const kept = await raw(web.port, ['GET /data.json HTTP/1.1\r\nHost: x\r\n\r\n'], { quietMs: 10_000 });
  assert.ok(kept.closed, 'a kept-alive connection with nothing more to ask is closed');
  assert.equal(responses(kept.data)[0]?.status, 200);
  await settled(web, before);
});

test('resets in the middle of responses leave nothing behind', async () => {
  const before = await baseline();
  for (let i = 0; i < 20; i++) {
    await new Promise<void>((resolve) => {
      const c = connect(web.port, '127.0.0.1', () => { c.write(`GET /${i % 2 === 0 ? 'big.bin' : 'mid.bin'} HTTP/1.1\r\nHost: x\r\n\r\n`); });
      c.once('data', () => { c.resetAndDestroy(); resolve(); });
      c.on('error', () => resolve());
    });
  }
  await alive(web);
  await settled(web, before);
});

test('2,000 connections at once are all served, and another client meanwhile', async () => {
  // A system of its own, whose idle time outlasts the ramp: every connection stays open until all
  // 2,000 have their answers.
  const big = await WebSession.start({ image: s.image, params: { ...TIMEOUTS, idleTimeoutMs: 120_000, headerTimeoutMs: 120_000 } });
  const N = 2000;
  const socks: Socket[] = [];
  try {
    const before = levels(big);
    const answered: Promise<number>[] = [];
    for (let i = 0; i < N; i++) {
      const c = connect(big.port, '127.0.0.1');
      socks.push(c);
      answered.push(new Promise<number>((resolve) => {
        const got: Buffer[] = [];
        c.on('error', () => resolve(-1));
        c.on('close', () => resolve(got.length === 0 ? -1 : statusOf(Buffer.concat(got))));
        c.on('data', (d) => {
          got.push(d);
          const r = responses(Buffer.concat(got))[0];
          if (r !== undefined && r.body.length === Number(r.headers.get('content-length'))) resolve(r.status);
        });
        c.once('connect', () => { c.write(`GET /${i % 3 === 0 ? 'a.txt' : i % 3 === 1 ? 'style.css' : 'index.html'} HTTP/1.1\r\nHost: x\r\n\r\n`); });
      }));
      if (i % 100 === 99) await new Promise((r) => setTimeout(r, 5));
    }
    const statuses = await Promise.all(answered);
    const counts = statuses.reduce<Record<number, number>>((m, st) => { m[st] = (m[st] ?? 0) + 1; return m; }, {});
    assert.equal(statuses.filter((st) => st === 200).length, N, `statuses: ${JSON.stringify(counts)}`);
    assert.equal(big.kernel.sockets.stats().sockets, N, 'all 2,000 connections are open at once, kept alive after their answers');
    await alive(big);
    for (const c of socks) c.destroy();
    await until(() => big.kernel.sockets.stats().sockets === 0, 'every connection to close', 60_000);
    await settled(big, before);
  } finally {
    for (const c of socks) c.destroy();
    await big.close();
  }
});

test('beyond the connection cap a connection is answered 503', async () => {
  const small = await WebSession.start({ image: s.image, params: { ...TIMEOUTS, maxConnections: 3 } });
  const held: Socket[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const c = connect(small.port, '127.0.0.1');
      c.on('error', () => undefined);
      held.push(c);
    }
    await until(() => small.kernel.sockets.stats().sockets >= 3, 'three connections held', 10_000);
    await new Promise((r) => setTimeout(r, 100));
    const over = await raw(small.port, []);
    assert.equal(statusOf(over.data), 503);
  } finally {
    for (const c of held) c.destroy();
    await small.close();
  }
});
