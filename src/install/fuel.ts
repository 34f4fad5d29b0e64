// fuel: the CPU-fuel checks the image compiler (seal.ts) inserts, and the analyses that let it
// insert fewer of them. See docs/design-notes.md §2 for the measurements behind each choice.
// Rules for callers: the analyses (`countedLoop`, `cloneable`) read the ORIGINAL bundle AST (parent
// pointers set); the builders take nodes already visited by seal's guard visitor.
// Invariants (what fuel guarantees, and why each shortcut keeps it):
//  - every cycle a program can run without yielding passes a check: every loop iteration is
//    charged (per iteration through a counter, or up front for a counted loop whose trip count is
//    known and affordable at entry), and every recursion passes a function-entry check at least
//    once every CLONES + 1 levels (the clones of a self-recursive function are entered only by
//    direct calls from its own body, never as values);
//  - a check that finds the fuel negative throws the kill (a dead process's fuel is negative), so
//    every function a dead process could be re-entered at (anything that escapes as a value) keeps
//    its entry check;
//  - the emitted code depends only on the source, so an image's hash is stable.
import ts from 'typescript';

export const GUARD = '__sing$g';
export const RESERVED_PREFIX = '__sing$';
/** The per-image helper a counted loop calls at entry (see COUNT_HELPER). */
const COUNT = `${RESERVED_PREFIX}n`;
/** Copies of a small self-recursive function without the entry check: one check per
 * CLONES + 1 levels of recursion. Each copy costs code size, so only small functions qualify. */
const CLONES = 7;
const CLONE_MAX_NODES = 150;
/** A counted loop is emitted twice (charged up front / charged per iteration); bigger bodies
 * keep the per-iteration charge only, so an image grows by a bounded amount. */
const VERSION_MAX_NODES = 1500;

const f = ts.factory;
const guard = (): ts.Identifier => f.createIdentifier(GUARD);
export const guardCall = (method: string, args: ts.Expression[] = []): ts.CallExpression =>
  f.createCallExpression(f.createPropertyAccessExpression(guard(), method), undefined, args);

/** `if (--__sing$g.f < 0) __sing$g.o();`: inline rather than a call, because a call per check
 * costs tight code ~50%. */
export const checkStatement = (): ts.Statement => f.createIfStatement(
  f.createBinaryExpression(f.createPrefixUnaryExpression(ts.SyntaxKind.MinusMinusToken, f.createPropertyAccessExpression(guard(), 'f')), ts.SyntaxKind.LessThanToken, f.createNumericLiteral(0)),
  f.createExpressionStatement(guardCall('o')),
);

/**
 * The up-front charge of a counted loop: `for (i = a; i < b (or <=); i += c)` runs at most
 * floor((b - a) / c) + 1 times (counting down: s = -1 and `>`/`>=`). True (run the loop unchecked)
 * only when every value is a number, a and c are int32 (so i stays an exact integer and
 * i + c !== i), c >= 1 and b is within int32 range (so i never passes 2^32), and the trip count
 * is below 2^30 (an int32 charge) and affordable, which it then charges (from the chunk, or, when
 * the chunk has too few left, from a fresh one: `u` runs the slow path first, as the per-iteration
 * counter would have, so a loop is not sent to its slower copy just because it starts near a
 * chunk's end). Fewer than 1024 trips are free, as they are for a loop
 * under the per-iteration counter (which charges once every 1024 iterations): whatever encloses
 * the loop (a function entry, an enclosing loop's iteration) has paid for them. That keeps the
 * division and the guard's memory round trip off short loops, the common case. Refers to no
 * global: an image's globals are parameters, and any other name would be a lookup through the
 * compartment's scope proxy (10x slower).
 */
export const COUNT_HELPER = `function ${COUNT}(g, a, b, c, s) {
    if (typeof a !== "number" || typeof b !== "number" || typeof c !== "number" || (a | 0) !== a || (c | 0) !== c || c < 1 || !(b >= -2147483648 && b <= 2147483647)) return false;
    const d = (b - a) * s;
    if (d < 1023 * c) return true;
    if (d >= 1073741824 * c) return false;
    const n = (d / c + 1) | 0;
    if (n > g.f) return g.u(n);
    g.f -= n;
    return true;
}`;

