// Rule 6, manifest agreement: the code uses only what its manifest declares. Reports (SING6010+):
//   SING6010 main's context is read for a key that is not abi/params/console nor a declared
//            endpoint, import or export (`ctx.foo`, `main({ foo })`, `const { foo } = ctx`);
//   SING6011 a parameter the manifest does not declare (`params.x`, `const { x } = params`);
//   SING6012 the console used without `console: true`;
//   SING6013 an exchange-heap allocation (`abi.alloc`, `allocRecord`, `allocVector`) while the
//            manifest grants no `resources.exchangeHeap`;
//   SING6014 `abi.bind(path)` / `abi.register(path)` with a literal path the manifest does not
//            declare under imports / exports (a computed path is checked by the kernel at run time);
//   SING6015 `abi.resource(key)` with a literal key not declared under `resources.host`.
// Rules for callers: runs on the manifest read from the source (or the tests' `declared`); when the
// manifest could not be read this rule says nothing (the reader reported why).
// Invariants: the context, its `params` and `console` are followed by symbol from main's first
// parameter, through destructuring and const aliases, so a program's own object with a `params`
// property is never mistaken for them; the ABI is recognised by type (Sing's `Abi` interface), so it
// is found however it is passed around. The TypeScript errors these uses cause (a missing property,
// a possibly-undefined console) are claimed and said in the manifest's terms.
import ts from 'typescript';
import { SRC, insideDir } from './host.ts';
import type { Rule, RuleContext } from './rule.ts';

type Role = 'ctx' | 'abi' | 'params' | 'console';
const CTX_KEYS: readonly string[] = ['abi', 'params', 'console'];
const ALLOC = new Set(['alloc', 'allocRecord', 'allocVector']);

function strip(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
  return e;
}

const list = (xs: readonly string[]): string => (xs.length === 0 ? 'none' : xs.join(', '));

/** The first parameter of the manifest's `main`, wherever the function is written. */
function mainParam(checker: ts.TypeChecker, entry: ts.SourceFile): ts.ParameterDeclaration | undefined {
  const constInit = (id: ts.Identifier): ts.Expression | undefined => {
    const d = checker.getSymbolAtLocation(id)?.valueDeclaration;
    return d !== undefined && ts.isVariableDeclaration(d) && d.initializer !== undefined ? strip(d.initializer) : undefined;
  };
  const def = entry.statements.find(ts.isExportAssignment);
  if (def === undefined) return undefined;
  let call = strip(def.expression);
  if (ts.isIdentifier(call)) call = constInit(call) ?? call;
  const arg = ts.isCallExpression(call) ? call.arguments[0] : undefined;
  let spec = arg === undefined ? undefined : strip(arg);
  if (spec !== undefined && ts.isIdentifier(spec)) spec = constInit(spec) ?? spec;
  if (spec === undefined || !ts.isObjectLiteralExpression(spec)) return undefined;
  for (const p of spec.properties) {
    if (p.name === undefined || !ts.isIdentifier(p.name) || p.name.text !== 'main') continue;
    let fn: ts.Node | undefined;
    if (ts.isMethodDeclaration(p)) fn = p;
    else if (ts.isPropertyAssignment(p)) fn = strip(p.initializer);
    else if (ts.isShorthandPropertyAssignment(p)) fn = checker.getShorthandAssignmentValueSymbol(p)?.valueDeclaration;
    if (fn !== undefined && ts.isVariableDeclaration(fn) && fn.initializer !== undefined) fn = strip(fn.initializer);
    if (fn !== undefined && ts.isIdentifier(fn)) fn = checker.getSymbolAtLocation(fn)?.valueDeclaration;
    if (fn !== undefined && ts.isFunctionLike(fn)) return fn.parameters[0];
  }
  return undefined;
}

function isAbi(t: ts.Type): boolean {
  for (const p of t.isUnion() ? t.types : [t]) {
    const s = p.getSymbol() ?? p.aliasSymbol;
    if (s === undefined || s.getName() !== 'Abi') continue;
    if ((s.getDeclarations() ?? []).some((d) => insideDir(SRC, d.getSourceFile().fileName) && d.getSourceFile().fileName.endsWith('runtime/abi.ts'))) return true;
  }
  return false;
}

/** A read of `console` that only asks whether it is there (`if (console)`, `console === undefined`).
 * `console?.log(...)` is a use: typed `undefined`, the console narrows to never and the call is a
 * type error, which this rule explains. */
