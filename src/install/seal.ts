// seal: turns a bundled ESM program into a sealed image factory.
// Rules for callers: input is one ESM module (esbuild's bundle) whose only imports are the Sing
// runtime. Output is the source of `(function (<globals>, __sing$rt) { return function
// (__sing$g) { <module>; return <default export> } })`: free globals become parameters bound once per
// image, runtime imports are bound once per image, and the module body runs once per process.
// The guard `__sing$g` is inserted so that no code of a dead process runs again:
//  - every function body starts with `if (--__sing$g.f < 0) __sing$g.o();` and every loop is
//    charged (the process's CPU fuel for the turn; a dead process's fuel is negative, so `o`
//    throws the kill). fuel.ts has the forms, and the two exceptions: the check-free clones of a
//    small self-recursive function, and counted loops charged once at entry,
//  - every native `await e` becomes `__sing$g.a(await __sing$g.w(e))` (the scheduler resumes
//    it, on a turn of its own; checks on resumption), every `for await (x of e)` iterates
//    `__sing$g.i(e)` (each step likewise),
//  - every catch clause starts with `__sing$g.x(e)` (rethrows a kill; stack overflow is fatal),
//  - every finally block runs only while the process lives,
//  - every `for await` loop is followed by a check.
// Programs may not name `__sing$…`, use top-level `await`, or `arguments` outside a function.
import ts from 'typescript';
import { SingError } from '../lib/error.ts';
import {
  COUNT_HELPER, GUARD, RESERVED_PREFIX, assignmentSites, chargedLoop, checkStatement, cloneable, countedLoop, declarationCounts,
  guardCall, recursionClones, versionedLoop,
} from './fuel.ts';

export { GUARD };
export const RUNTIME = '__sing$rt';
const RUNTIME_SPECIFIERS = new Set(['sing/runtime', 'sing']);
/** Globals never bound into an image: evaluators, and names strict mode forbids as parameters. */
const NEVER_BOUND = new Set(['eval', 'arguments', 'Function', 'Compartment', 'lockdown']);

export class SealError extends SingError {
  constructor(file: string, sf: ts.SourceFile | undefined, node: ts.Node | undefined, message: string) {
    const at = sf !== undefined && node !== undefined ? sf.getLineAndCharacterOfPosition(node.getStart(sf)) : undefined;
    super('E_SEAL', `${file}${at !== undefined ? `:${at.line + 1}:${at.character + 1}` : ''} ${message}`);
  }
}

export interface Sealed {
  readonly code: string;
  /** The free global names bound as parameters, in order. */
  readonly globals: readonly string[];
  /** Runtime exports the program imports. */
  readonly runtimeImports: readonly string[];
}

const f = ts.factory;

/**
 * @param bundle esbuild's ESM output
 * @param available the global names a compartment offers (others stay unbound and fail at use)
 */