/** Every loop pays fuel: a local counter per loop charges the guard once every 1024 iterations
 * (`if (((k = (k + 1) | 0) & 1023) === 0) if ((g.f -= 1024) < 0) g.o();`), so a tight loop pays a register
 * increment rather than a memory round trip (a per-iteration guard update costs such loops 40%).
 * A process can only be killed while one of its loops runs by its own doing, which throws at
 * once, so the coarser check loses nothing. The counter is declared just before the loop. */
export function chargedLoop(n: ts.IterationStatement, counter: string): [ts.Statement, ts.IterationStatement] {
  const k = f.createIdentifier(counter);
  const bump = f.createAssignment(k, f.createBinaryExpression(f.createParenthesizedExpression(f.createBinaryExpression(k, ts.SyntaxKind.PlusToken, f.createNumericLiteral(1))), ts.SyntaxKind.BarToken, f.createNumericLiteral(0)));
  const charge = f.createIfStatement(
    f.createBinaryExpression(f.createParenthesizedExpression(f.createBinaryExpression(f.createParenthesizedExpression(bump), ts.SyntaxKind.AmpersandToken, f.createNumericLiteral(1023))), ts.SyntaxKind.EqualsEqualsEqualsToken, f.createNumericLiteral(0)),
    f.createIfStatement(
      f.createBinaryExpression(f.createParenthesizedExpression(f.createBinaryExpression(f.createPropertyAccessExpression(guard(), 'f'), ts.SyntaxKind.MinusEqualsToken, f.createNumericLiteral(1024))), ts.SyntaxKind.LessThanToken, f.createNumericLiteral(0)),
      f.createExpressionStatement(guardCall('o')),
    ),
  );
  const decl = f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(k, undefined, undefined, f.createNumericLiteral(0))], ts.NodeFlags.Let));
  return [decl, withBody(n, ts.isBlock(n.statement) ? f.updateBlock(n.statement, [charge, ...n.statement.statements]) : f.createBlock([charge, n.statement], true))];
}

function withBody(n: ts.IterationStatement, body: ts.Statement): ts.IterationStatement {
  if (ts.isForStatement(n)) return f.updateForStatement(n, n.initializer, n.condition, n.incrementor, body);
  if (ts.isForInStatement(n)) return f.updateForInStatement(n, n.initializer, n.expression, body);
  if (ts.isForOfStatement(n)) return f.updateForOfStatement(n, n.awaitModifier, n.initializer, n.expression, body);
  if (ts.isWhileStatement(n)) return f.updateWhileStatement(n, n.expression, body);
  if (ts.isDoStatement(n)) return f.updateDoStatement(n, body, n.expression);
  return n;
}

// ---- counted loops ----

/** What makes a `for` loop counted: its trip count is fixed when it starts. */
export interface Counted {
  /** The bound and the step magnitude: a numeric literal or an identifier nothing assigns while the loop runs. */
  readonly bound: ts.Expression;
  readonly step: ts.Expression;
  /** 1 counting up (`<`, `<=` with `++`, `+=`), -1 counting down. */
  readonly dir: 1 | -1;
}

/**
 * `for (let i = A; i < B; i++ / i += C)` (or counting down with `>`, `>=`, `--`, `-=`) where A does
 * not mention i, B and C are numeric literals or identifiers, nothing but the incrementor assigns
 * i, nothing can assign B or C while the loop runs (their binding is local to the function the
 * loop is in, and every assignment to it is in that function's own code, outside the loop), and
 * the loop neither awaits nor yields. `sites` is `assignmentSites(sourceFile)`.
 */
