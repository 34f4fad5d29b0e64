// Rule 2, safe subset and sealing: the constructs a sealed program may not use, reported in source
// terms before the bundler and the sealer (src/install) would refuse them, or before they would
// quietly fail inside a compartment. One code per kind:
//   SING2001 `eval`, in any form
//   SING2002 the global `Function` (`Function(...)`, `new Function(...)`, any reference)
//   SING2003 reaching a function's constructor: `.constructor`/`['constructor']` (or destructuring
//            `constructor`) on a value that may be a function, or a computed key on one
//   SING2004 `with` statements
//   SING2005 dynamic `import()`
//   SING2006 CommonJS names: `require`, `module`, `exports`, `__dirname`, `__filename`
//   SING2007 `arguments.callee`, `arguments.caller`
//   SING2008 `__proto__`, as a property access, element key, object-literal key or binding
//   SING2009 `Object.setPrototypeOf`, `Object.defineProperty`, `Object.defineProperties`,
//            `Reflect.setPrototypeOf`, `Reflect.defineProperty` on an object the program did not
//            create here (allowed: `this` in a constructor, an object/array literal, a `new`
//            expression, a function or class expression, `Object.create(..)`, or a const of the
//            same function initialised with one of those), or taken as a value
//   SING2010 host globals: `process`, `Buffer`, `fetch`, `WebAssembly`, `SharedArrayBuffer`,
//            `Atomics`, the global `console`, and other Node/browser names
//   SING2011 the global object: `globalThis`, `self`, `window`, `global`
//   SING2012 host timers: `setTimeout`, `setInterval`, `setImmediate`, `queueMicrotask`, ...
//   SING2013 names starting with `__sing$` (reserved for the image compiler)
//   SING2014 top-level `await` and `for await`
//   SING2015 `arguments` outside a function (at top level, in an arrow at top level, in a class
//            field or static block)
//   SING2016 `debugger`
//   SING2017 ambient value declarations (`declare const`, `declare global`, ...): they tell the
//            type checker a value exists that the program never defines
// Rules for callers: names are resolved with the checker, so a program's own variable, parameter
// or import named `process` or `console` is not a host global; a name counts as the host's when it
// is unresolved (the library has no Node or DOM types) or declared only outside the program (the
// ES library) or only ambiently. A trusted program's manifest may waive codes (`unsafe`); waived
// codes are neither reported nor claimed (their TypeScript errors then surface as SING1001).
// Invariants: TypeScript errors that are really one of these violations (unresolved host names,
// `with`, `import('x')` of a missing module, `o.__proto__`) are claimed under this rule's code, so
// each violation is reported once.
import ts from 'typescript';
import type { RuleContext, Rule } from './rule.ts';

type Code =
  | 'SING2001' | 'SING2002' | 'SING2003' | 'SING2004' | 'SING2005' | 'SING2006' | 'SING2007' | 'SING2008' | 'SING2009'
  | 'SING2010' | 'SING2011' | 'SING2012' | 'SING2013' | 'SING2014' | 'SING2015' | 'SING2016' | 'SING2017';

const SEALED = 'a sealed program runs only code verified at install';
const WORLD = 'a program reaches the world only through its endpoints and ctx';

/** Free names the host (Node, browsers) would provide, with the code and the reason. */
const HOST: ReadonlyMap<string, readonly [Code, string]> = new Map<string, readonly [Code, string]>([
  ...['require', 'module', 'exports', '__dirname', '__filename'].map((n) => [n, ['SING2006', `\`${n}\` is CommonJS: a program imports only its own files, sing/contracts/* and sing/runtime, with \`import\``]] as const),
  ...['globalThis', 'self', 'window', 'global', 'frames'].map((n) => [n, ['SING2011', `\`${n}\` is the global object: a program may neither read nor change the globals of its compartment`]] as const),
  ...['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'clearTimeout', 'clearInterval', 'clearImmediate', 'requestAnimationFrame', 'requestIdleCallback']
    .map((n) => [n, ['SING2012', `\`${n}\` is a host timer: a program is scheduled by the kernel and waits on its endpoints (use select with a timeout)`]] as const),
  ['console', ['SING2010', 'the global `console` is not available: log through ctx.console (declare `console: true` in the manifest)']],
  ['SharedArrayBuffer', ['SING2010', `\`SharedArrayBuffer\` is shared memory: processes share only channels and the exchange heap`]],
  ['Atomics', ['SING2010', `\`Atomics\` works on shared memory: processes share only channels and the exchange heap`]],
  ['WebAssembly', ['SING2010', `\`WebAssembly\` compiles code at run time: ${SEALED}`]],
  ...['process', 'Buffer', 'fetch', 'performance', 'crypto', 'navigator', 'document', 'location', 'structuredClone', 'postMessage', 'importScripts',
    'Worker', 'MessageChannel', 'XMLHttpRequest', 'WebSocket', 'Deno', 'Bun'].map((n) => [n, ['SING2010', `\`${n}\` is a host global: ${WORLD}`]] as const),
]);

/** TypeScript's "cannot find name" family: how an unresolved host name shows up. */
const CANNOT_FIND = new Set([2304, 2552, 2580, 2581, 2582, 2583, 2584, 2591, 2592, 2593, 2662, 2663, 2815, 2867, 2868]);
const RESERVED = '__sing$';
const SHAPERS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['Object', new Set(['setPrototypeOf', 'defineProperty', 'defineProperties'])],
  ['Reflect', new Set(['setPrototypeOf', 'defineProperty'])],
]);