export function seal(bundle: string, available: ReadonlySet<string>, file = 'bundle.js'): Sealed {
  const sf = ts.createSourceFile(file, bundle, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const fail = (node: ts.Node, msg: string): never => { throw new SealError(file, sf, node, msg); };

  const imports: { imported: string; local: string }[] = [];
  const namespaces: string[] = [];
  let defaultExport: ts.Expression | undefined;
  const body: ts.Statement[] = [];

  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      const spec = (st.moduleSpecifier as ts.StringLiteral).text;
      if (!RUNTIME_SPECIFIERS.has(spec)) fail(st, `import from ${JSON.stringify(spec)}: a program may import only its own files, contract modules and sing/runtime`);
      const clause = st.importClause;
      if (clause?.name !== undefined) fail(st, 'sing/runtime has no default export');
      const nb = clause?.namedBindings;
      if (nb !== undefined && ts.isNamespaceImport(nb)) namespaces.push(nb.name.text);
      else if (nb !== undefined) for (const el of nb.elements) imports.push({ imported: (el.propertyName ?? el.name).text, local: el.name.text });
      continue;
    }
    if (ts.isExportDeclaration(st)) {
      if (st.moduleSpecifier !== undefined || st.exportClause === undefined || !ts.isNamedExports(st.exportClause)) fail(st, 'only `export { a as default }` may stand at the end of a bundle');
      for (const el of (st.exportClause as ts.NamedExports).elements) {
        if (el.name.text === 'default') defaultExport = f.createIdentifier((el.propertyName ?? el.name).text);
      }
      continue;
    }
    if (ts.isExportAssignment(st)) { defaultExport = st.expression; continue; }
    // esbuild's shim for a free `require` (`var __require = ((x) => typeof require ...)(...)`):
    // in a compartment there is no require, so the shim becomes `undefined`, which is what the
    // program would see without a bundler. (`require('x')` with a literal never gets here: the
    // bundler refuses it as an import outside the closed world.)
    if (ts.isVariableStatement(st) && st.declarationList.declarations.length === 1) {
      const d = st.declarationList.declarations[0] as ts.VariableDeclaration;
      if (ts.isIdentifier(d.name) && /^__require\d*$/.test(d.name.text) && d.initializer !== undefined && /typeof require/.test(d.initializer.getText(sf))) {
        body.push(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(d.name.text, undefined, undefined, f.createIdentifier('undefined'))], ts.NodeFlags.None)));
        continue;
      }
    }
    if (ts.canHaveModifiers(st) && ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) fail(st, 'unexpected export modifier in a bundle');
    body.push(st);
  }

  const declared = new Set<string>();
  const referenced = new Set<string>();
  // Contract definitions built only from the runtime's DSL and literals are evaluated once per
  // image instead of once per process: contracts are frozen and interned, so this is invisible
  // to the program, and it keeps process creation cheap.
  const runtimeLocal = new Map(imports.map((i) => [i.local, i.imported]));
  const hoisted: ts.VariableStatement[] = [];
  const hoistedNames = new Set<string>();
  const rebound = assignedNames(sf);
  for (let i = 0; i < body.length; i++) {
    const st = body[i] as ts.Statement;
    if (!ts.isVariableStatement(st)) continue;
    const decls = st.declarationList.declarations;
    // Only a variable bound once to a call of the DSL: a plain literal ({}, [], 0) would become
    // state shared by every instance, and a variable assigned elsewhere is not a constant.
    if (decls.every((d) => boundNames(d.name)?.every((n) => !rebound.has(n)) === true && d.initializer !== undefined
      && ts.isCallExpression(d.initializer) && isPureDsl(d.initializer, runtimeLocal, hoistedNames))) {
      for (const d of decls) for (const n of boundNames(d.name) ?? []) hoistedNames.add(n);
      hoisted.push(f.createVariableStatement(undefined, f.createVariableDeclarationList([...decls], ts.NodeFlags.Const)));
      body.splice(i--, 1);
    }
  }
  for (const st of hoisted) ts.forEachChild(st, function note(n: ts.Node): void { if (ts.isIdentifier(n)) noteIdentifier(n, declared, referenced); ts.forEachChild(n, note); });

  // Guard insertion, and the checks that keep the guard unreachable.
  let loops = 0; // numbers each loop's fuel counter: deterministic per image, so is its hash
  let recursions = 0; // numbers the clones of self-recursive functions, likewise
  let counted = false; // whether the image needs the counted-loop helper
  const sites = assignmentSites(sf);
  const declarations = declarationCounts(sf);
  // `version`: whether a counted loop here may get an up-front-charged copy. Off inside the
  // per-iteration-charged copy of an enclosing counted loop, so a nest of d loops holds at most
  // d + 1 copies of its innermost body rather than 2^d.
  let argsDepth = 0; // non-arrow functions around the node: `arguments` needs one
  const visit = (fnDepth: number, co = false, version = true) => (node: ts.Node): ts.VisitResult<ts.Node> => {
    if (ts.isIdentifier(node)) {
      if (node.text.startsWith(RESERVED_PREFIX)) fail(node, `the name ${node.text} is reserved for Sing`);
      if (node.text === 'arguments' && argsDepth === 0) fail(node, '`arguments` outside a function is not allowed in a program (an arrow function has none of its own)');
      noteIdentifier(node, declared, referenced);
      return node;
    }
    if (ts.isAwaitExpression(node)) {
      if (fnDepth === 0) fail(node, 'top-level await is not allowed: module initialisation must be synchronous');
      const inner = ts.visitEachChild(node, visit(fnDepth, co, version), ctx);
      // A native await waits on a promise the scheduler settles (`w`), so that awaiting takes
      // turns like a coroutine's yield does, and checks for death on resumption (`a`).
      if (!co) return guardCall('a', [f.updateAwaitExpression(inner, guardCall('w', [inner.expression]))]);
      // `await x.receive()` parks the coroutine on the endpoint itself (see Guard.r).
      const e = inner.expression;
      const awaited = ts.isCallExpression(e) && e.arguments.length === 0 && e.questionDotToken === undefined && ts.isPropertyAccessExpression(e.expression)
        && e.expression.questionDotToken === undefined && e.expression.name.text === 'receive'
        ? guardCall('r', [e.expression.expression])
        : e;
      return f.createParenthesizedExpression(f.createYieldExpression(undefined, awaited));
    }
    // A loop (labels and all) becomes `{ let k = 0; label: loop-with-charge }`, and a `for await`
    // is followed by a check, since what comes after it runs on a resumption.
    if (ts.isIterationStatement(node, false) || (ts.isLabeledStatement(node) && ts.isIterationStatement(unlabel(node), false))) {
      const inner = unlabel(node as ts.Statement) as ts.IterationStatement;
      const isAwait = ts.isForOfStatement(inner) && inner.awaitModifier !== undefined;
      if (isAwait && fnDepth === 0) fail(node, 'top-level for await is not allowed');
      const c = version && ts.isForStatement(inner) ? countedLoop(inner, sites) : undefined;
      if (c !== undefined) {
        counted = true;
        const id = loops++;
        const fast = ts.visitEachChild(inner, visit(fnDepth, co, true), ctx) as ts.ForStatement;
        return versionedLoop(node as ts.Statement, fast, ts.visitEachChild(inner, visit(fnDepth, co, false), ctx) as ts.ForStatement, c, id);
      }
      let visited = ts.visitEachChild(inner, visit(fnDepth, co, version), ctx) as ts.IterationStatement;
      // Each step of a `for await` passes through the scheduler too (see Guard.i).
      if (isAwait) {
        const fo = visited as ts.ForOfStatement;
        visited = f.updateForOfStatement(fo, fo.awaitModifier, fo.initializer, guardCall('i', [fo.expression]), fo.statement);
      }
      const [decl, loop] = chargedLoop(visited, `${RESERVED_PREFIX}k${loops++}`);
      const rewrap = (l: ts.Statement): ts.Statement => (ts.isLabeledStatement(l) ? f.updateLabeledStatement(l, l.label, rewrap(l.statement)) : loop);
      return f.createBlock(isAwait ? [decl, rewrap(node as ts.Statement), checkStatement()] : [decl, rewrap(node as ts.Statement)], true);
    }
    // A spread copies its operand in one engine loop: `s` charges a large one first (Guard.s).
    // Not a rest target of a destructuring assignment, which is no copy and no expression.
    if ((ts.isSpreadElement(node) || ts.isSpreadAssignment(node)) && !inAssignmentPattern(node)) {
      const v = ts.visitEachChild(node, visit(fnDepth, co, version), ctx);
      return ts.isSpreadElement(v) ? f.updateSpreadElement(v, guardCall('s', [v.expression])) : f.updateSpreadAssignment(v as ts.SpreadAssignment, guardCall('s', [(v as ts.SpreadAssignment).expression, f.createNumericLiteral(1)]));
    }
    if (ts.isCatchClause(node)) return guardCatch(ts.visitEachChild(node, visit(fnDepth, co, version), ctx));
    if (ts.isTryStatement(node) && node.finallyBlock !== undefined) {
      const t = ts.visitEachChild(node, visit(fnDepth, co, version), ctx);
      const guarded = f.createBlock([f.createIfStatement(f.createPrefixUnaryExpression(ts.SyntaxKind.ExclamationToken, f.createPropertyAccessExpression(f.createIdentifier(GUARD), 'd')), t.finallyBlock as ts.Block)], true);
      return f.updateTryStatement(t, t.tryBlock, t.catchClause, guarded);
    }
    if (isFunctionWithBody(node)) {
      const arrow = ts.isArrowFunction(node);
      const depth = arrow ? Math.max(fnDepth, 1) : fnDepth + 1;
      const asCo = coroutineEligible(node);
      if (!arrow) argsDepth++; // an arrow's `arguments` is its enclosing function's
      try {
        const visited = ts.visitEachChild(node, visit(depth, asCo), ctx) as FunctionWithBody;
        if (ts.isFunctionDeclaration(node) && !asCo && cloneable(node, declarations, rebound)) {
          return recursionClones(guardFunction(visited) as ts.FunctionDeclaration, () => ts.visitEachChild(node, visit(depth, asCo), ctx), recursions++);
        }
        return asCo ? coroutine(visited) : guardFunction(visited);
      } finally {
        if (!arrow) argsDepth--;
      }
    }
    return ts.visitEachChild(node, visit(fnDepth, co, version), ctx);
  };
  let ctx!: ts.TransformationContext;
  const result = ts.transform(f.updateSourceFile(sf, body), [(c) => { ctx = c; return (root) => ts.visitEachChild(root, visit(0), c); }]);
  const guarded = (result.transformed[0] as ts.SourceFile).statements;

  // A free `require` (esbuild leaves a shim for one it cannot resolve) would give programs a
  // function-shaped hole where a closed world should be; refuse it like any other import.
  if (referenced.has('require') && !declared.has('require')) {
    throw new SealError(file, undefined, undefined, 'uses `require`: a program may import only its own files, sing/contracts/* and sing/runtime, with `import`');
  }
  const globals = [...referenced].filter((n) => !declared.has(n) && available.has(n) && !NEVER_BOUND.has(n)).sort();
  const runtimeBinding = imports.length > 0
    ? `const { ${imports.map((i) => (i.imported === i.local ? i.local : `${i.imported}: ${i.local}`)).join(', ')} } = ${RUNTIME};\n`
    : '';
  const nsBinding = namespaces.map((n) => `const ${n} = ${RUNTIME};\n`).join('');
  const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed, removeComments: true });
  const perImage = hoisted.map((st) => printer.printNode(ts.EmitHint.Unspecified, st, sf)).join('\n');
  const printed = guarded.map((st) => printer.printNode(ts.EmitHint.Unspecified, st, sf)).join('\n');
  const ret = defaultExport !== undefined ? printer.printNode(ts.EmitHint.Expression, defaultExport, sf) : 'undefined';
  const helper = counted ? `${COUNT_HELPER}\n` : '';
  const code = `(function (${[...globals, RUNTIME].join(', ')}) {\n'use strict';\n${runtimeBinding}${nsBinding}${helper}${perImage}\nreturn function (${GUARD}) {\n${printed}\nreturn ${ret};\n};\n})`;
  return { code, globals, runtimeImports: [...new Set(imports.map((i) => i.imported))].sort() };
}