export function countedLoop(n: ts.ForStatement, sites: ReadonlyMap<string, readonly ts.Identifier[]>): Counted | undefined {
  const init = n.initializer;
  if (init === undefined || !ts.isVariableDeclarationList(init) || (init.flags & ts.NodeFlags.Let) === 0 || init.declarations.length !== 1) return undefined;
  const d = init.declarations[0] as ts.VariableDeclaration;
  if (!ts.isIdentifier(d.name) || d.initializer === undefined || mentions(d.initializer, d.name.text)) return undefined;
  const index = d.name.text;
  const cond = n.condition;
  if (cond === undefined || !ts.isBinaryExpression(cond) || !ts.isIdentifier(cond.left) || cond.left.text !== index) return undefined;
  const op = cond.operatorToken.kind;
  const up = op === ts.SyntaxKind.LessThanToken || op === ts.SyntaxKind.LessThanEqualsToken;
  if (!up && op !== ts.SyntaxKind.GreaterThanToken && op !== ts.SyntaxKind.GreaterThanEqualsToken) return undefined;
  const inc = n.incrementor;
  let step: ts.Expression | undefined;
  if (inc !== undefined && (ts.isPostfixUnaryExpression(inc) || ts.isPrefixUnaryExpression(inc)) && ts.isIdentifier(inc.operand) && inc.operand.text === index
    && inc.operator === (up ? ts.SyntaxKind.PlusPlusToken : ts.SyntaxKind.MinusMinusToken)) step = f.createNumericLiteral(1);
  else if (inc !== undefined && ts.isBinaryExpression(inc) && ts.isIdentifier(inc.left) && inc.left.text === index
    && inc.operatorToken.kind === (up ? ts.SyntaxKind.PlusEqualsToken : ts.SyntaxKind.MinusEqualsToken)) step = inc.right;
  if (step === undefined || !steady(cond.right, n, sites) || !steady(step, n, sites) || (ts.isIdentifier(step) && step.text === index)) return undefined;
  if (ts.isIdentifier(cond.right) && cond.right.text === index) return undefined;
  // Only the incrementor may assign the index.
  for (const s of sites.get(index) ?? []) if (resolve(s) === n && !within(s, inc as ts.Node)) return undefined;
  if (suspends(n.statement) || size(n) > VERSION_MAX_NODES) return undefined;
  return { bound: copyOperand(cond.right), step: copyOperand(step), dir: up ? 1 : -1 };
}

/** A numeric literal (maybe negated), or an identifier whose binding cannot change while loop `l` runs. */
function steady(e: ts.Expression, l: ts.ForStatement, sites: ReadonlyMap<string, readonly ts.Identifier[]>): boolean {
  if (ts.isNumericLiteral(e)) return true;
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(e.operand)) return true;
  if (!ts.isIdentifier(e)) return false;
  const binding = resolve(e);
  const own = sites.get(e.text)?.filter((s) => resolve(s) === binding) ?? [];
  if (own.length === 0) return true; // never assigned: a constant, whatever it is bound to
  // Assigned somewhere: only by this very frame, and never during the loop. A binding of an outer
  // function could be assigned by a call the loop makes (a closure, or a recursive call).
  const fn = functionOf(l);
  if (binding === undefined || (isFunctionScope(binding) || ts.isSourceFile(binding) ? binding : functionOf(binding)) !== fn) return false;
  return own.every((s) => functionOf(s) === fn && !within(s, l));
}

function copyOperand(e: ts.Expression): ts.Expression {
  if (ts.isIdentifier(e)) return f.createIdentifier(e.text);
  if (ts.isNumericLiteral(e)) return f.createNumericLiteral(e.text);
  return f.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, f.createNumericLiteral(((e as ts.PrefixUnaryExpression).operand as ts.NumericLiteral).text));
}

/**
 * `{ const a = A; if (__sing$n(g, a, B, C, dir)) fast; else { let k = 0; slow-with-charge } }`, with
 * both copies starting from `a` and labelled like the original. `fast` and `slow` are the loop
 * visited twice (slow with its nested loops per-iteration charged only, so nests grow linearly).
 */
