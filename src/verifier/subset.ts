// Rule 2, safe subset and sealing: the constructs a sealed program may not use, reported in source
// terms before the bundler and the sealer (src/install) would refuse them, or before they would
// quietly fail inside a compartment. One code per kind:
//   SING2001 `eval`, in any form
//   SING2002 the global `Function` (`Function(...)`, `new Function(...)`, any reference)
//   SING2003 reaching a function's constructor: `.constructor`, `?.constructor`, `['constructor']`
//            or destructuring `constructor` (in a declaration, a parameter or an assignment) on a
//            value that may be a function, or a computed key on one. Casts do not hide a function:
//            the receiver is judged by its type and by the type of every expression under its
//            casts, parentheses, `!` and `satisfies` (`(x as Shape).constructor` with x unknown).
//            Also refused whatever the types say: a `constructor` read from another one
//            (`.constructor.constructor`, in any of those forms), a `constructor` read typed as an
//            object that cannot be a function (the type lies: at run time it is one), and
//            calling a `constructor` read without `new` (directly, tagged, or by call/apply/bind).
//            Not followed: a function laundered into a non-function type through a variable, a
//            parameter or a return, whose constructor is then stored before use; the compartment
//            still refuses the Function constructor at run time.
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
//   SING2018 a regular expression V8's linear-time engine cannot run (src/lib/linear-regexp.ts:
//            backreferences, lookaround, the i/u/v/d flags, counts above 16): a literal, or
//            `RegExp(...)`/`new RegExp(...)` of string literals. Sing runs every other pattern in
//            linear time; these could backtrack for ever, and patterns built at run time are refused
//            by the kernel (E_REGEXP) for the same reasons.
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
import { describeProblem, linearProblem } from '../lib/linear-regexp.ts';
import { writtenPattern } from './regexp-literals.ts';
import { container, isAmbient, isAmbientStatement, isValueReference, isWrapper, layers, propertyNameText, strip } from './syntax-shapes.ts';

