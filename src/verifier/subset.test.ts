// Rule 2 (safe subset) unit tests: in-memory programs through the subset rule and the type rule (so
// that a TypeScript error the subset rule should have claimed shows up as SING1001), asserting the
// exact (code, line) pairs: every code triggered, the program's own look-alikes quiet, and codes a
// trusted manifest waives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { declared, verifySource } from '../../test/verifier-kit.ts';
import type { DeclaredManifest } from './rule.ts';
import { subsetRule } from './subset.ts';
import { typesRule } from './types.ts';

/** `CODE line` of each SING1xxx/SING2xxx diagnostic. */
function found(src: string, manifest: DeclaredManifest = declared()): string[] {
  return verifySource(src, { rules: [subsetRule, typesRule], declared: manifest })
    .filter((d) => /^SING[12]/.test(d.code)).map((d) => `${d.code} ${d.line}`);
}

/** Lines of a snippet, joined, so that line numbers in assertions read off the array index + 1. */
const src = (...ls: string[]): string => `${ls.join('\n')}\nexport {};\n`;

describe('SING2001-SING2003: evaluators', () => {
  it('reports eval in any form', () => {
    assert.deepEqual(found(src('eval("1");', 'const e = eval;', 'void e;', '(0, eval)("2");')), ['SING2001 1', 'SING2001 2', 'SING2001 4']);
  });
  it('reports the global Function, called, constructed or referenced', () => {
    assert.deepEqual(found(src('Function("return 1");', 'new Function("a", "return a");', 'const F = Function;', 'void F;')), ['SING2002 1', 'SING2002 2', 'SING2002 3']);
  });
  it('reports .constructor on values that may be functions, and computed keys on functions', () => {
    assert.deepEqual(found(src(
      'const a = (() => 0).constructor;',
      'function f(): number { return 1; }',
      'const b = f["constructor"];',
      'const o: object = f;',
      'const c = o.constructor;',
      'const { constructor: d } = f;',
      'const k: string = "x";',
      'const e: unknown = f[k];',
      'async function g(): Promise<void> {}',
      'const h: unknown = Object.getPrototypeOf(g).constructor;',
      'void a; void b; void c; void d; void e; void h;',
    )), ['SING2003 1', 'SING2003 3', 'SING2003 5', 'SING2003 6', 'SING2003 8', 'SING2003 10']);
  });
  it('accepts constructor on class instances and primitives, a class constructor, and literal keys', () => {
    assert.deepEqual(found(src(
      'class P { x = 1; constructor(readonly y: number) {} who(): string { return this.constructor.name; } }',
      'const p = new P(2);',
      'const n = (1).constructor;',
      'const s = "a".constructor;',
      'const f = (): number => 1;',
      'const len = f["length"];',
      'const rec: Record<string, number> = {};',
      'const k: string = "x";',
      'const v = rec[k];',
      'void p.constructor; void n; void s; void len; void v;',
    )), []);
  });
});

