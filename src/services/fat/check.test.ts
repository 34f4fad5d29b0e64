/* eslint-disable no-restricted-imports -- a host-side unit test beside the code, not part of the program */
// The checker: each kind of damage is reported with its code, `repair` fixes it, and a second
// check finds nothing — including a rename a cut interrupted (Sing's mark in the NT byte).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBoot, type Geometry } from './boot.ts';
import { NT_RENAME_PENDING } from './dirent.ts';
import { FatVolume, MemoryDevice, fsck, format, type ProblemCode } from './index.ts';
import { put16, put32, u16, u32 } from './le.ts';

const clock = (): number => Date.UTC(2024, 4, 1);
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

async function volume(): Promise<{ dev: MemoryDevice; g: Geometry }> {
  const dev = new MemoryDevice(16384);
  await format(dev, { fat: 16, clock });
  const v = await FatVolume.mount(dev, { clock });
  await v.writeFile('/SRC.TXT', enc('the source file, long enough for one cluster'));
  await v.writeFile('/OTHER.BIN', new Uint8Array(9000).fill(3));
  await v.mkdir('/A');
  await v.mkdir('/A/SUB');
  await v.writeFile('/A/SUB/IN.TXT', enc('inside'));
  await v.unmount();
  return { dev, g: parseBoot(dev.bytes, dev) };
}

/** Byte offset of a root short entry by its 11-byte name, or of the first free root slot. */
function rootSlot(dev: MemoryDevice, g: Geometry, name: string | null): number {
  for (let i = 0; i < g.rootEntries; i++) {
    const o = g.rootStart * 512 + i * 32;
    const b0 = dev.bytes[o];
    if (name === null ? b0 === 0 || b0 === 0xe5 : String.fromCharCode(...dev.bytes.subarray(o, o + 11)) === name.padEnd(11, ' ')) return o;
  }
  throw new Error(`no slot ${name ?? '(free)'}`);
}

function fat(dev: MemoryDevice, g: Geometry, c: number, v?: number, copy = -1): number {
  for (let k = 0; k < g.numFats; k++) {
    if (v !== undefined && (copy < 0 || copy === k)) put16(dev.bytes, (g.reservedSectors + k * g.fatSectors) * 512 + c * 2, v);
  }
  return u16(dev.bytes, g.reservedSectors * 512 + c * 2);
}

async function expectRepaired(dev: MemoryDevice, codes: readonly ProblemCode[]): Promise<void> {
  const before = await fsck(dev);
  for (const c of codes) assert.ok(before.problems.some((p) => p.code === c), `expected ${c} in ${JSON.stringify(before.problems)}`);
  const fixed = await fsck(dev, { repair: true });
  assert.equal(fixed.repaired, true);
  assert.deepEqual((await fsck(dev)).problems, []);
}

test('a clean volume has no problems', async () => {
  const { dev } = await volume();
  const r = await fsck(dev);
  assert.deepEqual(r.problems, []);
  assert.equal(r.files, 3);
  assert.equal(r.directories, 3);
});

test('an interrupted file rename: the marked new entry wins, the old one goes', async () => {
  const { dev, g } = await volume();
  const src = rootSlot(dev, g, 'SRC     TXT');
  const dst = rootSlot(dev, g, null);
  dev.bytes.copyWithin(dst, src, src + 32);
  dev.bytes.set(enc('DST     TXT'), dst);
  dev.bytes[dst + 12] = (dev.bytes[dst + 12] ?? 0) | NT_RENAME_PENDING;
  await expectRepaired(dev, ['RENAME_PENDING']);
  const v = await FatVolume.mount(dev, { clock, readOnly: true });
  assert.equal(dec(await v.readFile('/DST.TXT')), 'the source file, long enough for one cluster');
  assert.deepEqual((await v.readdir('/')).map((e) => e.name).sort(), ['A', 'DST.TXT', 'OTHER.BIN']);
  assert.equal((dev.bytes[rootSlot(dev, g, 'DST     TXT') + 12] ?? 0) & NT_RENAME_PENDING, 0);
});

