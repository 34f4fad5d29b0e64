// Recognising Sing's own types in a program: endpoints, listeners and exchange-heap blocks.
// Rules for callers: pass types from the program's checker. A type is Sing's when its symbol is
// declared in Sing's sources (src/contracts/view.ts for Endpoint, src/contracts/exfield.ts for
// blocks); a program's own interface of the same name is not mistaken for one.
import ts from 'typescript';
import { SRC, insideDir } from './host.ts';

const VIEW = 'contracts/view.ts';
const EXFIELD = 'contracts/exfield.ts';

/** True when `sym` is Sing's own `name`, declared in `file` (a path under src/, such as 'contracts/view.ts'). */
export function declaredIn(sym: ts.Symbol | undefined, file: string, name: string): boolean {
  if (sym === undefined || sym.getName() !== name) return false;
  return (sym.getDeclarations() ?? []).some((d) => {
    const f = d.getSourceFile().fileName;
    return insideDir(SRC, f) && f.endsWith(file);
  });
}

function parts(t: ts.Type): readonly ts.Type[] {
  return t.isUnion() ? t.types : [t];
}

/** An endpoint type (Endpoint<C, Side, State>, Imp, Exp, Listener) or undefined. */
export function endpointOf(checker: ts.TypeChecker, t: ts.Type): EndpointInfo | undefined {
  for (const p of parts(t)) {
    const sym = p.getSymbol() ?? p.aliasSymbol;
    if (!declaredIn(sym, VIEW, 'Endpoint')) continue;
    const args = checker.getTypeArguments(p as ts.TypeReference);
    const [c, side, state] = args;
    const contractName = c === undefined ? '?' : contractNameOf(checker, c);
    return {
      contract: contractName,
      side: side !== undefined && side.isStringLiteral() ? (side.value as 'imp' | 'exp') : 'imp',
      state: state !== undefined && state.isStringLiteral() ? state.value : undefined,
      type: p,
    };
  }
  return undefined;
}

export interface EndpointInfo {
  /** The contract's declared name ('Calculator'), or the type's text when it is not a literal. */
  readonly contract: string;
  readonly side: 'imp' | 'exp';
  /** The state, when the type pins one ('$end' after the last message). */
  readonly state: string | undefined;
  readonly type: ts.Type;
}

/** The contract's declared name. `contract('Calculator', ...)` types `name` as a plain string, so
 * the name is read from the call that declared the contract's messages; a listener's contract is
 * named `Provider.<contract>`. */
export function contractNameOf(checker: ts.TypeChecker, c: ts.Type): string {
  const prop = (t: ts.Type, n: string): ts.Type | undefined => {
    const s = checker.getPropertyOfType(t, n);
    return s === undefined ? undefined : checker.getTypeOfSymbol(s);
  };
  const name = prop(c, 'name');
  if (name !== undefined && name.isStringLiteral()) return name.value;
  if (c.aliasSymbol?.getName() === 'ProviderShape' && c.aliasTypeArguments?.[0] !== undefined) {
    return `Provider.${contractNameOf(checker, c.aliasTypeArguments[0])}`;
  }
  for (const d of prop(c, 'messages')?.getSymbol()?.getDeclarations() ?? []) {
    const pa = d.parent;
    const call = pa !== undefined && ts.isPropertyAssignment(pa) ? pa.parent.parent : undefined;
    const first = call !== undefined && ts.isCallExpression(call) ? call.arguments[0] : undefined;
    if (first !== undefined && ts.isStringLiteralLike(first)) return first.text;
  }
  const text = checker.typeToString(c);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

export type BlockKind = 'Bytes' | 'ExRecord' | 'ExVector' | 'ExArray' | 'ExText';

/** An exchange-heap block type (Bytes, ExRecord<L>, ExVector<L>, ExArray<S>, ExText) or undefined. */
export function blockOf(t: ts.Type): BlockKind | undefined {
  for (const p of parts(t)) {
    const sym = p.getSymbol() ?? p.aliasSymbol;
    for (const k of ['Bytes', 'ExRecord', 'ExVector', 'ExArray', 'ExText'] as const) if (declaredIn(sym, EXFIELD, k)) return k;
  }
  return undefined;
}

/** True for a value the program must own linearly: a live endpoint or a block. An endpoint whose
 * state is '$end' has nothing left to do and is not linear. */
export function isLinear(checker: ts.TypeChecker, t: ts.Type): boolean {
  if (blockOf(t) !== undefined) return true;
  const e = endpointOf(checker, t);
  return e !== undefined && e.state !== '$end';
}