describe('SING2003 through casts', () => {
  it('judges a receiver by the types under its casts, parentheses, ! and satisfies', () => {
    assert.deepEqual(found(src(
      'type Ctor = { constructor: { constructor: (s: string) => () => void } };',
      'export function f(x: unknown, y: object | undefined): void {',
      '  void (x as Ctor).constructor;',
      '  void (<Ctor>x).constructor;',
      '  void ((x as Ctor)).constructor;',
      '  void (y! as Ctor).constructor;',
      '  void (x as Ctor)?.constructor;',
      '  void (x as Ctor)["constructor"];',
      '  const { constructor: c } = x as Ctor;',
      '  void c;',
      '  void (x as { k: number } satisfies { k: number }).constructor;',
      '  const k: string = "constructor";',
      '  void (x as Record<string, unknown>)[k];',
      '}',
    )), ['SING2003 3', 'SING2003 4', 'SING2003 5', 'SING2003 6', 'SING2003 7', 'SING2003 8', 'SING2003 9', 'SING2003 11', 'SING2003 13']);
  });
  it('refuses a constructor of a constructor, and a constructor typed as no function, whatever the casts', () => {
    assert.deepEqual(found(src(
      'type Ctor = { constructor: { constructor: (s: string) => () => void } };',
      'export function f(o: Ctor, p: Ctor): void {',
      '  o.constructor.constructor("return 1")();',
      '  const c = p.constructor;',
      '  const { constructor: d } = o;',
      '  let e: unknown;',
      '  ({ constructor: e } = p);',
      '  const { constructor: { constructor: g } } = o;',
      '  void c; void d; void e; void g;',
      '}',
    )), ['SING2003 3', 'SING2003 4', 'SING2003 5', 'SING2003 7', 'SING2003 8']);
  });
  it('refuses calling a constructor read without new, directly, tagged or through call/apply/bind', () => {
    assert.deepEqual(found(src(
      'class A { n = 1; }',
      'export function f(a: A): void {',
      '  a.constructor("x");',
      '  a.constructor`x`;',
      '  a.constructor.call(null, "x");',
      '  a.constructor.apply(null, ["x"]);',
      '  void a.constructor.bind(null);',
      '}',
    )), ['SING2003 3', 'SING2003 4', 'SING2003 5', 'SING2003 6', 'SING2003 7']);
  });
  it('accepts the ordinary uses: comparing constructors, this.constructor.name, new of a constructor, a constructor method', () => {
    assert.deepEqual(found(src(
      'class Shape { constructor(readonly n: number) {} same(o: Shape): boolean { return o.constructor === this.constructor; } label(): string { return this.constructor.name; } }',
      'class Circle extends Shape {}',
      'export function f(s: Shape): boolean {',
      '  const { constructor: made } = s;',
      '  const again = new (s.constructor as new (n: number) => Shape)(3);',
      '  const same = s.same(new Circle(2));',
      '  return same && s.constructor === Circle && made !== Shape && again.n === 3;',
      '}',
    )), []);
  });
});

describe('SING2004-SING2008, SING2013-SING2016: statements and names', () => {
  it('reports with (claiming TypeScript\'s two errors), dynamic import and debugger', () => {
    assert.deepEqual(found(src('const o = { a: 1 };', 'with (o) { void a; }', 'const m = import("sing/runtime");', 'void m;', 'debugger;')),
      ['SING2004 2', 'SING2005 3', 'SING2016 5']);
  });
  it('absorbs the missing-module error of a dynamic import: one diagnostic, not two', () => {
    const ds = verifySource(src('const m = import("node:fs");', 'void m;'), { rules: [subsetRule, typesRule], declared: declared() });
    assert.deepEqual(ds.filter((d) => /^SING[12]/.test(d.code)).map((d) => `${d.code} ${d.line}:${d.col}`), ['SING2005 1:11']);
  });
  it('reports CommonJS names', () => {
    assert.deepEqual(found(src('const fs = require("node:fs");', 'module.exports = fs;', 'void __dirname;', 'void __filename;', 'void exports;')),
      ['SING2006 1', 'SING2006 2', 'SING2006 3', 'SING2006 4', 'SING2006 5']);
  });
  it('reports arguments.callee and arguments.caller, not arguments.length', () => {
    // arguments["caller"] is also TypeScript's error (no such property): claimed, on the same line.
    assert.deepEqual([...new Set(found(src('function f(): unknown {', '  void arguments.length;', '  void arguments["caller"];', '  return arguments.callee;', '}', 'void f;')))],
      ['SING2007 3', 'SING2007 4']);
  });
  it('reports __proto__ as an access, a key, a literal key and a binding', () => {
    assert.deepEqual(found(src(
      'const o: { a: number; __proto__?: object } = { a: 1 };',
      'void o.__proto__;',
      'void o["__proto__"];',
      'const p = { __proto__: null, b: 2 };',
      'const { __proto__: q } = o;',
      'void p; void q;',
    )), ['SING2008 2', 'SING2008 3', 'SING2008 4', 'SING2008 5']);
  });
  it('reports reserved __sing$ names, wherever they are written', () => {
    assert.deepEqual(found(src('const __sing$g = 1;', 'const o = { __sing$x: __sing$g };', 'type __sing$T = number;', 'void o;')),
      ['SING2013 1', 'SING2013 2', 'SING2013 2', 'SING2013 3']);
  });
  it('reports top-level await and for await, not await in functions', () => {
    assert.deepEqual(found(src(
      'await Promise.resolve(1);',
      'for await (const x of [Promise.resolve(1)]) void x;',
      'async function f(): Promise<number> { return await Promise.resolve(1); }',
      'const g = async (): Promise<void> => { await f(); };',
      'void g;',
    )), ['SING2014 1', 'SING2014 2']);
  });
  it('reports arguments outside a function, in a top-level arrow and in a class field', () => {
    assert.deepEqual(found(src(
      'void arguments;',
      'const f = (): unknown => arguments;',
      'class C { x = arguments; }',
      'function g(): unknown { return () => arguments; }',
      'void f; void C; void g;',
    )), ['SING2015 1', 'SING2015 2', 'SING2015 3']);
  });
});

