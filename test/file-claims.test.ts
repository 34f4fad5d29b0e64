// Declared file claims (`resources.files`) may be exclusive: `{ access, exclusive: true }` beside
// the plain 'read' / 'write'. The installer refuses a program whose claims overlap an installed
// program's when either overlapping claim is exclusive (E_RESOURCE_CONFLICT, naming both programs
// and both patterns), as it does for host resources; shared claims overlap freely. An exclusive
// claim grants its access at run like any other, and the kernel refuses a malformed claim.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { claimsOverlap } from '../src/install/file-claims.ts';
import { InstallError } from '../src/install/installer.ts';
import { runInstalled } from '../src/install/runner.ts';
import { SingError } from '../src/lib/error.ts';
import { VerifyError } from '../src/verifier/index.ts';
import { boot, until, within } from './kit.ts';
import { FS_MOUNT } from './fixtures/mount-programs.ts';
import { world, type World } from './store-kit.ts';

test('overlap: equal paths, a path inside a subtree (or at its root), nested subtrees; not siblings', () => {
  const overlapping: [string, string][] = [
    ['/fs/log.txt', '/fs/log.txt'],
    ['/fs/www/index.html', '/fs/www/**'],
    ['/fs/www', '/fs/www/**'],
    ['/fs/**', '/fs/www/**'],
    ['/fs/www/**', '/fs/www/**'],
    ['/fs/a/b/c', '/fs/**'],
  ];
  const apart: [string, string][] = [
    ['/fs/log.txt', '/fs/log.txt.old'],
    ['/fs/wwwx', '/fs/www/**'],
    ['/fs/wwwx/**', '/fs/www/**'],
    ['/fs/www/**', '/fs/data/**'],
    ['/fs', '/fs/www/**'],
  ];
  for (const [a, b] of overlapping) assert.ok(claimsOverlap(a, b) && claimsOverlap(b, a), `${a} and ${b} overlap`);
  for (const [a, b] of apart) assert.ok(!claimsOverlap(a, b) && !claimsOverlap(b, a), `${a} and ${b} do not overlap`);
});

/** A program that declares `files` (a TypeScript object literal) and exits 0. */
const claimer = (name: string, files: string): string => `import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: '${name}',
  resources: { files: ${files} },
  main() {
    return 0;
  },
});
`;

async function conflict(w: World, name: string, files: string): Promise<string> {
  const before = w.store.readSystem();
  try {
    await w.installer.install(w.program(name, claimer(name, files)));
  } catch (e) {
    assert.ok(e instanceof InstallError, String(e));
    assert.equal(e.code, 'E_RESOURCE_CONFLICT', e.message);
    assert.deepEqual(e.refusals.map((r) => r.code), e.refusals.map(() => 'E_RESOURCE_CONFLICT'));
    assert.deepEqual(w.store.readSystem(), before, 'a refusal changes nothing');
    return e.message;
  }
  return assert.fail(`${name} was installed, but its claims ${files} conflict`);
}