const PURE_DSL = new Set(['contract', 'contracts', 'inn', 'out', 'i32', 'u32', 'f64', 'bool', 'str', 'enumOf', 'record', 'array', 'endpointOf', 'END', 'bytes', 'text', 'exArray', 'exLayout', 'exPtr', 'exPointers', 'exRecord', 'exVector']);

/** The names a declaration binds, when it binds plain names only (`x`, or `{ A, B }` as
 * `contracts({...})` is destructured); undefined for any other pattern. */
function boundNames(name: ts.BindingName): string[] | undefined {
  if (ts.isIdentifier(name)) return [name.text];
  if (!ts.isObjectBindingPattern(name)) return undefined;
  const out: string[] = [];
  for (const el of name.elements) {
    if (el.dotDotDotToken !== undefined || el.initializer !== undefined || !ts.isIdentifier(el.name)) return undefined;
    if (el.propertyName !== undefined && !ts.isIdentifier(el.propertyName)) return undefined;
    out.push(el.name.text);
  }
  return out;
}

/** True for an expression made only of literals, the runtime's contract DSL and contracts
 * already hoisted: evaluating it has no effect a program could observe per instance. */
function isPureDsl(e: ts.Expression, runtime: ReadonlyMap<string, string>, hoisted: ReadonlySet<string>): boolean {
  const pure = (x: ts.Expression): boolean => isPureDsl(x, runtime, hoisted);
  if (ts.isStringLiteral(e) || ts.isNumericLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)
    || e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword || e.kind === ts.SyntaxKind.NullKeyword) return true;
  if (ts.isParenthesizedExpression(e)) return pure(e.expression);
  if (ts.isIdentifier(e)) return hoisted.has(e.text) || PURE_DSL.has(runtime.get(e.text) ?? '');
  if (ts.isArrayLiteralExpression(e)) return e.elements.every((x) => !ts.isSpreadElement(x) && pure(x));
  if (ts.isObjectLiteralExpression(e)) {
    return e.properties.every((p) => (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && pure(p.initializer))
      || (ts.isShorthandPropertyAssignment(p) && p.objectAssignmentInitializer === undefined && pure(p.name)));
  }
  if (ts.isCallExpression(e)) return ts.isIdentifier(e.expression) && PURE_DSL.has(runtime.get(e.expression.text) ?? '') && e.arguments.every((a) => !ts.isSpreadElement(a) && pure(a));
  return false;
}

