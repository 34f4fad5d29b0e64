// The Sing# contract reader: `checkFiles` reads .sg files and checks their contracts with Sing's
// compiler; `importFile` writes the equivalent TypeScript contract module (on sing/runtime's DSL).
// Rules for callers: neither throws for a malformed file (unreadable files excepted): problems are
// diagnostics `{ file, line, col, message, severity }` whose `message` reads
// `contract NAME: state S: ...`; `formatDiagnostic` gives the `file:line:col message` line.
// `importFile` throws an Error listing the errors when the file has errors of its own.
import { readFileSync } from 'node:fs';
import { END, type Dir } from '../contract.ts';
import { lex } from './lexer.ts';
import { parse } from './parser.ts';
import { lowerAll, type Diagnostic, type Lowered, type SourceUnit } from './lower.ts';

export type { Diagnostic } from './lower.ts';

export interface CheckedMessage { readonly name: string; readonly dir: Dir; readonly fields: Readonly<Record<string, string>> }
export interface CheckedContract {
  readonly name: string;
  readonly file: string;
  /** State names by index, END ('$end') last; generated intermediate states read `Owner_k`. */
  readonly states: readonly string[];
  readonly initial: string;
  readonly messages: readonly CheckedMessage[];
  readonly bounds: Readonly<Record<Dir, number>>;
  readonly warnings: readonly string[];
  readonly consts: Readonly<Record<string, string>>;
  readonly fingerprint: string;
}
export interface CheckResult { readonly contracts: CheckedContract[]; readonly diagnostics: Diagnostic[] }
export interface CheckOptions {
  readonly defines?: readonly string[];
  /** Files read only for their declarations (enums, structs, contracts other files refer to):
   * their contracts are not reported or imported, their errors are (`--types FILE.sg`). */
  readonly types?: readonly string[];
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col} ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
}

function read(paths: readonly string[], opts: CheckOptions): { units: SourceUnit[]; diagnostics: Diagnostic[] } {
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
    units.push({ file, parsed });
  }
  return { units, diagnostics };
}

function lowerFiles(given: readonly string[], opts: CheckOptions): { lowered: Lowered[]; diagnostics: Diagnostic[] } {
  const types = (opts.types ?? []).filter((t) => !given.includes(t));
  const paths = [...given, ...types];
  const { units, diagnostics } = read(paths, opts);
  const r = lowerAll(units);
  // A contract named in a syntax error is not reported as checked.
  const broken = new Set(diagnostics.map((d) => /^contract ([\w.]+):/.exec(d.message)?.[1]).filter((x) => x !== undefined));
  const all = [...diagnostics, ...r.diagnostics];
  all.sort((a, b) => (a.file === b.file ? a.line - b.line || a.col - b.col : paths.indexOf(a.file) - paths.indexOf(b.file)));
  return { lowered: r.contracts.filter((c) => !broken.has(c.name) && !types.includes(c.file)), diagnostics: all };
}

export function checkFiles(paths: readonly string[], opts: CheckOptions = {}): CheckResult {
  const { lowered, diagnostics } = lowerFiles(paths, opts);
  const contracts = lowered.map((l): CheckedContract => ({
    name: l.name,
    file: l.file,
    states: l.compiled.states,
    initial: l.snapshot.initial,
    messages: l.compiled.messages.map((m) => ({ name: m.tag, dir: m.dir, fields: Object.fromEntries(m.fields.map((f) => [f.name, shortDescribe(f.type)])) })),
    bounds: l.compiled.bounds,
    warnings: l.warnings.map((w) => w.message),
    consts: l.consts,
    fingerprint: l.compiled.fingerprint,
  }));
  return { contracts, diagnostics };
}

/** A field type's description, endpoints shortened to `Contract.side:State`. */
function shortDescribe(t: { readonly kind: string; readonly describe: string }): string {
  const ep = (t as { endpoint?: { contract?: { name?: unknown }; side?: unknown; state?: unknown } }).endpoint;
  if (t.kind === 'endpoint' && ep !== undefined) return `${String(ep.contract?.name)}.${String(ep.side)}:${String(ep.state)}`;
  return t.describe;
}

const key = (s: string): string => (/^[A-Za-z_]\w*$/.test(s) ? s : `'${s}'`);

/** The TypeScript contract module equivalent to the contracts of `path`. */
export function importFile(path: string, opts: CheckOptions = {}): string {
  const { lowered, diagnostics } = lowerFiles([path], opts);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`${path}: cannot import a file with errors:\n${errors.map(formatDiagnostic).join('\n')}`);
  const imports = new Set<string>();
  const body: string[] = [];
  for (const l of lowered) {
    for (const i of l.imports) imports.add(i);
    const lines: string[] = [];
    const unreachable = l.compiled.warnings.filter((w) => w.includes('cannot be reached'));
    if (unreachable.length > 0) {
      lines.push('// Note: contract() rejects unreachable states, which the Sing# source has:');
      for (const w of unreachable) lines.push(`//   ${w}`);
    }
    for (const [k, v] of Object.entries(l.consts)) lines.push(`export const ${l.name}_${k} = ${JSON.stringify(v)};`);
    lines.push(`export const ${l.name} = contract('${l.name}', {`);
    lines.push('  messages: {');
    for (const m of l.compiled.messages) {
      const fs = l.fields[m.tag] ?? [];
      if (m.dir === 'in') imports.add('inn'); else imports.add('out');
      lines.push(`    ${m.tag}: ${m.dir === 'in' ? 'inn' : 'out'}(${fs.length === 0 ? '' : `{ ${fs.map((f) => `${f.name}: ${f.ts}`).join(', ')} }`}),`);
    }
    lines.push('  },');
    lines.push(`  initial: '${l.snapshot.initial}',`);
    lines.push('  states: {');
    for (const [st, row] of Object.entries(l.snapshot.states)) {
      const entries = Object.entries(row).map(([tag, to]) => {
        if (to === END) imports.add('END');
        return `${tag}: ${to === END ? 'END' : `'${to}'`}`;
      });
      lines.push(`    ${key(st)}: {${entries.length === 0 ? '' : ` ${entries.join(', ')} `}},`);
    }
    lines.push('  },');
    lines.push('});');
    body.push(lines.join('\n'));
  }
  const order = ['contract', 'inn', 'out', 'END', 'i32', 'u32', 'f64', 'bool', 'enumOf', 'record', 'bytes', 'text', 'exArray', 'exLayout', 'exRecord', 'exVector', 'endpointOf'];
  const used = order.filter((x) => imports.has(x));
  const head = `// Imported from ${path.split('/').pop() ?? path} by \`sing contract import\`; Sing# directions are seen from the exporter.\n`
    + `import { ${used.join(', ')} } from 'sing/runtime';\n`;
  return `${head}\n${body.join('\n\n')}\n`;
}