export function versionedLoop(original: ts.Statement, fast: ts.ForStatement, slow: ts.ForStatement, c: Counted, id: number): ts.Statement {
  const a = f.createIdentifier(`${RESERVED_PREFIX}a${id}`);
  const decl = (fast.initializer as ts.VariableDeclarationList).declarations[0] as ts.VariableDeclaration;
  const start = (l: ts.ForStatement): ts.ForStatement => {
    const list = l.initializer as ts.VariableDeclarationList;
    const d = list.declarations[0] as ts.VariableDeclaration;
    return f.updateForStatement(l, f.updateVariableDeclarationList(list, [f.updateVariableDeclaration(d, d.name, d.exclamationToken, d.type, a)]), l.condition, l.incrementor, l.statement);
  };
  const [kDecl, charged] = chargedLoop(start(slow), `${RESERVED_PREFIX}k${id}`);
  const hoist = f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(a, undefined, undefined, decl.initializer)], ts.NodeFlags.Const));
  const dir = (): ts.Expression => (c.dir === 1 ? f.createNumericLiteral(1) : f.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, f.createNumericLiteral(1)));
  const call = f.createCallExpression(f.createIdentifier(COUNT), undefined, [guard(), a, c.bound, c.step, dir()]);
  // A short loop (under 1024 trips, which the counter would not charge either) skips the call:
  // `(a | 0) === a && (C | 0) === C && (B - a) * dir < 1023 * C`. With an int32 start and an int32
  // step, fewer than 1024 steps stay exact (no `i++` stuck at 2^53, no step lost to rounding), and
  // a step below 1 cannot pass (1023 * C would be at most 0 while B - a is not negative for a loop
  // that runs); anything else goes to the helper, which decides safely.
  const int = (e: ts.Expression): ts.Expression => f.createBinaryExpression(
    f.createParenthesizedExpression(f.createBinaryExpression(e, ts.SyntaxKind.BarToken, f.createNumericLiteral(0))), ts.SyntaxKind.EqualsEqualsEqualsToken, copyOperand(e));
  const span = f.createBinaryExpression(
    f.createBinaryExpression(f.createParenthesizedExpression(f.createBinaryExpression(copyOperand(c.bound), ts.SyntaxKind.MinusToken, f.createIdentifier(a.text))), ts.SyntaxKind.AsteriskToken, dir()),
    ts.SyntaxKind.LessThanToken,
    f.createBinaryExpression(f.createNumericLiteral(1023), ts.SyntaxKind.AsteriskToken, copyOperand(c.step)));
  const short = f.createBinaryExpression(f.createBinaryExpression(int(f.createIdentifier(a.text)), ts.SyntaxKind.AmpersandAmpersandToken, int(copyOperand(c.step))), ts.SyntaxKind.AmpersandAmpersandToken, span);
  const test = f.createBinaryExpression(short, ts.SyntaxKind.BarBarToken, call);
  // The fast loop goes in a block of its own: printed bare, `if (t) for (...) if (x) s; else {...}`
  // would read back with the else bound to the loop body's own if.
  return f.createBlock([hoist, f.createIfStatement(test, f.createBlock([relabel(original, start(fast))], true), f.createBlock([kDecl, relabel(original, charged)], true))], true);
}

function relabel(original: ts.Statement, loop: ts.Statement): ts.Statement {
  return ts.isLabeledStatement(original) ? f.createLabeledStatement(f.createIdentifier(original.label.text), relabel(original.statement, loop)) : loop;
}

// ---- recursion ----

/**
 * A function declaration whose clones may skip the entry check: small, not async or a
 * generator, calling itself directly, and the only binding of its name in the bundle, never
 * assigned (so every `name(...)` in its body means this function). `declarations` counts the
 * bindings of each name (`declarationCounts`), `rebound` the names assigned anywhere.
 */
