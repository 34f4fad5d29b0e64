/* eslint-disable no-restricted-imports -- a host-side unit test beside the code, not part of the program */
// The ordered write-back cache: phases reach the disk in order with a barrier between them, a
// change that would overtake a later phase's pending bytes forces a flush first, FAT sectors go
// to every mirror, and dirty sectors are never evicted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ORDER, SectorCache } from './cache.ts';
import { MemoryDevice, VolumeIO } from './device.ts';

type Event = { write: number; byte: number } | 'flush';

function setup(capacity = 8, mirrorsOf: (s: number) => readonly number[] = () => []): { cache: SectorCache; log: Event[]; dev: MemoryDevice; flushed: () => number } {
  const dev = new MemoryDevice(64);
  const log: Event[] = [];
  const rec = {
    sectorSize: 512, sectorCount: 64, readOnly: false,
    read: (s: number, n: number) => dev.read(s, n),
    write: (s: number, d: Uint8Array) => { for (let i = 0; i < d.length / 512; i++) log.push({ write: s + i, byte: d[i * 512] ?? 0 }); return dev.write(s, d); },
    flush: () => { log.push('flush'); return Promise.resolve(); },
  };
  let done = 0;
  const io = new VolumeIO(rec, 512, 64, false);
  const cache = new SectorCache(io, { capacity, mirrorsOf, onFlushed: () => { done++; } });
  return { cache, log, dev, flushed: () => done };
}

test('phases are written in order, a barrier after each; one sector can be written in several phases', async () => {
  const { cache, log, dev, flushed } = setup();
  await cache.update(5, 0, new Uint8Array([6]), ORDER.FREE);
  await cache.update(3, 0, new Uint8Array([4]), ORDER.COMMIT);
  await cache.update(5, 1, new Uint8Array([9]), ORDER.PREP);
  await cache.update(1, 0, new Uint8Array([1]), ORDER.PREP);
  assert.equal(cache.dirtyCount, 3);
  assert.equal(log.length, 0);
  assert.equal((await cache.read(5))[0], 6);
  await cache.flush();
  const writes = log.filter((e) => e !== 'flush');
  assert.deepEqual(log.map((e) => (e === 'flush' ? 'F' : `${e.write}:${e.byte}`)), ['1:1', '5:0', 'F', '3:4', 'F', '5:6', 'F']);
  assert.equal(writes.length, 4);
  assert.equal(dev.bytes[5 * 512], 6);
  assert.equal(dev.bytes[5 * 512 + 1], 9);
  assert.equal(cache.dirtyCount, 0);
  assert.equal(flushed(), 1);
});

test('a change that would overtake a later phase on the same bytes flushes first', async () => {
  const { cache, log } = setup();
  await cache.update(2, 10, new Uint8Array([0xaa]), ORDER.FREE);
  await cache.update(2, 20, new Uint8Array([0xbb]), ORDER.PREP);
  assert.equal(log.length, 0, 'disjoint bytes: no flush');
  await cache.update(2, 10, new Uint8Array([0xcc]), ORDER.COMMIT);
  assert.ok(log.length > 0, 'overlap with a pending later phase: flushed before');
  assert.equal(cache.dirtyCount, 1);
  assert.equal((await cache.read(2))[10], 0xcc);
});

test('sectors with mirrors are written at every copy; dirty sectors survive eviction', async () => {
  const { cache, log, dev } = setup(2, (s) => (s < 10 ? [20] : []));
  await cache.update(4, 0, new Uint8Array([7]), ORDER.PREP);
  for (let s = 30; s < 40; s++) await cache.read(s);
  assert.equal((await cache.read(4))[0], 7);
  await cache.flush();
  assert.deepEqual(log.filter((e) => e !== 'flush').map((e) => e.write), [4, 24]);
  assert.equal(dev.bytes[24 * 512], 7);
});

test('fresh sectors are written whole without being read', async () => {
  const { cache, dev } = setup();
  dev.bytes.fill(0xee, 8 * 512, 9 * 512);
  const b = new Uint8Array(512).fill(1);
  await cache.fresh(8, b, ORDER.PREP);
  await cache.flush();
  assert.ok(dev.bytes.subarray(8 * 512, 9 * 512).every((x) => x === 1));
});