/** Every name that is assigned (not just declared) anywhere in the file: such a variable is
 * not a constant, whatever its initialiser. */
function assignedNames(sf: ts.SourceFile): Set<string> {
  const out = new Set<string>();
  const targets = (e: ts.Node): void => {
    if (ts.isIdentifier(e)) out.add(e.text);
    else if (ts.isParenthesizedExpression(e)) targets(e.expression);
    else if (ts.isArrayLiteralExpression(e) || ts.isObjectLiteralExpression(e) || ts.isSpreadElement(e) || ts.isSpreadAssignment(e)
      || ts.isPropertyAssignment(e) || ts.isShorthandPropertyAssignment(e) || ts.isBinaryExpression(e)) ts.forEachChild(e, targets);
  };
  const walk = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) targets(n.left);
    else if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n))
      && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) targets(n.operand);
    else if ((ts.isForInStatement(n) || ts.isForOfStatement(n)) && !ts.isVariableDeclarationList(n.initializer)) targets(n.initializer);
    ts.forEachChild(n, walk);
  };
  walk(sf);
  return out;
}

type FunctionWithBody = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration | ts.ConstructorDeclaration | ts.GetAccessorDeclaration | ts.SetAccessorDeclaration;

function isFunctionWithBody(n: ts.Node): n is FunctionWithBody {
  return (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n) || ts.isMethodDeclaration(n)
    || ts.isConstructorDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n)) && n.body !== undefined;
}