export function cloneable(n: ts.FunctionDeclaration, declarations: ReadonlyMap<string, number>, rebound: ReadonlySet<string>): boolean {
  if (n.name === undefined || n.body === undefined || n.asteriskToken !== undefined) return false;
  if ((ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) return false;
  const name = n.name.text;
  if (declarations.get(name) !== 1 || rebound.has(name) || size(n) > CLONE_MAX_NODES) return false;
  let recursive = false;
  const scan = (x: ts.Node): void => { if (isDirectCall(x, name)) recursive = true; else if (!recursive) ts.forEachChild(x, scan); };
  ts.forEachChild(n.body, scan);
  return recursive;
}

/**
 * `function F` (visited, entry check first) → `[F', F$1, …, F$CLONES]`: F' calls F$1 where F called
 * itself, F$i calls F$i+1, the last calls F. The clones are copies without the entry check; none
 * escapes as a value, so each is entered only by a direct call from a running F or clone.
 * `bare()` visits the original declaration again (every clone is its own copy of the AST).
 */
export function recursionClones(checked: ts.FunctionDeclaration, bare: () => ts.FunctionDeclaration, id: number): ts.FunctionDeclaration[] {
  const name = (checked.name as ts.Identifier).text;
  const names = [name];
  for (let i = 1; i <= CLONES; i++) names.push(`${RESERVED_PREFIX}r${id}_${i}`);
  const out: ts.FunctionDeclaration[] = [];
  for (let i = 0; i <= CLONES; i++) {
    const fn = i === 0 ? checked : bare();
    const next = names[(i + 1) % names.length] as string;
    const renamed = renameCalls(fn, name, next);
    out.push(i === 0 ? renamed : f.updateFunctionDeclaration(renamed, renamed.modifiers, undefined, f.createIdentifier(names[i] as string), renamed.typeParameters, renamed.parameters, renamed.type, renamed.body));
  }
  return out;
}

function renameCalls(fn: ts.FunctionDeclaration, from: string, to: string): ts.FunctionDeclaration {
  const swap = (x: ts.Node): ts.Node => {
    const y = ts.visitEachChild(x, swap, undefined);
    return isDirectCall(y, from) ? f.updateCallExpression(y, f.createIdentifier(to), y.typeArguments, y.arguments) : y;
  };
  return f.updateFunctionDeclaration(fn, fn.modifiers, fn.asteriskToken, fn.name, fn.typeParameters, fn.parameters, fn.type, ts.visitEachChild(fn.body as ts.Block, swap, undefined));
}

function isDirectCall(x: ts.Node, name: string): x is ts.CallExpression {
  return ts.isCallExpression(x) && x.questionDotToken === undefined && ts.isIdentifier(x.expression) && x.expression.text === name;
}

// ---- bindings ----

/** Every identifier the file assigns (`=`, compound, `++`/`--`, destructuring, for-in/of
 * targets, initialised `var`s), by name. */
export function assignmentSites(sf: ts.SourceFile): Map<string, ts.Identifier[]> {
  const out = new Map<string, ts.Identifier[]>();
  const add = (id: ts.Identifier): void => { const l = out.get(id.text); if (l === undefined) out.set(id.text, [id]); else l.push(id); };
  const targets = (e: ts.Node): void => {
    if (ts.isIdentifier(e)) add(e);
    else if (ts.isParenthesizedExpression(e)) targets(e.expression);
    else if (ts.isArrayLiteralExpression(e) || ts.isObjectLiteralExpression(e) || ts.isSpreadElement(e) || ts.isSpreadAssignment(e)
      || ts.isPropertyAssignment(e) || ts.isShorthandPropertyAssignment(e) || ts.isBinaryExpression(e)) ts.forEachChild(e, (c) => { if (!(ts.isPropertyAssignment(e) && c === e.name)) targets(c); });
  };
  const bound = (b: ts.BindingName): void => { if (ts.isIdentifier(b)) add(b); else for (const el of b.elements) if (!ts.isOmittedExpression(el)) bound(el.name); };
  const walk = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) targets(n.left);
    else if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n))
      && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) targets(n.operand);
    else if ((ts.isForInStatement(n) || ts.isForOfStatement(n)) && !ts.isVariableDeclarationList(n.initializer)) targets(n.initializer);
    // A `var` initialiser assigns the function's one binding; a let/const initialiser only ends a
    // binding's dead zone, so it never changes a value anything has read.
    else if (ts.isVariableDeclaration(n) && n.initializer !== undefined && (n.parent.flags & ts.NodeFlags.BlockScoped) === 0) bound(n.name);
    ts.forEachChild(n, walk);
  };
  walk(sf);
  return out;
}

/** How many bindings of each name the file declares (variables, parameters, functions, classes,
 * catch variables), whatever their scope. */
export function declarationCounts(sf: ts.SourceFile): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (n: ts.Node): void => {
    if (ts.isIdentifier(n) && n.parent !== undefined && declaredBy(n.parent) === n) out.set(n.text, (out.get(n.text) ?? 0) + 1);
    ts.forEachChild(n, walk);
  };
  walk(sf);
  return out;
}

function declaredBy(p: ts.Node): ts.Node | undefined {
  if (ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isBindingElement(p) || ts.isFunctionDeclaration(p) || ts.isFunctionExpression(p)
    || ts.isClassDeclaration(p) || ts.isClassExpression(p) || ts.isImportSpecifier(p) || ts.isNamespaceImport(p)) return p.name;
  return undefined;
}

