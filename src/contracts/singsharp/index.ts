// The Sing# contract reader: `checkFiles` reads .sg files and checks their contracts with Sing's
// compiler; `importFile` writes the equivalent TypeScript contract module (on sing/runtime's DSL).
// Rules for callers: neither throws for a malformed file (unreadable files excepted): problems are
// diagnostics `{ file, line, col, message, severity }` whose `message` reads
// `contract NAME: state S: ...`; `formatDiagnostic` gives the `file:line:col message` line.
// `importFile` throws an Error listing the errors when the file has errors of its own. A contract
// declared in several files with equal fingerprints is reported once (`also` lists the copies).
import { readFileSync } from 'node:fs';
import type { Dir } from '../contract.ts';
import { lex } from './lexer.ts';
import { parse } from './parser.ts';
import { lowerAll, type Diagnostic, type Lowered, type SourceUnit } from './lower.ts';
import { printModule } from './print.ts';

export type { Diagnostic } from './lower.ts';

export interface CheckedMessage { readonly name: string; readonly dir: Dir; readonly fields: Readonly<Record<string, string>> }
export interface CheckedContract {
  readonly name: string;
  readonly file: string;
  /** State names by index, END ('$end') last; generated intermediate states read `Owner_k`. */
  readonly states: readonly string[];
  readonly initial: string;
  /** States the initial state cannot reach, where a Sing# channel could also start. */
  readonly entries: readonly string[];
  readonly messages: readonly CheckedMessage[];
  readonly bounds: Readonly<Record<Dir, number>>;
  readonly warnings: readonly string[];
  readonly consts: Readonly<Record<string, string>>;
  readonly fingerprint: string;
  /** Other declarations of the same contract (equal fingerprints), as `file:line:col`. */
  readonly also: readonly string[];
}
export interface CheckResult { readonly contracts: CheckedContract[]; readonly diagnostics: Diagnostic[] }
export interface CheckOptions {
  readonly defines?: readonly string[];
  /** Files read only for their declarations (enums, structs, contracts other files refer to):
   * their contracts are not reported or imported, their errors are (`--types FILE.sg`); a name the
   * other files declare themselves means their declaration, not one of these. */
  readonly types?: readonly string[];
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col} ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
}

function read(paths: readonly string[], opts: CheckOptions, fallback: ReadonlySet<string>): { units: SourceUnit[]; diagnostics: Diagnostic[] } {
  const units: SourceUnit[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of paths) {
    const text = readFileSync(file, 'utf8');
    const lx = lex(text, opts.defines ?? []);
    for (const d of lx.diagnostics) diagnostics.push({ file, line: d.line, col: d.col, message: d.message, severity: d.severity });
    const parsed = parse(lx.tokens);
    for (const d of parsed.diagnostics) {
      const where = `${d.contract === null ? '' : `contract ${d.contract}: `}${d.state === null ? '' : `state ${d.state}: `}`;
      diagnostics.push({ file, line: d.line, col: d.col, message: `${where}${d.message}`, severity: 'error' });
    }
    units.push({ file, parsed, fallback: fallback.has(file) });
  }
  return { units, diagnostics };
}

/** Reads and lowers the files given and the --types files. The result holds the contracts of the
 * files given (dependencies first); with `withTypes`, those of the --types files too. */
export function lowerFiles(given: readonly string[], opts: CheckOptions, withTypes = false): { lowered: Lowered[]; diagnostics: Diagnostic[]; declared: Map<string, string[]> } {
  const types = (opts.types ?? []).filter((t) => !given.includes(t));
  const paths = [...given, ...types];
  const { units, diagnostics } = read(paths, opts, new Set(types));
  const r = lowerAll(units);
  // A contract named in a syntax error is not reported as checked.
  const broken = new Set(diagnostics.map((d) => /^contract ([\w.]+):/.exec(d.message)?.[1]).filter((x) => x !== undefined));
  const all = [...diagnostics, ...r.diagnostics];
  all.sort((a, b) => (a.file === b.file ? a.line - b.line || a.col - b.col : paths.indexOf(a.file) - paths.indexOf(b.file)));
  const declared = new Map(units.map((u) => [u.file, u.parsed.contracts.map((c) => c.name)]));
  return { lowered: r.contracts.filter((c) => !broken.has(c.name) && (withTypes || !types.includes(c.file))), diagnostics: all, declared };
}

export function checkFiles(paths: readonly string[], opts: CheckOptions = {}): CheckResult {
  const { lowered, diagnostics } = lowerFiles(paths, opts);
  const copies = new Map<Lowered, string[]>();
  for (const l of lowered) if (l.duplicateOf !== null) copies.set(l.duplicateOf, [...(copies.get(l.duplicateOf) ?? []), `${l.file}:${l.pos.line}:${l.pos.col}`]);
  const contracts = lowered.filter((l) => l.duplicateOf === null).map((l): CheckedContract => ({
    name: l.name,
    file: l.file,
    states: l.compiled.states,
    initial: l.snapshot.initial,
    entries: l.snapshot.entries ?? [],
    messages: l.compiled.messages.map((m) => ({ name: m.tag, dir: m.dir, fields: Object.fromEntries(m.fields.map((f) => [f.name, shortDescribe(f.type)])) })),
    bounds: l.compiled.bounds,
    warnings: l.warnings.map((w) => w.message),
    consts: l.consts,
    fingerprint: l.compiled.fingerprint,
    also: copies.get(l) ?? [],
  }));
  return { contracts, diagnostics };
}

/** A field type's description, endpoints shortened to `Contract.side:State`. */
function shortDescribe(t: { readonly kind: string; readonly describe: string }): string {
  const ep = (t as { endpoint?: { contract?: { name?: unknown }; side?: unknown; state?: unknown } }).endpoint;
  if (t.kind === 'endpoint' && ep !== undefined) return `${String(ep.contract?.name)}.${String(ep.side)}:${String(ep.state)}`;
  const ref = (t as { ref?: { name: string; side: string; state: string } }).ref;
  if (t.kind === 'endpoint' && ref !== undefined) return `${ref.name}.${ref.side}:${ref.state}`;
  return t.describe;
}

/** The TypeScript contract module equivalent to the contracts of `path` (with the contracts of
 * other files they carry endpoints of, marked). */
export function importFile(path: string, opts: CheckOptions = {}): string {
  const { lowered, diagnostics, declared } = lowerFiles([path], opts, true);
  // Its own errors, and errors elsewhere about its contracts (a struct of a --types file).
  const mine = new Set(declared.get(path) ?? []);
  const errors = diagnostics.filter((d) => d.severity === 'error' && (d.file === path || mine.has(/^contract ([\w.]+):/.exec(d.message)?.[1] ?? '')));
  if (errors.length > 0) throw new Error(`${path}: cannot import a file with errors:\n${errors.map(formatDiagnostic).join('\n')}`);
  return printModule(lowered, lowered.filter((l) => l.file === path), path.split('/').pop() ?? path);
}