function guardFunction(n: FunctionWithBody): ts.Node {
  const body = n.body as ts.ConciseBody;
  let block: ts.Block;
  if (ts.isBlock(body)) {
    // A constructor of a derived class must call super() before touching anything: check after it.
    const stmts = [...body.statements];
    const superAt = ts.isConstructorDeclaration(n) ? stmts.findIndex((s) => ts.isExpressionStatement(s) && ts.isCallExpression(s.expression) && s.expression.expression.kind === ts.SyntaxKind.SuperKeyword) : -1;
    const at = superAt >= 0 ? superAt + 1 : leadingDirectives(stmts);
    stmts.splice(at, 0, checkStatement());
    block = f.updateBlock(body, stmts);
  } else {
    block = f.createBlock([checkStatement(), f.createReturnStatement(body)], true);
  }
  if (ts.isFunctionDeclaration(n)) return f.updateFunctionDeclaration(n, n.modifiers, n.asteriskToken, n.name, n.typeParameters, n.parameters, n.type, block);
  if (ts.isFunctionExpression(n)) return f.updateFunctionExpression(n, n.modifiers, n.asteriskToken, n.name, n.typeParameters, n.parameters, n.type, block);
  if (ts.isArrowFunction(n)) return f.updateArrowFunction(n, n.modifiers, n.typeParameters, n.parameters, n.type, n.equalsGreaterThanToken, block);
  if (ts.isMethodDeclaration(n)) return f.updateMethodDeclaration(n, n.modifiers, n.asteriskToken, n.name, n.questionToken, n.typeParameters, n.parameters, n.type, block);
  if (ts.isConstructorDeclaration(n)) return f.updateConstructorDeclaration(n, n.modifiers, n.parameters, block);
  if (ts.isGetAccessorDeclaration(n)) return f.updateGetAccessorDeclaration(n, n.modifiers, n.name, n.parameters, n.type, block);
  return f.updateSetAccessorDeclaration(n, n.modifiers, n.name, n.parameters, block);
}

