// One conformance suite for every provider of the DiskDevice contract: the disk driver over a host
// image file and the RAM disk over exchange-heap memory answer the same requests the same way —
// geometry, reads and writes of whole sectors at any offset of the client's buffer, refusals that
// hand the buffer back, flush, many clients at once — and leave no block behind.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiskDevice } from 'sing/contracts/disk';
import type { Bytes, Imp } from 'sing/runtime';
import { compileImage, Kernel, type Spawned } from '../src/index.ts';
import { until, within } from './kit.ts';

const SERVICES = fileURLToPath(new URL('../src/services', import.meta.url));
const SECTORS = 256; // 128 KiB

interface Driver {
  readonly program: 'disk' | 'ramdisk';
  readonly path: string;
  /** What the medium holds, from outside (the image file; null for the RAM disk). */
  readonly image: string | null;
}

type Ready = Imp<typeof DiskDevice, 'Ready'>;

async function connect(k: Kernel, path: string): Promise<Ready> {
  const c = k.hostChannel(DiskDevice);
  const r = await within(k.names.bind(k.owner, path, c.exp));
  assert.deepEqual(r, { ok: true }, `bind ${path}`);
  const m = await within(c.imp.receive());
  assert.equal(m.tag, 'Success');
  if (m.tag !== 'Success') throw new Error('no Success');
  return m.ep;
}

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 7) & 255;
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'sing-disk-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });

