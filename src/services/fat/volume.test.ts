/* eslint-disable no-restricted-imports -- a host-side unit test beside the code, not part of the program */
// The volume's API on an in-memory device: files and directories, offsets and sparse growth,
// truncation, rename's replace rules, attributes and times, extents, handles, read-only mounts,
// the dirty mark, and errors with stable codes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FatError, FatVolume, MemoryDevice, format, fsck, type FatType } from './index.ts';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
let now = T0;
const clock = (): number => now;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const bytes = (n: number, seed = 1): Uint8Array => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = (i * 131 + seed * 17 + (i >> 9)) & 255; return b; };

async function fresh(fat: FatType = 16, sectors = fat === 32 ? 70000 : fat === 16 ? 16384 : 2048): Promise<{ dev: MemoryDevice; v: FatVolume }> {
  const dev = new MemoryDevice(sectors);
  await format(dev, { fat, clock });
  return { dev, v: await FatVolume.mount(dev, { clock }) };
}

async function rejects(p: Promise<unknown>, code: string): Promise<FatError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof FatError, `expected a FatError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

async function clean(dev: MemoryDevice): Promise<void> {
  const r = await fsck(dev);
  assert.deepEqual(r.problems, [], JSON.stringify(r.problems));
}

for (const fat of [12, 16, 32] as const) {
  describe(`FAT${fat}`, () => {
    test('files: create, write at offsets, read back, sizes, sparse growth reads zeros', async () => {
      const { dev, v } = await fresh(fat);
      const f = await v.open('/data.bin', { create: true, write: true });
      const a = bytes(10000);
      await v.write(f, 0, a);
      await v.write(f, 20000, bytes(3000, 2));
      assert.equal((await v.fileInfo(f)).size, 23000);
      const all = await v.read(f, 0, 1 << 20);
      assert.equal(all.length, 23000);
      assert.deepEqual(all.subarray(0, 10000), a);
      assert.ok(all.subarray(10000, 20000).every((x) => x === 0));
      assert.deepEqual(all.subarray(20000), bytes(3000, 2));
      await v.write(f, 9990, enc('overwrite in the middle'));
      assert.equal(dec(await v.read(f, 9990, 23)), 'overwrite in the middle');
      assert.equal((await v.read(f, 22999, 10)).length, 1);
      assert.equal((await v.read(f, 30000, 10)).length, 0);
      await v.close(f);
      await v.unmount();
      await clean(dev);
      const again = await FatVolume.mount(dev, { clock, readOnly: true });
      const back = await again.readFile('/DATA.BIN');
      assert.equal(back.length, 23000);
      assert.equal(dec(back.subarray(9990, 10013)), 'overwrite in the middle');
    });

    test('truncate grows with zeros and shrinks, freeing clusters', async () => {
      const { dev, v } = await fresh(fat);
      const before = (await v.statfs()).freeClusters;
      const f = await v.open('/t', { create: true, write: true });
      await v.write(f, 0, bytes(50000));
      await v.truncate(f, 100);
      assert.deepEqual(await v.read(f, 0, 1000), bytes(50000).subarray(0, 100));
      await v.truncate(f, 5000);
      const grown = await v.read(f, 0, 10000);
      assert.equal(grown.length, 5000);
      assert.ok(grown.subarray(100).every((x) => x === 0));
      await v.truncate(f, 0);
      await v.close(f);
      await v.flush();
      assert.equal((await v.statfs()).freeClusters, before);
      await v.unmount();
      await clean(dev);
    });

    test('directories: nested mkdir, readdir with long and short names, rmdir only when empty', async () => {
      const { dev, v } = await fresh(fat);
      await v.mkdir('/a');
      await v.mkdir('/a/Second Level');
      await v.mkdir('/a/Second Level/third');
      await v.writeFile('/a/Second Level/third/deep file.txt', enc('deep'));
      const list = await v.readdir('/a/second level');
      assert.deepEqual(list.map((e) => [e.name, e.isDirectory]), [['third', true]]);
      assert.equal(list[0]?.shortName, 'THIRD');
      const deep = await v.readdir('/A/SECOND LEVEL/THIRD');
      assert.equal(deep[0]?.name, 'deep file.txt');
      assert.equal(deep[0]?.shortName, 'DEEPFI~1.TXT');
      await rejects(v.rmdir('/a/Second Level'), 'E_NOT_EMPTY');
      await rejects(v.rmdir('/a/Second Level/third/deep file.txt'), 'E_NOT_DIRECTORY');
      await rejects(v.unlink('/a'), 'E_IS_DIRECTORY');
      await v.unlink('/a/Second Level/third/deep file.txt');
      await v.rmdir('/a/Second Level/third');
      await rejects(v.readdir('/a/Second Level/third'), 'E_NOT_FOUND');
      await rejects(v.mkdir('/a'), 'E_EXISTS');
      await rejects(v.mkdir('/nope/x'), 'E_NOT_FOUND');
      await v.unmount();
      await clean(dev);
    });

    test('many files in one directory grow it past a cluster, with unique aliases', async () => {
      const { dev, v } = await fresh(fat);
      await v.mkdir('/many');
      const n = fat === 12 ? 150 : 300;
      for (let i = 0; i < n; i++) await v.writeFile(`/many/Long file name number ${i}.text`, enc(`#${i}`));
      const list = await v.readdir('/many');
      assert.equal(list.length, n);
      assert.equal(new Set(list.map((e) => e.shortName)).size, n);
      assert.equal(dec(await v.readFile('/many/long FILE name number 77.TEXT')), '#77');
      for (let i = 0; i < n; i += 2) await v.unlink(`/many/Long file name number ${i}.text`);
      for (let i = 0; i < 20; i++) await v.writeFile(`/many/again ${i}`, enc('x'));
      assert.equal((await v.readdir('/many')).length, n / 2 + 20);
      await v.unmount();
      await clean(dev);
    });

    test('rename: within and across directories, replace rules, case-only renames, open handles follow', async () => {
      const { dev, v } = await fresh(fat);
      await v.mkdir('/src');
      await v.mkdir('/dst');
      await v.writeFile('/src/one.txt', enc('one'));
      await v.writeFile('/src/two.txt', enc('two'));
      await v.writeFile('/dst/old target.txt', enc('old'));
      await v.rename('/src/one.txt', '/src/One Renamed.txt');
      assert.equal(dec(await v.readFile('/src/one renamed.txt')), 'one');
      await rejects(v.stat('/src/one.txt'), 'E_NOT_FOUND');
      await v.rename('/src/One Renamed.txt', '/dst/moved.txt');
      assert.deepEqual((await v.readdir('/src')).map((e) => e.name), ['two.txt']);
      await v.rename('/src/two.txt', '/dst/old target.txt');
      assert.equal(dec(await v.readFile('/dst/old target.txt')), 'two');
      assert.equal((await v.readdir('/dst')).length, 2);
      await v.rename('/dst/moved.txt', '/dst/MOVED.TXT');
      assert.deepEqual((await v.readdir('/dst')).map((e) => e.name).sort(), ['MOVED.TXT', 'old target.txt']);
      const h = await v.open('/dst/MOVED.TXT', { write: true });
      await v.rename('/dst/MOVED.TXT', '/src/while open.txt');
      await v.write(h, 3, enc('+more'));
      await v.close(h);
      assert.equal(dec(await v.readFile('/src/while open.txt')), 'one+more');
      await v.mkdir('/src/sub');
      await v.writeFile('/src/sub/inner', enc('inner'));
      await v.rename('/src/sub', '/dst/sub moved');
      assert.equal(dec(await v.readFile('/dst/sub moved/inner')), 'inner');
      await rejects(v.rename('/dst', '/dst/sub moved/x'), 'E_INVALID');
      await v.mkdir('/empty');
      await v.rename('/dst/sub moved', '/empty');
      assert.equal(dec(await v.readFile('/empty/inner')), 'inner');
      await rejects(v.rename('/empty', '/src/while open.txt'), 'E_NOT_DIRECTORY');
      await rejects(v.rename('/src/while open.txt', '/empty'), 'E_IS_DIRECTORY');
      await v.mkdir('/full');
      await v.writeFile('/full/f', enc('f'));
      await v.mkdir('/other');
      await rejects(v.rename('/other', '/full'), 'E_NOT_EMPTY');
      await rejects(v.rename('/missing', '/x'), 'E_NOT_FOUND');
      await v.unmount();
      await clean(dev);
    });

    test('attributes and times are set and read back', async () => {
      const { dev, v } = await fresh(fat);
      now = Date.UTC(2023, 0, 2, 3, 4, 6, 120);
      await v.writeFile('/stamped', enc('x'));
      now = T0;
      const s = await v.stat('/stamped');
      assert.equal(s.created, Date.UTC(2023, 0, 2, 3, 4, 6, 120));
      assert.equal(s.modified, Date.UTC(2023, 0, 2, 3, 4, 6));
      assert.equal(s.accessed, Date.UTC(2023, 0, 2));
      assert.ok(s.archive);
      await v.setAttributes('/stamped', { readOnly: true, hidden: true, system: true, archive: false });
      await v.setTimes('/stamped', { created: Date.UTC(2001, 1, 3, 4, 5, 7), modified: Date.UTC(2002, 2, 4, 5, 6, 8), accessed: Date.UTC(2003, 3, 5) });
      const t = await v.stat('/stamped');
      assert.deepEqual([t.readOnly, t.hidden, t.system, t.archive], [true, true, true, false]);
      assert.deepEqual([t.created, t.modified, t.accessed], [Date.UTC(2001, 1, 3, 4, 5, 7), Date.UTC(2002, 2, 4, 5, 6, 8), Date.UTC(2003, 3, 5)]);
      await rejects(v.open('/stamped', { write: true }), 'E_ACCESS');
      await rejects(v.unlink('/stamped'), 'E_ACCESS');
      await rejects(v.setTimes('/stamped', { modified: Number.NaN }), 'E_INVALID');
      await v.setAttributes('/stamped', { readOnly: false });
      await v.unlink('/stamped');
      await v.unmount();
      await clean(dev);
    });
  });
}

