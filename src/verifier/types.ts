// Rule 1, type safety: the program type-checks under strict settings against a DOM-free library,
// and nothing slips past the checker. Reports (SING1xxx):
//   SING1001 a TypeScript error no other rule explained
//   SING1002 `any`: an explicit `any` type; a value of type `any` (from JSON.parse, a Map<any, any>,
//            `arguments[i]`, ...) flowing into a variable, parameter, return, argument, property or
//            loop; a parameter or loop variable that is `any` by inference (`.catch((e) => ..)`);
//            TypeScript's own implicit-any errors (7005, 7006, 7031, ...)
//   SING1003 `@ts-ignore`, `@ts-expect-error`, `@ts-nocheck` comments
//   SING1004 casts that launder: an assertion (`x as T`, `<T>x`) whose source or target type is or
//            holds (as a union member, a property or a type argument) a Sing endpoint or exchange-heap
//            block, and every double cast through `unknown`, `any` or `never` (`x as unknown as T`)
// Rules for callers: runs last (verify.ts), so the TypeScript errors other rules claimed are not
// reported again. Non-null assertions and `satisfies` are fine; `as const` is fine.
// Invariants: a value of type `any` is reported where it first appears, not at each later use: a
// use of a variable, parameter or property the program declares is covered by the report at its
// declaration (or its explicit `any`). The checker's error type (an unresolved name) is not `any`
// here: the unresolved name is reported on its own.
import ts from 'typescript';
import type { Rule, RuleContext } from './rule.ts';
import { blockOf, endpointOf } from './sing-types.ts';

/** TypeScript's implicit-any errors: reported as SING1002 rather than SING1001. */
const IMPLICIT_ANY = new Set([7005, 7006, 7008, 7010, 7011, 7018, 7019, 7022, 7023, 7024, 7031, 7034]);
const DIRECTIVE = /^@ts-(ignore|expect-error|nocheck)\b/;
const UNKNOWN_HINT = 'annotate it as unknown and narrow it before use';

/** TypeScript's "conversion of type X to type Y may be a mistake". */
const CONVERSION_MISTAKE: ReadonlySet<number> = new Set([2352]);

export const typesRule: Rule = {
  id: 1,
  name: 'type safety',
  check(ctx) {
    for (const sf of ctx.files) {
      checkComments(ctx, sf);
      checkCastsAndAny(ctx, sf);
    }
    for (const d of ctx.typeErrors) {
      if (ctx.claimed(d)) continue;
      const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
      if (IMPLICIT_ANY.has(d.code)) ctx.claim(d, 'SING1002', `${text.replace(/\.$/, '')}: give it a type (unknown if nothing better fits)`);
      else ctx.claim(d, 'SING1001', `type error: ${text}`);
    }
  },
};

/** Every comment of a file, found in the trivia before each token. */
function comments(sf: ts.SourceFile): ts.CommentRange[] {
  const text = sf.text;
  const seen = new Map<number, ts.CommentRange>();
  const add = (rs: readonly ts.CommentRange[] | undefined): void => { for (const r of rs ?? []) seen.set(r.pos, r); };
  const visit = (n: ts.Node): void => {
    if (n.kind >= ts.SyntaxKind.FirstJSDocNode && n.kind <= ts.SyntaxKind.LastJSDocNode) return;
    const kids = n.getChildren(sf);
    if (kids.length === 0) {
      add(ts.getLeadingCommentRanges(text, n.pos));
      add(ts.getTrailingCommentRanges(text, n.pos));
      return;
    }
    for (const k of kids) visit(k);
  };
  visit(sf);
  return [...seen.values()].sort((a, b) => a.pos - b.pos);
}

