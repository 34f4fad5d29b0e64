// InstallStore unit tests: content-addressed images and manifests checked on every read, the
// system manifest replaced atomically and schema-checked both ways, gc.
// Rules: every test uses a fresh temp dir; images are made by hand (code + globals hashed with the
// kernel's imageHash), so nothing here compiles a program.
// Invariants checked: a read returns exactly what was written or throws E_STORE_CORRUPT /
// E_STORE_MISSING naming the file; a refused or failed write leaves the old file and no temporaries.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageHash, type ImageSource } from '../kernel/image-source.ts';
import { SingError } from '../lib/error.ts';
import { MANIFEST_SCHEMA, type ProgramManifest } from '../verifier/manifest-schema.ts';
import { InstallStore } from './store.ts';
import { emptySystem, type SystemManifest } from './system.ts';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function fresh(): { dir: string; store: InstallStore } {
  const base = mkdtempSync(join(tmpdir(), 'sing-'));
  dirs.push(base);
  const dir = join(base, 'store');
  return { dir, store: new InstallStore(dir) };
}

function img(name: string, code: string, globals: readonly string[] = []): ImageSource {
  return { name, code, globals, hash: imageHash(code, globals) };
}

const manifest = (over: Partial<ProgramManifest> = {}): ProgramManifest => ({
  schema: MANIFEST_SCHEMA, name: 'prog', version: '1.0.0', category: 'application', entry: 'main.ts',
  trusted: false, unsafe: [], console: false, parameters: {}, endpoints: {}, imports: {}, exports: {},
  resources: { exchangeHeap: 0, cpuFuel: 100_000_000, host: {} }, dependencies: [], ...over,
});

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Every file under `dir`, relative, sorted. */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    if (!existsSync(d)) return;
    for (const n of readdirSync(d).sort()) {
      if (statSync(join(d, n)).isDirectory()) walk(join(d, n), `${rel}${n}/`);
      else out.push(`${rel}${n}`);
    }
  };
  walk(dir, '');
  return out;
}

const code = (c: string) => (e: unknown): boolean => {
  assert.ok(e instanceof SingError, String(e));
  assert.equal(e.code, c, e.message);
  return true;
};

/** A system with one program installed (its image and manifest stored). */
function installedSystem(store: InstallStore): { sys: SystemManifest; image: ImageSource; mh: string } {
  const image = img('prog', '(function () { return 1; })');
  store.putImage(image);
  const mh = store.putManifest(manifest());
  const sys: SystemManifest = { ...emptySystem(), programs: { prog: { version: '1.0.0', image: image.hash, manifest: mh } } };
  store.writeSystem(sys);
  return { sys, image, mh };
}

// ---- images ----

test('an image is stored under its hash and read back equal, frozen', () => {
  const { dir, store } = fresh();
  const i = img('prog', 'code();', ['Math', 'JSON']);
  store.putImage(i);
  assert.deepEqual(files(dir).filter((f) => f.startsWith('images/')), [`images/${i.hash}.json`]);
  const back = store.getImage(i.hash);
  assert.deepEqual({ ...back, globals: [...back.globals] }, { name: 'prog', hash: i.hash, code: 'code();', globals: ['Math', 'JSON'] });
  assert.ok(Object.isFrozen(back) && Object.isFrozen(back.globals));
  store.putImage(i); // idempotent
  assert.equal(files(dir).filter((f) => f.startsWith('images/')).length, 1);
});

test('an altered image is E_STORE_CORRUPT: code, globals, hash field, copied under another name, unparseable', () => {
  const { dir, store } = fresh();
  const i = img('prog', 'code();', ['Math']);
  const other = img('prog', 'other();', ['Math']);
  store.putImage(i);
  store.putImage(other);
  const file = join(dir, 'images', `${i.hash}.json`);
  const good = readFileSync(file, 'utf8');
  const o = JSON.parse(good) as Record<string, unknown>;
  const alter = (v: unknown): void => { writeFileSync(file, typeof v === 'string' ? v : JSON.stringify(v)); };

  alter({ ...o, code: 'evil();' });
  assert.throws(() => store.getImage(i.hash), (e: unknown) => code('E_STORE_CORRUPT')(e) && (e as Error).message.includes(file));
  alter({ ...o, globals: ['Math', 'Function'] });
  assert.throws(() => store.getImage(i.hash), code('E_STORE_CORRUPT'));
  alter({ ...o, globals: 'Math' });
  assert.throws(() => store.getImage(i.hash), code('E_STORE_CORRUPT'));
  alter({ ...o, hash: other.hash });
  assert.throws(() => store.getImage(i.hash), code('E_STORE_CORRUPT'));
  alter(readFileSync(join(dir, 'images', `${other.hash}.json`), 'utf8')); // a valid image, under the wrong name
  assert.throws(() => store.getImage(i.hash), code('E_STORE_CORRUPT'));
  alter('{"name": "prog", "code": ');
  assert.throws(() => store.getImage(i.hash), code('E_STORE_CORRUPT'));
  alter('null');
  assert.throws(() => store.getImage(i.hash), code('E_STORE_CORRUPT'));
  alter(good);
  assert.equal(store.getImage(i.hash).code, 'code();');
});

