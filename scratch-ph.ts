import { preloadTypeScript } from './src/lib/code-cache.ts';
const T: [string, number][] = []; let t = performance.now(); const lap = (n: string) => { const x = performance.now(); T.push([n, Math.round(x - t)]); t = x; };
preloadTypeScript(); lap('preload');
const { readProgramFolder, sourceKey } = await import('./src/install/source.ts'); lap('import source');
const { loadProgram } = await import('./src/verifier/host.ts');
const { readManifest, declaredOf } = await import('./src/verifier/manifest.ts');
const { verify, RULES, typeErrorsOf } = await import('./src/verifier/verify.ts'); lap('import verifier');
const src = readProgramFolder('bench/programs/kvstore'); sourceKey(src); lap('read+key');
const vp = loadProgram(src); lap('createProgram');
const m = readManifest(vp); lap('readManifest');
typeErrorsOf(vp); lap('typeErrors');
for (const r of RULES) { verify(vp, declaredOf(m.manifest!), [r]); lap(r.name); }
const { compileImage } = await import('./src/install/compile.ts'); lap('import compile');
await compileImage('kv', src); lap('compile');
console.log(T.map(([a, b]) => `${a}=${b}`).join(' '));
