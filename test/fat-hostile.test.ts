// Hostile images: the FAT engine meets chains that loop, clusters past the volume, boot sectors
// that break every rule, invalid names, sizes past the volume, truncated images, and 1,000+ seeded
// random corruptions of valid images. Each mount, walk, read, write, unmount and check either
// works or fails with the engine's FatError (never E_INTERNAL, never another exception), never
// hangs, and never touches a sector outside the device; a repaired image checks clean.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FatError, FatVolume, MemoryDevice, format, fsck, type FatType } from '../src/services/fat/index.ts';
import { CLOCK, FaultDevice, pattern, prng } from './fixtures/fat/kit.ts';

interface Base { readonly type: FatType; readonly bytes: Uint8Array; readonly regions: readonly (readonly [number, number])[] }

/** A small volume with files, long names and subdirectories; `regions` are its metadata byte ranges. */
async function base(type: FatType, sectors: number): Promise<Base> {
  const dev = new MemoryDevice(sectors);
  await format(dev, { fat: type, clock: CLOCK, label: 'HOSTILE', sectorsPerCluster: 1 });
  const v = await FatVolume.mount(dev, { clock: CLOCK });
  await v.mkdir('/dir one');
  await v.mkdir('/dir one/two');
  for (let i = 0; i < 12; i++) await v.writeFile(`/file ${i} with a long name.bin`, pattern(i * 700, i));
  for (let i = 0; i < 8; i++) await v.writeFile(`/dir one/F${i}.TXT`, pattern(i * 1500 + 10, 100 + i));
  await v.writeFile('/dir one/two/deep.dat', pattern(5000, 7));
  await v.unmount();
  const g = v.geometry;
  const bps = g.bytesPerSector;
  const dataBytes = Math.min(60, g.clusterCount) * g.clusterSize;
  const regions: [number, number][] = [
    [0, 90], [510, 2],
    [g.reservedSectors * bps, Math.min(g.fatSectors * bps, 1024)],
    [(g.reservedSectors + g.fatSectors) * bps, Math.min(g.fatSectors * bps, 512)],
    [g.dataStart * bps, dataBytes],
  ];
  if (type !== 32) regions.push([g.rootStart * bps, g.rootSectors * bps]);
  else regions.push([bps, 512]);
  return { type, bytes: dev.bytes.slice(), regions };
}

/** Runs `fn`; an error must be a FatError other than E_INTERNAL. Returns the code (or 'ok'). */
async function engine<T>(what: string, fn: () => Promise<T>): Promise<string> {
  try {
    await fn();
    return 'ok';
  } catch (e) {
    if (!(e instanceof FatError)) throw new Error(`${what}: a ${e instanceof Error ? e.name : typeof e} escaped: ${String(e)}`, { cause: e });
    if (e.code === 'E_INTERNAL') throw new Error(`${what}: ${e.message}`, { cause: e });
    return e.code;
  }
}

/** Walks the tree (bounded) and reads every file. */
async function walk(v: FatVolume, d = '/', budget = { n: 3000 }): Promise<void> {
  for (const e of await v.readdir(d)) {
    if (--budget.n < 0) return;
    const p = d === '/' ? `/${e.name}` : `${d}/${e.name}`;
    if (e.isDirectory) await engine(`readdir ${p}`, () => walk(v, p, budget));
    else await engine(`read ${p}`, async () => { await v.stat(p); await v.readFile(p); });
  }
}