describe('SING2009 shaping objects the program did not create', () => {
  it('reports defineProperty, defineProperties and setPrototypeOf on parameters and outer values', () => {
    assert.deepEqual(found(src(
      'const shared = {};',
      'export function f(o: object): void {',
      '  Object.defineProperty(o, "x", { value: 1 });',
      '  Object.defineProperties(o, {});',
      '  Object.setPrototypeOf(o, null);',
      '  Reflect.defineProperty(shared, "y", { value: 2 });',
      '  Reflect.setPrototypeOf(o, {});',
      '}',
    )), ['SING2009 3', 'SING2009 4', 'SING2009 5', 'SING2009 6', 'SING2009 7']);
  });
  it('reports the methods taken as values', () => {
    assert.deepEqual(found(src('const dp = Object.defineProperty;', 'const { setPrototypeOf } = Reflect;', 'void dp; void setPrototypeOf;')), ['SING2009 1', 'SING2009 2']);
  });
  it('accepts objects this function creates, this in a constructor, and Object.assign', () => {
    assert.deepEqual(found(src(
      'class A { constructor() { Object.defineProperty(this, "k", { value: 1 }); } }',
      'export function f(target: object): object {',
      '  Object.defineProperty({}, "a", { value: 1 });',
      '  const o = { b: 1 };',
      '  Object.defineProperty(o, "c", { value: 2 });',
      '  const l = [1];',
      '  Object.defineProperties(l, {});',
      '  Object.setPrototypeOf(new A(), null);',
      '  const d = Object.create(null) as object;',
      '  Reflect.defineProperty(d, "e", { value: 3 });',
      '  return Object.assign(target, o);',
      '}',
    )), []);
  });
});

describe('SING2010-SING2012: host globals', () => {
  it('reports host globals, the global object and timers, and claims TypeScript\'s "cannot find name"', () => {
    const ds = verifySource(src(
      'const env = process.env;',
      'console.log(env);',
      'const sab = new SharedArrayBuffer(8);',
      'void Atomics; void fetch; void Buffer; void WebAssembly;',
      'globalThis.x = 1;',
      'void window; void self; void global;',
      'setTimeout(() => undefined, 1); setInterval(() => undefined, 1); queueMicrotask(() => undefined);',
      'void sab;',
    ), { rules: [subsetRule, typesRule], declared: declared() }).filter((d) => /^SING[12]/.test(d.code));
    assert.deepEqual([...new Set(ds.map((d) => `${d.code} ${d.line}`))], [
      'SING2010 1', 'SING2010 2', 'SING2010 3', 'SING2010 4', 'SING2011 5', 'SING2011 6', 'SING2012 7',
    ]);
    assert.equal(ds.filter((d) => d.line === 4).length, 4);
    assert.equal(ds.filter((d) => d.line === 7).length, 3);
    assert.match(ds.find((d) => d.line === 2)?.message ?? '', /ctx\.console/);
  });
  it('accepts the program\'s own names: locals, parameters, imports, destructured ctx', () => {
    assert.deepEqual(verifySource({
      'main.ts': src(
        'import { process } from "./lib.ts";',
        'import { defineProgram } from "sing/runtime";',
        'function run(console: { log(s: string): void }, setTimeout: number): void { console.log(String(setTimeout)); }',
        'const globalThis = { x: 1 };',
        'export default defineProgram({ name: "own", console: true, main({ console }) { run(console, process(1) + globalThis.x); return 0; } });',
      ).replace('export {};\n', ''),
      'lib.ts': 'export function process(n: number): number { return n; }\n',
    }, { rules: [subsetRule, typesRule] }).map((d) => `${d.code} ${d.line}`), []);
  });
  it('does not take an ambient declaration for the program\'s own, and reports the declaration', () => {
    assert.deepEqual(found(src('declare const process: { env: Record<string, string> };', 'void process.env;', 'declare global { const fetch: unknown; }')),
      ['SING2017 1', 'SING2010 2', 'SING2017 3']);
  });
});

