/* eslint-disable no-restricted-imports -- a host-side unit test beside the code, not part of the program */
// Write-behind on an in-memory device: gathered writes are seen at once by another handle's read
// and by stat; a write elsewhere writes the run out first; a run that cannot be placed is reported
// to its writer's next flush (or close), once; and flush makes gathered bytes durable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FatError, FatVolume, MemoryDevice, format, fsck } from './index.ts';

const clock = (): number => Date.UTC(2024, 4, 1, 12, 0, 0);
const bytes = (n: number, seed: number): Uint8Array => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = (i * 7 + seed * 13 + (i >> 8)) & 255; return b; };

async function fresh(sectors = 16384): Promise<{ dev: MemoryDevice; v: FatVolume }> {
  const dev = new MemoryDevice(sectors);
  await format(dev, { fat: 16, clock });
  return { dev, v: await FatVolume.mount(dev, { clock }) };
}

test('gathered writes are read at once through another handle, and stat counts them', async () => {
  const { dev, v } = await fresh();
  const a = await v.open('/f.bin', { create: true, write: true });
  const b = await v.open('/f.bin');
  const want = bytes(10 * 65536, 1);
  const writes = dev.bytes.slice();
  for (let i = 0; i < 10; i++) await v.write(a, i * 65536, want.subarray(i * 65536, (i + 1) * 65536));
  assert.ok(Buffer.from(dev.bytes).equals(Buffer.from(writes)), 'nothing reached the device yet: the run is gathered');
  assert.ok(Buffer.from(await v.read(b, 0, want.length)).equals(Buffer.from(want)));
  assert.equal((await v.stat('/f.bin')).size, want.length);
  await v.close(a);
  await v.close(b);
  await v.unmount();
  assert.deepEqual((await fsck(dev)).problems, []);
});

test('a write elsewhere writes the gathered run out first, and flush makes both durable', async () => {
  const { dev, v } = await fresh();
  const a = await v.open('/a.bin', { create: true, write: true });
  const c = await v.open('/c.bin', { create: true, write: true });
  await v.write(a, 0, bytes(1000, 2));
  await v.write(c, 5000, bytes(3000, 3)); // another file: a's run goes out, c's starts
  await v.write(a, 1000, bytes(500, 4)); // and back again
  await v.flush();
  const again = await FatVolume.mount(new MemoryDevice(dev.sectorCount, 512, { bytes: dev.bytes.slice() }), { clock, readOnly: true });
  const wantA = new Uint8Array(1500);
  wantA.set(bytes(1000, 2));
  wantA.set(bytes(500, 4), 1000);
  assert.ok(Buffer.from(await again.readFile('/a.bin')).equals(Buffer.from(wantA)));
  const wantC = new Uint8Array(8000);
  wantC.set(bytes(3000, 3), 5000);
  assert.ok(Buffer.from(await again.readFile('/c.bin')).equals(Buffer.from(wantC)), 'the gap before c\'s write reads as zeros');
  await v.close(a);
  await v.close(c);
});

/** A small FAT12 volume filled by direct (ungathered) writes, and how many bytes it has left. */
async function nearlyFull(): Promise<{ dev: MemoryDevice; v: FatVolume; left: number }> {
  const dev = new MemoryDevice(2048);
  await format(dev, { fat: 12, clock });
  const v = await FatVolume.mount(dev, { clock });
  const filler = await v.open('/filler.bin', { create: true, write: true });
  for (let i = 0; ; i++) {
    try {
      await v.write(filler, i * 300_000, bytes(300_000, i)); // larger than a gathered write: placed at once
    } catch (e) {
      assert.ok(e instanceof FatError && e.code === 'E_NO_SPACE', String(e));
      break;
    }
  }
  await v.close(filler);
  const s = await v.statfs();
  return { dev, v, left: s.freeClusters * s.clusterSize };
}

/** Gathers `n` bytes (in 64 KiB writes) into /f.bin; every write is accepted. */
async function gather(v: FatVolume, n: number): Promise<import('./index.ts').FatFile> {
  const f = await v.open('/f.bin', { create: true, write: true });
  for (let at = 0; at < n; at += 65536) await v.write(f, at, bytes(Math.min(65536, n - at), at));
  return f;
}

test('a gathered run the volume cannot hold is reported to its writer\'s flush, once, and the volume stays sound', async () => {
  const { dev, v, left } = await nearlyFull();
  const f = await gather(v, left + 65536);
  await assert.rejects(v.flushFile(f), (e: unknown) => e instanceof FatError && e.code === 'E_NO_SPACE' && /write-behind/.test(e.message));
  await v.close(f); // reported once: the close does not throw it again
  await v.unmount();
  assert.deepEqual((await fsck(dev)).problems, []);
});

test('close reports a lost run when no flush did', async () => {
  const { dev, v, left } = await nearlyFull();
  const f = await gather(v, left + 65536);
  await assert.rejects(v.close(f), (e: unknown) => e instanceof FatError && e.code === 'E_NO_SPACE');
  await v.unmount();
  assert.deepEqual((await fsck(dev)).problems, []);
});
