// A cached verdict is used only for the sources it was reached for (issue #11, point 7): a cache
// entry under adder's key that points at calc's manifest and image — copied from calc's entry, or
// edited — is a miss, so installing adder verifies adder afresh, installs adder, and replaces the
// entry; `sing verify` judges adder, not calc.
// Rules: each test has its own world (store-kit.ts); the first runs the `sing` command, so that the
// keys are the command's own; the rest use the Installer in this process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readProgramFolder, sourceKey } from '../src/install/source.ts';
import type { CacheEntry } from '../src/install/store.ts';
import { ADDER, CALC, world, type World } from './store-kit.ts';

const cacheFile = (w: World, key: string): string => join(w.storeDir, 'cache', `${key}.json`);

/** The cache entries in the store, by the program they name. */
function entries(w: World): Map<string, { file: string; text: string }> {
  const out = new Map<string, { file: string; text: string }>();
  for (const f of readdirSync(join(w.storeDir, 'cache'))) {
    const text = readFileSync(join(w.storeDir, 'cache', f), 'utf8');
    out.set((JSON.parse(text) as CacheEntry).name, { file: join(w.storeDir, 'cache', f), text });
  }
  return out;
}

test('sing install adder with calc\'s verdict in adder\'s cache entry installs adder, not "calc is installed already"', () => {
  const w = world();
  const calc = w.program('calc', CALC);
  const adder = w.program('adder', ADDER);
  assert.equal(w.sing('install', calc).status, 0);
  assert.equal(w.sing('install', adder).status, 0);
  assert.equal(w.sing('uninstall', 'adder').status, 0);
  const e = entries(w);
  const calcEntry = e.get('calc');
  const adderEntry = e.get('adder');
  assert.ok(calcEntry !== undefined && adderEntry !== undefined, 'both verdicts are cached');
  writeFileSync(adderEntry.file, calcEntry.text); // the damage: adder's entry now says calc's

  const r = w.sing('install', adder);
  assert.equal(r.status, 0, r.err.join('\n'));
  assert.match(r.out[0] ?? '', /^installed adder 0\.0\.0 \(image [0-9a-f]{12}\)$/, r.out.join('\n'));
  assert.deepEqual(Object.keys(w.store.readSystem().programs).sort(), ['adder', 'calc']);
  assert.equal((JSON.parse(readFileSync(adderEntry.file, 'utf8')) as CacheEntry).name, 'adder', 'the entry was replaced');
});

test('an entry under adder\'s key pointing at calc\'s manifest and image is a miss, however it says so', async () => {
  const w = world();
  const calcDir = w.program('calc', CALC);
  const adderDir = w.program('adder', ADDER);
  const calc = await w.installer.install(calcDir);
  const first = await w.installer.install(adderDir);
  await w.installer.uninstall('adder');
  const key = sourceKey(readProgramFolder(adderDir));
  const calcEntry = w.store.getCache(sourceKey(readProgramFolder(calcDir))) as CacheEntry;
  const adderEntry = w.store.getCache(key) as CacheEntry;
  assert.equal(adderEntry.name, 'adder');
  const damaged: [string, unknown][] = [
    ['calc\'s entry copied over it', calcEntry],
    ['the old format, calc\'s hashes', { manifest: calcEntry.manifest, image: calcEntry.image }],
    ['adder\'s name, calc\'s manifest and image', { ...adderEntry, manifest: calcEntry.manifest, image: calcEntry.image }],
    ['adder\'s name and image, calc\'s manifest', { ...adderEntry, manifest: calcEntry.manifest }],
    ['adder\'s name and manifest, calc\'s image', { ...adderEntry, image: calc.image }],
  ];
  for (const [why, entry] of damaged) {
    writeFileSync(cacheFile(w, key), JSON.stringify(entry));
    const checked = w.installer.check(adderDir);
    assert.deepEqual([checked.name, checked.cached], ['adder', false], `verify, ${why}`);
    const r = await w.installer.install(adderDir);
    assert.deepEqual([r.name, r.cached, r.unchanged, r.image], ['adder', false, false, first.image], `install, ${why}`);
    assert.deepEqual(w.store.getCache(key), adderEntry, `the entry is replaced by adder's own, ${why}`);
    assert.equal(w.store.readSystem().programs['adder']?.image, first.image);
    assert.equal(w.store.readSystem().programs['calc']?.image, calc.image, 'calc is untouched');
    await w.installer.uninstall('adder');
  }
  const again = await w.installer.install(adderDir);
  assert.equal(again.cached, true, 'a verdict that belongs is used');
});