for (const d of [
  { program: 'disk', path: '/dev/disk0', image: join(dir, 'disk0.img') },
  { program: 'ramdisk', path: '/dev/ramdisk0', image: null },
] as const satisfies readonly Driver[]) {
  describe(`DiskDevice conformance: ${d.program}`, () => {
    let k: Kernel;
    let driver: Spawned;
    before(async () => {
      if (d.image !== null) writeFileSync(d.image, Buffer.alloc(SECTORS * 512));
      k = new Kernel({ console: () => undefined });
      k.install(await compileImage(d.program, { root: SERVICES, entry: `${d.program}/main.ts` }));
      driver = d.program === 'disk'
        ? k.spawn('disk', { params: { name: 'disk0', readOnly: false }, host: { disk: d.image ?? '' } })
        : k.spawn('ramdisk', { params: { name: 'ramdisk0', sizeKiB: SECTORS / 2 } });
      await until(() => k.names.list().some((e) => e.path === d.path), `${d.path} registered`);
    });
    after(() => { k.shutdown(); });

    test('says its geometry and attributes', async () => {
      let ep = await connect(k, d.path);
      const size = await within(ep.send('GetSectorSize').receive());
      assert.equal(size.tag === 'AckGetSectorSize' ? size.sectorSize : -1, 512);
      ep = size.ep as Ready;
      const count = await within(ep.send('GetSectorCount').receive());
      assert.equal(count.tag === 'AckGetSectorCount' ? count.sectorCount : -1, SECTORS);
      ep = count.ep as Ready;
      const name = await within(ep.send('GetDeviceName').receive());
      assert.equal(name.tag === 'AckGetDeviceName' ? name.name : '', d.program === 'disk' ? 'disk0' : 'ramdisk0');
      ep = name.ep as Ready;
      const attrs = await within(ep.send('GetDiskAttributes').receive());
      assert.deepEqual(attrs.tag === 'AckGetDiskAttributes' ? [attrs.readOnly, attrs.removable] : [], [false, false]);
      ep = attrs.ep as Ready;
      const start = await within(ep.send('GetStartSector').receive());
      assert.equal(start.tag === 'AckGetStartSector' ? start.startSector : -1, 0);
      ep = start.ep as Ready;
      const noop = await within(ep.send('NoOp').receive());
      assert.equal(noop.tag, 'AckNoOp');
      (noop.ep as Ready).send('Bye');
    });

    test('writes and reads back whole sectors at any offset of the buffer; the buffer always comes back', async () => {
      let ep = await connect(k, d.path);
      const data = pattern(3 * 512, 1);
      const buf = k.hostAlloc(4096);
      buf.write(data, 1000);
      const w = await within(ep.send('Write', { data: buf, offset: 1000, length: 3 * 512, sector: 10 }).receive());
      assert.equal(w.tag, 'AckWrite');
      if (w.tag !== 'AckWrite') return;
      ep = w.ep;
      const f = await within(ep.send('Flush').receive());
      assert.equal(f.tag, 'AckFlush');
      ep = f.ep as Ready;
      const into = k.hostAlloc(2048);
      const r = await within(ep.send('Read', { data: into, offset: 512, length: 3 * 512, sector: 10 }).receive());
      assert.equal(r.tag, 'AckRead');
      if (r.tag !== 'AckRead') return;
      assert.deepEqual(r.data.read(512, 2048), data);
      assert.deepEqual(r.data.read(0, 512), new Uint8Array(512), 'outside the transfer the buffer is untouched');
      if (d.image !== null) assert.deepEqual(new Uint8Array(readFileSync(d.image).subarray(10 * 512, 13 * 512)), data, 'the image file holds the sectors');
      r.data.free();
      w.data.free();
      r.ep.send('Bye');
    });

    test('refuses what does not fit, handing the buffer back with a code and a reason', async () => {
      let ep = await connect(k, d.path);
      const cases: { offset: number; length: number; sector: number; size: number; why: RegExp }[] = [
        { offset: 0, length: 512, sector: SECTORS, size: 512, why: /beyond the disk/ },
        { offset: 0, length: 1024, sector: SECTORS - 1, size: 1024, why: /beyond the disk/ },
        { offset: 0, length: 100, sector: 0, size: 512, why: /whole number of 512-byte sectors/ },
        { offset: 0, length: 0, sector: 0, size: 512, why: /whole number/ },
        { offset: 1, length: 512, sector: 0, size: 512, why: /do not fit in the 512-byte buffer/ },
        { offset: -1, length: 512, sector: 0, size: 1024, why: /must be whole numbers/ },
        { offset: 0, length: 512, sector: 0.5, size: 512, why: /must be whole numbers/ },
      ];
      for (const c of cases) {
        for (const op of ['Read', 'Write'] as const) {
          const buf = k.hostAlloc(c.size);
          const got = await within(ep.send(op, { data: buf, offset: c.offset, length: c.length, sector: c.sector }).receive());
          assert.equal(got.tag, op === 'Read' ? 'NakRead' : 'NakWrite', JSON.stringify(c));
          const m = got as unknown as { code: string; reason: string; data: Bytes; ep: Ready };
          assert.equal(m.code, 'E_RANGE');
          assert.match(m.reason, c.why);
          assert.equal(m.data.length, c.size, 'the buffer came back');
          m.data.free();
          ep = m.ep;
        }
      }
      ep.send('Bye');
    });

    test('serves several clients at once, each seeing the others\' flushed writes', async () => {
      const clients = await Promise.all([1, 2, 3, 4].map(() => connect(k, d.path)));
      const wrote = await Promise.all(clients.map(async (ep, i) => {
        const buf = k.hostAlloc(512);
        buf.write(pattern(512, 10 + i));
        const w = await within(ep.send('Write', { data: buf, offset: 0, length: 512, sector: 100 + i }).receive());
        assert.equal(w.tag, 'AckWrite');
        if (w.tag !== 'AckWrite') throw new Error('write');
        w.data.free();
        const f = await within(w.ep.send('Flush').receive());
        return f.ep as Ready;
      }));
      await Promise.all(wrote.map(async (ep, i) => {
        const other = (i + 1) % 4;
        const r = await within(ep.send('Read', { data: k.hostAlloc(512), offset: 0, length: 512, sector: 100 + other }).receive());
        assert.equal(r.tag, 'AckRead');
        if (r.tag !== 'AckRead') return;
        assert.deepEqual(r.data.read(), pattern(512, 10 + other));
        r.data.free();
        r.ep.send('Bye');
      }));
    });

    test('a client that goes away mid-conversation costs nothing; the driver serves the next', async () => {
      const ep = await connect(k, d.path);
      ep.send('Read', { data: k.hostAlloc(512), offset: 0, length: 512, sector: 0 }).close();
      const next = await connect(k, d.path);
      const m = await within(next.send('NoOp').receive());
      assert.equal(m.tag, 'AckNoOp');
      (m.ep as Ready).send('Bye');
      await until(() => k.heapStats().blocks === (d.program === 'ramdisk' ? 1 : 0), 'only the RAM disk\'s store is left in the heap');
      assert.equal(driver.state, 'running');
    });
  });
}