test('extents name the sectors behind a byte range; prepareWrite/commitWrite write through them', async () => {
  const { dev, v } = await fresh(16);
  const f = await v.open('/zero-copy', { create: true, write: true });
  const data = bytes(6000, 9);
  await v.write(f, 0, data);
  const ex = await v.extents(f, 700, 4000);
  assert.equal(ex.reduce((n, e) => n + e.length, 0), 4000);
  const got = new Uint8Array(4000);
  for (const e of ex) {
    const raw = dev.bytes.subarray(e.sector * 512, (e.sector + e.sectors) * 512);
    got.set(raw.subarray(e.skip, e.skip + e.length), e.offset - 700);
  }
  assert.deepEqual(got, data.subarray(700, 4700));
  assert.deepEqual(await v.extents(f, 6000, 10), []);
  const w = await v.prepareWrite(f, 8192, 2048);
  for (const e of w) dev.bytes.set(bytes(e.length, 3).subarray(0, e.length), e.sector * 512 + e.skip);
  await v.commitWrite(f, 8192 + 2048);
  const back = await v.read(f, 0, 20000);
  assert.equal(back.length, 10240);
  assert.ok(back.subarray(6000, 8192).every((x) => x === 0));
  assert.deepEqual(back.subarray(8192), bytes(2048, 3));
  const extra = await v.prepareWrite(f, 10240, 100000);
  assert.ok(extra.length > 0);
  await v.close(f);
  await v.unmount();
  await clean(dev);
});

