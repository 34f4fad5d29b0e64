// The round trip of Sing# contracts through `sing contract import`: each contract read from Sing#
// is printed as a TypeScript module, the module is loaded (through the contract DSL, as a program
// would load it), and the contract it makes must have the fingerprint the reader gave.
// Rules for callers: run it where TypeScript modules load (under tsx, as the `sing` command and
// the tests do). `roundTrip(paths, opts)` never throws for the contracts' sake: each contract comes
// back as 'same' or 'different' (a bug: the module makes another contract, or fails to load).
// Every contract the reader accepts uses only what both languages share (the reader leaves out
// what only Sing# had, such as unreachable states, before fingerprinting). Modules are written to a fresh temporary
// directory, one per contract (with what it carries), importing the runtime by file URL; the
// directory is removed afterwards.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compiledOf } from '../contract.ts';
import { lowerFiles, type CheckOptions, type Diagnostic } from './index.ts';
import { ident, type Lowered } from './lower.ts';
import { printModule } from './print.ts';

export interface RoundTrip {
  readonly name: string;
  readonly file: string;
  readonly result: 'same' | 'different';
  readonly detail: string;
}

const RUNTIME = new URL('../../runtime/index.ts', import.meta.url).href;

export async function roundTrip(paths: readonly string[], opts: CheckOptions = {}): Promise<{ results: RoundTrip[]; diagnostics: Diagnostic[] }> {
  const { lowered, diagnostics } = lowerFiles(paths, opts, true);
  const types = new Set(opts.types ?? []);
  const dir = mkdtempSync(join(tmpdir(), 'sing-roundtrip-'));
  const results: RoundTrip[] = [];
  try {
    let n = 0;
    for (const l of lowered) {
      if (l.duplicateOf !== null || (types.has(l.file) && !paths.includes(l.file))) continue;
      results.push(await one(l, lowered, join(dir, `m${++n}.mts`)));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { results, diagnostics };
}

async function one(l: Lowered, all: readonly Lowered[], file: string): Promise<RoundTrip> {
  const at = { name: l.name, file: l.file };
  writeFileSync(file, printModule(all, [l], l.file.split('/').pop() ?? l.file, RUNTIME));
  let mod: Record<string, unknown>;
  try {
    mod = await import(pathToFileURL(file).href) as Record<string, unknown>;
  } catch (e) {
    return { ...at, result: 'different', detail: `the module does not load: ${e instanceof Error ? e.message : String(e)}` };
  }
  const fp = compiledOf(mod[ident(l.name)])?.fingerprint;
  if (fp === l.compiled.fingerprint) return { ...at, result: 'same', detail: '' };
  return { ...at, result: 'different', detail: `fingerprint ${fp ?? '(none)'}\n  expected ${l.compiled.fingerprint}` };
}
