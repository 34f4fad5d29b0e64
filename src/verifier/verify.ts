// The verifier's driver: runs every rule over one program and collects the diagnostics.
// Rules for callers: `verify(vp, manifest)` with the program from `loadProgram` and the manifest
// read from it (manifest.ts); an empty result means the program may be installed. Rules run in a
// fixed order, most specific first, and the type rule last so that it reports only the TypeScript
// errors no other rule explained in its own terms. See rule.ts for what a rule may do.
import ts from 'typescript';
import { compareDiagnostics, type Diagnostic } from './diagnostic.ts';
import type { VerifyProgram } from './host.ts';
import type { DeclaredManifest, Rule, RuleContext } from './rule.ts';
import { closedWorldRule } from './closed-world.ts';
import { subsetRule } from './subset.ts';
import { manifestRule } from './manifest-agreement.ts';
import { protocolRule } from './protocol.ts';
import { linearityRule } from './linearity.ts';
import { typesRule } from './types.ts';

export const RULES: readonly Rule[] = [closedWorldRule, subsetRule, manifestRule, protocolRule, linearityRule, typesRule];

/** A diagnostic at a node of a program file. */
export function diagnosticAt(vp: VerifyProgram, node: ts.Node, code: string, message: string): Diagnostic {
  const sf = node.getSourceFile();
  const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  return { file: vp.rel(sf.fileName), line: line + 1, col: character + 1, code, message };
}

function diagnosticOfTs(vp: VerifyProgram, d: ts.Diagnostic, code: string, message: string): Diagnostic {
  const sf = d.file;
  if (sf === undefined) return { file: vp.rel(vp.root), line: 1, col: 1, code, message };
  const { line, character } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
  return { file: vp.rel(sf.fileName), line: line + 1, col: character + 1, code, message };
}

/** TypeScript's errors in the program's own files. */
export function typeErrorsOf(vp: VerifyProgram): ts.Diagnostic[] {
  const out: ts.Diagnostic[] = [...vp.program.getOptionsDiagnostics(), ...vp.program.getGlobalDiagnostics()];
  for (const sf of vp.files) out.push(...vp.program.getSyntacticDiagnostics(sf), ...vp.program.getSemanticDiagnostics(sf));
  return out.filter((d) => d.category === ts.DiagnosticCategory.Error);
}

/** Runs `rules` (all of them by default) and returns their diagnostics, sorted and deduplicated. */
export function verify(vp: VerifyProgram, manifest: DeclaredManifest | undefined, rules: readonly Rule[] = RULES): Diagnostic[] {
  const out: Diagnostic[] = [];
  const claimed = new Set<ts.Diagnostic>();
  const typeErrors = typeErrorsOf(vp);
  const ctx: RuleContext = {
    vp,
    checker: vp.checker,
    files: vp.files,
    manifest,
    typeErrors,
    report: (node, code, message) => { out.push(diagnosticAt(vp, node, code, message)); },
    reportAt: (sf, pos, code, message) => {
      const { line, character } = sf.getLineAndCharacterOfPosition(pos);
      out.push({ file: vp.rel(sf.fileName), line: line + 1, col: character + 1, code, message });
    },
    flag: (node, code, message, within = node, codes) => {
      out.push(diagnosticAt(vp, node, code, message));
      const sf = within.getSourceFile();
      const lo = within.getStart(sf);
      for (const d of typeErrors) {
        if (d.file !== sf || d.start === undefined || d.start < lo || d.start >= within.end) continue;
        if (codes === undefined || codes.has(d.code)) claimed.add(d);
      }
    },
    claim: (d, code, message) => {
      if (claimed.has(d)) return;
      claimed.add(d);
      out.push(diagnosticOfTs(vp, d, code, message));
    },
    claimed: (d) => claimed.has(d),
  };
  for (const r of rules) r.check(ctx);
  const seen = new Set<string>();
  return out.sort(compareDiagnostics).filter((d) => {
    const key = `${d.file}:${d.line}:${d.col}:${d.code}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