type FunctionLike = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration
  | ts.ConstructorDeclaration | ts.GetAccessorDeclaration | ts.SetAccessorDeclaration;

function isFunctionWithBody(n: ts.Node): n is FunctionLike {
  return ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n) || ts.isMethodDeclaration(n)
    || ts.isConstructorDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n);
}

/** The function whose body `n` runs in (arrows count unless `skipArrows`); a class field
 * initialiser or static block stops the search, since it has no `arguments` of its own. */
function container(n: ts.Node, skipArrows: boolean): FunctionLike | ts.PropertyDeclaration | ts.ClassStaticBlockDeclaration | undefined {
  for (let p = n.parent; p !== undefined && !ts.isSourceFile(p); p = p.parent) {
    if (isFunctionWithBody(p)) {
      if (skipArrows && ts.isArrowFunction(p)) continue;
      return p;
    }
    if (ts.isClassStaticBlockDeclaration(p)) return p;
    if (ts.isPropertyDeclaration(p) && p.initializer !== undefined && isWithin(n, p.initializer)) return p;
  }
  return undefined;
}

function isWithin(n: ts.Node, outer: ts.Node): boolean {
  return n.pos >= outer.pos && n.end <= outer.end;
}

function strip(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e)) e = e.expression;
  return e;
}

/** True when the identifier is read as a value (not a declaration's name, a property name, a
 * label or part of a type). */
function isValueReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if (ts.isPropertyAccessExpression(p)) return p.expression === id;
  if (ts.isQualifiedName(p) || ts.isTypeReferenceNode(p) || ts.isTypeQueryNode(p)) return false;
  if (ts.isShorthandPropertyAssignment(p)) return true;
  if (ts.isBindingElement(p)) return p.initializer === id;
  if (ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p) || ts.isMetaProperty(p)) return false;
  if (ts.isImportSpecifier(p) || ts.isImportClause(p) || ts.isNamespaceImport(p) || ts.isImportEqualsDeclaration(p) || ts.isExportSpecifier(p)) return false;
  if ((ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isFunctionDeclaration(p) || ts.isFunctionExpression(p) || ts.isClassLike(p)
    || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p) || ts.isGetAccessorDeclaration(p)
    || ts.isSetAccessorDeclaration(p) || ts.isEnumMember(p) || ts.isEnumDeclaration(p) || ts.isModuleDeclaration(p)
    || ts.isInterfaceDeclaration(p) || ts.isTypeAliasDeclaration(p) || ts.isTypeParameterDeclaration(p) || ts.isPropertySignature(p)
    || ts.isMethodSignature(p)) && p.name === id) return false;
  return true;
}

function isAmbientStatement(n: ts.Node): boolean {
  if (ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n) || ts.isPropertyDeclaration(n)) return false;
  return ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.DeclareKeyword);
}

/** Declared under a `declare` (itself, its statement, or an enclosing `declare global`/module). */
function isAmbient(d: ts.Node): boolean {
  for (let n: ts.Node | undefined = d; n !== undefined && !ts.isSourceFile(n); n = n.parent) {
    if (ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) return true;
  }
  return false;
}

function propertyNameText(n: ts.PropertyName | undefined): string | undefined {
  if (n === undefined) return undefined;
  if (ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isNumericLiteral(n)) return n.text;
  if (ts.isComputedPropertyName(n)) {
    const e = strip(n.expression);
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
  }
  return undefined;
}