/** Everything a client might do with a corrupted image. */
async function exercise(image: Uint8Array, what: string): Promise<string[]> {
  const codes: string[] = [];
  const ro = new FaultDevice(image, { shared: true }); // a read-only mount writes nothing
  codes.push(await engine(`${what}: read-only mount`, async () => {
    const v = await FatVolume.mount(ro, { clock: CLOCK, readOnly: true });
    await walk(v);
    await v.unmount();
  }));
  const rw = new FaultDevice(image);
  const before = ro.writes;
  codes.push(await engine(`${what}: read-write mount`, async () => {
    const v = await FatVolume.mount(rw, { clock: CLOCK });
    await engine(`${what}: walk`, () => walk(v));
    await engine(`${what}: create`, () => v.writeFile('/new file from the test.txt', pattern(3000, 1)));
    await engine(`${what}: append`, async () => { const f = await v.open('/file 3 with a long name.bin', { write: true }); await v.write(f, 5000, pattern(100, 2)); await v.close(f); });
    await engine(`${what}: rename`, () => v.rename('/dir one/F1.TXT', '/renamed.txt'));
    await engine(`${what}: delete`, () => v.unlink('/file 5 with a long name.bin'));
    await engine(`${what}: mkdir`, () => v.mkdir('/dir one/two/three'));
    await v.unmount();
  }));
  assert.equal(before, 0, `${what}: a read-only mount wrote`);
  const checked = new FaultDevice(rw.final(true), { shared: true });
  codes.push(await engine(`${what}: fsck`, () => fsck(checked)));
  const repaired = await engine(`${what}: fsck --repair`, () => fsck(checked, { repair: true }));
  codes.push(repaired);
  if (repaired === 'ok') {
    const again = await fsck(checked);
    assert.deepEqual(again.problems, [], `${what}: a second check after the repair`);
  }
  codes.push(await engine(`${what}: mount after repair`, async () => {
    const v = await FatVolume.mount(checked, { clock: CLOCK, readOnly: true });
    await walk(v);
  }));
  for (const d of [ro, rw, checked]) assert.equal(d.outside, 0, `${what}: an access outside the device`);
  return codes;
}

function put16(b: Uint8Array, o: number, v: number): void { b[o] = v & 255; b[o + 1] = v >> 8; }
function put32(b: Uint8Array, o: number, v: number): void { put16(b, o, v & 0xffff); put16(b, o + 2, v >>> 16); }

interface Raw { bps: number; spc: number; reserved: number; fatSz: number; fats: number; rootStart: number; rootBytes: number; dataStart: number; rootCluster: number }

function raw(img: Uint8Array, type: FatType): Raw {
  const u16 = (o: number): number => img[o]! | (img[o + 1]! << 8);
  const bps = u16(11);
  const spc = img[13]!;
  const reserved = u16(14);
  const fats = img[16]!;
  const fatSz = type === 32 ? u16(36) + u16(38) * 65536 : u16(22);
  const rootStart = (reserved + fats * fatSz) * bps;
  const rootBytes = u16(17) * 32;
  return { bps, spc, reserved, fatSz, fats, rootStart, rootBytes, dataStart: rootStart + rootBytes, rootCluster: type === 32 ? u16(44) + u16(46) * 65536 : 0 };
}

function fatGet(img: Uint8Array, type: FatType, c: number): number {
  const r = raw(img, type);
  const at = r.reserved * r.bps;
  if (type === 16) return img[at + c * 2]! | (img[at + c * 2 + 1]! << 8);
  if (type === 32) return (img[at + c * 4]! | (img[at + c * 4 + 1]! << 8) | (img[at + c * 4 + 2]! << 16) | (img[at + c * 4 + 3]! << 24)) & 0x0fffffff;
  const o = at + c + (c >> 1);
  const w = img[o]! | (img[o + 1]! << 8);
  return (c & 1) ? w >> 4 : w & 0xfff;
}

/** Byte offsets of the slots of the directory starting at `first` (0: the FAT12/16 root). */
function slots(img: Uint8Array, type: FatType, first: number): number[] {
  const r = raw(img, type);
  const out: number[] = [];
  if (first === 0) { for (let o = r.rootStart; o < r.rootStart + r.rootBytes; o += 32) out.push(o); return out; }
  const end = type === 12 ? 0xff8 : type === 16 ? 0xfff8 : 0x0ffffff8;
  for (let c = first, n = 0; c >= 2 && c < end && n < 10000; c = fatGet(img, type, c), n++) {
    const at = r.dataStart + (c - 2) * r.spc * r.bps;
    for (let o = at; o < at + r.spc * r.bps; o += 32) out.push(o);
  }
  return out;
}

function firstOf(img: Uint8Array, type: FatType, at: number): number {
  return (img[at + 26]! | (img[at + 27]! << 8)) + (type === 32 ? (img[at + 20]! | (img[at + 21]! << 8)) * 65536 : 0);
}

/** The byte offset of an entry's short entry, by its short name, in the directory at `first` (root by default). */
function rootEntry(img: Uint8Array, type: FatType, short: string, first = raw(img, type).rootCluster): number {
  for (const o of slots(img, type, first)) {
    if (String.fromCharCode(...img.subarray(o, o + 11)) === short.padEnd(11, ' ')) return o;
  }
  throw new Error(`no entry ${short}`);
}

