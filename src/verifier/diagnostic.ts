// Verifier diagnostics: what a rejected program is told, formatted like a compiler error.
// Rules for callers: a Diagnostic names a file relative to the program's folder, a 1-based line
// and column, a stable SINGxxxx code (the thousands digit is the rule: 1 types, 2 safe subset,
// 3 closed world, 4 linearity, 5 protocol, 6 manifest agreement) and a message phrased in the
// program's terms. `VerifyError` carries every diagnostic of one verification, sorted.
import { SingError } from '../lib/error.ts';

export interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly code: string;
  readonly message: string;
}

/** `file:line:col SINGxxxx message` */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col} ${d.code} ${d.message}`;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

export class VerifyError extends SingError {
  readonly diagnostics: readonly Diagnostic[];
  constructor(program: string, diagnostics: readonly Diagnostic[]) {
    const n = diagnostics.length;
    super('E_VERIFY', `program ${program} failed verification with ${n} error${n === 1 ? '' : 's'}:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
    this.diagnostics = diagnostics;
  }
}