export const subsetRule: Rule = {
  id: 2,
  name: 'safe subset',
  check(ctx) {
    const { checker } = ctx;
    const m = ctx.manifest;
    const waived = (code: Code): boolean => m !== undefined && m.trusted && m.unsafe.includes(code);
    const functionType = functionInterface(ctx);

    /** Reports one violation at `node`. TypeScript errors that start inside `within` (and have one
     * of `codes`, when given) are the same violation seen by the compiler: they are claimed under
     * the same code and message, so one at `node`'s start merges with the report (the driver
     * drops duplicates) and one elsewhere in `within` is not reported again as SING1001. */
    const flag = (node: ts.Node, code: Code, message: string, claim?: { readonly within?: ts.Node; readonly codes?: ReadonlySet<number> }): void => {
      if (waived(code)) return;
      if (claim === undefined) ctx.report(node, code, message);
      else ctx.flag(node, code, message, claim.within ?? node, claim.codes);
    };

    /** True when the name is the program's own (declared, not ambiently, in its files). */
    const isLocal = (id: ts.Identifier): boolean => {
      const sym = ts.isShorthandPropertyAssignment(id.parent) ? checker.getShorthandAssignmentValueSymbol(id.parent) : checker.getSymbolAtLocation(id);
      return (sym?.getDeclarations() ?? []).some((d) => {
        const sf = d.getSourceFile();
        return ctx.vp.owns(sf.fileName) && !sf.isDeclarationFile && !isAmbient(d);
      });
    };
    /** `Object`/`Reflect` as the global (not a local of that name). */
    const isGlobal = (e: ts.Expression, name: string): boolean => ts.isIdentifier(e) && e.text === name && !isLocal(e);

    /** True when a value of type `t` may be a function at run time. */
    const mayBeFunction = (t: ts.Type, depth = 0): boolean => {
      if (depth > 4) return true;
      if (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.NonPrimitive)) return true;
      if (t.isUnion()) return t.types.some((u) => mayBeFunction(u, depth + 1));
      if (t.flags & ts.TypeFlags.TypeParameter) {
        const c = checker.getBaseConstraintOfType(t);
        return c === undefined || c === t || mayBeFunction(c, depth + 1);
      }
      if (t.getCallSignatures().length > 0 || t.getConstructSignatures().length > 0) return true;
      if (t.flags & ts.TypeFlags.Object && functionType !== undefined) return checker.isTypeAssignableTo(functionType, t);
      return false;
    };
    const ctorMessage = (what: string): string => `${what} may reach the Function constructor, which compiles code at run time: ${SEALED}`;

    /** True for an object the program creates right here (see SING2009). */
    const createdHere = (arg: ts.Expression, call: ts.Node, viaConst = true): boolean => {
      const e = strip(arg);
      if (ts.isObjectLiteralExpression(e) || ts.isArrayLiteralExpression(e) || ts.isNewExpression(e) || ts.isFunctionExpression(e)
        || ts.isArrowFunction(e) || ts.isClassExpression(e)) return true;
      if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === 'create' && isGlobal(e.expression.expression, 'Object')) return true;
      if (e.kind === ts.SyntaxKind.ThisKeyword) {
        const c = container(e, true);
        return c !== undefined && ts.isConstructorDeclaration(c);
      }
      if (viaConst && ts.isIdentifier(e)) {
        const d = checker.getSymbolAtLocation(e)?.valueDeclaration;
        if (d === undefined || !ts.isVariableDeclaration(d) || d.initializer === undefined || !ts.isIdentifier(d.name)) return false;
        if (!(ts.getCombinedNodeFlags(d) & ts.NodeFlags.Const)) return false;
        return container(d, false) === container(call, false) && createdHere(d.initializer, d, false);
      }
      return false;
    };

    const checkIdentifier = (id: ts.Identifier): void => {
      const name = id.text;
      if (name.startsWith(RESERVED)) {
        flag(id, 'SING2013', `the name ${name} is reserved: names starting with ${RESERVED} belong to Sing's image compiler`);
        return;
      }
      if (!isValueReference(id)) return;
      if (name === 'eval' && !isLocal(id)) { flag(id, 'SING2001', `eval is not allowed: ${SEALED}`, { codes: CANNOT_FIND }); return; }
      if (name === 'Function' && !isLocal(id)) {
        flag(id, 'SING2002', `the Function constructor is not allowed: it compiles code at run time, and ${SEALED}`, { codes: CANNOT_FIND });
        return;
      }
      if (name === 'arguments') {
        const c = container(id, true);
        if (c === undefined || ts.isPropertyDeclaration(c) || ts.isClassStaticBlockDeclaration(c)) {
          flag(id, 'SING2015', '`arguments` outside a function is not allowed: there it would name the image compiler\'s own arguments', { codes: CANNOT_FIND });
          return;
        }
        const p = id.parent;
        const member = ts.isPropertyAccessExpression(p) && p.expression === id ? p.name.text
          : ts.isElementAccessExpression(p) && p.expression === id && ts.isStringLiteralLike(p.argumentExpression) ? p.argumentExpression.text : undefined;
        if (member === 'callee' || member === 'caller') flag(p, 'SING2007', `arguments.${member} is not allowed: it hands out the calling function, which a sealed program may not reach`, { within: p });
        return;
      }
      const host = HOST.get(name);
      // Through the global object every name is unresolved or untyped: claim what follows too.
      if (host !== undefined && !isLocal(id)) flag(id, host[0], host[1], host[0] === 'SING2011' ? { within: accessChain(id) } : { codes: CANNOT_FIND });
    };

    /** `Object.defineProperty` and kin, by the access that names them. */
    const shaperOf = (n: ts.Node): string | undefined => {
      let obj: ts.Expression;
      let member: string;
      if (ts.isPropertyAccessExpression(n)) { obj = n.expression; member = n.name.text; }
      else if (ts.isElementAccessExpression(n) && ts.isStringLiteralLike(n.argumentExpression)) { obj = n.expression; member = n.argumentExpression.text; }
      else return undefined;
      for (const [g, names] of SHAPERS) if (names.has(member) && isGlobal(strip(obj), g)) return `${g}.${member}`;
      return undefined;
    };

    const visit = (n: ts.Node): void => {
      if (ts.isIdentifier(n)) { checkIdentifier(n); return; }
      if (ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)) { visitNames(n); return; }
      if (isAmbientStatement(n)) {
        flag(n, 'SING2017', 'an ambient declaration (`declare ...`) tells the type checker about a value the program never defines: declare only types, and define values');
        visitNames(n);
        return;
      }
      if (ts.isTypeNode(n) && !ts.isExpressionWithTypeArguments(n)) { visitNames(n); return; }
      if (ts.isHeritageClause(n) && n.token === ts.SyntaxKind.ImplementsKeyword) { visitNames(n); return; }

      if (ts.isWithStatement(n)) flag(n, 'SING2004', `a \`with\` statement makes names resolve at run time: ${SEALED}`, { within: n, codes: new Set([1101, 2410]) });
      else if (n.kind === ts.SyntaxKind.DebuggerStatement) flag(n, 'SING2016', 'a `debugger` statement is not allowed: a sealed program cannot be stopped in a host debugger');
      else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
        flag(n, 'SING2005', `dynamic import() is not allowed: a program's code is fixed at install, so import its own files, sing/contracts/* and sing/runtime statically`, { within: n });
      } else if (ts.isAwaitExpression(n) && container(n, false) === undefined) {
        flag(n, 'SING2014', 'top-level await is not allowed: a program\'s module initialisation must be synchronous; await inside main');
      } else if (ts.isForOfStatement(n) && n.awaitModifier !== undefined && container(n, false) === undefined) {
        flag(n, 'SING2014', 'top-level for await is not allowed: a program\'s module initialisation must be synchronous; await inside main');
      } else if (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n)) checkAccess(n);
      else if (ts.isObjectLiteralExpression(n)) {
        for (const p of n.properties) {
          if (p.name !== undefined && propertyNameText(p.name) === '__proto__') flag(p.name, 'SING2008', protoMessage);
        }
      } else if (ts.isObjectBindingPattern(n)) checkPattern(n);
      ts.forEachChild(n, visit);
    };
    /** In type positions only reserved names matter. */
    const visitNames = (n: ts.Node): void => {
      if (ts.isIdentifier(n) && n.text.startsWith(RESERVED)) checkIdentifier(n);
      ts.forEachChild(n, visitNames);
    };

    const protoMessage = '__proto__ is not allowed: changing or reading an object\'s prototype by __proto__ can reach objects the program does not own; use Object.create or a class';

    const checkAccess = (n: ts.PropertyAccessExpression | ts.ElementAccessExpression): void => {
      const key: string | undefined = ts.isPropertyAccessExpression(n) ? n.name.text : literalKey(n.argumentExpression);
      if (key === '__proto__') {
        flag(ts.isPropertyAccessExpression(n) ? n.name : n, 'SING2008', protoMessage, { within: n });
        return;
      }
      const shaper = shaperOf(n);
      if (shaper !== undefined) {
        const p = n.parent;
        if (ts.isCallExpression(p) && p.expression === n) {
          const first = p.arguments[0];
          if (first === undefined || !createdHere(first, p)) {
            flag(p, 'SING2009', `${shaper} may change only an object this function creates (an object or array literal, a new object, or \`this\` in a constructor): changing the shape of objects it did not create can break the code that owns them`);
          }
        } else {
          flag(n, 'SING2009', `${shaper} may only be called directly, on an object the program creates: taken as a value it escapes that check`);
        }
        return;
      }
      const recv = checker.getTypeAtLocation(n.expression);
      if (key === 'constructor') {
        if (mayBeFunction(recv)) flag(n, 'SING2003', ctorMessage(`\`.constructor\` of ${describe(n.expression)}`));
        return;
      }
      if (ts.isElementAccessExpression(n) && key === undefined && !isLiteralKeyType(checker.getTypeAtLocation(n.argumentExpression)) && mayBeFunction(recv)) {
        flag(n, 'SING2003', ctorMessage(`a computed key on ${describe(n.expression)}, which may be a function,`), { within: n, codes: new Set([7053]) });
      }
    };

    const literalKey = (e: ts.Expression): string | undefined => {
      const s = strip(e);
      if (ts.isStringLiteralLike(s) || ts.isNumericLiteral(s)) return s.text;
      const t = checker.getTypeAtLocation(e);
      return t.isStringLiteral() ? t.value : undefined;
    };

    const checkPattern = (pat: ts.ObjectBindingPattern): void => {
      const holder = pat.parent;
      const source = ts.isVariableDeclaration(holder) && holder.initializer !== undefined ? holder.initializer : undefined;
      for (const el of pat.elements) {
        const name = el.propertyName !== undefined ? propertyNameText(el.propertyName) : ts.isIdentifier(el.name) ? el.name.text : undefined;
        if (name === '__proto__') flag(el, 'SING2008', protoMessage);
        else if (name === 'constructor') {
          const t = source !== undefined ? checker.getTypeAtLocation(source) : checker.getTypeAtLocation(pat);
          if (mayBeFunction(t)) flag(el, 'SING2003', ctorMessage(`destructuring \`constructor\` from ${source !== undefined ? describe(source) : 'a value that may be a function'}`));
        } else if (name !== undefined && source !== undefined) {
          for (const [g, names] of SHAPERS) {
            if (names.has(name) && isGlobal(strip(source), g)) flag(el, 'SING2009', `${g}.${name} may only be called directly, on an object the program creates: taken as a value it escapes that check`);
          }
        }
      }
    };

    for (const sf of ctx.files) {
      ts.forEachChild(sf, visit);
    }
    // A declaration file in the program's folder declares only ambiently: its values are promises
    // nobody keeps (ctx.files leaves such files out, so they are looked at here).
    for (const sf of ctx.vp.program.getSourceFiles()) {
      if (!sf.isDeclarationFile || !ctx.vp.owns(sf.fileName)) continue;
      for (const st of sf.statements) {
        if (ts.isVariableStatement(st) || ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st) || ts.isModuleDeclaration(st)) {
          flag(st, 'SING2017', `${ctx.vp.rel(sf.fileName)} declares a value the program never defines: a program's declaration files may declare only types`);
        }
      }
    }
  },
};

