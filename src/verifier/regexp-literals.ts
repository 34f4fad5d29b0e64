// The patterns a program writes out in its source: regular-expression literals, and
// `RegExp('...', '...')` / `new RegExp('...', '...')` with string literals. The subset rule SING2018
// (subset.ts) asks src/lib/linear-regexp.ts whether V8's linear-time engine can run each.
// Rules for callers: pass a node already known to be a literal or a call of the global RegExp.
import ts from 'typescript';
import { strip } from './syntax-shapes.ts';

/** The source and flags of a written-out pattern, or undefined when they are not both literal. */
export function writtenPattern(n: ts.Node): { source: string; flags: string } | undefined {
  if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) {
    const text = (n as ts.RegularExpressionLiteral).text;
    const slash = text.lastIndexOf('/');
    return { source: text.slice(1, slash), flags: text.slice(slash + 1) };
  }
  if (!ts.isNewExpression(n) && !ts.isCallExpression(n)) return undefined;
  const [a, b] = n.arguments ?? [];
  const lit = (e: ts.Expression | undefined): string | undefined => {
    const x = e === undefined ? undefined : strip(e);
    return x !== undefined && (ts.isStringLiteral(x) || ts.isNoSubstitutionTemplateLiteral(x)) ? x.text : undefined;
  };
  const source = lit(a);
  const flags = b === undefined ? '' : lit(b);
  return source !== undefined && flags !== undefined ? { source, flags } : undefined;
}