describe('SING2018: regular expressions the linear-time engine cannot run', () => {
  it('reports literals with a backreference, lookaround, the i/u/v/d flags or a count above 16', () => {
    assert.deepEqual(found(src(
      'export const a = /(a)\\1/;',
      'export const b = /x(?=y)/g;',
      'export const c = /(?<!y)x/;',
      'export const d = /hello/i;',
      'export const e = /x/u;',
      'export const f = /x/d;',
      'export const g = /x{1,17}/;',
      'export const h = /(?:x{4}){5}/;',
    )), ['SING2018 1', 'SING2018 2', 'SING2018 3', 'SING2018 4', 'SING2018 5', 'SING2018 6', 'SING2018 7', 'SING2018 8']);
  });
  it('reports RegExp(...) and new RegExp(...) of string literals, not of other values or a local RegExp', () => {
    assert.deepEqual(found(src(
      'export const a = new RegExp("(a)\\\\1");',
      'export const b = RegExp(`x`, "i");',
      'export const c = new RegExp(["(a)", "\\\\1"].join(""));',
      'export function d(RegExp: (s: string) => string): string { return RegExp("(?=x)"); }',
      'export const e = new RegExp("ok+", "gmsy");',
    )), ['SING2018 1', 'SING2018 2']);
  });
  it('accepts what the linear engine runs, however it would backtrack, and look-alikes', () => {
    assert.deepEqual(found(src(
      'export const a = /^(a+)+$/;',
      'export const b = /(x+x+)+y/gmsy;',
      'export const c = /\\(?=\\)[(?=]\\\\1/;',
      'export const d = /(?<year>\\d{4})-(?:\\d{2}){2}/;',
    )), []);
  });
  it('says what the pattern uses, the rule, and what to write instead', () => {
    const d = verifySource(src('export const a = /(\\w+) \\1/;'), { rules: [subsetRule], declared: declared() }).find((x) => x.code === 'SING2018');
    assert.equal(d?.message, 'the regular expression /(\\w+) \\1/ uses a backreference (`\\1`); backreferences, lookaround, the i/u/v/d flags and repetition counts above 16 cannot run in linear time in Sing: match without it and compare the groups in code');
  });
  it('is waived by a trusted program that lists it', () => {
    assert.deepEqual(found(src('export const a = /a(?=b)/;'), declared({ trusted: true, unsafe: ['SING2018'] })), []);
  });
});

describe('trusted programs', () => {
  const code = src('eval("1");', 'debugger;');
  it('waive exactly the codes their manifest lists', () => {
    assert.deepEqual(found(code, declared({ trusted: true, unsafe: ['SING2001'] })), ['SING2016 2']);
    assert.deepEqual(found(code, declared({ trusted: true, unsafe: ['SING2001', 'SING2016'] })), []);
  });
  it('waive nothing when the program is not trusted', () => {
    assert.deepEqual(found(code, declared({ trusted: false, unsafe: ['SING2001'] })), ['SING2001 1', 'SING2016 2']);
  });
  it('still see a waived host name\'s TypeScript error, as a type error', () => {
    assert.deepEqual(found(src('void process;'), declared({ trusted: true, unsafe: ['SING2010'] })), ['SING1001 1']);
  });
});