function fatEntry(img: Uint8Array, type: FatType, c: number, v: number): void {
  const r = raw(img, type);
  for (const k of [0, 1]) {
    const at = (r.reserved + k * r.fatSz) * r.bps;
    if (type === 16) put16(img, at + c * 2, v);
    else if (type === 32) put32(img, at + c * 4, v);
    else {
      const o = at + c + (c >> 1);
      const w = img[o]! | (img[o + 1]! << 8);
      put16(img, o, (c & 1) ? (w & 0xf) | (v << 4) : (w & 0xf000) | v);
    }
  }
}

async function expectCode(p: Promise<unknown>, codes: readonly string[], what: string): Promise<void> {
  const code = await engine(what, () => p);
  assert.ok(codes.includes(code), `${what}: got ${code}, expected one of ${codes.join(', ')}`);
}

describe('named hostile images', () => {
  for (const type of [12, 16, 32] as const) {
    test(`FAT${type}: loops, clusters past the end, bad names, huge sizes, truncation, bad boot sectors`, async () => {
      const b = await base(type, type === 32 ? 68000 : type === 16 ? 8192 : 2048);
      const mountRo = (img: Uint8Array): Promise<FatVolume> => FatVolume.mount(new MemoryDevice(img.length / 512, 512, { bytes: img }), { clock: CLOCK, readOnly: true });
      // A file whose chain loops: FILE10~1.BIN (7000 bytes) gets its second cluster pointing back at its first.
      {
        const img = b.bytes.slice();
        const first = firstOf(img, type, rootEntry(img, type, 'FILE10~1BIN'));
        fatEntry(img, type, first + 1, first);
        const v = await mountRo(img);
        await expectCode(v.readFile('/file 10 with a long name.bin'), ['E_LOOP'], 'loop');
        const r = await fsck(new MemoryDevice(img.length / 512, 512, { bytes: img }));
        assert.ok(r.problems.some((p) => p.code === 'LOOP'), JSON.stringify(r.problems));
      }
      // A link past the volume's last cluster.
      {
        const img = b.bytes.slice();
        const at = rootEntry(img, type, 'FILE10~1BIN');
        const first = firstOf(img, type, at);
        fatEntry(img, type, first, type === 12 ? 0xfe0 : type === 16 ? 0xffe0 : 0x0ffffe00);
        const v = await mountRo(img);
        await expectCode(v.readFile('/file 10 with a long name.bin'), ['E_CORRUPT'], 'cluster past the end');
        const r = await fsck(new MemoryDevice(img.length / 512, 512, { bytes: img }));
        assert.ok(r.problems.some((p) => p.code === 'FAT_RANGE'), JSON.stringify(r.problems));
        put16(img, at + 26, 0xfff0);
        if (type === 32) put16(img, at + 20, 0x0fff);
        const w = await mountRo(img);
        await expectCode(w.readFile('/file 10 with a long name.bin'), ['E_CORRUPT'], 'first cluster past the end');
      }
      // A size far past the volume, and one past the chain.
      {
        const img = b.bytes.slice();
        put32(img, rootEntry(img, type, 'FILE10~1BIN') + 28, 0xfffffff0);
        put32(img, rootEntry(img, type, 'FILE11~1BIN') + 28, 7700 + 512 * 3);
        const v = await mountRo(img);
        await expectCode(v.readFile('/file 10 with a long name.bin'), ['E_CORRUPT'], 'size past the volume');
        await expectCode(v.readFile('/file 11 with a long name.bin'), ['E_CORRUPT'], 'size past the chain');
        const r = await fsck(new MemoryDevice(img.length / 512, 512, { bytes: img }));
        assert.ok(r.problems.some((p) => p.code === 'SIZE_BEYOND_CHAIN'), JSON.stringify(r.problems));
      }
      // Invalid short names: skipped by readdir, reported and renamed by fsck.
      {
        const img = b.bytes.slice();
        const at = rootEntry(img, type, 'FILE10~1BIN');
        img[at + 2] = 0x2a; // '*'
        img[rootEntry(img, type, 'FILE11~1BIN') + 3] = 0x01;
        const v = await mountRo(img);
        const names = (await v.readdir('/')).map((e) => e.name);
        assert.ok(!names.includes('file 10 with a long name.bin') && names.includes('file 9 with a long name.bin'));
        const dev = new MemoryDevice(img.length / 512, 512, { bytes: img });
        const r = await fsck(dev);
        assert.equal(r.problems.filter((p) => p.code === 'BAD_NAME').length, 2, JSON.stringify(r.problems));
        await fsck(dev, { repair: true });
        assert.deepEqual((await fsck(dev)).problems, []);
      }
      // A truncated image, and a device too small for even the boot sector's claims.
      {
        const cut = b.bytes.slice(0, Math.floor(b.bytes.length / 2 / 512) * 512);
        await expectCode(FatVolume.mount(new MemoryDevice(cut.length / 512, 512, { bytes: cut }), { clock: CLOCK }), ['E_TRUNCATED'], 'truncated');
        await expectCode(fsck(new MemoryDevice(cut.length / 512, 512, { bytes: cut })), ['E_TRUNCATED'], 'fsck truncated');
        const empty = new MemoryDevice(64);
        await expectCode(FatVolume.mount(empty, { clock: CLOCK }), ['E_BAD_BOOT'], 'no volume');
      }
      // A directory that names its parent (a loop in the tree) and one that names the root.
      {
        const img = b.bytes.slice();
        const sub = firstOf(img, type, rootEntry(img, type, 'DIRONE~1'));
        const o = rootEntry(img, type, 'TWO', sub);
        put16(img, o + 26, sub & 0xffff);
        if (type === 32) put16(img, o + 20, sub >>> 16);
        const v = await mountRo(img);
        await expectCode(v.readdir('/dir one/two'), ['E_CORRUPT'], 'directory naming its parent');
        const r = await fsck(new MemoryDevice(img.length / 512, 512, { bytes: img }));
        assert.ok(r.problems.some((p) => p.code === 'BAD_START' || p.code === 'CROSS_LINK'), JSON.stringify(r.problems));
      }
      // Boot sectors that break each rule are refused at mount and by fsck.
      for (const [off, val] of [[11, 0x1234], [13, 0], [13, 6], [14, 0], [16, 0], [16, 9], [17, 3], [21, 0x01], [510, 0]] as const) {
        const img = b.bytes.slice();
        if (off === 13 || off === 16 || off === 21) img[off] = val; else put16(img, off, val);
        await expectCode(FatVolume.mount(new MemoryDevice(img.length / 512, 512, { bytes: img }), { clock: CLOCK }), ['E_BAD_BOOT'], `boot byte ${off}`);
      }
    });
  }
});