test('handles: closed, read-only, and busy files; unlink of an open file is refused', async () => {
  const { v } = await fresh(16);
  const f = await v.open('/h', { create: true, write: true });
  await rejects(v.unlink('/h'), 'E_BUSY');
  await v.close(f);
  await rejects(v.write(f, 0, enc('x')), 'E_CLOSED');
  const r = await v.open('/h');
  await rejects(v.write(r, 0, enc('x')), 'E_ACCESS');
  await rejects(v.open('/h', { create: true, exclusive: true }), 'E_EXISTS');
  await rejects(v.open('/'), 'E_INVALID');
  await rejects(v.open('/bad:name', { create: true }), 'E_NAME');
  await rejects(v.open('/trailing.', { create: true }), 'E_NAME');
  await rejects(v.open('/a/../b'), 'E_INVALID');
  await rejects(v.read(r, -1, 1), 'E_INVALID');
  await v.close(r);
  await v.unmount();
  await rejects(v.stat('/h'), 'E_UNMOUNTED');
});

test('the fixed FAT16 root fills up; a full volume says E_NO_SPACE and stays consistent', async () => {
  const { dev, v } = await fresh(12, 1024);
  let i = 0;
  await rejects((async () => { for (;; i++) await v.writeFile(`/f${i}`, enc('x')); })(), 'E_DIR_FULL');
  assert.equal(i, 224);
  await v.mkdir('/d').catch(() => undefined);
  const w = await v.open('/F0', { write: true });
  await rejects(v.write(w, 0, new Uint8Array(2_000_000)), 'E_NO_SPACE');
  assert.equal((await v.fileInfo(w)).size, 1);
  await v.close(w);
  await v.unmount();
  await clean(dev);
});

