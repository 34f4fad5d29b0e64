// One fresh process's install timings, for bench/install.ts (run by it, not by hand):
//   tsx bench/install.child.ts sing DIR N   cold install into a fresh store, then N warm reinstalls
//                                           (uninstall + install: the verdict and image are cached)
//                                           and N re-verifications from scratch into fresh stores
//   tsx bench/install.child.ts tsc DIR      the peer: a plain strict type check of the same folder
// Prints one JSON object on stdout. Module loading (TypeScript, esbuild, the installer) happens
// inside the timed region of the cold figure, as it would for a user's first `sing install`, and so
// does loading TypeScript (from the V8 code cache, as `sing` does, unless SING_NO_CODE_CACHE=1).
import { mkdtempSync, rmSync } from 'node:fs';
import { preloadTypeScript } from '../src/lib/code-cache.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [mode, dir, nArg] = process.argv.slice(2);
const t00 = performance.now();
preloadTypeScript();
const preloadMs = performance.now() - t00;
if (dir === undefined) throw new Error('usage: install.child.ts sing|tsc DIR [N]');
const stores: string[] = [];
const fresh = (): string => { const d = mkdtempSync(join(tmpdir(), 'sing-bench-')); stores.push(d); return d; };

if (mode === 'tsc') {
  const t0 = t00;
  const { loadProgram } = await import('../src/verifier/host.ts');
  const { typeErrorsOf } = await import('../src/verifier/verify.ts');
  const errors = typeErrorsOf(loadProgram({ root: dir, entry: 'main.ts' })).length;
  process.stdout.write(`${JSON.stringify({ typecheckMs: performance.now() - t0, errors })}\n`);
} else {
  const n = Number(nArg ?? 5);
  const t0 = t00;
  const { InstallStore } = await import('../src/install/store.ts');
  const { Installer } = await import('../src/install/installer.ts');
  const store = new InstallStore(fresh());
  const installer = new Installer(store);
  const first = await installer.install(dir);
  const coldMs = performance.now() - t0;
  const warm: number[] = [];
  const reverify: number[] = [];
  for (let i = 0; i < n; i++) {
    await installer.uninstall(first.name);
    const t1 = performance.now();
    const r = await installer.install(dir);
    warm.push(performance.now() - t1);
    if (!r.cached) throw new Error('bench: the reinstall did not use the cached verdict');
    const other = new Installer(new InstallStore(fresh()));
    const t2 = performance.now();
    await other.install(dir);
    reverify.push(performance.now() - t2);
  }
  process.stdout.write(`${JSON.stringify({ coldMs, preloadMs, warm, reverify, name: first.name })}\n`);
}
for (const s of stores) rmSync(s, { recursive: true, force: true });
