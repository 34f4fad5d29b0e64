/* eslint-disable no-restricted-imports -- a host-side unit test beside the code, not part of the program */
// The small-file cache behind FatVolume.lease: a small file read twice is served from memory, and
// no change — a gathered or direct write through any handle, a truncation, a delete and a new file
// on the freed clusters — ever leaves a stale copy to be served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FatVolume, MemoryDevice, format, type FatFile } from './index.ts';
import { FileCache } from './file-cache.ts';

const clock = (): number => Date.UTC(2024, 4, 1, 12, 0, 0);
const fill = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);

async function leaseRead(v: FatVolume, f: FatFile): Promise<Uint8Array> {
  const l = await v.lease(f, 0, 1 << 20, false);
  assert.notEqual(l.cached, null, 'a small file is served from the cache');
  const bytes = (l.cached as Uint8Array).slice();
  await l.end(true);
  return bytes;
}

test('a small file is served from the cache and never stale after a change through any handle', async () => {
  const dev = new MemoryDevice(16384);
  await format(dev, { fat: 16, clock });
  const v = await FatVolume.mount(dev, { clock });
  await v.writeFile('/a.txt', fill(3000, 1));
  const reader = await v.open('/a.txt');
  assert.deepEqual(await leaseRead(v, reader), fill(3000, 1));
  const devBefore = dev.bytes.slice();
  assert.deepEqual(await leaseRead(v, reader), fill(3000, 1));
  assert.ok(Buffer.from(dev.bytes).equals(Buffer.from(devBefore)));
  const writer = await v.open('/a.txt', { write: true });
  await v.write(writer, 100, fill(10, 2)); // gathered
  const want = fill(3000, 1);
  want.fill(2, 100, 110);
  assert.deepEqual(await leaseRead(v, reader), want);
  await v.truncate(writer, 50);
  assert.deepEqual(await leaseRead(v, reader), fill(50, 1));
  await v.close(writer);
  await v.close(reader);
  // Delete it, and give a new file of the same size the freed clusters.
  await v.writeFile('/b.txt', fill(50, 7));
  await v.unlink('/a.txt');
  await v.flush();
  await v.writeFile('/c.txt', fill(50, 9));
  const c = await v.open('/c.txt');
  assert.deepEqual(await leaseRead(v, c), fill(50, 9));
  await v.close(c);
  await v.unmount();
});

test('the cache keeps to its capacity, least recently used out first, and forgets on request', () => {
  const c = new FileCache(100);
  c.put(2, fill(40, 1));
  c.put(3, fill(40, 2));
  assert.ok(c.get(2, 40) !== undefined); // 2 is now the most recent
  c.put(4, fill(40, 3)); // 120 bytes: 3 goes
  assert.equal(c.get(3, 40), undefined);
  assert.ok(c.get(2, 40) !== undefined && c.get(4, 40) !== undefined);
  assert.equal(c.get(2, 41), undefined, 'a size that differs is a miss');
  c.forget(2);
  assert.equal(c.get(2, 40), undefined);
  c.put(5, fill(70 * 1024, 1));
  assert.equal(c.get(5, 70 * 1024), undefined, 'a file larger than the small-file limit is not kept');
});