/** An async function (not a generator) that can become a coroutine: no `super`, `new.target`
 * or `for await` in its own body, and, for an arrow, no `arguments` (which would be the
 * enclosing function's). Others stay native async functions with guarded awaits. */
function coroutineEligible(n: FunctionWithBody): boolean {
  if (!ts.canHaveModifiers(n) || !(ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) return false;
  if ('asteriskToken' in n && n.asteriskToken !== undefined) return false;
  const arrow = ts.isArrowFunction(n);
  let ok = true;
  const scan = (x: ts.Node): void => {
    if (!ok) return;
    if (x.kind === ts.SyntaxKind.SuperKeyword || ts.isMetaProperty(x) || (ts.isForOfStatement(x) && x.awaitModifier !== undefined)
      || (arrow && ts.isIdentifier(x) && x.text === 'arguments')) { ok = false; return; }
    if ((ts.isFunctionLike(x) && !ts.isArrowFunction(x)) || ts.isClassLike(x)) return;
    ts.forEachChild(x, scan);
  };
  if (n.body !== undefined) ts.forEachChild(n.body, scan);
  return ok;
}

/** `async function f(..) { B }` → `function f(..) { check; return __sing$g.co(function* () { B }, this, arguments); }` */
function coroutine(n: FunctionWithBody): ts.Node {
  const body = n.body as ts.ConciseBody;
  const genBody = ts.isBlock(body) ? body : f.createBlock([f.createReturnStatement(body)], true);
  const gen = f.createFunctionExpression(undefined, f.createToken(ts.SyntaxKind.AsteriskToken), undefined, undefined, [], undefined, genBody);
  const args: ts.Expression[] = [gen, f.createThis()];
  if (!ts.isArrowFunction(n)) args.push(f.createIdentifier('arguments'));
  const block = f.createBlock([checkStatement(), f.createReturnStatement(guardCall('co', args))], true);
  const mods = (ts.getModifiers(n) ?? []).filter((m) => m.kind !== ts.SyntaxKind.AsyncKeyword);
  if (ts.isFunctionDeclaration(n)) return f.updateFunctionDeclaration(n, mods, undefined, n.name, n.typeParameters, n.parameters, n.type, block);
  if (ts.isFunctionExpression(n)) return f.updateFunctionExpression(n, mods, undefined, n.name, n.typeParameters, n.parameters, n.type, block);
  if (ts.isArrowFunction(n)) return f.updateArrowFunction(n, mods, n.typeParameters, n.parameters, n.type, n.equalsGreaterThanToken, block);
  if (ts.isMethodDeclaration(n)) return f.updateMethodDeclaration(n, mods, undefined, n.name, n.questionToken, n.typeParameters, n.parameters, n.type, block);
  return guardFunction(n);
}

function leadingDirectives(stmts: readonly ts.Statement[]): number {
  let i = 0;
  while (i < stmts.length) {
    const s = stmts[i];
    if (s !== undefined && ts.isExpressionStatement(s) && ts.isStringLiteral(s.expression)) i++;
    else break;
  }
  return i;
}

function guardCatch(c: ts.CatchClause): ts.CatchClause {
  const decl = c.variableDeclaration;
  if (decl !== undefined && ts.isIdentifier(decl.name)) {
    return f.updateCatchClause(c, decl, f.updateBlock(c.block, [f.createExpressionStatement(guardCall('x', [f.createIdentifier(decl.name.text)])), ...c.block.statements]));
  }
  const tmp = f.createIdentifier(`${RESERVED_PREFIX}e`);
  const rebind = decl !== undefined
    ? [f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(decl.name, undefined, undefined, tmp)], ts.NodeFlags.Let))]
    : [];
  return f.updateCatchClause(c, f.createVariableDeclaration(tmp), f.createBlock([f.createExpressionStatement(guardCall('x', [tmp])), ...rebind, ...c.block.statements], true));
}