test('install: overlapping claims conflict when either is exclusive; shared ones do not', async () => {
  const w = world();
  await w.installer.install(w.program('site', claimer('site', `{ '/fs/www/**': 'read', '/fs/log.txt': { access: 'write', exclusive: true } }`)));
  // Overlapping an exclusive claim: refused, whatever the newcomer's own claim says.
  const same = await conflict(w, 'logger', `{ '/fs/log.txt': 'write' }`);
  assert.match(same, /logger's write claim on \/fs\/log\.txt overlaps site's write claim on \/fs\/log\.txt/);
  assert.match(same, /site claims it exclusively/);
  const above = await conflict(w, 'backup', `{ '/fs/**': 'read' }`);
  assert.match(above, /backup's read claim on \/fs\/\*\* overlaps site's write claim on \/fs\/log\.txt/);
  // The newcomer's exclusive claim over a shared one: refused too.
  const mine = await conflict(w, 'editor', `{ '/fs/www/drafts/**': { access: 'write', exclusive: true } }`);
  assert.match(mine, /editor's write claim on \/fs\/www\/drafts\/\*\* overlaps site's read claim on \/fs\/www\/\*\*.*editor claims it exclusively/);
  const root = await conflict(w, 'rooted', `{ '/fs/www': { access: 'read', exclusive: true } }`);
  assert.match(root, /\/fs\/www overlaps site's read claim on \/fs\/www\/\*\*/);
  // Shared claims overlap freely; an exclusive one that overlaps nothing is fine.
  await w.installer.install(w.program('reader', claimer('reader', `{ '/fs/www/index.html': 'read', '/fs/www/**': { access: 'read', exclusive: false } }`)));
  await w.installer.install(w.program('other', claimer('other', `{ '/fs/wwwx': { access: 'write', exclusive: true }, '/data/**': { access: 'write', exclusive: true } }`)));
  // Every conflict is listed, one per overlap.
  const both = await conflict(w, 'greedy', `{ '/fs/log.txt': 'read', '/data/x': 'read' }`);
  assert.match(both, /site's write claim on \/fs\/log\.txt/);
  assert.match(both, /other's write claim on \/data\/\*\*/);
  // An upgrade is judged as if the old version were gone: no conflict with itself.
  await w.installer.install(w.program('site', claimer('site', `{ '/fs/www/**': 'read', '/fs/log.txt': { access: 'write', exclusive: true }, '/fs/www/new': 'read' }`)));
  // Once the exclusive holder is uninstalled, the path is free.
  await w.installer.uninstall('site');
  await w.installer.install(w.program('logger', claimer('logger', `{ '/fs/log.txt': 'write' }`)));
});

test('install: a malformed claim is refused by the verifier, naming the field', async () => {
  const w = world();
  for (const files of [`{ '/fs/x': { access: 'rw' } }`, `{ '/fs/x': { access: 'read', exclusive: 'yes' } }`, `{ '/fs/x': { access: 'read', shared: true } }`]) {
    try {
      await w.installer.install(w.program('bad', claimer('bad', files)));
      assert.fail(`installed ${files}`);
    } catch (e) {
      assert.ok(e instanceof VerifyError, String(e));
      assert.match(e.message, /resources\.files/, files);
    }
  }
});


const binder = (files: string): string => `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'binder',
  resources: { files: ${files} },
  console: true,
  async main({ abi, console }) {
    for (const path of ['/test/fs/log.txt', '/test/fs/www/a', '/test/fs/etc']) {
      const c = abi.channel(Echo);
      const r = await abi.bind(path, c.exp);
      console.log(path + ': ' + (r.ok ? 'ok' : r.code));
      c.imp.close();
    }
    return 0;
  },
});`;

test('run: an exclusive claim grants its access like any other; the kernel refuses a malformed claim', async () => {
  const b = await boot({ fsmount: FS_MOUNT, binder: binder(`{ '/test/fs/log.txt': { access: 'write', exclusive: true }, '/test/fs/www/**': { access: 'read' } }`) });
  b.k.spawn('fsmount');
  await until(() => b.k.names.list().some((e) => e.mount), 'the mount');
  assert.equal((await within(b.k.spawn('binder').join())).code, 0);
  assert.deepEqual(b.texts('binder'), ['/test/fs/log.txt: ok', '/test/fs/www/a: ok', '/test/fs/etc: E_DENIED']);
  assert.deepEqual(b.texts('fsmount'), ['/log.txt write', '/www/a read']);
  b.k.shutdown();
  for (const files of [`{ '/test/fs/x': { access: 'rw' } }`, `{ '/test/fs/x': { access: 'read', exclusive: 1 } }`, `{ '/test/fs/x': { access: 'read', why: 'me' } }`]) {
    const bad = await boot({ binder: binder(files) });
    assert.throws(() => bad.k.spawn('binder'), (e: unknown) => e instanceof SingError && e.code === 'E_MANIFEST' && /resources\.files\["\/test\/fs\/x"\]/.test(e.message), files);
    bad.k.shutdown();
  }
});

test('run: the claims the code declares must be the ones installed', async () => {
  const w = world();
  await w.installer.install(w.program('claims', claimer('claims', `{ '/fs/a': { access: 'read', exclusive: true } }`)));
  const sys = w.store.readSystem();
  const entry = sys.programs['claims'];
  assert.ok(entry !== undefined);
  const stored = w.store.getManifest(entry.manifest);
  // A store whose manifest says the claim is shared, while the code says exclusive.
  const forged = w.store.putManifest({ ...stored, resources: { ...stored.resources, files: { '/fs/a': 'read' } } });
  w.store.writeSystem({ ...sys, programs: { ...sys.programs, claims: { ...entry, manifest: forged } } });
  await assert.rejects(within(runInstalled(w.store, 'claims', { console: () => undefined }), 'run claims', 30_000),
    (e: unknown) => e instanceof SingError && e.code === 'E_MANIFEST_MISMATCH' && /resources\.files: installed \[\["\/fs\/a","read",false\]\], declared \[\["\/fs\/a","read",true\]\]/.test(e.message));
});
