// Crash consistency of the FAT engine: a seeded mixed workload (creates, appends, overwrites,
// sparse writes, truncations, renames with and without replacement, deletes, directories, flushes)
// runs on a device that dies after its Nth write — keeping every write before it, or (drop mode)
// only what was flushed plus a seeded half of the rest. After each cut the image is mounted
// (recovery runs), every file whose write and flush were acknowledged before the cut must read
// back byte-identical, every file must be readable, and the unmounted image must pass the engine's
// checker and `fsck.fat -n`.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FatError, FatVolume, MemoryDevice, format, fsck, type FatType } from '../src/services/fat/index.ts';
import { CLOCK, FaultDevice, equalBytes, fsckN, pattern, prng, toolsOrSkip } from './fixtures/fat/kit.ts';

// Without dosfstools the cuts still run against the engine's own checker; fsck.fat's verdict is
// skipped (with the message below), and under CI=true the missing tools fail the file.
const noTools = toolsOrSkip();
if (noTools !== false) console.log(`fat-crash: ${noTools}`);
const dir = mkdtempSync(join(tmpdir(), 'sing-fat-crash-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });

interface Model { files: Map<string, Uint8Array>; dirs: Set<string> }
const clone = (m: Model): Model => ({ files: new Map(m.files), dirs: new Set(m.dirs) });

const NAMES = ['a.txt', 'Long File Name.data', 'readme', 'x', 'Mixed Case.TXT', 'another long name with spaces', 'n1', 'ünïcødé.bin', 'DATA.BIN', 'notes.md'];

function parentOf(p: string): string { return p.slice(0, p.lastIndexOf('/')) || '/'; }
function join2(d: string, n: string): string { return d === '/' ? `/${n}` : `${d}/${n}`; }

/** Runs the seeded workload; stops at the first failure (the cut). Returns what was acknowledged. */
async function workload(v: FatVolume, seed: number, ops: number): Promise<{ acked: Model; touched: Set<string> }> {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  let cur: Model = { files: new Map(), dirs: new Set(['/']) };
  let acked = clone(cur);
  let touched = new Set<string>();
  const touch = (p: string): void => { touched.add(p); };
  try {
    for (let i = 0; i < ops; i++) {
      const x = r();
      const files = [...cur.files.keys()];
      const dirs = [...cur.dirs];
      if (x < 0.22 || files.length === 0) {
        const p = join2(pick(dirs), `${pick(NAMES)}${Math.floor(r() * 4)}`);
        if (cur.files.has(p) || cur.dirs.has(p)) continue;
        const data = pattern(Math.floor(r() * r() * 40000), seed * 1000 + i);
        touch(p);
        await v.writeFile(p, data);
        cur.files.set(p, data);
      } else if (x < 0.34) {
        const p = pick(files);
        const old = cur.files.get(p) as Uint8Array;
        const add = pattern(Math.floor(r() * 9000) + 1, seed * 1000 + i);
        const off = r() < 0.3 ? old.length + Math.floor(r() * 5000) : Math.floor(r() * (old.length + 1));
        touch(p);
        const f = await v.open(p, { write: true });
        await v.write(f, off, add);
        await v.close(f);
        const next = new Uint8Array(Math.max(old.length, off + add.length));
        next.set(old);
        next.set(add, off);
        cur.files.set(p, next);
      } else if (x < 0.42) {
        const p = pick(files);
        const old = cur.files.get(p) as Uint8Array;
        const size = r() < 0.6 ? Math.floor(r() * old.length) : old.length + Math.floor(r() * 6000);
        touch(p);
        const f = await v.open(p, { write: true });
        await v.truncate(f, size);
        await v.close(f);
        const next = new Uint8Array(size);
        next.set(old.subarray(0, Math.min(size, old.length)));
        cur.files.set(p, next);
      } else if (x < 0.54) {
        const from = pick(files);
        const replace = r() < 0.3 && files.length > 1;
        const to = replace ? pick(files.filter((f) => f !== from)) : join2(pick(dirs), `${pick(NAMES)}${Math.floor(r() * 4)}`);
        if (!replace && (cur.files.has(to) || cur.dirs.has(to))) continue;
        touch(from); touch(to);
        await v.rename(from, to);
        cur.files.set(to, cur.files.get(from) as Uint8Array);
        cur.files.delete(from);
      } else if (x < 0.64) {
        const p = pick(files);
        touch(p);
        await v.unlink(p);
        cur.files.delete(p);
      } else if (x < 0.72) {
        const p = join2(pick(dirs), `dir ${Math.floor(r() * 20)}`);
        if (cur.files.has(p) || cur.dirs.has(p)) continue;
        touch(p);
        await v.mkdir(p);
        cur.dirs.add(p);
      } else if (x < 0.76) {
        const empty = dirs.filter((d) => d !== '/' && ![...cur.files.keys(), ...cur.dirs].some((q) => q !== d && q.startsWith(`${d}/`)));
        if (empty.length === 0) continue;
        const d = pick(empty);
        touch(d);
        await v.rmdir(d);
        cur.dirs.delete(d);
      } else if (x < 0.80) {
        const movable = dirs.filter((d) => d !== '/');
        if (movable.length === 0) continue;
        const d = pick(movable);
        const target = pick(dirs.filter((t) => t !== d && !t.startsWith(`${d}/`)));
        const to = join2(target, `moved ${Math.floor(r() * 20)}`);
        if (cur.files.has(to) || cur.dirs.has(to)) continue;
        touch(d); touch(to);
        await v.rename(d, to);
        const next: Model = { files: new Map(), dirs: new Set() };
        const re = (p: string): string => (p === d || p.startsWith(`${d}/`) ? to + p.slice(d.length) : p);
        for (const [p, b] of cur.files) next.files.set(re(p), b);
        for (const p of cur.dirs) next.dirs.add(re(p));
        cur = next;
      } else {
        await v.flush();
        acked = clone(cur);
        touched = new Set();
      }
    }
    await v.flush();
    acked = clone(cur);
    touched = new Set();
  } catch (e) {
    if (!(e instanceof FatError)) throw e;
    if (e.code !== 'E_IO') throw e;
  }
  return { acked, touched };
}

function isTouched(touched: Set<string>, p: string): boolean {
  for (let q = p; ; q = parentOf(q)) {
    if (touched.has(q)) return true;
    if (q === '/') return false;
  }
}

async function readAll(v: FatVolume, d: string, out: Map<string, Uint8Array>): Promise<void> {
  for (const e of await v.readdir(d)) {
    const p = join2(d, e.name);
    if (e.isDirectory) await readAll(v, p, out);
    else out.set(p, await v.readFile(p));
  }
}

async function baseImage(fat: FatType, sectors: number, spc: number): Promise<Uint8Array> {
  const dev = new MemoryDevice(sectors);
  await format(dev, { fat, clock: CLOCK, sectorsPerCluster: spc, label: 'CRASH' });
  return dev.bytes;
}

const OPS = 70;
/** Cuts per seeded workload (one clean run per seed counts its writes). */
const PER_SEED = 3;

// FAT_CRASH_SCALE and FAT_CRASH_SEED widen a local run (more cuts, other seeds).
const SCALE = Number(process.env.FAT_CRASH_SCALE ?? 1);
const SEED = Number(process.env.FAT_CRASH_SEED ?? 0);

for (const [fat, sectors, spc, cuts0] of [[12, 2048, 1, 70], [16, 8192, 1, 90], [32, 68000, 1, 50]] as const) {
  const cuts = 2 * Math.round((cuts0 / 2) * SCALE);
  describe(`FAT${fat}: cuts at seeded writes`, () => {
    for (const drop of [false, true]) {
      test(`${cuts / 2} cuts, ${drop ? 'unflushed writes partly lost' : 'every write before the cut kept'}`, { timeout: 300_000 * SCALE }, async () => {
        const base = await baseImage(fat, sectors, spc);
        let checked = 0;
        let recovered = 0;
        let total = 0;
        for (let k = 0; k < cuts / 2; k++) {
          const seed = fat * 1000 + Math.floor(k / PER_SEED) * 7 + (drop ? 3 : 0) + SEED * 100003;
          // A clean run tells how many writes the workload makes; the cuts fall among them.
          if (k % PER_SEED === 0) {
            const ref = new FaultDevice(base);
            const rv = await FatVolume.mount(ref, { clock: CLOCK, cacheSectors: 48 });
            await workload(rv, seed, OPS);
            total = ref.writes;
            await rv.unmount();
          }
          const cutAfter = 1 + Math.floor(prng(seed * 31 + k)() * total);
          const dev = new FaultDevice(base, { cutAfter, drop, seed });
          const v = await FatVolume.mount(dev, { clock: CLOCK, cacheSectors: 48 }).catch((e: unknown) => {
            if (e instanceof FatError && e.code === 'E_IO') return null; // the cut came while mounting
            throw e;
          });
          const { acked, touched } = v === null ? { acked: { files: new Map<string, Uint8Array>(), dirs: new Set<string>() }, touched: new Set<string>() } : await workload(v, seed, OPS);
          assert.ok(dev.dead, `seed ${seed}: the device should have died after write ${cutAfter} of ${total}`);
          assert.equal(dev.outside, 0);
          const image = new MemoryDevice(sectors, 512, { bytes: dev.final() });
          const after = await FatVolume.mount(image, { clock: CLOCK });
          if (after.recovery !== null && after.recovery.problems.some((p) => p.code !== 'DIRTY')) recovered++;
          const present = new Map<string, Uint8Array>();
          await readAll(after, '/', present);
          for (const [p, want] of acked.files) {
            if (isTouched(touched, p)) continue;
            const got = present.get(p);
            assert.ok(got !== undefined, `seed ${seed}, cut ${cutAfter}/${total}: acknowledged file ${p} is missing (present: ${[...present.keys()].join(', ')})`);
            assert.ok(equalBytes(got, want), `seed ${seed}, cut ${cutAfter}: acknowledged file ${p} differs (${got.length} bytes, want ${want.length})`);
            checked++;
          }
          for (const d of acked.dirs) {
            if (!isTouched(touched, d)) assert.equal((await after.stat(d)).isDirectory, true, `seed ${seed}: directory ${d}`);
          }
          await after.unmount();
          const report = await fsck(image);
          assert.deepEqual(report.problems, [], `seed ${seed}, cut ${cutAfter}: the engine's checker after recovery`);
          if (noTools === false) {
            const path = join(dir, `fat${fat}.img`);
            writeFileSync(path, image.bytes);
            const r = fsckN(path);
            assert.equal(r.status, 0, `seed ${seed}, cut ${cutAfter}/${total}${drop ? ' (drop)' : ''}: fsck.fat -n after recovery:\n${r.stdout}${r.stderr}`);
          }
        }
        assert.ok(checked > 0, 'some acknowledged files were checked');
        assert.ok(recovered > 0, 'some cuts needed repairs beyond the dirty mark');
      });
    }
  });
}
