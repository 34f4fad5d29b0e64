// The FAT file system SIP serving its volume at /fs: programs bind files and directories by path
// and get what their manifests declare and nothing more; reads and writes at any offsets of the
// file and of the buffer match a model; directory operations keep the tree right; a sequential
// reader's read-ahead never shows bytes older than another client's acknowledged write; and a
// clean unmount leaves an image fsck.fat finds clean.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { File } from 'sing/contracts/fs';
import type { Bytes, Imp } from 'sing/runtime';
import { DiskSession } from '../src/cli/disk-session.ts';
import { FsError } from '../src/cli/fs-client.ts';
import { boot, within, type Booted } from './kit.ts';
import { fsckN, pattern, prng, toolsOrSkip } from './fixtures/fat/kit.ts';

const dir = mkdtempSync(join(tmpdir(), 'sing-fs-service-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });

async function freshImage(name: string, mib = 32): Promise<string> {
  const img = join(dir, name);
  writeFileSync(img, '');
  truncateSync(img, mib * 1024 * 1024);
  const r = await DiskSession.run(img, 'format', { label: 'TEST' });
  assert.equal(r.status, 0, r.lines.join('\n'));
  return img;
}

// Reads the file at `path` in 3000-byte requests into a 5000-byte buffer at offset 123, prints its
// length and a checksum, then tries a Write (refused: the bind was granted read) and a bind of a
// path its manifest does not declare.
const READER = `
import { defineProgram, str } from 'sing/runtime';
import { File } from 'sing/contracts/fs';
export default defineProgram({
  name: 'reader',
  parameters: { path: str },
  resources: { exchangeHeap: '64KiB', files: { '/fs/www/**': 'read' } },
  console: true,
  async main({ abi, params, console }) {
    const c = abi.channel(File);
    const r = await abi.bind(params.path, c.exp);
    if (!r.ok) { c.imp.close(); console.log('bind ' + r.code); return 1; }
    const hello = await c.imp.receive();
    if (hello.tag !== 'Success') return 1;
    let f = hello.ep;
    let buf = abi.alloc(5000);
    let off = 0;
    let sum = 0;
    for (;;) {
      const m = await f.send('Read', { buf, bufOffset: 123, fileOffset: off, length: 3000 }).receive();
      if (m.tag === '$closed') return 1;
      f = m.ep;
      buf = m.buf;
      if (m.tag === 'NakRead') { console.log('read ' + m.code); break; }
      for (let i = 0; i < m.bytesRead; i++) sum = (sum * 31 + buf.get(123 + i)) % 1000000007;
      off += m.bytesRead;
      if (m.bytesRead < 3000) break;
    }
    console.log('read ' + off + ' ' + sum);
    const w = await f.send('Write', { buf, bufOffset: 0, fileOffset: 0, length: 10 }).receive();
    if (w.tag === '$closed') return 1;
    console.log('write ' + (w.tag === 'NakWrite' ? w.code : 'accepted'));
    w.buf.free();
    w.ep.send('Close');
    const d = abi.channel(File);
    const denied = await abi.bind('/fs/secret.txt', d.exp);
    if (denied.ok) { d.imp.close(); console.log('secret bound'); } else console.log('secret ' + denied.code);
    return 0;
  },
});`;

// With write below /fs/data and read elsewhere: creates /fs/data/new.txt through the Directory,
// writes it, and tries to create a file in the read-only /fs/www.
const WRITER = `
import { defineProgram } from 'sing/runtime';
import { Directory, File } from 'sing/contracts/fs';
export default defineProgram({
  name: 'writer',
  resources: { exchangeHeap: '64KiB', files: { '/fs/data/**': 'write', '/fs/www/**': 'read' } },
  console: true,
  async main({ abi, console }) {
    const d = abi.channel(Directory);
    const r = await abi.bind('/fs/data', d.exp);
    if (!r.ok) { d.imp.close(); console.log('bind ' + r.code); return 1; }
    const hello = await d.imp.receive();
    if (hello.tag !== 'Success') return 1;
    const made = await hello.ep.send('CreateFile', { name: 'new.txt' }).receive();
    if (made.tag === '$closed') return 1;
    console.log('create ' + (made.tag === 'AckOp' ? 'ok' : made.code));
    const fc = abi.channel(File);
    const o = await made.ep.send('OpenFile', { name: 'new.txt', write: true, file: fc.exp }).receive();
    if (o.tag === '$closed') return 1;
    if (o.tag === 'NakOpenFile') { o.file.close(); fc.imp.close(); console.log('open ' + o.code); o.ep.send('Close'); return 1; }
    o.ep.send('Close');
    const fh = await fc.imp.receive();
    if (fh.tag !== 'Success') return 1;
    const buf = abi.alloc(16);
    buf.writeText('written by a SIP');
    const w = await fh.ep.send('Write', { buf, bufOffset: 0, fileOffset: 0, length: 16 }).receive();
    if (w.tag === '$closed') return 1;
    console.log('write ' + (w.tag === 'AckWrite' ? w.bytesWritten : w.code));
    w.buf.free();
    const fl = await w.ep.send('Flush').receive();
    if (fl.tag === '$closed') return 1;
    fl.ep.send('Close');
    const www = abi.channel(Directory);
    const r2 = await abi.bind('/fs/www', www.exp);
    if (!r2.ok) { www.imp.close(); console.log('bind www ' + r2.code); return 1; }
    const h2 = await www.imp.receive();
    if (h2.tag !== 'Success') return 1;
    const no = await h2.ep.send('CreateFile', { name: 'defaced.html' }).receive();
    if (no.tag === '$closed') return 1;
    console.log('www create ' + (no.tag === 'AckOp' ? 'ok' : no.code));
    no.ep.send('Close');
    return 0;
  },
});`;

function checksum(b: Uint8Array): number {
  let sum = 0;
  for (const x of b) sum = (sum * 31 + x) % 1000000007;
  return sum;
}

type FileReady = Imp<typeof File, 'Ready'>;

async function openFile(s: DiskSession, path: string): Promise<FileReady> {
  const c = s.kernel.hostChannel(File);
  const r = await within(s.kernel.names.bind(s.kernel.owner, `/fs${path}`, c.exp));
  assert.deepEqual(r, { ok: true }, `bind ${path}`);
  const m = await within(c.imp.receive());
  if (m.tag !== 'Success') throw new Error(`${path}: no Success`);
  return m.ep;
}

describe('the file system SIP at /fs', () => {
  let b: Booted;
  let s: DiskSession;
  before(async () => {
    b = await boot({ reader: READER, writer: WRITER });
    s = await DiskSession.mount(await freshImage('service.img'), { kernel: b.k });
    await s.fs.mkdir('/www');
    await s.fs.mkdir('/data');
  });
  after(async () => { await s.close(); });

  test('a program reads a file its manifest declares, cannot write it, and gets no path it did not declare', async () => {
    const page = pattern(100_000, 7);
    await s.fs.writeFile('/www/index.html', page);
    await s.fs.writeFile('/secret.txt', pattern(10, 1));
    const p = b.k.spawn('reader', { params: { path: '/fs/www/index.html' } });
    assert.equal((await within(p.join())).code, 0, b.texts('reader').join('\n'));
    assert.deepEqual(b.texts('reader'), [`read 100000 ${checksum(page)}`, 'write E_ACCESS', 'secret E_DENIED']);
  });

  test('a program with write access creates and writes a file; a directory granted read refuses changes', async () => {
    const p = b.k.spawn('writer');
    assert.equal((await within(p.join())).code, 0, b.texts('writer').join('\n'));
    assert.deepEqual(b.texts('writer'), ['create ok', 'write 16', 'www create E_DENIED']);
    assert.equal(new TextDecoder().decode(await s.fs.readFile('/data/new.txt')), 'written by a SIP');
    await assert.rejects(s.fs.stat('/www/defaced.html'), (e: unknown) => e instanceof FsError && e.code === 'E_NOT_FOUND');
  });

  test('reads and writes at any file and buffer offsets match a model of the file', async () => {
    const r = prng(42);
    await s.fs.writeFile('/data/model.bin', new Uint8Array(0));
    let f = await openFile(s, '/data/model.bin');
    let model = new Uint8Array(0);
    let buf: Bytes = s.kernel.hostAlloc(70_000);
    for (let step = 0; step < 120; step++) {
      const op = r();
      const off = Math.floor(r() * 200_000);
      const len = Math.floor(r() * 66_000);
      const at = Math.floor(r() * (70_000 - len));
      if (op < 0.45) {
        const data = pattern(len, step);
        buf.write(data, at);
        const m = await within(f.send('Write', { buf, bufOffset: at, fileOffset: off, length: len }).receive());
        if (m.tag !== 'AckWrite') throw new Error(`write step ${step}: ${m.tag}`);
        f = m.ep;
        buf = m.buf;
        if (off + len > model.length) { const grown = new Uint8Array(off + len); grown.set(model); model = grown; }
        model.set(data, off);
      } else if (op < 0.55) {
        const size = Math.floor(r() * 150_000);
        const m = await within(f.send('Truncate', { size }).receive());
        if (m.tag !== 'AckTruncate') throw new Error(`truncate step ${step}: ${m.tag}`);
        f = m.ep;
        const next = new Uint8Array(size);
        next.set(model.subarray(0, Math.min(size, model.length)));
        model = next;
      } else {
        const m = await within(f.send('Read', { buf, bufOffset: at, fileOffset: off, length: len }).receive());
        if (m.tag !== 'AckRead') throw new Error(`read step ${step}: ${m.tag}`);
        f = m.ep;
        buf = m.buf;
        const want = model.subarray(Math.min(off, model.length), Math.min(off + len, model.length));
        assert.equal(m.bytesRead, want.length, `step ${step}: bytes read`);
        assert.ok(Buffer.from(buf.read(at, at + m.bytesRead)).equals(want), `step ${step}: bytes at ${off}`);
      }
    }
    const bad = await within(f.send('Read', { buf, bufOffset: 69_000, fileOffset: 0, length: 5000 }).receive());
    if (bad.tag !== 'NakRead') throw new Error(`an overlong read: ${bad.tag}`);
    assert.equal(bad.code, 'E_RANGE');
    assert.equal(bad.buf.length, 70_000, 'the buffer comes back with the refusal');
    bad.buf.free();
    bad.ep.send('Close');
    assert.ok(Buffer.from(await s.fs.readFile('/data/model.bin')).equals(model));
  });

  test('a read past the end shows nothing of the disk beyond the file, and touches nothing outside the request', async () => {
    // Bytes cut off by a truncation stay on the disk, in the sector where the file now ends.
    await s.fs.writeFile('/data/small.bin', new Uint8Array(8192).fill(0xaa));
    let f = await openFile(s, '/data/small.bin');
    const w = s.kernel.hostAlloc(1000);
    w.write(new Uint8Array(1000).fill(0x11));
    const t = await within(f.send('Truncate', { size: 1000 }).receive());
    if (t.tag !== 'AckTruncate') throw new Error(t.tag);
    const wr = await within(t.ep.send('Write', { buf: w, bufOffset: 0, fileOffset: 0, length: 1000 }).receive());
    if (wr.tag !== 'AckWrite') throw new Error(wr.tag);
    wr.buf.free();
    const fl = await within(wr.ep.send('Flush').receive());
    if (fl.tag !== 'AckFlush') throw new Error(fl.tag);
    f = fl.ep;
    const buf = s.kernel.hostAlloc(8192);
    buf.write(new Uint8Array(8192).fill(0x77));
    const m = await within(f.send('Read', { buf, bufOffset: 100, fileOffset: 0, length: 4000 }).receive());
    if (m.tag !== 'AckRead') throw new Error(m.tag);
    assert.equal(m.bytesRead, 1000);
    const got = m.buf.read();
    assert.ok(got.subarray(100, 1100).every((x) => x === 0x11));
    assert.ok(!got.includes(0xaa), 'no byte of the deleted file reaches the reader');
    assert.ok(got.subarray(0, 100).every((x) => x === 0x77) && got.subarray(4100).every((x) => x === 0x77), 'bytes outside the request are untouched');
    m.buf.free();
    m.ep.send('Close');
  });

  test('directory operations: create, enumerate with long names, rename below, attributes, and refusals', async () => {
    await s.fs.mkdir('/data/tree');
    await s.fs.mkdir('/data/tree/sub dir');
    await s.fs.writeFile('/data/tree/A Long File Name.txt', pattern(1000, 3));
    await s.fs.rename('/data/tree/A Long File Name.txt', 'sub dir/moved.txt');
    const top = await s.fs.list('/data/tree');
    assert.deepEqual(top.map((e) => [e.name, e.directory]), [['sub dir', true]]);
    const sub = await s.fs.list('/data/tree/sub dir');
    assert.deepEqual(sub.map((e) => [e.name, e.size, e.shortName]), [['moved.txt', 1000, 'MOVED.TXT']]);
    const code = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: unknown) => (e instanceof FsError ? e.code : String(e)));
    assert.equal(await code(s.fs.rmdir('/data/tree/sub dir')), 'E_NOT_EMPTY');
    assert.equal(await code(s.fs.mkdir('/data/tree/sub dir')), 'E_EXISTS');
    assert.equal(await code(s.fs.stat('/data/tree/..')), 'E_NAME');
    assert.equal(await code(s.fs.rename('/data/tree/sub dir/moved.txt', '/www/escaped.txt')), 'E_INVALID');
    assert.equal(await code(s.fs.readFile('/data/tree')), 'E_IS_DIRECTORY');
    assert.equal(await code(s.fs.list('/data/tree/sub dir/moved.txt')), 'E_NOT_DIRECTORY');
    await s.fs.unlink('/data/tree/sub dir/moved.txt');
    await s.fs.rmdir('/data/tree/sub dir');
    assert.deepEqual(await s.fs.list('/data/tree'), []);
  });

  test('a sequential reader never sees bytes older than another client\'s acknowledged write', async () => {
    const size = 4 * 1024 * 1024;
    const before = pattern(size, 11);
    await s.fs.writeFile('/data/stream.bin', before);
    let reader = await openFile(s, '/data/stream.bin');
    let writer = await openFile(s, '/data/stream.bin');
    let rb: Bytes = s.kernel.hostAlloc(65536);
    let wb: Bytes = s.kernel.hostAlloc(65536);
    const fresh = pattern(65536, 99);
    for (let i = 0; i < size / 65536; i++) {
      if (i % 5 === 3) {
        // Overwrite the chunk the reader asks for next (read-ahead has likely fetched it already).
        wb.write(fresh, 0);
        const w = await within(writer.send('Write', { buf: wb, bufOffset: 0, fileOffset: i * 65536, length: 65536 }).receive());
        if (w.tag !== 'AckWrite') throw new Error(`write ${i}: ${w.tag}`);
        writer = w.ep;
        wb = w.buf;
      }
      const m = await within(reader.send('Read', { buf: rb, bufOffset: 0, fileOffset: i * 65536, length: 65536 }).receive());
      if (m.tag !== 'AckRead') throw new Error(`read ${i}: ${m.tag}`);
      reader = m.ep;
      rb = m.buf;
      const want = i % 5 === 3 ? fresh : before.subarray(i * 65536, (i + 1) * 65536);
      assert.ok(Buffer.from(rb.read(0, m.bytesRead)).equals(want), `chunk ${i}`);
    }
    rb.free();
    wb.free();
    reader.send('Close');
    writer.send('Close');
  });
});

describe('a clean unmount', () => {
  const skip = toolsOrSkip();
  test('leaves a volume fsck.fat finds clean, and the next mount finds no recovery to do', { skip }, async () => {
    const img = await freshImage('unmount.img', 16);
    const s = await DiskSession.mount(img);
    await s.fs.mkdir('/a');
    for (let i = 0; i < 20; i++) await s.fs.writeFile(`/a/file number ${i}.txt`, pattern(i * 3000, i));
    assert.equal((await s.fs.stats()).recovered, false);
    await s.close();
    assert.equal(s.fat.state, 'exited');
    const r = fsckN(img);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const again = await DiskSession.mount(img, { readOnly: true });
    try {
      assert.equal((await again.fs.stats()).recovered, false);
      assert.equal((await again.fs.list('/a')).length, 20);
    } finally {
      await again.close();
    }
  });
});