function describe(e: ts.Expression): string {
  const text = e.getText();
  return text.length <= 40 ? text : `${text.slice(0, 37)}...`;
}

/** The longest `a.b[c].d` chain that starts with `e`. */
function accessChain(e: ts.Expression): ts.Expression {
  let top: ts.Expression = e;
  for (let p = top.parent; (ts.isPropertyAccessExpression(p) || ts.isElementAccessExpression(p)) && p.expression === top; p = p.parent) top = p;
  return top;
}

function isLiteralKeyType(t: ts.Type): boolean {
  if (t.isUnion()) return t.types.every(isLiteralKeyType);
  return t.isLiteral() || (t.flags & ts.TypeFlags.UniqueESSymbol) !== 0 || (t.flags & ts.TypeFlags.BooleanLiteral) !== 0;
}

/** The ES library's `Function` interface: whatever it is assignable to may hold a function. */
function functionInterface(ctx: RuleContext): ts.Type | undefined {
  const at = ctx.files[0];
  if (at === undefined) return undefined;
  const sym = ctx.checker.getSymbolsInScope(at, ts.SymbolFlags.Interface).find((s) => s.getName() === 'Function'
    && (s.getDeclarations() ?? []).some((d) => d.getSourceFile().isDeclarationFile && !ctx.vp.owns(d.getSourceFile().fileName)));
  return sym === undefined ? undefined : ctx.checker.getDeclaredTypeOfSymbol(sym);
}
