// The install store's verification cache: an entry is handed out only for the key it was written
// for, and `verdict` only when the entry's manifest and image exist, check against their hashes and
// name the program the entry names, for the entry file the sources have. Everything else is a miss.
// Rules: every test uses a fresh temp dir; images and manifests are made by hand (nothing compiles).
// Invariants checked: a damaged, copied or mismatched entry is a miss (undefined), never an error
// and never another program's verdict.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageHash, type ImageSource } from '../kernel/image-source.ts';
import { MANIFEST_SCHEMA, type ProgramManifest } from '../verifier/manifest-schema.ts';
import { InstallStore, type CacheEntry } from './store.ts';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function fresh(): { dir: string; store: InstallStore } {
  const dir = mkdtempSync(join(tmpdir(), 'sing-'));
  dirs.push(dir);
  return { dir, store: new InstallStore(dir) };
}

const img = (name: string, code: string): ImageSource => ({ name, code, globals: [], hash: imageHash(code, []) });

const manifest = (name: string, entry = 'main.ts'): ProgramManifest => ({
  schema: MANIFEST_SCHEMA, name, version: '0.0.0', category: 'application', entry,
  trusted: false, unsafe: [], console: false, parameters: {}, endpoints: {}, imports: {}, exports: {},
  resources: { exchangeHeap: 0, cpuFuel: 100_000_000, host: {} }, dependencies: [],
});

const CALC_KEY = 'c'.repeat(64);
const ADDER_KEY = 'a'.repeat(64);

/** A store holding the verdicts for two programs, calc and adder, each under its own key. */
function twoVerdicts(): { dir: string; store: InstallStore; calc: CacheEntry; adder: CacheEntry } {
  const { dir, store } = fresh();
  const entry = (key: string, name: string): CacheEntry => {
    const i = img(name, `${name}();`);
    store.putImage(i);
    return { key, name, manifest: store.putManifest(manifest(name)), image: i.hash };
  };
  const calc = entry(CALC_KEY, 'calc');
  const adder = entry(ADDER_KEY, 'adder');
  store.putCache(calc);
  store.putCache(adder);
  return { dir, store, calc, adder };
}

test('an entry is read back for its own key; a damaged one is a miss, never an error', () => {
  const { dir, store, calc } = twoVerdicts();
  assert.deepEqual(store.getCache(CALC_KEY), calc);
  assert.equal(store.getCache('e'.repeat(64)), undefined, 'no entry');
  assert.equal(store.getCache('../system'), undefined, 'not a key');
  const file = join(dir, 'cache', `${CALC_KEY}.json`);
  const damaged: unknown[] = ['garbage', '{}', 'null', '[]',
    { manifest: calc.manifest, image: calc.image }, // the old format: it does not say whose it is
    { ...calc, key: ADDER_KEY },
    { ...calc, name: 'not a name!' },
    { ...calc, manifest: '../x' },
    { ...calc, image: 'short' }];
  for (const bad of damaged) {
    writeFileSync(file, typeof bad === 'string' ? bad : JSON.stringify(bad));
    assert.equal(store.getCache(CALC_KEY), undefined, JSON.stringify(bad));
  }
});

test('verdict: the entry\'s manifest, loaded, when it belongs to the sources asked about', () => {
  const { store, calc, adder } = twoVerdicts();
  const v = store.verdict(CALC_KEY, 'main.ts');
  assert.deepEqual(v, { manifest: manifest('calc'), manifestHash: calc.manifest, image: calc.image });
  assert.equal(store.verdict(ADDER_KEY, 'main.ts')?.manifest.name, 'adder');
  assert.equal(store.verdict(ADDER_KEY, 'main.ts')?.image, adder.image);
});

test('verdict: another program\'s entry copied under this key is a miss', () => {
  // The case: adder's cache file replaced by calc's; installing adder must not answer "calc".
  const { dir, store } = twoVerdicts();
  copyFileSync(join(dir, 'cache', `${CALC_KEY}.json`), join(dir, 'cache', `${ADDER_KEY}.json`));
  assert.equal(store.verdict(ADDER_KEY, 'main.ts'), undefined);
});

test('verdict: an entry whose manifest or image is another program\'s, or missing, or damaged, is a miss', () => {
  const { dir, store, calc, adder } = twoVerdicts();
  const cases: [string, CacheEntry][] = [
    ['the manifest is calc\'s', { ...adder, manifest: calc.manifest }],
    ['the image is calc\'s', { ...adder, image: calc.image }],
    ['both are calc\'s, the name adder\'s', { ...calc, key: ADDER_KEY, name: 'adder' }],
    ['the manifest is missing', { ...adder, manifest: 'f'.repeat(64) }],
    ['the image is missing', { ...adder, image: 'f'.repeat(64) }],
  ];
  for (const [why, e] of cases) {
    store.putCache(e);
    assert.equal(store.verdict(ADDER_KEY, 'main.ts'), undefined, why);
  }
  store.putCache(adder);
  assert.equal(store.verdict(ADDER_KEY, 'index.ts'), undefined, 'the sources\' entry is another file');
  writeFileSync(join(dir, 'images', `${adder.image}.json`), JSON.stringify({ ...img('adder', 'evil();'), hash: adder.image }));
  assert.equal(store.verdict(ADDER_KEY, 'main.ts'), undefined, 'the image does not match its hash');
  store.putImage(img('adder', 'adder();'));
  assert.equal(store.verdict(ADDER_KEY, 'main.ts')?.manifest.name, 'adder', 'repaired, it belongs again');
});