function checkComments(ctx: RuleContext, sf: ts.SourceFile): void {
  for (const c of comments(sf)) {
    const body = sf.text.slice(c.pos, c.end);
    for (const line of body.split('\n')) {
      const m = DIRECTIVE.exec(line.replace(/^[\s/*]*/, ''));
      if (m === null) continue;
      const what = m[1] === 'nocheck' ? 'turns off type checking for the whole file' : 'hides the type error on the next line';
      const message = `@ts-${m[1] as string} is not allowed: it ${what}, and a program is installed only if it type-checks; fix the type error instead`;
      ctx.reportAt(sf, c.pos, 'SING1003', message);
      // An unused @ts-expect-error is TypeScript's own complaint about the same comment.
      for (const d of ctx.typeErrors) {
        if (d.file === sf && d.start !== undefined && d.start >= c.pos && d.start < c.end && !ctx.claimed(d)) ctx.claim(d, 'SING1003', message);
      }
      break;
    }
  }
}

function isErrorType(t: ts.Type): boolean {
  // The checker's error type is an intrinsic `any` named 'error' (not part of the public API).
  return 'intrinsicName' in t && (t.intrinsicName === 'error' || t.intrinsicName === 'unresolved');
}

function strip(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
  return e;
}

function describe(n: ts.Node): string {
  const text = n.getText().replace(/\s+/g, ' ');
  return text.length <= 40 ? text : `${text.slice(0, 37)}...`;
}

function isAssertion(n: ts.Node): n is ts.AsExpression | ts.TypeAssertion {
  return ts.isAsExpression(n) || ts.isTypeAssertionExpression(n);
}

function isConstAssertion(n: ts.AsExpression | ts.TypeAssertion): boolean {
  return ts.isTypeReferenceNode(n.type) && ts.isIdentifier(n.type.typeName) && n.type.typeName.text === 'const';
}

const LAUNDER_TYPES = new Set([ts.SyntaxKind.UnknownKeyword, ts.SyntaxKind.AnyKeyword, ts.SyntaxKind.NeverKeyword]);

function checkCastsAndAny(ctx: RuleContext, sf: ts.SourceFile): void {
  const { checker } = ctx;
  const isAny = (t: ts.Type): boolean => (t.flags & ts.TypeFlags.Any) !== 0 && !isErrorType(t);
  const anyAt = (e: ts.Node): boolean => isAny(checker.getTypeAtLocation(e));
  const own = (sym: ts.Symbol | undefined): boolean => {
    let s = sym;
    if (s !== undefined && s.flags & ts.SymbolFlags.Alias) s = checker.getAliasedSymbol(s);
    return (s?.getDeclarations() ?? []).some((d) => ctx.vp.owns(d.getSourceFile().fileName));
  };
  /** Inner halves of double casts, reported with their outer half. */
  const doubled = new Set<ts.Node>();
  /** Origins of `any` already reported. */
  const origins = new Set<ts.Node>();
  const typeErrorAt = new Set<number>();
  for (const d of ctx.typeErrors) if (d.file === sf && d.start !== undefined) typeErrorAt.add(d.start);

  /** Where a value of type `any` in `e` comes from: down through member accesses, calls and awaits
   * of `any` values to the first expression whose parts are typed. */
  const originOf = (e0: ts.Expression): ts.Expression => {
    let e = strip(e0);
    for (;;) {
      if ((ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || ts.isCallExpression(e) || ts.isNewExpression(e)
        || ts.isAwaitExpression(e) || ts.isTaggedTemplateExpression(e)) && anyAt(ts.isTaggedTemplateExpression(e) ? e.tag : e.expression)) {
        e = strip(ts.isTaggedTemplateExpression(e) ? e.tag : e.expression);
        continue;
      }
      if (isAssertion(e) && anyAt(e.expression)) { e = strip(e.expression); continue; }
      return e;
    }
  };
  /** `e`, of type `any`, flows into `into`: report where the `any` comes from, once. */
  const flow = (e: ts.Expression, into: string): void => {
    if (!anyAt(e)) return;
    const ct = checker.getContextualType(e);
    if (ct !== undefined && ct.flags & ts.TypeFlags.Unknown) return;
    const o = originOf(e);
    if (origins.has(o)) return;
    // A name the program declares: its declaration was reported (or says `any` explicitly).
    if (ts.isIdentifier(o) && own(checker.getSymbolAtLocation(o))) return;
    if (ts.isPropertyAccessExpression(o) && own(checker.getSymbolAtLocation(o.name))) return;
    if (ts.isIdentifier(o) && o.text === 'undefined') return;
    if (isAssertion(o) && o.type.kind === ts.SyntaxKind.AnyKeyword) return;
    origins.add(o);
    ctx.report(o, 'SING1002', `${describe(o)} has type any and flows into ${into}, so nothing checks what it holds: ${UNKNOWN_HINT}`);
  };
  const nameOf = (n: ts.BindingName | ts.PropertyName | undefined): string => (n === undefined ? 'a value' : describe(n));

  /** The declaration a binding element belongs to, and the expression it destructures. */
  const rootOf = (el: ts.BindingElement): ts.VariableDeclaration | ts.ParameterDeclaration | undefined => {
    let p: ts.Node = el.parent;
    while (ts.isObjectBindingPattern(p) || ts.isArrayBindingPattern(p) || ts.isBindingElement(p)) p = p.parent;
    return ts.isVariableDeclaration(p) || ts.isParameter(p) ? p : undefined;
  };
  /** The type a variable without annotation and initialiser takes its value from, if any. */
  const sourceOf = (d: ts.VariableDeclaration | ts.ParameterDeclaration): ts.Type | undefined => {
    if (d.initializer !== undefined) return checker.getTypeAtLocation(d.initializer);
    if (ts.isParameter(d)) return checker.getTypeAtLocation(d);
    const list = d.parent;
    const loop = list.parent;
    if (ts.isForOfStatement(loop)) return checker.getTypeAtLocation(loop.expression);
    return undefined;
  };
  /** A variable or parameter that is `any` by inference, though what it comes from is typed. */
  const inferredAny = (n: ts.VariableDeclaration | ts.ParameterDeclaration | ts.BindingElement): void => {
    if (!ts.isIdentifier(n.name) || (!ts.isBindingElement(n) && n.type !== undefined) || typeErrorAt.has(n.name.getStart(sf))) return;
    if (!anyAt(n.name)) return;
    if (ts.isBindingElement(n)) {
      const root = rootOf(n);
      const src = root === undefined ? undefined : sourceOf(root);
      if (src === undefined || isAny(src) || isErrorType(src)) return;
    } else if (ts.isParameter(n)) {
      if (n.initializer !== undefined) return; // the initialiser is the flow
    } else {
      if (n.initializer !== undefined) return;
      const src = sourceOf(n);
      if (src === undefined || isAny(src) || isErrorType(src)) return;
    }
    const from = ts.isParameter(n) ? 'by its position in an untyped callback' : 'from what it is bound to';
    ctx.report(n.name, 'SING1002', `${n.name.text} has type any (${from}), so nothing checks what it holds: ${UNKNOWN_HINT}`);
  };

  const visit = (n: ts.Node): void => {
    if (n.kind === ts.SyntaxKind.AnyKeyword && !doubled.has(n.parent)) {
      ctx.report(n, 'SING1002', 'explicit any switches off type checking for every value it touches: use unknown and narrow it, or a precise type');
    }
    if (isAssertion(n) && !isConstAssertion(n) && !doubled.has(n)) checkCast(n);

    if (ts.isVariableDeclaration(n)) {
      if (n.initializer !== undefined && !(n.type !== undefined && n.type.kind === ts.SyntaxKind.AnyKeyword)) flow(n.initializer, nameOf(n.name));
      inferredAny(n);
    } else if (ts.isParameter(n)) {
      if (n.initializer !== undefined) flow(n.initializer, `the default of parameter ${nameOf(n.name)}`);
      inferredAny(n);
    } else if (ts.isBindingElement(n)) {
      if (n.initializer !== undefined) flow(n.initializer, `the default of ${nameOf(n.name)}`);
      inferredAny(n);
    } else if (ts.isPropertyDeclaration(n) && n.initializer !== undefined) flow(n.initializer, `field ${nameOf(n.name)}`);
    else if ((ts.isCallExpression(n) || ts.isNewExpression(n)) && n.expression.kind !== ts.SyntaxKind.ImportKeyword) {
      for (const a of n.arguments ?? []) flow(ts.isSpreadElement(a) ? a.expression : a, `an argument of ${describe(n.expression)}`);
    } else if (ts.isReturnStatement(n) && n.expression !== undefined) flow(n.expression, 'a return');
    else if (ts.isArrowFunction(n) && !ts.isBlock(n.body)) flow(n.body, 'a return');
    else if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken) flow(n.right, describe(n.left));
    else if (ts.isPropertyAssignment(n)) flow(n.initializer, `property ${nameOf(n.name)}`);
    else if (ts.isArrayLiteralExpression(n)) for (const el of n.elements) flow(ts.isSpreadElement(el) ? el.expression : el, 'an array element');
    else if (ts.isForOfStatement(n) || ts.isForInStatement(n)) flow(n.expression, 'a loop');
    else if (ts.isYieldExpression(n) && n.expression !== undefined) flow(n.expression, 'a yield');
    ts.forEachChild(n, visit);
  };

  /** What makes a type Sing's (an endpoint or a block), looking one level in. */
  const singIn = (t: ts.Type): string | undefined => {
    const direct = (u: ts.Type): string | undefined => {
      const e = endpointOf(checker, u);
      if (e !== undefined) {
        // The contract's name when the type carries one; not a dump of its structure.
        const of = /^[\w$.]+$/.test(e.contract) ? ` of ${e.contract}` : '';
        return `an endpoint${of} (${e.side} side${e.state !== undefined ? `, state ${e.state}` : ''})`;
      }
      const b = blockOf(u);
      return b !== undefined ? `an exchange-heap block (${b})` : undefined;
    };
    const d = direct(t);
    if (d !== undefined) return d;
    const parts = t.isUnionOrIntersection() ? t.types : [t];
    for (const p of parts) {
      if (!(p.flags & ts.TypeFlags.Object)) continue;
      const args = (p as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference ? checker.getTypeArguments(p as ts.TypeReference) : [];
      for (const a of args) {
        const inner = direct(a);
        if (inner !== undefined) return `a value holding ${inner}`;
      }
      const props = p.getProperties();
      if (props.length > 64) continue;
      for (const s of props) {
        const inner = direct(checker.getTypeOfSymbol(s));
        if (inner !== undefined) return `a value holding ${inner} in .${s.getName()}`;
      }
    }
    return undefined;
  };

  const checkCast = (n: ts.AsExpression | ts.TypeAssertion): void => {
    const inner = strip(n.expression);
    const claim = (code: string, message: string): void => { ctx.flag(n, code, message, n, CONVERSION_MISTAKE); };
    if (isAssertion(inner) && LAUNDER_TYPES.has(inner.type.kind)) {
      doubled.add(inner);
      claim('SING1004', `the double cast ${describe(n)} turns a value into any type at all, through ${describe(inner.type)}: nothing checks it; narrow the value with a check instead`);
      return;
    }
    const src = checker.getTypeAtLocation(n.expression);
    const dst = checker.getTypeAtLocation(n);
    if (src === dst) return;
    const sing = singIn(src) ?? singIn(dst);
    if (sing === undefined) return;
    const side = singIn(src) !== undefined ? `${describe(n.expression)} is ${sing}` : `${describe(n.type)} is ${sing}`;
    claim('SING1004', `the cast ${describe(n)} is not allowed: ${side}, and a cast could put an endpoint in a state it is not in or a block in hands that do not own it; let the checker see the real type`);
  };

  ts.forEachChild(sf, visit);
}