function isGuard(ref: ts.Expression): boolean {
  const p = ref.parent;
  if (ts.isTypeOfExpression(p) || ts.isPrefixUnaryExpression(p)) return true;
  if ((ts.isIfStatement(p) || ts.isWhileStatement(p) || ts.isConditionalExpression(p)) && (ts.isConditionalExpression(p) ? p.condition : p.expression) === ref) return true;
  if (ts.isBinaryExpression(p)) {
    const k = p.operatorToken.kind;
    return k === ts.SyntaxKind.EqualsEqualsEqualsToken || k === ts.SyntaxKind.ExclamationEqualsEqualsToken || k === ts.SyntaxKind.EqualsEqualsToken
      || k === ts.SyntaxKind.ExclamationEqualsToken || ((k === ts.SyntaxKind.AmpersandAmpersandToken || k === ts.SyntaxKind.BarBarToken) && p.left === ref);
  }
  return false;
}

function check(ctx: RuleContext): void {
  const m = ctx.manifest;
  const entry = ctx.vp.entry;
  if (m === undefined || entry === undefined) return;
  const checker = ctx.checker;
  const param = mainParam(checker, entry);
  const roles = new Map<ts.Symbol, Role>();
  /** Destructuring patterns whose keys are checked, with what they destructure. */
  const patterns = new Map<ts.ObjectBindingPattern, Role>();

  const symbolOf = (n: ts.Node): ts.Symbol | undefined => checker.getSymbolAtLocation(n);
  const roleOf = (e0: ts.Expression): Role | undefined => {
    const e = strip(e0);
    if (ts.isIdentifier(e)) {
      const s = symbolOf(e);
      return s === undefined ? undefined : roles.get(s);
    }
    if (!ts.isPropertyAccessExpression(e) && !ts.isElementAccessExpression(e)) return undefined;
    const key = ts.isPropertyAccessExpression(e) ? e.name.text : ts.isStringLiteralLike(e.argumentExpression) ? e.argumentExpression.text : undefined;
    return key !== undefined && CTX_KEYS.includes(key) && roleOf(e.expression) === 'ctx' ? (key as Role) : undefined;
  };
  /** Gives the names a declaration binds the role of the value it destructures or aliases. */
  const bind = (name: ts.BindingName, role: Role): boolean => {
    if (ts.isIdentifier(name)) {
      const s = symbolOf(name);
      if (s === undefined || roles.get(s) === role) return false;
      roles.set(s, role);
      return true;
    }
    if (!ts.isObjectBindingPattern(name) || patterns.has(name)) return false;
    patterns.set(name, role);
    let grew = true;
    for (const el of name.elements) {
      const key = keyOf(el);
      if (el.dotDotDotToken !== undefined) grew = bind(el.name, role) || grew; // the rest of ctx is still ctx
      else if (role === 'ctx' && key !== undefined && CTX_KEYS.includes(key)) grew = bind(el.name, key as Role) || grew;
    }
    return grew;
  };

  if (param !== undefined) bind(param.name, 'ctx');
  // Aliases may be declared in any order (a closure can use a const declared after it), so the
  // declarations are scanned until no new alias appears; each pass only adds, so this ends.
  const decls: ts.VariableDeclaration[] = [];
  const collect = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && n.initializer !== undefined) decls.push(n);
    ts.forEachChild(n, collect);
  };
  for (const sf of ctx.files) collect(sf);
  for (let grew = true; grew;) {
    grew = false;
    for (const d of decls) {
      const r = roleOf(d.initializer as ts.Expression);
      const isConst = (ts.getCombinedNodeFlags(d) & ts.NodeFlags.Const) !== 0;
      if (r !== undefined && (isConst || !ts.isIdentifier(d.name))) grew = bind(d.name, r) || grew;
    }
  }

  const errorsAt = (nodes: readonly (ts.Node | undefined)[]): ts.Diagnostic[] => {
    const starts = new Set(nodes.flatMap((n) => (n === undefined ? [] : [`${n.getSourceFile().fileName}:${n.getStart()}`])));
    return ctx.typeErrors.filter((d) => d.file !== undefined && d.start !== undefined && starts.has(`${d.file.fileName}:${d.start}`));
  };
  const claimOrReport = (at: ts.Node, also: readonly (ts.Node | undefined)[], code: string, msg: string): void => {
    const errs = errorsAt([at, ...also]);
    if (errs.length === 0) ctx.report(at, code, msg);
    for (const d of errs) ctx.claim(d, code, msg);
  };

  const ctxKeys = [...CTX_KEYS, ...m.endpoints];
  const undeclaredKey = (at: ts.Node, key: string, also: readonly (ts.Node | undefined)[]): void => {
    if (ctxKeys.includes(key)) return;
    claimOrReport(at, also, 'SING6010', `main's context has no ${key}: the manifest declares the endpoints ${list(m.endpoints)} (beside abi, params and console); declare ${key} under endpoints, imports or exports to use it`);
  };
  const undeclaredParam = (at: ts.Node, key: string, also: readonly (ts.Node | undefined)[]): void => {
    if (m.parameters.includes(key)) return;
    claimOrReport(at, also, 'SING6011', `params.${key} is not a declared parameter (the manifest declares ${list(m.parameters)}); declare it under parameters to use it`);
  };

  for (const [pattern, role] of patterns) {
    if (role !== 'ctx' && role !== 'params') continue;
    for (const el of pattern.elements) {
      const key = keyOf(el);
      if (key === undefined || el.dotDotDotToken !== undefined) continue;
      const also = [el.propertyName, el.name];
      if (role === 'ctx') undeclaredKey(el, key, also);
      else undeclaredParam(el, key, also);
    }
  }

  const consoleUse = (ref: ts.Expression): void => {
    if (m.console || isGuard(ref)) return;
    const member = ts.isPropertyAccessExpression(ref.parent) && ref.parent.expression === ref ? ref.parent.name : undefined;
    claimOrReport(ref, [member], 'SING6012', `${ref.getText()} is used but the manifest does not ask for a console: add console: true to the manifest`);
  };

  const abiCall = (call: ts.CallExpression, method: ts.Identifier): void => {
    const arg = call.arguments[0];
    const lit = arg === undefined ? undefined : checker.getTypeAtLocation(arg);
    const text = lit !== undefined && lit.isStringLiteral() ? lit.value : undefined;
    const name = method.text;
    if (ALLOC.has(name) && m.exchangeHeap === 0) {
      ctx.report(call, 'SING6013', `abi.${name} allocates in the exchange heap, but the manifest grants no exchange heap: declare resources: { exchangeHeap: '64KiB' } (or the size it needs)`);
    } else if ((name === 'bind' || name === 'register') && text !== undefined && arg !== undefined) {
      const [group, paths] = name === 'bind' ? ['imports', m.imports] as const : ['exports', m.exports] as const;
      if (paths.some((p) => p.path === text)) return;
      ctx.report(arg, 'SING6014', `abi.${name}('${text}'): the manifest declares no ${group} entry for ${text} (${group}: ${list(paths.map((p) => `${p.key} ${p.path}`))})`);
    } else if (name === 'resource' && text !== undefined && arg !== undefined && !m.hostResources.includes(text)) {
      ctx.report(arg, 'SING6015', `abi.resource('${text}'): the manifest declares no host resource ${text} (resources.host: ${list(m.hostResources)})`);
    }
  };

  const visit = (n: ts.Node): void => {
    if (ts.isPropertyAccessExpression(n) || (ts.isElementAccessExpression(n) && ts.isStringLiteralLike(n.argumentExpression))) {
      const key = ts.isPropertyAccessExpression(n) ? n.name.text : (n.argumentExpression as ts.StringLiteralLike).text;
      const keyNode = ts.isPropertyAccessExpression(n) ? n.name : n.argumentExpression;
      const r = roleOf(n.expression);
      if (r === 'ctx') {
        undeclaredKey(keyNode, key, [n]);
        if (key === 'console' && !isAliased(n)) consoleUse(n);
      } else if (r === 'params') {
        undeclaredParam(keyNode, key, [n]);
      }
    } else if (ts.isIdentifier(n) && !isDeclarationName(n)) {
      const s = ts.isShorthandPropertyAssignment(n.parent) && n.parent.name === n ? checker.getShorthandAssignmentValueSymbol(n.parent) : symbolOf(n);
      if (s !== undefined && roles.get(s) === 'console' && !isAliased(n)) consoleUse(n);
    }
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && ts.isIdentifier(n.expression.name) && isAbi(checker.getTypeAtLocation(n.expression.expression))) {
      abiCall(n, n.expression.name);
    }
    ts.forEachChild(n, visit);
  };
  for (const sf of ctx.files) visit(sf);
}

/** The key a binding element reads (`{ a }`, `{ a: b }`, `{ 'a': b }`); undefined when computed. */
function keyOf(el: ts.BindingElement): string | undefined {
  const k = el.propertyName ?? el.name;
  return ts.isIdentifier(k) || ts.isStringLiteralLike(k) || ts.isNumericLiteral(k) ? k.text : undefined;
}

/** True for the name a declaration introduces (not a use of it). */
function isDeclarationName(id: ts.Identifier): boolean {
  const p = id.parent;
  return (ts.isBindingElement(p) && (p.name === id || p.propertyName === id)) || (ts.isVariableDeclaration(p) && p.name === id)
    || (ts.isParameter(p) && p.name === id) || ((ts.isPropertyAccessExpression(p) || ts.isPropertyAssignment(p)) && p.name === id);
}

/** The source of a const alias is not itself a use: `const c = console` moves the question to `c`. */
function isAliased(e: ts.Expression): boolean {
  const p = e.parent;
  return ts.isVariableDeclaration(p) && p.initializer === e && (ts.getCombinedNodeFlags(p) & ts.NodeFlags.Const) !== 0;
}

export const manifestRule: Rule = {
  id: 6,
  name: 'manifest agreement',
  check,
};