test('an interrupted directory move: the old entry goes and ".." follows the new parent', async () => {
  const { dev, g } = await volume();
  const a = rootSlot(dev, g, 'A');
  const aFirst = u16(dev.bytes, a + 26);
  const aStart = (g.dataStart + (aFirst - 2) * g.sectorsPerCluster) * 512;
  let sub = -1;
  for (let o = aStart; o < aStart + g.clusterSize; o += 32) if (String.fromCharCode(...dev.bytes.subarray(o, o + 11)) === 'SUB        ') sub = o;
  const dst = rootSlot(dev, g, null);
  dev.bytes.copyWithin(dst, sub, sub + 32);
  dev.bytes.set(enc('MOVED      '), dst);
  dev.bytes[dst + 12] = NT_RENAME_PENDING;
  await expectRepaired(dev, ['RENAME_PENDING']);
  const v = await FatVolume.mount(dev, { clock, readOnly: true });
  assert.equal(dec(await v.readFile('/MOVED/IN.TXT')), 'inside');
  assert.deepEqual(await v.readdir('/A'), []);
  const movedFirst = u16(dev.bytes, rootSlot(dev, g, 'MOVED') + 26);
  assert.equal(u16(dev.bytes, (g.dataStart + (movedFirst - 2) * g.sectorsPerCluster) * 512 + 32 + 26), 0, "'..' names the root");
});

test('FAT damage: a mirror that differs, a lost chain, a cross-link, a loop', async () => {
  {
    const { dev, g } = await volume();
    fat(dev, g, 100, 0xffff, 1);
    await expectRepaired(dev, ['FAT_MIRROR']);
    assert.equal(u16(dev.bytes, (g.reservedSectors + g.fatSectors) * 512 + 200), 0, 'the second copy follows the first');
    fat(dev, g, 100, 0xffff);
    await expectRepaired(dev, ['LOST_CLUSTERS']);
    assert.equal(fat(dev, g, 100), 0);
  }
  {
    const { dev, g } = await volume();
    const other = u16(dev.bytes, rootSlot(dev, g, 'OTHER   BIN') + 26);
    const src = rootSlot(dev, g, 'SRC     TXT');
    put16(dev.bytes, src + 26, other);
    put32(dev.bytes, src + 28, 3000);
    await expectRepaired(dev, ['CROSS_LINK', 'LOST_CLUSTERS']);
  }
  {
    const { dev, g } = await volume();
    const other = u16(dev.bytes, rootSlot(dev, g, 'OTHER   BIN') + 26);
    fat(dev, g, other + 1, other);
    await expectRepaired(dev, ['LOOP', 'SIZE_BEYOND_CHAIN', 'LOST_CLUSTERS']);
  }
});

test('entry damage: an orphaned long name, a directory with a size, a size past the chain, a bad name', async () => {
  const { dev, g } = await volume();
  const free = rootSlot(dev, g, null);
  dev.bytes.set([0x41, 0x61, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0x12], free);
  const a = rootSlot(dev, g, 'A');
  put32(dev.bytes, a + 28, 1234);
  put32(dev.bytes, rootSlot(dev, g, 'SRC     TXT') + 28, 100000);
  dev.bytes[rootSlot(dev, g, 'OTHER   BIN') + 1] = 0x3f;
  await expectRepaired(dev, ['ORPHAN_LFN', 'DIR_SIZE', 'SIZE_BEYOND_CHAIN', 'BAD_NAME']);
  const v = await FatVolume.mount(dev, { clock, readOnly: true });
  assert.equal((await v.readdir('/')).length, 3);
});

test('the dirty mark, a wrong FSInfo count and a label with no root entry are reported and fixed', async () => {
  const dev = new MemoryDevice(70000);
  await format(dev, { fat: 32, clock, label: 'LABEL' });
  const v = await FatVolume.mount(dev, { clock });
  await v.writeFile('/x', enc('x'));
  await v.flush();
  const g = v.geometry;
  const image = new MemoryDevice(70000, 512, { bytes: dev.bytes.slice() });
  put32(image.bytes, g.fsInfoSector * 512 + 488, 5);
  const root = g.dataStart * 512;
  image.bytes[root] = 0xe5;
  await expectRepaired(image, ['DIRTY', 'FREE_COUNT', 'LABEL']);
  assert.equal((image.bytes[0x41] ?? 0) & 1, 0);
  assert.equal(u32(image.bytes, g.fsInfoSector * 512 + 488), (await fsck(image)).freeClusters);
});

test('a dirty mount recovers before it serves: the checker repairs, the mount goes on', async () => {
  const { dev, g } = await volume();
  fat(dev, g, 200, 0xffff);
  dev.bytes[0x25] = 1;
  const v = await FatVolume.mount(dev, { clock });
  assert.ok(v.recovery?.problems.some((p) => p.code === 'LOST_CLUSTERS'));
  assert.equal(fat(dev, g, 200), 0);
  await v.unmount();
  assert.deepEqual((await fsck(dev)).problems, []);
});