// FAT_HOSTILE_SCALE and FAT_HOSTILE_SEED widen a local run (more cases, other seeds).
const SCALE = Number(process.env.FAT_HOSTILE_SCALE ?? 1);
const SEED = Number(process.env.FAT_HOSTILE_SEED ?? 0);

describe('seeded random corruptions of valid images', () => {
  for (const [type, sectors, base0] of [[12, 2048, 500], [16, 8192, 350], [32, 68000, 200]] as const) {
    const cases = Math.round(base0 * SCALE);
    test(`FAT${type}: ${cases} corruptions`, { timeout: 120_000 * SCALE }, async () => {
      const b = await base(type, sectors);
      assert.deepEqual(await exercise(b.bytes, 'the uncorrupted image'), ['ok', 'ok', 'ok', 'ok', 'ok']);
      const tally = new Map<string, number>();
      for (let k = 0; k < cases; k++) {
        const r = prng(type * 100000 + k + SEED * 7919);
        const img = b.bytes.slice();
        const flips = 1 + Math.floor(r() * 8);
        for (let i = 0; i < flips; i++) {
          const [start, len] = b.regions[Math.floor(r() * b.regions.length)] as readonly [number, number];
          const at = start + Math.floor(r() * len);
          img[at] = r() < 0.5 ? Math.floor(r() * 256) : (img[at]! ^ (1 << Math.floor(r() * 8)));
        }
        // Half the images are also marked dirty, so the read-write mount runs recovery on them.
        if ((k & 1) === 1) img[type === 32 ? 0x41 : 0x25] = (img[type === 32 ? 0x41 : 0x25] ?? 0) | 1;
        const codes = await exercise(img, `FAT${type} corruption ${k}`);
        for (const c of codes) tally.set(c, (tally.get(c) ?? 0) + 1);
      }
      assert.ok((tally.get('ok') ?? 0) > 0);
    });
  }
});

