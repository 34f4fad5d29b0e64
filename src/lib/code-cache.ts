// A V8 code cache for the TypeScript compiler, which the verifier and image compiler load.
// TypeScript is one 9 MB script: compiling it costs a fresh process about 300 ms before any work,
// and its checker's functions are compiled lazily during the first check. Node 22 offers
// `module.enableCompileCache()` for this; Node 20 does not, so this does the same for this one
// module: it evaluates typescript.js through `vm.Script` with cached data, then registers the result
// in the CommonJS cache. An ESM hook (typescript-hook.mjs) then resolves `import ts from 'typescript'`
// to a shim that `require`s it, because Node's ESM import of a CommonJS module scans its whole
// source for export names first (another ~400 ms).
// Rules for callers: call `preloadTypeScript()` before anything imports 'typescript' (the `sing`
// command and the install benchmark do); later calls do nothing. The cache is a file under
// node_modules/.cache/sing keyed by TypeScript's version, Node's version and the architecture; V8
// rejects data that does not fit, in which case the module loads normally and the file is rewritten.
// Set SING_NO_CODE_CACHE=1 to load TypeScript the ordinary way. Nothing here changes what the
// compiler computes, only how fast its code starts.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Module, { register } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

type CjsModule = { exports: unknown; filename: string; paths: string[]; loaded: boolean; require(id: string): unknown };
interface ModuleStatics {
  new (id: string, parent?: unknown): CjsModule;
  wrap(src: string): string;
  _cache: Record<string, CjsModule>;
  _nodeModulePaths(dir: string): string[];
}

let done = false;

export function preloadTypeScript(): void {
  if (done) return;
  done = true;
  register(new URL('./typescript-hook.mjs', import.meta.url));
  if (process.env['SING_NO_CODE_CACHE'] === '1') return;
  const req = createRequire(import.meta.url);
  const M = Module as unknown as ModuleStatics;
  const file = req.resolve('typescript');
  if (M._cache[file] !== undefined) return;
  const version = (req('typescript/package.json') as { version: string }).version;
  const cacheDir = join(dirname(req.resolve('typescript/package.json')), '..', '.cache', 'sing');
  const cacheFile = join(cacheDir, `typescript-${version}-node${process.versions.node}-${process.arch}.v8`);
  const cached = existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  const script = new Script(M.wrap(readFileSync(file, 'utf8')), { filename: file, ...(cached !== undefined ? { cachedData: cached } : {}) });
  const m = new M(file);
  m.filename = file;
  m.paths = M._nodeModulePaths(dirname(file));
  const fn = script.runInThisContext() as (e: unknown, r: (id: string) => unknown, m: CjsModule, f: string, d: string) => void;
  fn.call(m.exports, m.exports, (id) => m.require(id), m, file, dirname(file));
  m.loaded = true;
  M._cache[file] = m;
  if (cached === undefined || script.cachedDataRejected === true) {
    // Written at exit, so the cache also holds the functions this run compiled lazily.
    process.once('exit', () => {
      try {
        mkdirSync(cacheDir, { recursive: true });
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
      } catch { /* a cache that cannot be written is only slower next time */ }
    });
  }
}
