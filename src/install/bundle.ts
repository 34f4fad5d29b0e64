// bundle: esbuild over a program folder (on disk or in memory) into one ESM module.
// Rules for callers: the program is closed-world. An import resolves to a file inside the
// program's root, a contract module from Sing's library (`sing/contracts/<name>`), or the
// runtime (`sing/runtime`, left external and bound by the kernel); anything else is refused with
// `file:line:col` and the rule. Tree shaking removes unused code.
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { SingError } from '../lib/error.ts';

export const CONTRACTS_LIB = resolve(dirname(fileURLToPath(import.meta.url)), '../contracts/lib');

import type { ProgramSource } from '../verifier/host.ts';

export type { ProgramSource };

export class BundleError extends SingError {
  constructor(message: string) { super('E_BUNDLE', message); }
}

const EXTENSIONS = ['', '.ts', '.js', '.mts', '.mjs', '/index.ts', '/index.js'];
const VIRTUAL = 'sing-virtual';

function inside(root: string, p: string): boolean {
  const r = relative(root, p);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

export async function bundle(src: ProgramSource): Promise<string> {
  const root = resolve(src.root);
  const files = src.files;
  const exists = (p: string): boolean => (files !== undefined && inside(root, p)
    ? Object.hasOwn(files, relative(root, p).split('\\').join('/'))
    : existsSync(p) && statSync(p).isFile());
  const probe = (base: string): string | undefined => EXTENSIONS.map((e) => base + e).find(exists);

  const plugin: esbuild.Plugin = {
    name: 'sing-closed-world',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') {
          const p = probe(resolve(root, args.path));
          if (p === undefined) return { errors: [{ text: `entry ${args.path} not found in ${root}` }] };
          return { path: p, namespace: files !== undefined && inside(root, p) ? VIRTUAL : 'file' };
        }
        if (args.path === 'sing/runtime' || args.path === 'sing') return { path: args.path, external: true };
        const lib = /^sing\/contracts\/([\w-]+)$/.exec(args.path);
        if (lib !== null) {
          const p = join(CONTRACTS_LIB, `${lib[1] as string}.ts`);
          if (!existsSync(p)) return { errors: [{ text: `contract module ${args.path} does not exist` }] };
          return { path: p, namespace: 'file' };
        }
        if (args.path.startsWith('./') || args.path.startsWith('../')) {
          const from = dirname(args.importer);
          const p = probe(resolve(from, args.path));
          const fromLib = inside(CONTRACTS_LIB, args.importer);
          if (p === undefined) return { errors: [{ text: `cannot find ${args.path}` }] };
          if (!inside(root, p) && !(fromLib && inside(CONTRACTS_LIB, p))) {
            return { errors: [{ text: `import ${args.path} leaves the program folder: a program may import only its own files, sing/contracts/* and sing/runtime` }] };
          }
          return { path: p, namespace: files !== undefined && inside(root, p) ? VIRTUAL : 'file' };
        }
        return { errors: [{ text: `import ${JSON.stringify(args.path)} is outside the closed world: a program may import only its own files, sing/contracts/* and sing/runtime` }] };
      });
      if (files !== undefined) {
        b.onLoad({ filter: /.*/, namespace: VIRTUAL }, (args) => {
          const contents = files[relative(root, args.path).split('\\').join('/')] as string;
          return { contents, loader: args.path.endsWith('.js') || args.path.endsWith('.mjs') ? 'js' : 'ts', resolveDir: dirname(args.path) };
        });
      }
    },
  };

  try {
    const out = await esbuild.build({
      entryPoints: [src.entry],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      write: false,
      treeShaking: true,
      plugins: [plugin],
      logLevel: 'silent',
      charset: 'utf8',
      legalComments: 'none',
      mainFields: [],
    });
    const file = out.outputFiles[0];
    if (file === undefined) throw new BundleError(`${src.entry}: esbuild produced no output`);
    return file.text;
  } catch (e) {
    if (e instanceof BundleError) throw e;
    const errors = (e as { errors?: esbuild.Message[] }).errors;
    if (errors === undefined) throw e;
    throw new BundleError(errors.map((m) => {
      const loc = m.location;
      const file = loc !== null && loc !== undefined ? `${relative(root, loc.file.replace(/^sing-virtual:/, '')) || loc.file}:${loc.line}:${loc.column + 1} ` : '';
      return `${file}${m.text}`;
    }).join('\n'));
  }
}
