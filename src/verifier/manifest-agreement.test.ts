// Rule 6 (manifest agreement): each code on a program that uses something its manifest does not
// declare, and silence on look-alikes. The type rule runs too, so a test also sees whether the
// TypeScript error a use causes was claimed (no SING1001 left over).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { declared, lines, verifySource } from '../../test/verifier-kit.ts';
import type { DeclaredManifest } from './rule.ts';
import { manifestRule } from './manifest-agreement.ts';
import { typesRule } from './types.ts';

const check = (src: string, d?: DeclaredManifest): string[] =>
  lines(verifySource(src, { rules: [manifestRule, typesRule], ...(d !== undefined ? { declared: d } : {}) }));
const codesOf = (ls: readonly string[]): string[] => ls.map((l) => l.split(' ')[1] ?? '');

/** A program with the given manifest fields (after name) and main. */
const prog = (fields: string, main: string, head = ''): string => `
import { defineProgram, i32, str, type Abi, type Console } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';
${head}
export default defineProgram({
  name: 'p',
  ${fields}
  ${main}
});
`;
const CALC = "imports: { calc: Calculator.imp('/service/calc') }, parameters: { a: i32, s: str },";

test('SING6010: an undeclared context key, destructured in main or read from ctx', () => {
  const ls = check(prog(CALC, `async main({ calc, params, disk }) { void params; void disk; calc.close(); },`));
  assert.deepEqual(codesOf(ls), ['SING6010'], ls.join('\n'));
  assert.match(ls[0] ?? '', /main\.ts:8:30 SING6010 main's context has no disk: the manifest declares the endpoints calc/);
  const ls2 = check(prog(CALC, `main(ctx) {
    ctx.calc.close();
    const { net } = ctx;
    void net;
    void ctx['tcp'];
    return ctx.nope === undefined ? 0 : 1;
  },`));
  assert.deepEqual(codesOf(ls2), ['SING6010', 'SING6010', 'SING6010'], ls2.join('\n'));
  assert.match(ls2.join('\n'), /has no net/);
  assert.match(ls2.join('\n'), /has no tcp/);
  assert.match(ls2.join('\n'), /has no nope/);
});

test('SING6010 follows the declared manifest, not the types', () => {
  // The types know calc (it is in the source), but the manifest handed to the rule does not.
  const ls = check(prog(CALC, `main({ calc }) { calc.close(); },`), declared({ endpoints: [] }));
  assert.deepEqual(codesOf(ls), ['SING6010'], ls.join('\n'));
  assert.match(ls[0] ?? '', /has no calc: the manifest declares the endpoints none/);
});

test('SING6010 look-alikes: declared keys, ctx passed whole, aliases and a program\'s own objects', () => {
  assert.deepEqual(check(prog(CALC, `async main(ctx) {
    const c = ctx;
    const { abi, params } = c;
    void abi.pid(); void params.a;
    const own = { disk: 1 };
    const helper = (x: { readonly calc: { close(): void } }): void => { x.calc.close(); };
    helper(ctx);
    return own.disk;
  },`)), []);
});

test('SING6011: an undeclared parameter, read or destructured', () => {
  const ls = check(prog(CALC, `main({ calc, params }) {
    calc.close();
    const { a, b } = params;
    return a + b + params.c;
  },`));
  assert.deepEqual(codesOf(ls), ['SING6011', 'SING6011'], ls.join('\n'));
  assert.match(ls[0] ?? '', /main\.ts:10:16 SING6011 params\.b is not a declared parameter \(the manifest declares a, s\)/);
  assert.match(ls[1] ?? '', /params\.c is not a declared parameter/);
  const nested = check(prog(CALC, `main({ calc, params: { a, z } }) { calc.close(); return a + z; },`));
  assert.deepEqual(codesOf(nested), ['SING6011'], nested.join('\n'));
  const viaCtx = check(prog(CALC, `main(ctx) { ctx.calc.close(); const p = ctx.params; return p.a + ctx.params.zz; },`));
  assert.deepEqual(codesOf(viaCtx), ['SING6011'], viaCtx.join('\n'));
});

test('SING6011 look-alikes: declared parameters and a program\'s own params', () => {
  assert.deepEqual(check(prog(CALC, `main({ calc, params }) {
    calc.close();
    const f = (params: { b: number }): number => params.b;
    return f({ b: params.a }) + params.s.length;
  },`)), []);
});

test('SING6012: the console without console: true', () => {
  const ls = check(prog(CALC, `main({ calc, console }) { calc.close(); console.log('hi'); },`));
  assert.deepEqual(codesOf(ls), ['SING6012'], ls.join('\n'));
  assert.match(ls[0] ?? '', /main\.ts:8:43 SING6012 console is used but the manifest does not ask for a console: add console: true/);
  const viaCtx = check(prog(CALC, `main(ctx) {
    ctx.calc.close();
    const out = ctx.console;
    out.log('a');
    ctx.console.error('b');
  },`));
  assert.deepEqual(codesOf(viaCtx), ['SING6012', 'SING6012'], viaCtx.join('\n'));
  const handed = check(prog(CALC, `main({ calc, console }) { calc.close(); log(console); },`, 'function log(c: Console): void { c.log(1); }'));
  assert.deepEqual(codesOf(handed), ['SING6012'], handed.join('\n'));
});

test('SING6012 look-alikes: console: true, an unused console, and a guarded one', () => {
  assert.deepEqual(check(prog(`${CALC} console: true,`, `main({ calc, console }) { calc.close(); console.log('hi'); },`)), []);
  assert.deepEqual(check(prog(CALC, `main({ calc, console }) { if (console === undefined || !console) calc.close(); },`)), []);
  // Inside the guard the console is never there: using it is still a use, and the type error it
  // causes is explained in the manifest's terms.
  const guarded = check(prog(CALC, `main({ calc, console }) { calc.close(); if (console) console.log('x'); console?.log('y'); },`));
  assert.deepEqual(codesOf(guarded), ['SING6012', 'SING6012'], guarded.join('\n'));
  assert.deepEqual(check(prog(CALC, `main({ calc }) { calc.close(); },`)), []);
});

test('SING6013: allocating with no exchange heap, however the ABI is reached', () => {
  const ls = check(prog(CALC, `main({ calc, abi }) {
    calc.close();
    abi.alloc(16).free();
    grab(abi);
  },`, 'function grab(k: Abi): void { k.allocVector({ x: "i32" } as never, 4).free(); }'));
  assert.deepEqual(codesOf(ls), ['SING6013', 'SING6013'], ls.join('\n'));
  assert.match(ls[0] ?? '', /main\.ts:4:\d+ SING6013 abi\.allocVector allocates in the exchange heap, but the manifest grants no exchange heap/);
  assert.match(ls[1] ?? '', /main\.ts:10:5 SING6013 abi\.alloc /);
});

test('SING6013 look-alikes: a declared quota, and a program\'s own alloc', () => {
  assert.deepEqual(check(prog(`${CALC} resources: { exchangeHeap: '4KiB' },`, `main({ calc, abi }) { calc.close(); abi.alloc(16).free(); },`)), []);
  assert.deepEqual(check(prog(CALC, `main({ calc }) { calc.close(); const pool = { alloc: (n: number) => n }; return pool.alloc(1); },`)), []);
});

test('SING6014: binding or registering a literal path the manifest does not declare', () => {
  const ls = check(prog(`${CALC} exports: { svc: Calculator.exp('/service/mine') },`, `async main({ calc, svc, abi }) {
    calc.close(); svc.close();
    const { imp, exp } = abi.channel(Calculator);
    await abi.bind('/service/other', exp);
    imp.close();
    abi.register('/service/theirs', Calculator).close();
  },`));
  assert.deepEqual(codesOf(ls), ['SING6014', 'SING6014'], ls.join('\n'));
  assert.match(ls[0] ?? '', /main\.ts:11:20 SING6014 abi\.bind\('\/service\/other'\): the manifest declares no imports entry for \/service\/other \(imports: calc \/service\/calc\)/);
  assert.match(ls[1] ?? '', /abi\.register\('\/service\/theirs'\): the manifest declares no exports entry .*\(exports: svc \/service\/mine\)/);
});

test('SING6014 look-alikes: declared paths, and paths computed at run time', () => {
  assert.deepEqual(check(prog(`${CALC} exports: { svc: Calculator.exp('/service/mine') },`, `async main({ calc, svc, abi, params }) {
    calc.close(); svc.close();
    const a = abi.channel(Calculator);
    await abi.bind('/service/calc', a.exp);
    a.imp.close();
    const b = abi.channel(Calculator);
    await abi.bind(params.s, b.exp);
    b.imp.close();
    abi.register('/service/mine', Calculator).close();
  },`)), []);
});

test('SING6015: a host resource the manifest does not declare', () => {
  const fields = `${CALC} resources: { host: { disk: { kind: 'file', path: '/tmp/disk.img' } } },`;
  const ls = check(prog(fields, `main({ calc, abi }) { calc.close(); void abi.resource('disk'); void abi.resource('net'); },`));
  assert.deepEqual(codesOf(ls), ['SING6015'], ls.join('\n'));
  assert.match(ls[0] ?? '', /abi\.resource\('net'\): the manifest declares no host resource net \(resources\.host: disk\)/);
  assert.deepEqual(check(prog(fields, `main({ calc, abi, params }) { calc.close(); void abi.resource('disk'); void abi.resource(params.s); },`)), []);
});

test('main written as a function elsewhere, or an arrow, is followed too', () => {
  const ls = check(`
import { defineProgram, i32, type Context } from 'sing/runtime';
async function main({ params }: { params: { a: number } }): Promise<number> { return params.a; }
void main;
export default defineProgram({
  name: 'p',
  parameters: { a: i32 },
  main: (ctx) => ctx.params.a + ctx.params.q,
});
type _C = Context<never, never, never, never, false>;
`);
  assert.deepEqual(codesOf(ls), ['SING6011'], ls.join('\n'));
});
