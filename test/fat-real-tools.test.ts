// The FAT engine judged by the Debian tools. Images made by mkfs.fat (FAT12, FAT16, FAT32; several
// cluster and sector sizes) and filled by mcopy (long and Unicode names, subdirectories, sizes
// around sector and cluster edges) mount and read back byte-identical; images the engine formats
// and changes (many files, long names, deep directories, deletes, renames, truncations) pass
// `fsck.fat -n` and come back byte-identical through `mcopy` and `mdir`.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FatVolume, format, type FatType } from '../src/services/fat/index.ts';
import { CLOCK, FileDevice, equalBytes, fsckN, pattern, prng, run, tool, toolsOrSkip } from './fixtures/fat/kit.ts';

const skip = toolsOrSkip();
const dir = mkdtempSync(join(tmpdir(), 'sing-fat-tools-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });

/** A host tree of files: path (with '/') -> bytes. */
type Tree = Map<string, Uint8Array>;

const SIZES = [0, 1, 100, 511, 512, 513, 1024, 2047, 2048, 4096, 4097, 32768, 65537, 300_000];
const NAMES = ['README.TXT', 'readme2.txt', 'Mixed Case Name.Text', 'a', 'ünïcødé ñame.bin', 'x.y.z', 'name with  spaces', '.hidden', 'UPPER LONG FILENAME.DATA', 'a'.repeat(120)];

function hostTree(seed: number): { files: Tree; dirs: string[] } {
  const r = prng(seed);
  const files: Tree = new Map();
  const dirs = ['/sub', '/sub/Deeper Level', '/sub/Deeper Level/third', '/Other Dir'];
  let i = 0;
  for (const d of ['', ...dirs]) {
    for (const n of NAMES) {
      const size = SIZES[Math.floor(r() * SIZES.length)] as number;
      files.set(`${d}/${n}`, pattern(size, seed * 100 + i++));
    }
  }
  return { files, dirs };
}

function writeHost(root: string, t: { files: Tree; dirs: string[] }): void {
  for (const d of t.dirs) mkdirSync(join(root, d), { recursive: true });
  for (const [p, b] of t.files) writeFileSync(join(root, p), b);
}

function readHost(root: string, at = ''): Tree {
  const out: Tree = new Map();
  for (const name of readdirSync(join(root, at))) {
    const p = `${at}/${name}`;
    if (statSync(join(root, p)).isDirectory()) for (const [k, v] of readHost(root, p)) out.set(k, v);
    else out.set(p, new Uint8Array(readFileSync(join(root, p))));
  }
  return out;
}

async function readVolume(v: FatVolume, d = '/', out: Tree = new Map()): Promise<Tree> {
  for (const e of await v.readdir(d)) {
    const p = d === '/' ? `/${e.name}` : `${d}/${e.name}`;
    if (e.isDirectory) await readVolume(v, p, out);
    else out.set(p, await v.readFile(p));
  }
  return out;
}

function sameTrees(got: Tree, want: Tree, what: string): void {
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `${what}: the same paths`);
  for (const [p, b] of want) assert.ok(equalBytes(got.get(p) as Uint8Array, b), `${what}: ${p} byte-identical`);
}

function mustRun(cmd: string, args: string[]): string {
  const r = run(cmd, args);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

describe('images made by mkfs.fat and filled by mcopy mount and read back', { skip }, () => {
  const cases: { name: string; kb: number; args: string[]; type: FatType }[] = [
    { name: 'FAT12 floppy', kb: 1440, args: ['-F', '12'], type: 12 },
    { name: 'FAT12 4 sectors per cluster, 1024-byte sectors', kb: 4000, args: ['-F', '12', '-s', '4', '-S', '1024'], type: 12 },
    { name: 'FAT16 1 sector per cluster', kb: 8192, args: ['-F', '16', '-s', '1'], type: 16 },
    { name: 'FAT16 16 sectors per cluster', kb: 65536, args: ['-F', '16', '-s', '16'], type: 16 },
    { name: 'FAT16 4096-byte sectors', kb: 32768, args: ['-F', '16', '-S', '4096', '-s', '1'], type: 16 },
    { name: 'FAT32 1 sector per cluster', kb: 40960, args: ['-F', '32', '-s', '1'], type: 32 },
    { name: 'FAT32 8 sectors per cluster', kb: 270000, args: ['-F', '32', '-s', '8'], type: 32 },
  ];
  let seed = 1;
  for (const c of cases) {
    const s = seed++;
    test(c.name, () => {
      const img = join(dir, `mkfs-${s}.img`);
      mustRun(tool('mkfs.fat'), ['-C', '-i', '12345678', '-n', 'MKFS', ...c.args, img, String(c.kb)]);
      const host = join(dir, `host-${s}`);
      const t = hostTree(s);
      writeHost(host, t);
      mustRun('mcopy', ['-s', '-i', img, ...readdirSync(host).map((n) => join(host, n)), '::/']);
      return (async () => {
        const dev = new FileDevice(img, { readOnly: true });
        try {
          const v = await FatVolume.mount(dev, { clock: CLOCK, readOnly: true });
          assert.equal(v.type, c.type);
          sameTrees(await readVolume(v), t.files, c.name);
          const list = await v.readdir('/sub');
          assert.ok(list.some((e) => e.name === 'Deeper Level' && e.isDirectory));
          assert.equal((await v.statfs()).label, 'MKFS');
          await v.unmount();
        } finally {
          dev.close();
        }
        // Then the engine writes into the mkfs.fat image, and the tools agree.
        const rw = new FileDevice(img);
        try {
          const v = await FatVolume.mount(rw, { clock: CLOCK });
          await v.writeFile('/sub/written by sing.txt', pattern(12345, s));
          await v.rename('/sub/README.TXT', '/Other Dir/moved readme.txt');
          await v.unlink('/readme2.txt');
          await v.unmount();
        } finally {
          rw.close();
        }
        const f = fsckN(img);
        assert.equal(f.status, 0, f.stdout);
        const out = join(dir, `out-${s}`);
        mkdirSync(out);
        mustRun('mcopy', ['-s', '-n', '-i', img, '::/*', out]);
        const want = new Map(t.files);
        want.set('/sub/written by sing.txt', pattern(12345, s));
        want.set('/Other Dir/moved readme.txt', want.get('/sub/README.TXT') as Uint8Array);
        want.delete('/sub/README.TXT');
        want.delete('/readme2.txt');
        sameTrees(readHost(out), want, `${c.name} after the engine's changes, through mcopy`);
      })();
    });
  }
});

/** A seeded workload of the engine's own: a model of what the volume should hold. */
async function engineWorkload(v: FatVolume, seed: number, count: number): Promise<Tree> {
  const r = prng(seed);
  const model: Tree = new Map();
  const dirs = ['/'];
  let deep = '';
  for (let d = 0; d < 7; d++) {
    deep += `/level ${d} with a long directory name`;
    await v.mkdir(deep);
    dirs.push(deep);
  }
  for (const d of ['/docs', '/docs/Reports 2024', '/data', '/data/raw']) { await v.mkdir(d); dirs.push(d); }
  for (let i = 0; i < count; i++) {
    const d = dirs[Math.floor(r() * dirs.length)] as string;
    const name = r() < 0.3 ? `F${i}.TXT` : r() < 0.5 ? `file number ${i} with a long name.data` : `Ünïcode ${i} ✓.bin`;
    const p = d === '/' ? `/${name}` : `${d}/${name}`;
    const size = Math.floor(r() * r() * 70000);
    const b = pattern(size, seed * 1000 + i);
    await v.writeFile(p, b);
    model.set(p, b);
  }
  const paths = () => [...model.keys()];
  for (let i = 0; i < count / 4; i++) {
    const all = paths();
    const p = all[Math.floor(r() * all.length)] as string;
    const op = r();
    if (op < 0.3) {
      await v.unlink(p);
      model.delete(p);
    } else if (op < 0.6) {
      const d = dirs[Math.floor(r() * dirs.length)] as string;
      const to = `${d === '/' ? '' : d}/renamed ${i} from somewhere.txt`;
      await v.rename(p, to);
      model.set(to, model.get(p) as Uint8Array);
      model.delete(p);
    } else if (op < 0.8) {
      const old = model.get(p) as Uint8Array;
      const size = Math.floor(r() * (old.length + 5000));
      const f = await v.open(p, { write: true });
      await v.truncate(f, size);
      await v.close(f);
      const next = new Uint8Array(size);
      next.set(old.subarray(0, Math.min(size, old.length)));
      model.set(p, next);
    } else {
      const old = model.get(p) as Uint8Array;
      const add = pattern(Math.floor(r() * 9000) + 1, i);
      const off = Math.floor(r() * (old.length + 3000));
      const f = await v.open(p, { write: true });
      await v.write(f, off, add);
      await v.close(f);
      const next = new Uint8Array(Math.max(old.length, off + add.length));
      next.set(old);
      next.set(add, off);
      model.set(p, next);
    }
  }
  await v.rename('/docs', '/data/raw/docs moved here');
  for (const [p, b] of [...model]) {
    if (p.startsWith('/docs/')) { model.delete(p); model.set(`/data/raw/docs moved here${p.slice(5)}`, b); }
  }
  return model;
}

describe('volumes the engine formats and writes pass fsck.fat and read back through mtools', { skip }, () => {
  const cases: { type: FatType; kb: number; spc?: number }[] = [
    { type: 12, kb: 2048 },
    { type: 12, kb: 4000, spc: 2 },
    { type: 16, kb: 16384 },
    { type: 16, kb: 65536, spc: 8 },
    { type: 32, kb: 40960 },
    { type: 32, kb: 300000, spc: 8 },
  ];
  let seed = 50;
  for (const c of cases) {
    const s = seed++;
    test(`FAT${c.type}, ${c.kb} KiB${c.spc === undefined ? '' : `, ${c.spc} sectors per cluster`}`, async () => {
      const img = join(dir, `sing-${s}.img`);
      writeFileSync(img, new Uint8Array(0));
      run('truncate', ['-s', `${c.kb}K`, img]);
      const dev = new FileDevice(img);
      let model: Tree;
      try {
        await format(dev, { fat: c.type, clock: CLOCK, label: 'SING', ...(c.spc === undefined ? {} : { sectorsPerCluster: c.spc }) });
        const v = await FatVolume.mount(dev, { clock: CLOCK });
        model = await engineWorkload(v, s, c.type === 12 ? 60 : 140);
        sameTrees(await readVolume(v), model, 'before unmount');
        await v.unmount();
      } finally {
        dev.close();
      }
      const f = fsckN(img);
      assert.equal(f.status, 0, `fsck.fat -n:\n${f.stdout}${f.stderr}`);
      const out = join(dir, `sing-out-${s}`);
      mkdirSync(out);
      mustRun('mcopy', ['-s', '-n', '-i', img, '::/*', out]);
      sameTrees(readHost(out), model, 'through mcopy');
      const listing = mustRun('mdir', ['-i', img, '::/level 0 with a long directory name']);
      assert.match(listing, /level 1 with a long directory name/);
      const root = mustRun('mdir', ['-i', img, '::/']);
      assert.match(root, /Volume in drive : is SING/);
      // And mtools' own changes to a Sing volume read back through the engine.
      const extra = join(dir, `extra-${s}.bin`);
      writeFileSync(extra, pattern(7777, s));
      mustRun('mcopy', ['-i', img, extra, '::/data/copied by mtools.bin']);
      mustRun('mmd', ['-i', img, '::/made by mmd']);
      const back = new FileDevice(img, { readOnly: true });
      try {
        const v = await FatVolume.mount(back, { clock: CLOCK, readOnly: true });
        assert.ok(equalBytes(await v.readFile('/data/copied by mtools.bin'), pattern(7777, s)));
        assert.equal((await v.stat('/made by mmd')).isDirectory, true);
        await v.unmount();
      } finally {
        back.close();
      }
    });
  }
});
