import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingPipe } from './ring-pipe.ts';
import { ShmRing } from './shm-ring.ts';
import type { Frame } from './mux.ts';

/** Two pipes joined by two rings (4 KiB unless told), both ends read by this thread's poller. */
function pair(bytes = 4096): { a: RingPipe; b: RingPipe; toA: SharedArrayBuffer; toB: SharedArrayBuffer } {
  const toA = ShmRing.memory(bytes);
  const toB = ShmRing.memory(bytes);
  return { a: new RingPipe(toA, toB), b: new RingPipe(toB, toA), toA, toB };
}

function collect(p: RingPipe, n: number): Promise<unknown[]> {
  const got: unknown[] = [];
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { reject(new Error(`only ${got.length} of ${n} frames came`)); }, 10_000);
    p.listen((f) => { got.push(f); if (got.length === n) { clearTimeout(t); resolve(got); } }, () => undefined);
  });
}

test('frames cross whole and in order, many more than the ring holds at once, big ones in pieces', async () => {
  const { a, b } = pair();
  const sent: Frame[] = [];
  for (let i = 0; i < 500; i++) sent.push({ c: i, w: { n: i, s: i % 50 === 0 ? 'y'.repeat(10_000 + i) : 'x' } });
  const got = collect(b, sent.length);
  a.listen(() => undefined, () => undefined);
  for (const f of sent) a.send(f); // most wait in the outbox: the ring is 4 KiB
  assert.ok(a.busy);
  assert.deepEqual(await got, sent);
  assert.equal(a.busy, false);
  a.gone(); b.gone();
});

test('what the other side wrote before it went is read before the pipe ends', async () => {
  const { a, b } = pair();
  a.send({ c: 1, w: 'last words' });
  const got: unknown[] = [];
  let ended = false;
  b.listen((f) => { got.push(f); }, () => { ended = true; });
  b.gone(); // at once, before the poller has looked
  assert.deepEqual(got, [{ c: 1, w: 'last words' }]);
  assert.ok(ended);
  a.gone();
});

test('a malformed record breaks the pipe, saying why, instead of reaching the mux', async () => {
  const { a, b, toB } = pair();
  const ring = new ShmRing(toB);
  assert.ok(ring.write(new Uint8Array([42, 42]), false)); // not a frame
  ring.wake();
  const why = await new Promise<string>((resolve) => {
    b.onBroken = resolve;
    b.listen(() => { assert.fail('a malformed frame reached the mux'); }, () => undefined);
  });
  assert.match(why, /malformed frame.*unknown value tag 42/);
  a.gone();
});

test('a frame in pieces that never ends is refused once it passes the largest frame allowed', async () => {
  const { a, b, toB } = pair(4 * 1024 * 1024);
  const ring = new ShmRing(toB);
  const piece = new Uint8Array(ring.chunk);
  const why = new Promise<string>((resolve) => {
    b.onBroken = resolve;
    b.listen(() => { assert.fail('a frame reached the mux'); }, () => undefined);
  });
  let written = 0;
  for (let i = 0; i < 1_000_000 && written <= 256 * 1024 * 1024; i++) {
    if (ring.write(piece, true)) { written += piece.length; ring.wake(); } else await new Promise((r) => setImmediate(r));
    if (await Promise.race([why.then(() => true), Promise.resolve(false)])) break;
  }
  assert.match(await why, /more than \d+ bytes, in pieces/);
  a.gone();
});
