// Storage SIPs that fail: a killed file system closes its clients' channels and loses its mount,
// and a restarted one recovers the dirty volume; a killed disk driver takes the file system down
// with it (status 1) and its clients see $closed; a host process SIGKILLed while it writes loses
// no file whose write and flush were acknowledged, and the recovered volume passes fsck.fat; a
// corrupted chain is an error value to its reader while the file system serves the rest.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { File } from 'sing/contracts/fs';
import { DiskSession } from '../src/cli/disk-session.ts';
import { FsError } from '../src/cli/fs-client.ts';
import { until, within } from './kit.ts';
import { fsckN, pattern, prng, toolsOrSkip } from './fixtures/fat/kit.ts';

const dir = mkdtempSync(join(tmpdir(), 'sing-fs-failure-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });
const skip = toolsOrSkip();

async function freshImage(name: string, mib = 16): Promise<string> {
  const img = join(dir, name);
  writeFileSync(img, '');
  truncateSync(img, mib * 1024 * 1024);
  const r = await DiskSession.run(img, 'format', {});
  assert.equal(r.status, 0, r.lines.join('\n'));
  return img;
}

const mounted = (s: DiskSession): boolean => s.kernel.names.list().some((e) => e.mount && e.path === '/fs');

test('a killed file system closes its clients, loses its mount, and a restart recovers the volume', { skip }, async () => {
  const img = await freshImage('killed-fs.img');
  const s = await DiskSession.mount(img);
  const kept = pattern(300_000, 5);
  await s.fs.writeFile('/kept.bin', kept);
  const c = s.kernel.hostChannel(File);
  assert.deepEqual(await within(s.kernel.names.bind(s.kernel.owner, '/fs/kept.bin', c.exp)), { ok: true });
  const hello = await within(c.imp.receive());
  if (hello.tag !== 'Success') throw new Error('no Success');
  s.fat.stop();
  assert.equal((await within(hello.ep.receive())).tag, '$closed');
  await until(() => !mounted(s), 'the mount is dropped');
  // Restart it by hand over the same driver: the volume is still marked dirty, so it recovers.
  const again = s.kernel.spawn('fat', { params: { disk: '/dev/disk0', mount: '/fs', readOnly: false, mode: 'mount', fatType: 0, label: '', json: false } });
  await until(() => mounted(s), 'the restarted file system mounts');
  assert.equal((await s.fs.stats()).recovered, true);
  assert.ok(Buffer.from(await s.fs.readFile('/kept.bin')).equals(kept));
  await s.fs.unmount();
  assert.deepEqual(await within(again.join()), { state: 'exited', code: 0, pid: again.pid, program: 'fat', reason: 'returned' });
  s.disk.stop();
  s.kernel.shutdown();
  const r = fsckN(img);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('a killed disk driver ends the file system with status 1 and its clients see $closed', async () => {
  const s = await DiskSession.mount(await freshImage('killed-driver.img'));
  await s.fs.writeFile('/x.bin', pattern(10_000, 1));
  const c = s.kernel.hostChannel(File);
  assert.deepEqual(await within(s.kernel.names.bind(s.kernel.owner, '/fs/x.bin', c.exp)), { ok: true });
  const hello = await within(c.imp.receive());
  if (hello.tag !== 'Success') throw new Error('no Success');
  s.disk.stop();
  // The next request needs the disk (the file's bytes are not cached): the file system finds the
  // driver gone and ends; the client sees its channel close.
  const m = await within(hello.ep.send('Read', { buf: s.kernel.hostAlloc(4096), bufOffset: 0, fileOffset: 0, length: 4096 }).receive());
  assert.equal(m.tag, '$closed');
  const st = await within(s.fat.join());
  assert.equal(st.state, 'exited');
  assert.equal(st.code, 1);
  assert.ok(s.lines.some((l) => /went away/.test(l)), s.lines.join('\n'));
  assert.equal(mounted(s), false);
  s.kernel.shutdown();
});

test('a corrupted chain read through the SIP is an error value; the file system serves its other files and stays up', async () => {
  const img = await freshImage('hostile.img');
  let s = await DiskSession.mount(img);
  const good = pattern(5000, 2);
  await s.fs.writeFile('/loop.bin', pattern(3 * 2048 + 10, 1)); // several clusters, the first file: clusters from 2 up
  await s.fs.writeFile('/good.bin', good);
  await s.close();
  // Link the file's second cluster back to its first, in every FAT copy (FAT16: 2 bytes an entry).
  const raw = readFileSync(img);
  assert.equal(raw.toString('latin1', 54, 59), 'FAT16');
  const reserved = raw.readUInt16LE(14);
  const fats = raw[16] as number;
  const fatSectors = raw.readUInt16LE(22);
  const first = raw.readUInt16LE(reserved * 512 + fats * fatSectors * 512 + 26); // the root's first entry: /loop.bin's first cluster
  assert.ok(first >= 2);
  for (let k = 0; k < fats; k++) raw.writeUInt16LE(first, (reserved + k * fatSectors) * 512 + 2 * (first + 1));
  writeFileSync(img, raw);
  s = await DiskSession.mount(img);
  try {
    await assert.rejects(s.fs.readFile('/loop.bin'), (e: unknown) => e instanceof FsError && (e.code === 'E_LOOP' || e.code === 'E_CORRUPT') && /loop\.bin/.test(e.message));
    assert.ok(Buffer.from(await s.fs.readFile('/good.bin')).equals(good));
    assert.equal(s.fat.state, 'running');
    assert.equal((await s.fs.list('/')).length, 2);
  } finally {
    await s.close();
  }
});

const CHILD = fileURLToPath(new URL('./fixtures/fs/crash-writer.ts', import.meta.url));

/** Runs the crash writer until it has acknowledged `acks` files plus `extraMs`, then SIGKILLs it. */
function cutAfter(img: string, seed: number, acks: number, extraMs: number): Promise<Map<number, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, img, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = new Map<number, number>();
    let out = '';
    let err = '';
    let armed = false;
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`crash writer stalled: ${err}`)); }, 120_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const l of lines) {
        const m = /^acked (\d+) (\d+)$/.exec(l);
        if (m !== null) acked.set(Number(m[1]), Number(m[2]));
      }
      if (!armed && acked.size >= acks) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), extraMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`crash writer ended with ${code ?? signal}: ${err}`));
    });
  });
}

test('SIGKILL of the host while it writes: every acknowledged file reads back after recovery, and fsck.fat is clean', { skip, timeout: 600_000 }, async () => {
  const img = await freshImage('sigkill.img', 32);
  const r = prng(2026);
  for (let cut = 0; cut < 4; cut++) {
    const seed = cut + 1;
    const acked = await cutAfter(img, seed, 1 + Math.floor(r() * 6), Math.floor(r() * 40));
    assert.ok(acked.size > 0);
    const s = await DiskSession.mount(img);
    try {
      assert.equal((await s.fs.stats()).recovered, true, `cut ${cut}: the killed writer left the volume dirty`);
      for (const [i, size] of acked) {
        const back = await s.fs.readFile(`/c${seed}/f${i}.bin`);
        assert.ok(Buffer.from(back).equals(pattern(size, seed * 1000 + i)), `cut ${cut}: /c${seed}/f${i}.bin`);
      }
    } finally {
      await s.close();
    }
    const check = fsckN(img);
    assert.equal(check.status, 0, `cut ${cut}: ${check.stdout}${check.stderr}`);
  }
});
