// Rule 1 (type safety) unit tests: in-memory programs through the type rule (with the rules whose
// claims it must respect), asserting the exact (code, line) pairs of SING1xxx diagnostics: each code
// triggered, and the look-alikes that must stay quiet.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { declared, verifySource } from '../../test/verifier-kit.ts';
import type { Diagnostic } from './diagnostic.ts';
import type { Rule } from './rule.ts';
import { subsetRule } from './subset.ts';
import { typesRule } from './types.ts';

/** The SING1xxx diagnostics (a snippet without a manifest also gets the manifest reader's). */
function diags(src: string, rules: readonly Rule[] = [typesRule]): Diagnostic[] {
  return verifySource(src, { rules, declared: declared() }).filter((d) => d.code.startsWith('SING1'));
}

/** `CODE line` of each SING1xxx diagnostic. */
function found(src: string, rules: readonly Rule[] = [typesRule]): string[] {
  return diags(src, rules).map((d) => `${d.code} ${d.line}`);
}

const CONTRACT = `import { contract, inn, out, END, type Endpoint, type Imp, type Bytes } from 'sing/runtime';
export const C = contract('C', { messages: { A: inn(), B: out() }, initial: 'S', states: { S: { A: 'T' }, T: { B: END } } });
`;

describe('SING1001 type errors', () => {
  it('reports a TypeScript error nobody claimed, in TypeScript\'s words', () => {
    const ds = diags('export const n: number = "x";\n');
    assert.deepEqual(ds.map((d) => `${d.code} ${d.line}:${d.col}`), ['SING1001 1:14']);
    assert.match(ds[0]?.message ?? '', /^type error: Type 'string' is not assignable to type 'number'/);
  });
  it('is quiet for a correct program', () => {
    assert.deepEqual(found('export const n: number = 1;\nexport function f(x: string): number { return x.length; }\n'), []);
  });
  it('leaves a TypeScript error another rule claimed to that rule', () => {
    const src = 'export const e = process.env;\n';
    assert.deepEqual(found(src), ['SING1001 1']);
    assert.deepEqual(found(src, [subsetRule, typesRule]), []);
  });
});

describe('SING1002 any', () => {
  it('reports explicit any wherever it is written', () => {
    assert.deepEqual(found('export function f(x: any): any[] {\n  return [x];\n}\nexport const y = 1 as any;\n'), ['SING1002 1', 'SING1002 1', 'SING1002 4']);
  });
  it('reports JSON.parse flowing into an un-annotated const, once, not at each use', () => {
    const src = 'const cfg = JSON.parse("{}");\nexport const port: number = cfg.port;\nexport const again = cfg;\n';
    assert.deepEqual(found(src), ['SING1002 1']);
  });
  it('reports any flowing into an annotated variable, an argument, a return, a property and an assignment', () => {
    const src = [
      'function take(n: number): number { return n; }',
      'export const a: number = JSON.parse("1");',
      'export const b = take(JSON.parse("2"));',
      'export function c(): number { return JSON.parse("3"); }',
      'export const d = { k: JSON.parse("4") as unknown, v: JSON.parse("5") };',
      'let e = 0; e = JSON.parse("6"); export { e };',
    ].join('\n');
    assert.deepEqual(found(src), ['SING1002 2', 'SING1002 3', 'SING1002 4', 'SING1002 5', 'SING1002 6']);
  });
  it('reports what comes out of a Map<any, any> and a parameter that is any by inference', () => {
    const src = [
      'const m = new Map();',
      'export const got = m.get("a");',
      'export const p = Promise.resolve(1).catch((e) => String(e));',
      'for (const v of m.values()) void v;',
    ].join('\n');
    assert.deepEqual(found(src), ['SING1002 2', 'SING1002 3', 'SING1002 4']);
  });
  it('reports TypeScript\'s implicit any as SING1002, once', () => {
    const ds = diags('export function f(x) { return x; }\n');
    assert.deepEqual(ds.map((d) => d.code), ['SING1002']);
    assert.match(ds[0]?.message ?? '', /Parameter 'x' implicitly has an 'any' type/);
  });
  it('accepts any that flows only into unknown, and unresolved names (reported on their own)', () => {
    const src = [
      'export const a: unknown = JSON.parse("1");',
      'function log(x: unknown): void { void x; }',
      'log(JSON.parse("2"));',
      'export const ok = Promise.resolve(1).catch((e: unknown) => String(e));',
    ].join('\n');
    assert.deepEqual(found(src), []);
    assert.deepEqual(found('export const e = process.env;\n', [subsetRule, typesRule]), []);
  });
});

describe('SING1003 directive comments', () => {
  it('reports @ts-ignore, @ts-expect-error (with its own unused-directive error folded in) and @ts-nocheck', () => {
    const src = [
      '// @ts-nocheck',
      '// @ts-ignore',
      'export const a: number = "x";',
      '/* @ts-expect-error */',
      'export const b: number = 1;',
      '/**',
      ' * @ts-ignore',
      ' */',
      'export const c = 1;',
    ].join('\n');
    assert.deepEqual(diags(src).map((d) => `${d.code} ${d.line}:${d.col}`), ['SING1003 1:1', 'SING1003 2:1', 'SING1003 4:1', 'SING1003 6:1']);
  });
  it('is quiet for prose that mentions a directive, strings, and @ts-check', () => {
    const src = [
      '// @ts-check',
      '// we never write @ts-ignore here',
      'export const s = "// @ts-ignore";',
      'export const t = `/* @ts-nocheck */`;',
    ].join('\n');
    assert.deepEqual(found(src), []);
  });
});

describe('SING1004 casts', () => {
  it('reports every double cast through unknown, any or never, once', () => {
    const src = [
      'export const a = "x" as unknown as number;',
      'export const b = (1 as any) as string;',
      'export const c = <number><never>"x";',
    ].join('\n');
    assert.deepEqual(found(src), ['SING1004 1', 'SING1004 2', 'SING1004 3']);
  });
  it('reports casts to and from endpoints and blocks, also held in a union or a property', () => {
    const src = CONTRACT + [
      'export function f(ep: Imp<typeof C>, x: unknown, o: object): void {',
      '  const forged = x as Endpoint<typeof C, "imp", "T">;',
      '  const hidden = ep as unknown;',
      '  const block = o as Bytes;',
      '  const held = { ep } as { ep: unknown };',
      '  const maybe = x as Bytes | undefined;',
      '  void forged; void hidden; void block; void held; void maybe;',
      '}',
    ].join('\n');
    assert.deepEqual(found(src), ['SING1004 4', 'SING1004 5', 'SING1004 6', 'SING1004 7', 'SING1004 8']);
  });
  it('accepts as const, satisfies, non-null, casts of plain values, and a cast that changes nothing', () => {
    const src = CONTRACT + [
      'export const k = { a: 1 } as const;',
      'export const s = { a: 1 } satisfies { a: number };',
      'const xs = [1];',
      'export const first = xs[0]!;',
      'export const wide = first as number | string;',
      'export function same(ep: Imp<typeof C>): Imp<typeof C> { return ep as Imp<typeof C>; }',
    ].join('\n');
    assert.deepEqual(found(src), []);
  });
});