function unlabel(n: ts.Statement): ts.Statement {
  return ts.isLabeledStatement(n) ? unlabel(n.statement) : n;
}


/** Sorts an identifier into declared names and referenced names (for free-global binding). */
function noteIdentifier(id: ts.Identifier, declared: Set<string>, referenced: Set<string>): void {
  const p = id.parent;
  if (p === undefined) return;
  if ((ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isFunctionDeclaration(p) || ts.isFunctionExpression(p)
    || ts.isClassDeclaration(p) || ts.isClassExpression(p) || ts.isBindingElement(p)) && p.name === id) {
    declared.add(id.text);
    if (ts.isBindingElement(p) && p.propertyName === undefined) return;
    return;
  }
  if (ts.isBindingElement(p) && p.propertyName === id) return;
  if (ts.isPropertyAccessExpression(p) && p.name === id) return;
  if ((ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p) || ts.isGetAccessorDeclaration(p)
    || ts.isSetAccessorDeclaration(p) || ts.isPropertySignature(p)) && p.name === id) return;
  if ((ts.isLabeledStatement(p) || ts.isBreakStatement(p) || ts.isContinueStatement(p)) && p.label === id) return;
  if (ts.isMetaProperty(p)) return;
  referenced.add(id.text);
}

/** True for `...x` inside the target of a destructuring assignment (`[a, ...rest] = v`,
 * `({ a, ...rest } = v)`, `for ([a, ...rest] of vs)`): a rest target, not a spread. */
function inAssignmentPattern(n: ts.Node): boolean {
  let child: ts.Node = n;
  let p: ts.Node | undefined = n.parent;
  while (p !== undefined && (ts.isArrayLiteralExpression(p) || ts.isObjectLiteralExpression(p) || ts.isPropertyAssignment(p)
    || ts.isShorthandPropertyAssignment(p) || ts.isSpreadElement(p) || ts.isSpreadAssignment(p) || ts.isParenthesizedExpression(p))) {
    child = p;
    p = p.parent;
  }
  if (p === undefined || child === n) return false;
  if (ts.isBinaryExpression(p)) return p.left === child && p.operatorToken.kind === ts.SyntaxKind.EqualsToken;
  if (ts.isForOfStatement(p) || ts.isForInStatement(p)) return p.initializer === child;
  return false;
}
