// Reading a program folder for installation: a snapshot of its files, taken once, so that what
// the verifier checks is exactly what the image compiler seals (nothing can change in between).
// Rules for callers: `readProgramFolder(dir)` refuses (E_SOURCE) a folder that is missing, has no
// entry, is too large, or holds a link that leads outside it ("code outside the program folder");
// `sourceKey` names a snapshot together with the Sing toolchain that judges it, so a cached
// verdict is reused only for the same sources checked by the same verifier and compiler.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { SingError } from '../lib/error.ts';
import { SRC, insideDir, type ProgramSource } from '../verifier/host.ts';

export class SourceError extends SingError {
  constructor(message: string) { super('E_SOURCE', message); }
}

const MAX_FILES = 2000;
const MAX_BYTES = 16 * 1024 * 1024;
const CODE = /\.(m?ts|m?js|json)$/;
const SKIP = new Set(['node_modules', '.git']);

/** A program folder read into memory. */
export type ProgramFolder = ProgramSource & { readonly files: Readonly<Record<string, string>> };

export function readProgramFolder(dir: string, entry?: string): ProgramFolder {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new SourceError(`${dir}: not a program folder (no such directory)`);
  const realRoot = realpathSync(root);
  const files: Record<string, string> = {};
  let count = 0;
  let bytes = 0;
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (SKIP.has(name)) continue;
      const p = join(d, name);
      const rel = relative(root, p).split('\\').join('/');
      const st = lstatSync(p);
      if (st.isSymbolicLink()) {
        let real: string;
        try { real = realpathSync(p); } catch { throw new SourceError(`${dir}: ${rel} is a broken link`); }
        if (!insideDir(realRoot, real)) throw new SourceError(`${dir}: ${rel} links to ${real}, outside the program folder: a program's code must lie inside its folder`);
      }
      const s = statSync(p);
      if (s.isDirectory()) { walk(p); continue; }
      if (!s.isFile() || !CODE.test(name)) continue;
      if (++count > MAX_FILES) throw new SourceError(`${dir}: more than ${MAX_FILES} source files`);
      bytes += s.size;
      if (bytes > MAX_BYTES) throw new SourceError(`${dir}: more than ${MAX_BYTES / 1024 / 1024} MiB of source`);
      files[rel] = readFileSync(p, 'utf8');
    }
  };
  walk(root);
  const e = entry ?? (Object.hasOwn(files, 'main.ts') ? 'main.ts' : Object.hasOwn(files, 'index.ts') ? 'index.ts' : undefined);
  if (e === undefined) throw new SourceError(`${dir}: no entry: a program folder has main.ts (or index.ts), or name its entry with --entry`);
  if (!Object.hasOwn(files, e)) throw new SourceError(`${dir}: the entry ${e} is not a source file in the folder`);
  return { root, entry: e, files };
}

let toolchain: string | undefined;
/** A digest of Sing's own sources (runtime, contracts, verifier, image compiler): a cached verdict
 * is valid only for the toolchain that reached it. */
function toolchainDigest(): string {
  if (toolchain !== undefined) return toolchain;
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) h.update(relative(SRC, p)).update('\0').update(readFileSync(p)).update('\0');
    }
  };
  walk(SRC);
  toolchain = h.digest('hex');
  return toolchain;
}

/** Names a source snapshot as judged by this toolchain. */
export function sourceKey(src: ProgramFolder): string {
  const h = createHash('sha256').update(toolchainDigest()).update('\0').update(src.entry).update('\0');
  for (const k of Object.keys(src.files).sort()) h.update(k).update('\0').update(src.files[k] as string).update('\0');
  return h.digest('hex');
}