/** The scope node whose binding `id` refers to, or undefined for a global. */
function resolve(id: ts.Identifier): ts.Node | undefined {
  for (let p: ts.Node | undefined = id.parent; p !== undefined; p = p.parent) if (declares(p, id.text)) return p;
  return undefined;
}

function declares(scope: ts.Node, name: string): boolean {
  const binds = (b: ts.BindingName): boolean => (ts.isIdentifier(b) ? b.text === name : b.elements.some((el) => !ts.isOmittedExpression(el) && binds(el.name)));
  const lexical = (stmts: readonly ts.Statement[]): boolean => stmts.some((s) => (ts.isVariableStatement(s) && ((s.declarationList.flags & ts.NodeFlags.BlockScoped) !== 0 || ts.isSourceFile(scope)) && s.declarationList.declarations.some((d) => binds(d.name)))
    || ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name?.text === name));
  if (ts.isForStatement(scope) || ts.isForInStatement(scope) || ts.isForOfStatement(scope)) {
    const i = scope.initializer;
    return i !== undefined && ts.isVariableDeclarationList(i) && (i.flags & ts.NodeFlags.BlockScoped) !== 0 && i.declarations.some((d) => binds(d.name));
  }
  if (ts.isCatchClause(scope)) return scope.variableDeclaration !== undefined && binds(scope.variableDeclaration.name);
  if (ts.isBlock(scope) || ts.isModuleBlock(scope)) return lexical(scope.statements);
  if (ts.isCaseBlock(scope)) return scope.clauses.some((c) => lexical(c.statements));
  if (ts.isSourceFile(scope)) return lexical(scope.statements) || hoistsVar(scope, name);
  if ((ts.isFunctionExpression(scope) || ts.isClassExpression(scope)) && scope.name?.text === name) return true;
  if (isFunctionScope(scope)) return scope.parameters.some((p) => binds(p.name)) || (scope.body !== undefined && hoistsVar(scope.body, name));
  return false;
}

/** A `var` of this name declared in `root`'s own code (not in nested functions). */
function hoistsVar(root: ts.Node, name: string): boolean {
  let found = false;
  const binds = (b: ts.BindingName): boolean => (ts.isIdentifier(b) ? b.text === name : b.elements.some((el) => !ts.isOmittedExpression(el) && binds(el.name)));
  const walk = (n: ts.Node): void => {
    if (found || isFunctionScope(n)) return;
    if (ts.isVariableDeclarationList(n) && (n.flags & ts.NodeFlags.BlockScoped) === 0 && n.declarations.some((d) => binds(d.name))) { found = true; return; }
    ts.forEachChild(n, walk);
  };
  ts.forEachChild(root, walk);
  return found;
}

type FunctionScope = ts.FunctionLikeDeclaration;
function isFunctionScope(n: ts.Node): n is FunctionScope {
  return ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n) || ts.isMethodDeclaration(n)
    || ts.isConstructorDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n);
}

/** The function (or the file) whose frame `n` runs in. Class field initialisers count as the
 * class's, which is never a loop's function: conservative. */
function functionOf(n: ts.Node): ts.Node | undefined {
  for (let p = n.parent as ts.Node | undefined; p !== undefined; p = p.parent) if (isFunctionScope(p) || ts.isSourceFile(p) || ts.isClassLike(p)) return p;
  return undefined;
}

function within(n: ts.Node, outer: ts.Node): boolean {
  for (let p: ts.Node | undefined = n; p !== undefined; p = p.parent) if (p === outer) return true;
  return false;
}

function mentions(n: ts.Node, name: string): boolean {
  if (ts.isIdentifier(n)) return n.text === name;
  return ts.forEachChild(n, (c) => mentions(c, name) || undefined) ?? false;
}

/** An await, yield or for-await in this code itself (nested functions are their own). */
function suspends(n: ts.Node): boolean {
  if (ts.isAwaitExpression(n) || ts.isYieldExpression(n) || (ts.isForOfStatement(n) && n.awaitModifier !== undefined)) return true;
  if (isFunctionScope(n)) return false;
  return ts.forEachChild(n, (c) => suspends(c) || undefined) ?? false;
}

function size(n: ts.Node): number {
  let s = 1;
  ts.forEachChild(n, (c) => { s += size(c); });
  return s;
}
