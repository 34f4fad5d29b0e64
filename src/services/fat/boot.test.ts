/* eslint-disable no-restricted-imports -- a host-side unit test beside the code, not part of the program */
// The boot sector's judge: formats of each type parse back to their layout, and every field the
// engine relies on is refused when it breaks a rule (with E_BAD_BOOT naming the field).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBoot } from './boot.ts';
import { FatError, MemoryDevice, format, planLayout } from './index.ts';
import { put16, put32 } from './le.ts';

const clock = (): number => Date.UTC(2024, 4, 1);

async function bootOf(fat: 12 | 16 | 32, sectors: number): Promise<{ dev: MemoryDevice; boot: Uint8Array }> {
  const dev = new MemoryDevice(sectors);
  await format(dev, { fat, clock, label: 'BOOT TEST' });
  return { dev, boot: dev.bytes.slice(0, 512) };
}

test('formatted volumes parse back to the layout format chose', async () => {
  for (const [fat, sectors] of [[12, 2880], [16, 65536], [32, 140000]] as const) {
    const { dev, boot } = await bootOf(fat, sectors);
    const g = parseBoot(boot, dev);
    const l = planLayout(dev, { fat });
    assert.equal(g.type, fat);
    assert.equal(g.clusterCount, l.clusterCount);
    assert.equal(g.sectorsPerCluster, l.sectorsPerCluster);
    assert.equal(g.label, 'BOOT TEST');
    assert.equal(g.rootCluster, fat === 32 ? 2 : 0);
    assert.equal(g.fsInfoSector, fat === 32 ? 1 : 0);
  }
});

test('every field is judged: signature, jump, sizes, counts, FAT32 fields, and the device size', async () => {
  const { dev, boot } = await bootOf(16, 65536);
  const { dev: dev32, boot: boot32 } = await bootOf(32, 140000);
  const cases: [string, (b: Uint8Array) => void, RegExp, boolean?][] = [
    ['signature', (b) => { b[511] = 0; }, /signature/],
    ['jump', (b) => { b[0] = 0; }, /jump/],
    ['bytes per sector', (b) => put16(b, 11, 500), /bytes per sector/],
    ['bytes per sector vs device', (b) => put16(b, 11, 256), /bytes per sector/],
    ['sectors per cluster', (b) => { b[13] = 3; }, /sectors per cluster/],
    ['sectors per cluster zero', (b) => { b[13] = 0; }, /sectors per cluster/],
    ['reserved', (b) => put16(b, 14, 0), /reserved sectors/],
    ['fat count', (b) => { b[16] = 0; }, /number of FATs/],
    ['fat count high', (b) => { b[16] = 7; }, /number of FATs/],
    ['root entries', (b) => put16(b, 17, 17), /root directory entries/],
    ['root entries zero', (b) => put16(b, 17, 0), /root directory entries/],
    ['media', (b) => { b[21] = 0x12; }, /media/],
    ['total zero', (b) => { put16(b, 19, 0); put32(b, 32, 0); }, /total sector count/],
    ['totals disagree', (b) => { put16(b, 19, 1000); put32(b, 32, 2000); }, /disagree/],
    ['fat too small', (b) => put16(b, 22, 1), /FAT size|cluster count/],
    ['data start past end', (b) => put16(b, 14, 65530), /data region/],
  ];
  for (const [what, mutate, re] of cases) {
    const b = boot.slice();
    mutate(b);
    assert.throws(() => parseBoot(b, dev), (e: unknown) => e instanceof FatError && e.code === 'E_BAD_BOOT' && re.test(e.message), what);
  }
  const cases32: [string, (b: Uint8Array) => void, RegExp][] = [
    ['version', (b) => put16(b, 42, 1), /version/],
    ['root cluster', (b) => put32(b, 44, 1), /root directory cluster/],
    ['root cluster past end', (b) => put32(b, 44, 0x0fffffff), /root directory cluster/],
    ['fsinfo', (b) => put16(b, 48, 40), /FSInfo/],
    ['backup', (b) => put16(b, 50, 1), /backup boot/],
    ['active fat', (b) => put16(b, 40, 0x85), /active FAT/],
    ['root entries on FAT32', (b) => put16(b, 17, 16), /root directory entries/],
  ];
  for (const [what, mutate, re] of cases32) {
    const b = boot32.slice();
    mutate(b);
    assert.throws(() => parseBoot(b, dev32), (e: unknown) => e instanceof FatError && e.code === 'E_BAD_BOOT' && re.test(e.message), what);
  }
  assert.throws(() => parseBoot(boot, { sectorSize: 512, sectorCount: 1000 }), (e: unknown) => e instanceof FatError && e.code === 'E_TRUNCATED');
  assert.throws(() => parseBoot(boot, { sectorSize: 1024, sectorCount: 65536 }), (e: unknown) => e instanceof FatError && e.code === 'E_BAD_BOOT');
});

test('format picks FAT12, FAT16 and FAT32 by size and refuses types the size cannot hold', () => {
  const dev = (mib: number) => ({ sectorSize: 512, sectorCount: mib * 2048 });
  assert.equal(planLayout(dev(1)).type, 12);
  assert.equal(planLayout(dev(16)).type, 16);
  assert.equal(planLayout(dev(64)).sectorsPerCluster, 4);
  assert.equal(planLayout(dev(600)).type, 32);
  assert.equal(planLayout(dev(600)).sectorsPerCluster, 8);
  assert.equal(planLayout({ sectorSize: 4096, sectorCount: 8192 }).type, 16);
  assert.throws(() => planLayout(dev(1), { fat: 32 }), (e: unknown) => e instanceof FatError && e.code === 'E_FORMAT');
  assert.throws(() => planLayout({ sectorSize: 512, sectorCount: 1000 }, { fat: 16 }), (e: unknown) => e instanceof FatError && e.code === 'E_FORMAT');
  assert.throws(() => planLayout(dev(1), { sectorsPerCluster: 3 }), (e: unknown) => e instanceof FatError && e.code === 'E_FORMAT');
  for (const [fat, mib] of [[12, 4], [16, 100], [32, 40]] as const) {
    const l = planLayout(dev(mib), { fat });
    const max = fat === 12 ? 4084 : fat === 16 ? 65524 : 0x0ffffff3;
    const min = fat === 12 ? 1 : fat === 16 ? 4085 : 65525;
    assert.ok(l.clusterCount >= min && l.clusterCount <= max, `FAT${fat} ${mib} MiB: ${l.clusterCount}`);
  }
});

test('format refuses a bad label and a read-only device', async () => {
  await assert.rejects(format(new MemoryDevice(2048), { clock, label: 'bad:label' }), (e: unknown) => e instanceof FatError && e.code === 'E_FORMAT');
  await assert.rejects(format(new MemoryDevice(2048, 512, { readOnly: true }), { clock }), (e: unknown) => e instanceof FatError && e.code === 'E_READ_ONLY');
});
