// A store file this user may not read or write is reported as a permission problem naming the
// file (E_STORE_PERMISSION), never as corruption, a missing file or an empty system (issue #11,
// point 7).
// Rules: each operation runs in a child process (test/fixtures/store-as-nobody.ts) that, when
// started as root (as in CI, where a mode of 000 stops nobody), first becomes uid/gid 65534; so
// every case really is refused by the file system, whoever runs the tests. The store is built
// here by hand (no compiling), readable by everyone, and one file or folder at a time is closed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageHash } from '../src/kernel/image-source.ts';
import { InstallStore } from '../src/install/store.ts';
import { emptySystem } from '../src/install/system.ts';
import { MANIFEST_SCHEMA, type ProgramManifest } from '../src/verifier/manifest-schema.ts';
import { REPO } from './store-kit.ts';

const FIXTURE = join(REPO, 'test/fixtures/store-as-nobody.ts');
const KEY = 'c'.repeat(64);

const bases: string[] = [];
after(() => { for (const b of bases) rmSync(b, { recursive: true, force: true }); });

interface Store { readonly dir: string; readonly image: string; readonly manifest: string }

/** A store with one program installed and its verdict cached, every folder and file open to all. */
function openStore(): Store {
  const base = mkdtempSync(join(tmpdir(), 'sing-perm-'));
  bases.push(base);
  const dir = join(base, 'store');
  const store = new InstallStore(dir);
  const code = '(function () { return 0; })';
  const image = imageHash(code, []);
  store.putImage({ name: 'prog', hash: image, code, globals: [] });
  const m: ProgramManifest = {
    schema: MANIFEST_SCHEMA, name: 'prog', version: '1.0.0', category: 'application', entry: 'main.ts',
    trusted: false, unsafe: [], console: false, parameters: {}, endpoints: {}, imports: {}, exports: {},
    resources: { exchangeHeap: 0, cpuFuel: 100_000_000, host: {} }, dependencies: [],
  };
  const manifest = store.putManifest(m);
  store.putCache({ key: KEY, name: 'prog', manifest, image });
  store.writeSystem({ ...emptySystem(), programs: { prog: { version: '1.0.0', image, manifest } } });
  const open = (p: string): void => {
    chmodSync(p, statSync(p).isDirectory() ? 0o755 : 0o644);
    if (statSync(p).isDirectory()) for (const f of readdirSync(p)) open(join(p, f));
  };
  chmodSync(base, 0o755);
  open(dir);
  return { dir, image, manifest };
}

/** Runs `op` on the store as an unprivileged user; what it reported. */
function asNobody(dir: string, op: string, arg?: string): { ok?: boolean; code?: string; message?: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', FIXTURE, dir, op, ...(arg !== undefined ? [arg] : [])], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  assert.ok(line.startsWith('{'), `the fixture printed no result: ${r.stdout} ${r.stderr}`);
  return JSON.parse(line) as { ok?: boolean; code?: string; message?: string };
}

/** Closes `path` to everyone (mode `mode`) while `act` runs. */
function closed<T>(path: string, mode: number, act: () => T): T {
  const before = statSync(path).mode & 0o777;
  chmodSync(path, mode);
  try { return act(); } finally { chmodSync(path, before); }
}

const permission = (r: { code?: string; message?: string }, file: string): void => {
  assert.equal(r.code, 'E_STORE_PERMISSION', `${r.code ?? 'ok'}: ${r.message ?? ''}`);
  assert.ok(r.message?.startsWith(`${file}: permission denied`), r.message);
};

test('the open store reads fine as the unprivileged user (the control)', () => {
  const s = openStore();
  for (const [op, arg] of [['readSystem'], ['getImage', s.image], ['getManifest', s.manifest], ['verdict', KEY]] as const) {
    assert.deepEqual(asNobody(s.dir, op, arg), { ok: true }, op);
  }
});

test('an unreadable system.json is E_STORE_PERMISSION naming it, not E_STORE_CORRUPT', () => {
  const s = openStore();
  const file = join(s.dir, 'system.json');
  permission(closed(file, 0o000, () => asNobody(s.dir, 'readSystem')), file);
});

test('an unreadable image is E_STORE_PERMISSION naming it, not E_STORE_CORRUPT', () => {
  const s = openStore();
  const file = join(s.dir, 'images', `${s.image}.json`);
  permission(closed(file, 0o000, () => asNobody(s.dir, 'getImage', s.image)), file);
});

test('an unreadable manifest is E_STORE_PERMISSION naming it', () => {
  const s = openStore();
  const file = join(s.dir, 'manifests', `${s.manifest}.json`);
  permission(closed(file, 0o000, () => asNobody(s.dir, 'getManifest', s.manifest)), file);
});

test('an unreadable cache entry is E_STORE_PERMISSION naming it, not a silent miss', () => {
  const s = openStore();
  const file = join(s.dir, 'cache', `${KEY}.json`);
  permission(closed(file, 0o000, () => asNobody(s.dir, 'verdict', KEY)), file);
});

test('a store folder that cannot be entered is E_STORE_PERMISSION, not an empty system', () => {
  const s = openStore();
  permission(closed(s.dir, 0o000, () => asNobody(s.dir, 'readSystem')), join(s.dir, 'system.json'));
});

test('a store folder that cannot be written: writing system.json or taking the lock is E_STORE_PERMISSION', () => {
  const s = openStore();
  closed(s.dir, 0o555, () => {
    permission(asNobody(s.dir, 'writeSystem'), join(s.dir, 'system.json'));
    permission(asNobody(s.dir, 'lock'), join(s.dir, 'lock'));
  });
  closed(s.dir, 0o777, () => { // the control: once it may write, it writes
    assert.deepEqual(asNobody(s.dir, 'writeSystem'), { ok: true });
    assert.deepEqual(asNobody(s.dir, 'lock'), { ok: true });
  });
});