test('read-only mounts refuse changes; the dirty mark is set while mounted and cleared at unmount', async () => {
  const { dev, v } = await fresh(32);
  assert.equal((dev.bytes[0x41] ?? 0) & 1, 1);
  await v.writeFile('/x', enc('x'));
  await v.unmount();
  assert.equal((dev.bytes[0x41] ?? 0) & 1, 0);
  const ro = await FatVolume.mount(dev, { clock, readOnly: true });
  await rejects(ro.writeFile('/y', enc('y')), 'E_READ_ONLY');
  await rejects(ro.mkdir('/d'), 'E_READ_ONLY');
  assert.equal(dec(await ro.readFile('/x')), 'x');
  await ro.unmount();
  const roDev = new MemoryDevice(dev.sectorCount, 512, { bytes: dev.bytes.slice(), readOnly: true });
  const ro2 = await FatVolume.mount(roDev, { clock });
  assert.equal(ro2.readOnly, true);
  await rejects(ro2.writeFile('/y', enc('y')), 'E_READ_ONLY');
});

test('a volume abandoned while mounted is recovered at the next mount; flushed data is intact', async () => {
  const { dev, v } = await fresh(16);
  await v.writeFile('/keep.txt', bytes(3000));
  const f = await v.open('/grow', { create: true, write: true });
  await v.write(f, 0, bytes(5000));
  await v.flush();
  await v.write(f, 5000, bytes(40000));
  await v.unlink('/keep.txt');
  // The process dies here: the new data is on the device, the metadata only in the cache.
  const crashed = new MemoryDevice(dev.sectorCount, 512, { bytes: dev.bytes.slice() });
  const again = await FatVolume.mount(crashed, { clock });
  assert.ok(again.recovery?.problems.some((p) => p.code === 'DIRTY'));
  assert.deepEqual(await again.readFile('/keep.txt'), bytes(3000));
  assert.deepEqual(await again.readFile('/grow'), bytes(5000));
  await again.unmount();
  await clean(crashed);
});
