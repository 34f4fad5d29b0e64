// Rule 3, closed world: a program's code is its own folder, Sing's contract modules and the runtime,
// and nothing else. Checked on every import form a file can hold: `import`, `import type`,
// `export ... from`, `import x = require(..)`, and `import('x').T` in types (a dynamic `import()`
// expression is refused outright by rule 2). Reports (SING3xxx):
//   SING3001 a bare package import ('node:fs', 'lodash', '@scope/x')
//   SING3002 a relative or absolute import that leaves the program's folder
//   SING3003 a `sing/...` import other than sing/runtime, sing and an existing sing/contracts/<name>
//   SING3004 a relative import inside the folder that names no file there
//   SING3005 a triple-slash `/// <reference path|types|lib>` directive (it would pull in files or
//            declarations, such as the DOM's, from outside the closed world)
// Rules for callers: diagnostics sit at the module specifier (or a directive's file name). The
// TypeScript errors an import outside the closed world causes at its specifier (2307 and kin) are
// claimed, so the import is reported once, in these terms.
// Invariants: agrees with the bundler (src/install/bundle.ts) and the verifier's host (host.ts) on
// what resolves: an import this rule accepts is one both of them resolve inside the closed world.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import ts from 'typescript';
import { CONTRACTS_LIB } from './host.ts';
import type { Rule, RuleContext } from './rule.ts';

const ALLOWED = 'a program may import only its own files, sing/contracts/<name> and sing/runtime';

type Verdict = readonly [code: string, message: string] | undefined;

/** The program's file a relative import names, probed as the verifier's host resolves it. */
function inProgram(ctx: RuleContext, target: string): boolean {
  return ['', '.ts', '.mts', '/index.ts'].some((ext) => /\.m?ts$/.test(target + ext) && ctx.vp.program.getSourceFile(target + ext) !== undefined);
}

/** Judges one specifier written in `fromFile`. */
function judge(ctx: RuleContext, spec: string, fromFile: string): Verdict {
  if (spec === 'sing/runtime' || spec === 'sing') return undefined;
  const lib = /^sing\/contracts\/([\w-]+)$/.exec(spec);
  if (lib !== null) {
    if (existsSync(join(CONTRACTS_LIB, `${lib[1] as string}.ts`))) return undefined;
    return ['SING3003', `there is no contract module '${spec}': Sing's contract modules are ${contractModules()}`];
  }
  if (spec.startsWith('sing/')) return ['SING3003', `'${spec}' is not importable: of Sing's own modules a program may import only sing/runtime and sing/contracts/<name>`];
  const relativePath = spec === '.' || spec === '..' || spec.startsWith('./') || spec.startsWith('../');
  if (relativePath || isAbsolute(spec) || spec.startsWith('file:')) {
    const target = spec.startsWith('file:') ? spec.slice('file:'.length) : resolve(dirname(fromFile), spec);
    if (!relativePath || !ctx.vp.owns(target)) {
      return ['SING3002', `'${spec}' leaves the program's folder: ${ALLOWED}`];
    }
    if (!inProgram(ctx, target)) return ['SING3004', `'${spec}' names no file in the program's folder (looked for ${ctx.vp.rel(target) || '.'}, adding .ts, .mts or /index.ts when it has no .ts extension)`];
    return undefined;
  }
  return ['SING3001', `'${spec}' is a package outside the closed world: ${ALLOWED}`];
}

let contractList: string | undefined;
function contractModules(): string {
  if (contractList === undefined) {
    const names = readdirSync(CONTRACTS_LIB).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => f.slice(0, -'.ts'.length)).sort();
    contractList = names.map((n) => `sing/contracts/${n}`).join(', ') || 'none';
  }
  return contractList;
}

/** The module specifiers of one file, with the node to report at. */
function specifiers(sf: ts.SourceFile): ts.StringLiteralLike[] {
  const out: ts.StringLiteralLike[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier !== undefined && ts.isStringLiteralLike(n.moduleSpecifier)) out.push(n.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference) && ts.isStringLiteralLike(n.moduleReference.expression)) {
      out.push(n.moduleReference.expression);
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteralLike(n.argument.literal)) out.push(n.argument.literal);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

export const closedWorldRule: Rule = {
  id: 3,
  name: 'closed world',
  check(ctx) {
    for (const sf of ctx.files) {
      for (const lit of specifiers(sf)) {
        const v = judge(ctx, lit.text, sf.fileName);
        if (v === undefined) continue;
        const [code, message] = v;
        ctx.flag(lit, code, message);
      }
      const directives: readonly (readonly [readonly ts.FileReference[], string])[] = [
        [sf.referencedFiles, 'path'], [sf.typeReferenceDirectives, 'types'], [sf.libReferenceDirectives, 'lib'],
      ];
      for (const [refs, kind] of directives) {
        for (const r of refs) {
          // At the directive's file name, where TypeScript reports a path it cannot find.
          const at = r.pos;
          const message = `/// <reference ${kind}="${r.fileName}" /> is not allowed: it brings in ${kind === 'lib' ? 'declarations of a host library' : kind === 'types' ? 'declarations from outside the program' : 'a file by a path the bundler does not follow'}; ${ALLOWED}, with import`;
          ctx.reportAt(sf, at, 'SING3005', message);
          for (const d of ctx.typeErrors) {
            if (d.file === sf && d.start !== undefined && d.start >= at && d.start <= r.end && !ctx.claimed(d)) ctx.claim(d, 'SING3005', message);
          }
        }
      }
    }
  },
};