test('an image whose globals and code are re-split under the same hash is E_STORE_CORRUPT', () => {
  // The hash must name one (globals, code) pair: ['a', 'b'] and ['a,b'] are different images, and so
  // are a code line moved into the last global's name.
  const { dir, store } = fresh();
  const i = img('prog', 'first();\nsecond();', ['Math', 'JSON']);
  store.putImage(i);
  const file = join(dir, 'images', `${i.hash}.json`);
  const o = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...o, globals: ['Math,JSON'] }));
  assert.throws(() => store.getImage(i.hash), code('E_STORE_CORRUPT'));
  writeFileSync(file, JSON.stringify({ ...o, globals: ['Math', 'JSON\nfirst();'], code: 'second();' }));
  assert.throws(() => store.getImage(i.hash), code('E_STORE_CORRUPT'));
});

test('image hashes that are not sha256 digests are refused before any file is touched', () => {
  const { dir, store } = fresh();
  mkdirSync(join(dir, 'images'), { recursive: true });
  writeFileSync(join(dir, 'secret.json'), JSON.stringify(img('x', 'x')));
  for (const h of ['../secret', '../../etc/passwd', '', 'ABC', `${'a'.repeat(64)}/../x`, 'A'.repeat(64)]) {
    assert.throws(() => store.getImage(h), code('E_STORE_CORRUPT'), h);
    assert.throws(() => store.getManifest(h), code('E_STORE_CORRUPT'), h);
  }
});

test('a missing image or manifest is E_STORE_MISSING', () => {
  const { store } = fresh();
  assert.throws(() => store.getImage('a'.repeat(64)), code('E_STORE_MISSING'));
  assert.throws(() => store.getManifest('b'.repeat(64)), code('E_STORE_MISSING'));
});

// ---- manifests ----

test('a manifest is stored under the sha256 of its text and read back equal', () => {
  const { dir, store } = fresh();
  const m = manifest({ name: 'calc', exports: {} });
  const h = store.putManifest(m);
  assert.match(h, /^[0-9a-f]{64}$/);
  assert.equal(sha256(readFileSync(join(dir, 'manifests', `${h}.json`), 'utf8')), h);
  assert.deepEqual(store.getManifest(h), m);
  assert.equal(store.putManifest(m), h, 'the same manifest, the same hash');
  assert.notEqual(store.putManifest(manifest({ version: '1.0.1' })), h);
});

test('an altered manifest is E_STORE_CORRUPT, even one renamed to its new hash if it fails the schema', () => {
  const { dir, store } = fresh();
  const h = store.putManifest(manifest());
  const file = join(dir, 'manifests', `${h}.json`);
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace('"trusted": false', '"trusted": true'));
  assert.throws(() => store.getManifest(h), (e: unknown) => code('E_STORE_CORRUPT')(e) && (e as Error).message.includes(file));
  writeFileSync(file, `${text} `);
  assert.throws(() => store.getManifest(h), code('E_STORE_CORRUPT'));
  // Consistent with its name, but not a manifest.
  for (const bad of ['{"schema": 1', JSON.stringify({ ...manifest(), unsafe: ['SING2001'] }), JSON.stringify({ ...manifest(), extra: 1 }), JSON.stringify({ ...manifest(), resources: { exchangeHeap: -1, cpuFuel: 1, host: {} } })]) {
    const bh = sha256(bad);
    writeFileSync(join(dir, 'manifests', `${bh}.json`), bad);
    assert.throws(() => store.getManifest(bh), code('E_STORE_CORRUPT'), bad);
  }
});

// ---- the system manifest ----

test('a store with no system.json reads as the empty system and creates nothing', () => {
  const { dir, store } = fresh();
  assert.deepEqual(store.readSystem(), emptySystem());
  assert.ok(!existsSync(dir));
});

test('writeSystem round-trips and leaves no temporary files', () => {
  const { dir, store } = fresh();
  const { sys } = installedSystem(store);
  assert.deepEqual(store.readSystem(), sys);
  store.writeSystem({ ...sys, boot: [{ program: 'prog', params: { a: 1 } }], policy: { trusted: ['prog'] } });
  assert.deepEqual(store.readSystem().boot, [{ program: 'prog', params: { a: 1 } }]);
  assert.deepEqual(files(dir).filter((f) => f.includes('.tmp-')), []);
  assert.ok(readFileSync(join(dir, 'system.json'), 'utf8').endsWith('\n'));
});

test('garbage system.json is E_STORE_CORRUPT, naming the file', () => {
  const { dir, store } = fresh();
  mkdirSync(dir, { recursive: true });
  for (const text of ['', 'not json', '{"schema": 1,', '\u0000\u0001']) {
    writeFileSync(join(dir, 'system.json'), text);
    assert.throws(() => store.readSystem(), (e: unknown) => code('E_STORE_CORRUPT')(e) && /system\.json: the system manifest does not parse/.test((e as Error).message), JSON.stringify(text));
  }
});