type Code =
  | 'SING2001' | 'SING2002' | 'SING2003' | 'SING2004' | 'SING2005' | 'SING2006' | 'SING2007' | 'SING2008' | 'SING2009'
  | 'SING2010' | 'SING2011' | 'SING2012' | 'SING2013' | 'SING2014' | 'SING2015' | 'SING2016' | 'SING2017' | 'SING2018';

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

    /** A read of `constructor`: `x.constructor`, `x?.constructor`, `x['constructor']`. */
    const isConstructorRead = (e: ts.Expression): e is ts.PropertyAccessExpression | ts.ElementAccessExpression =>
      (ts.isPropertyAccessExpression(e) && e.name.text === 'constructor')
      || (ts.isElementAccessExpression(e) && literalKey(e.argumentExpression) === 'constructor');
    /** Why the value of `e` may be a function at run time (undefined when it cannot be): its own
     * type, or the type of any expression under its casts, may hold a function; or it is itself
     * a constructor read (the constructor of anything is a function, whatever it is typed). */
    const functionAtRunTime = (e: ts.Expression): string | undefined => {
      for (const x of layers(e)) {
        if (isConstructorRead(x)) return `the constructor ${describe(x)}`;
        if (mayBeFunction(checker.getTypeAtLocation(x))) return x === e ? describe(e) : `${describe(e)} (a cast of ${describe(x)}, which may be a function)`;
      }
      return undefined;
    };
    /** A constructor read whose type says it cannot be a function hides what it is. */
    const typeHidesFunction = (at: ts.Node): string | undefined => hides(checker.getTypeAtLocation(at));
    const hides = (t: ts.Type): string | undefined => (mayBeFunction(t) || !holdsObject(t) ? undefined : checker.typeToString(t));
    /** The type `source` says its `constructor` property has (undefined when it has none). */
    const constructorTypeOf = (source: ts.Expression): ts.Type | undefined => {
      const prop = checker.getPropertyOfType(checker.getApparentType(checker.getTypeAtLocation(source)), 'constructor');
      return prop === undefined ? undefined : checker.getTypeOfSymbolAtLocation(prop, source);
    };
    const hiddenMessage = (what: string, type: string): string =>
      ctorMessage(`${what}, typed ${type.length <= 40 ? type : `${type.slice(0, 37)}...`} though an object's constructor is a function at run time,`);

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
        checkAssignmentPattern(n);
      } else if (ts.isObjectBindingPattern(n)) checkPattern(n);
      if (ts.isCallExpression(n)) checkCall(n.expression, n);
      else if (ts.isTaggedTemplateExpression(n)) checkCall(n.tag, n);
      if (n.kind === ts.SyntaxKind.RegularExpressionLiteral || ((ts.isNewExpression(n) || ts.isCallExpression(n)) && isGlobal(strip(n.expression), 'RegExp'))) checkLinear(n);
      ts.forEachChild(n, visit);
    };
    /** In type positions only reserved names matter. */
    const visitNames = (n: ts.Node): void => {
      if (ts.isIdentifier(n) && n.text.startsWith(RESERVED)) checkIdentifier(n);
      ts.forEachChild(n, visitNames);
    };

    /** SING2018: a written-out pattern the linear-time engine cannot run. */
    const checkLinear = (n: ts.Node): void => {
      const w = writtenPattern(n);
      const p = w === undefined ? undefined : linearProblem(w.source, w.flags);
      if (w !== undefined && p !== undefined) flag(n, 'SING2018', describeProblem(w.source, w.flags, p));
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
      if (key === 'constructor') {
        const problem = constructorReadProblem(n);
        if (problem !== undefined) flag(n, 'SING2003', problem);
        return;
      }
      if (ts.isElementAccessExpression(n) && key === undefined && !isLiteralKeyType(checker.getTypeAtLocation(n.argumentExpression))) {
        const fn = functionAtRunTime(n.expression);
        if (fn !== undefined) flag(n, 'SING2003', ctorMessage(`a computed key on ${fn}, which may be a function,`), { within: n, codes: new Set([7053]) });
      }
    };

    /** What is wrong with reading `constructor` at `n` (undefined when nothing, or when the read
     * is the receiver of another constructor read, which reports the whole chain). */
    const constructorReadProblem = (n: ts.PropertyAccessExpression | ts.ElementAccessExpression): string | undefined => {
      let outer: ts.Node = n;
      while (isWrapper(outer.parent)) outer = outer.parent;
      const p = outer.parent;
      if ((ts.isPropertyAccessExpression(p) || ts.isElementAccessExpression(p)) && p.expression === outer && isConstructorRead(p)) return undefined;
      const fn = functionAtRunTime(n.expression);
      if (fn !== undefined) return ctorMessage(`\`.constructor\` of ${fn}`);
      const hidden = isWritten(n) ? undefined : typeHidesFunction(n);
      return hidden === undefined ? undefined : hiddenMessage(`\`${describe(n)}\``, hidden);
    };

    /** Calling a constructor read without `new`: `x.constructor(..)`, tagged, or by call/apply/bind
     * (reported unless the read itself is). */
    const checkCall = (callee: ts.Expression, at: ts.Node): void => {
      let c = strip(callee);
      if (ts.isPropertyAccessExpression(c) && ['call', 'apply', 'bind'].includes(c.name.text)) c = strip(c.expression);
      if (isConstructorRead(c) && constructorReadProblem(c) === undefined) flag(at, 'SING2003', ctorMessage(`calling ${describe(c)} without \`new\``));
    };

    const literalKey = (e: ts.Expression): string | undefined => {
      const s = strip(e);
      if (ts.isStringLiteralLike(s) || ts.isNumericLiteral(s)) return s.text;
      const t = checker.getTypeAtLocation(e);
      return t.isStringLiteral() ? t.value : undefined;
    };

    /** `({ constructor: c } = x)`: an object literal that is the target of an assignment. */
    const checkAssignmentPattern = (lit: ts.ObjectLiteralExpression): void => {
      if (!isAssignmentTarget(lit)) return;
      let top: ts.Node = lit;
      while (ts.isParenthesizedExpression(top.parent)) top = top.parent;
      const p = top.parent;
      const source = ts.isBinaryExpression(p) && p.left === top ? p.right : undefined;
      // A pattern under another `constructor` property takes the constructor's own.
      const fromCtor = ts.isPropertyAssignment(p) && propertyNameText(p.name) === 'constructor';
      for (const el of lit.properties) {
        if (!ts.isPropertyAssignment(el) && !ts.isShorthandPropertyAssignment(el)) continue;
        if (propertyNameText(el.name) !== 'constructor') continue;
        const fn = fromCtor ? 'a constructor' : source !== undefined ? functionAtRunTime(source) : undefined;
        const declared = source !== undefined ? constructorTypeOf(source) : undefined;
        const target = ts.isPropertyAssignment(el) ? el.initializer : el.name;
        const hidden = fn !== undefined || ts.isObjectLiteralExpression(strip(target)) ? undefined // a nested pattern is checked on its own
          : declared !== undefined ? hides(declared) : typeHidesFunction(target);
        if (fn !== undefined) flag(el, 'SING2003', ctorMessage(`destructuring \`constructor\` from ${fn}`));
        else if (hidden !== undefined) flag(el, 'SING2003', hiddenMessage('the destructured `constructor`', hidden));
      }
    };

    const checkPattern = (pat: ts.ObjectBindingPattern): void => {
      const holder = pat.parent;
      const source = ts.isVariableDeclaration(holder) && holder.initializer !== undefined ? holder.initializer : undefined;
      for (const el of pat.elements) {
        const name = el.propertyName !== undefined ? propertyNameText(el.propertyName) : ts.isIdentifier(el.name) ? el.name.text : undefined;
        if (name === '__proto__') flag(el, 'SING2008', protoMessage);
        else if (name === 'constructor') {
          // A pattern nested under another `constructor` element takes the constructor's own.
          const fromCtor = ts.isBindingElement(holder) && (holder.propertyName !== undefined ? propertyNameText(holder.propertyName) : undefined) === 'constructor';
          const fn = fromCtor ? 'a constructor' : source !== undefined ? functionAtRunTime(source)
            : mayBeFunction(checker.getTypeAtLocation(pat)) ? 'a value that may be a function' : undefined;
          const hidden = fn === undefined && ts.isIdentifier(el.name) ? typeHidesFunction(el.name) : undefined; // a nested pattern is checked on its own
          if (fn !== undefined) flag(el, 'SING2003', ctorMessage(`destructuring \`constructor\` from ${fn}`));
          else if (hidden !== undefined) flag(el, 'SING2003', hiddenMessage('the destructured `constructor`', hidden));
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

/** True when a value of type `t` may be an object (a primitive-typed `constructor`, such as a
 * record's own string field, cannot be used as a function without another cast). */
function holdsObject(t: ts.Type): boolean {
  if (t.isUnion()) return t.types.some(holdsObject);
  return (t.flags & (ts.TypeFlags.Object | ts.TypeFlags.NonPrimitive | ts.TypeFlags.Intersection | ts.TypeFlags.TypeParameter | ts.TypeFlags.Unknown | ts.TypeFlags.Any)) !== 0;
}

/** True when `n` is assigned to (`n = v`, `n += v`, `n++`), not read. */
function isWritten(n: ts.Expression): boolean {
  let e: ts.Node = n;
  while (ts.isParenthesizedExpression(e.parent) || ts.isNonNullExpression(e.parent)) e = e.parent;
  const p = e.parent;
  if (ts.isBinaryExpression(p)) return p.left === e && p.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && p.operatorToken.kind <= ts.SyntaxKind.LastAssignment;
  return (ts.isPrefixUnaryExpression(p) || ts.isPostfixUnaryExpression(p)) && (p.operator === ts.SyntaxKind.PlusPlusToken || p.operator === ts.SyntaxKind.MinusMinusToken);
}

/** True when an object literal is (part of) the target of a destructuring assignment. */
function isAssignmentTarget(lit: ts.ObjectLiteralExpression): boolean {
  let e: ts.Node = lit;
  for (;;) {
    const p = e.parent;
    if (ts.isParenthesizedExpression(p)) { e = p; continue; }
    if (ts.isBinaryExpression(p)) return p.left === e && p.operatorToken.kind === ts.SyntaxKind.EqualsToken;
    if (ts.isForOfStatement(p) || ts.isForInStatement(p)) return p.initializer === e;
    if ((ts.isPropertyAssignment(p) && p.initializer === e) || ts.isShorthandPropertyAssignment(p) || ts.isSpreadAssignment(p)) { e = p.parent; continue; }
    if (ts.isArrayLiteralExpression(p) || ts.isSpreadElement(p)) { e = p; continue; }
    return false;
  }
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