test('the disk driver serves a read-only image: reads work, writes are refused with E_READ_ONLY', async () => {
  const image = join(dir, 'ro.img');
  const bytes = pattern(8 * 512, 5);
  writeFileSync(image, bytes);
  const k = new Kernel({ console: () => undefined });
  try {
    k.install(await compileImage('disk', { root: SERVICES, entry: 'disk/main.ts' }));
    k.spawn('disk', { params: { name: 'ro', readOnly: true }, host: { disk: image } });
    await until(() => k.names.list().some((e) => e.path === '/dev/disk0'), '/dev/disk0 registered');
    const ep = await connect(k, '/dev/disk0');
    const a = await within(ep.send('GetDiskAttributes').receive());
    assert.equal(a.tag === 'AckGetDiskAttributes' && a.readOnly, true);
    const w = await within((a.ep as Ready).send('Write', { data: k.hostAlloc(512), offset: 0, length: 512, sector: 0 }).receive());
    assert.deepEqual(w.tag === 'NakWrite' ? [w.code, w.data.length] : [], ['E_READ_ONLY', 512]);
    if (w.tag !== 'NakWrite') return;
    w.data.free();
    const r = await within(w.ep.send('Read', { data: k.hostAlloc(8 * 512), offset: 0, length: 8 * 512, sector: 0 }).receive());
    assert.equal(r.tag, 'AckRead');
    if (r.tag === 'AckRead') { assert.deepEqual(r.data.read(), bytes); r.data.free(); }
    assert.deepEqual(new Uint8Array(readFileSync(image)), bytes, 'the image is unchanged');
  } finally {
    k.shutdown();
  }
});

test('a program that is not a driver, or asks for an undeclared file, cannot open a device', async () => {
  const k = new Kernel({ console: () => undefined });
  try {
    const probe = await compileImage('devprobe', { root: fileURLToPath(new URL('./fixtures/devprobe', import.meta.url)), entry: 'main.ts' });
    k.install(probe);
    const lines: string[] = [];
    const k2 = new Kernel({ console: (l) => { lines.push(l.text); } });
    k2.install(probe);
    const p = k2.spawn('devprobe', { host: { disk: join(dir, 'disk0.img') } });
    assert.equal((await within(p.join())).code, 0);
    assert.deepEqual(lines, ['open disk: E_NOT_DRIVER', 'open other: E_NOT_DRIVER']);
    k2.shutdown();
  } finally {
    k.shutdown();
  }
});

test('a driver gets only its declared file, in range, through whole buffers; touching a buffer in flight ends it', async () => {
  const image = join(dir, 'probe.img');
  const bytes = pattern(4 * 512, 9);
  writeFileSync(image, bytes);
  const lines: string[] = [];
  const k = new Kernel({ console: (l) => { lines.push(l.text); } });
  try {
    k.install(await compileImage('devdriver', { root: fileURLToPath(new URL('./fixtures/devdriver', import.meta.url)), entry: 'main.ts' }));
    const p = k.spawn('devdriver', { host: { disk: image } });
    const st = await within(p.join());
    assert.deepEqual(lines, [
      'undeclared key: E_RESOURCE', 'sector size 100: RangeError', 'second open: E_DEVICE_OPEN', 'negative sector: RangeError',
      'beyond the device: RangeError', 'beyond the buffer: RangeError', 'a view: TypeError', `read: ok ${bytes[512]}`,
    ]);
    assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', 'protocol', 'E_MOVED']);
    await until(() => k.heapStats().blocks === 0, 'the buffer in flight is freed when its read completes');
    assert.throws(() => k.spawn('devdriver', { host: { other: image } }), /host binding other: the manifest declares no host resource/);
  } finally {
    k.shutdown();
  }
});