test('a system.json that parses but breaks the schema is E_STORE_CORRUPT, naming the field', () => {
  const { dir, store } = fresh();
  const { sys, image, mh } = installedSystem(store);
  const cases: [unknown, RegExp][] = [
    [null, /system/],
    [[], /system/],
    [{ ...sys, schema: 2 }, /schema/],
    [{ ...sys, programs: { prog: { version: '1.0.0', image: '../x', manifest: mh } } }, /programs\.prog/],
    [{ ...sys, programs: { 'bad name!': { version: '1.0.0', image: image.hash, manifest: mh } } }, /programs\.bad name!/],
    [{ ...sys, naming: { 'no-slash': { contract: 'C' } } }, /naming\.no-slash/],
    [{ ...sys, naming: { '/service/x': { contract: 'C', program: 'ghost' } } }, /naming\.\/service\/x\.program/],
    [{ ...sys, naming: { '/service/x': { contract: 'C', fingerprint: 'short' } } }, /naming\.\/service\/x/],
    [{ ...sys, boot: [{ program: 'ghost' }] }, /boot\[0\]/],
    [{ ...sys, boot: [{ program: 'prog', params: 3 }] }, /boot\[0\]\.params/],
    [{ ...sys, domains: { w: { kind: 'mainframe', programs: [] } } }, /domains\.w/],
    [{ ...sys, domains: { a: { kind: 'worker', programs: ['prog'] }, b: { kind: 'process', programs: ['prog'] } } }, /two domains/],
    [{ ...sys, policy: { trusted: 'prog' } }, /policy/],
    [{ ...sys, policy: undefined }, /policy/],
  ];
  for (const [v, field] of cases) {
    writeFileSync(join(dir, 'system.json'), JSON.stringify(v));
    assert.throws(() => store.readSystem(), (e: unknown) => code('E_STORE_CORRUPT')(e) && field.test((e as Error).message), `${JSON.stringify(v)} should be reported under ${String(field)}`);
  }
});

test('writeSystem refuses a system that breaks the schema and keeps the old file', () => {
  const { dir, store } = fresh();
  const { sys } = installedSystem(store);
  const before = readFileSync(join(dir, 'system.json'), 'utf8');
  const bad: SystemManifest[] = [
    { ...sys, boot: [{ program: 'ghost' }] },
    { ...sys, naming: { '/service/x': { contract: 'C', program: 'ghost' } } },
    { ...sys, programs: { ...sys.programs, other: { version: '1', image: 'x', manifest: 'y' } } },
  ];
  for (const s of bad) assert.throws(() => { store.writeSystem(s); }, code('E_STORE_CORRUPT'));
  assert.equal(readFileSync(join(dir, 'system.json'), 'utf8'), before);
  assert.deepEqual(files(dir).filter((f) => f.includes('.tmp-')), []);
});

test('a write that cannot complete is E_STORE_IO and leaves no temporary file', () => {
  const { dir, store } = fresh();
  installedSystem(store);
  // system.json replaced by a directory: the rename over it fails.
  rmSync(join(dir, 'system.json'));
  mkdirSync(join(dir, 'system.json', 'inside'), { recursive: true });
  assert.throws(() => { store.writeSystem(emptySystem()); }, code('E_STORE_IO'));
  assert.deepEqual(files(dir).filter((f) => f.includes('.tmp-')), []);
});

// ---- gc (the cache's own tests: store-cache.test.ts) ----

test('collect removes unreferenced images, manifests and cache entries, and keeps what is installed', async () => {
  const { dir, store } = fresh();
  const { image, mh } = installedSystem(store);
  const stray = img('old', 'old();');
  store.putImage(stray);
  const strayM = store.putManifest(manifest({ version: '0.9.0' }));
  store.putCache({ key: '1'.repeat(64), name: 'prog', manifest: mh, image: image.hash });
  store.putCache({ key: '2'.repeat(64), name: 'prog', manifest: strayM, image: stray.hash });
  writeFileSync(join(dir, 'cache', `${'3'.repeat(64)}.json`), 'garbage');
  assert.equal(await store.collect(), 4);
  assert.deepEqual(files(dir), [`cache/${'1'.repeat(64)}.json`, `images/${image.hash}.json`, `manifests/${mh}.json`, 'system.json']);
  assert.equal(await store.collect(), 0);
  assert.equal(store.getImage(image.hash).hash, image.hash);
});

test('collect on a store whose system.json is damaged deletes nothing', async () => {
  const { dir, store } = fresh();
  installedSystem(store);
  writeFileSync(join(dir, 'system.json'), 'garbage');
  const before = files(dir);
  await assert.rejects(store.collect(), code('E_STORE_CORRUPT'));
  assert.deepEqual(files(dir), before);
});
