// Verifier test kit: verify a program given as source text (or a map of files) and get its
// diagnostics as `file:line:col SINGxxxx message` strings or records.
// Programs live in memory at /virtual/<name>; `main.ts` is the entry.
import { checkProgram, formatDiagnostic, type DeclaredManifest, type Diagnostic, type Rule } from '../src/verifier/index.ts';

export type Source = string | Readonly<Record<string, string>>;

let n = 0;
export function verifySource(src: Source, opts: { declared?: DeclaredManifest; rules?: readonly Rule[]; entry?: string } = {}): Diagnostic[] {
  const files = typeof src === 'string' ? { 'main.ts': src } : src;
  const r = checkProgram({ root: `/virtual/prog${n++}`, entry: opts.entry ?? 'main.ts', files }, {
    ...(opts.declared !== undefined ? { declared: opts.declared } : {}),
    ...(opts.rules !== undefined ? { rules: opts.rules } : {}),
  });
  return [...r.diagnostics];
}

/** The diagnostics as strings, for readable assertions and failure output. */
export function lines(ds: readonly Diagnostic[]): string[] {
  return ds.map(formatDiagnostic);
}

/** Codes only. */
export function codes(ds: readonly Diagnostic[]): string[] {
  return ds.map((d) => d.code);
}

/** A manifest for rule tests that do not care about it. */
export function declared(over: Partial<DeclaredManifest> = {}): DeclaredManifest {
  return { name: 'test', endpoints: [], imports: [], exports: [], parameters: [], hostResources: [], exchangeHeap: 0, console: false, trusted: false, unsafe: [], ...over };
}
