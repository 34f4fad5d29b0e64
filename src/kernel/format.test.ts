// The kernel's value formatter: readable output for ordinary values, and never a line of program
// code run for hostile ones (getters, Proxies with every trap, toStringTag getters, custom
// inspectors), with bounded output for huge, deep and cyclic values.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { ensureLockdown } from '../lib/harden.ts';
import { formatArgs, formatValue } from './format.ts';

ensureLockdown(); // as in the kernel: the realm is locked down before any program runs

const show = (...args: unknown[]): string => formatArgs(args, { maxChars: 100_000 }).text;

/** Everything a hostile value did to us. */
function recorder(): { ran: string[]; note: (what: string) => void } {
  const ran: string[] = [];
  return { ran, note: (what) => { ran.push(what); } };
}

/** A Proxy whose every trap records that it ran (and then behaves as the target would). */
function trapped<T extends object>(target: T, note: (what: string) => void, name: string): T {
  const handler: ProxyHandler<T> = {};
  for (const trap of ['apply', 'construct', 'defineProperty', 'deleteProperty', 'get', 'getOwnPropertyDescriptor', 'getPrototypeOf',
    'has', 'isExtensible', 'ownKeys', 'preventExtensions', 'set', 'setPrototypeOf'] as const) {
    (handler as Record<string, unknown>)[trap] = (...a: unknown[]) => {
      note(`${name}.${trap}`);
      return (Reflect[trap] as (...x: unknown[]) => unknown)(...a);
    };
  }
  return new Proxy(target, handler);
}

describe('ordinary values', () => {
  it('renders primitives, strings in structures, arrays and plain objects', () => {
    assert.equal(show('plain', 1, -0, 2n, true, undefined, null, Symbol('s')), 'plain 1 -0 2n true undefined null Symbol(s)');
    const holey = [1, 2, 3];
    delete holey[1];
    assert.equal(show({ a: 1, 'b-c': 'x\n\'y\'', [Symbol('k')]: holey }), "{ a: 1, 'b-c': 'x\\n\\'y\\'', [Symbol(k)]: [ 1, <1 empty item>, 3 ] }");
    assert.equal(show([], {}, [[]], Object.create(null)), '[] {} [ [] ] [Object: null prototype] {}');
  });
  it('renders class instances, functions and classes by name', () => {
    class Point { x = 1; y = 2; }
    function named(): void {}
    assert.equal(show(new Point(), named, Point, () => 0, async function go() {}, function* gen() {}),
      'Point { x: 1, y: 2 } [Function: named] [class Point] [Function (anonymous)] [AsyncFunction: go] [GeneratorFunction: gen]');
  });
  it('renders maps, sets, typed arrays, dates, regular expressions, buffers and boxed primitives', () => {
    assert.equal(show(new Map<unknown, unknown>([['a', 1], [{ k: 2 }, [3]]]), new Set([1, 'two'])), "Map(2) { 'a' => 1, { k: 2 } => [ 3 ] } Set(2) { 1, 'two' }");
    assert.equal(show(new Uint8Array([1, 2, 3]), new BigInt64Array(1), new Float64Array(0)), 'Uint8Array(3) [ 1, 2, 3 ] BigInt64Array(1) [ 0n ] Float64Array(0) []');
    assert.equal(show(new Date(0), new Date(NaN), /a+b/gi), '1970-01-01T00:00:00.000Z Invalid Date /a+b/gi');
    assert.equal(show(new ArrayBuffer(8), new DataView(new ArrayBuffer(4))), 'ArrayBuffer { byteLength: 8 } DataView { byteLength: 4 }');
    assert.equal(show(Object(3), Object('s'), Object(false)), "[Number: 3] [String: 's'] [Boolean: false]");
    assert.equal(show(new WeakMap(), Promise.resolve(1)), 'WeakMap { <items unknown> } Promise { <state not shown> }');
  });
  it('renders errors with their stack, or their name and message, and their own extra fields', () => {
    const e = new RangeError('out of range');
    const line = show(e);
    assert.ok(line.startsWith('RangeError: out of range\n    at '), line);
    const coded = Object.assign(new Error('no such thing'), { code: 'E_NOPE' });
    Object.defineProperty(coded, 'stack', { value: '' });
    assert.equal(show(coded), "Error: no such thing { code: 'E_NOPE' }");
  });
  it('marks cycles, and stops at depth 4', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a['self'] = a;
    assert.equal(show(a), "{ name: 'a', self: [Circular] }");
    assert.equal(show({ l1: { l2: { l3: { l4: { l5: 1 } } } } }), '{ l1: { l2: { l3: { l4: [Object] } } } }');
    assert.equal(show([[[[[1]]]]], new Map([[1, { l2: { l3: { l4: new Map() } } }]])), '[ [ [ [ [Array] ] ] ] ] Map(1) { 1 => { l2: { l3: { l4: [Map] } } } }');
  });
});

describe('hostile values: no program code runs', () => {
  it('never calls a getter: own, inherited, on array indices, on Symbol.toStringTag, on an error', () => {
    const { ran, note } = recorder();
    const proto = { get inherited() { note('proto getter'); return 1; }, get [Symbol.toStringTag]() { note('proto toStringTag'); return 'T'; } };
    const o = Object.create(proto) as Record<string, unknown>;
    Object.defineProperty(o, 'own', { get: () => { note('own getter'); return 2; }, enumerable: true });
    Object.defineProperty(o, 'both', { get: () => { note('both'); return 3; }, set: () => { note('set'); }, enumerable: true });
    Object.defineProperty(o, Symbol.toStringTag, { get: () => { note('own toStringTag'); return 'X'; } });
    const arr: unknown[] = [1];
    Object.defineProperty(arr, 1, { get: () => { note('index getter'); return 0; }, enumerable: true });
    const arrayLike = { length: 2, get 0() { note('array-like getter'); return 0; } };
    const err = new Error('x');
    Object.defineProperty(err, 'message', { get: () => { note('message getter'); return 'm'; } });
    Object.defineProperty(err, 'stack', { get: () => { note('stack getter'); return 's'; } });
    const line = show(o, arr, arrayLike, err);
    assert.deepEqual(ran, []);
    assert.equal(line, "{ own: [Getter], both: [Getter/Setter] } [ 1, [Getter] ] { '0': [Getter], length: 2 } Error");
  });
  it('never calls toJSON, toString, valueOf, Symbol.toPrimitive, a custom inspector or an overridden built-in method', () => {
    const { ran, note } = recorder();
    const o = {
      toJSON: () => { note('toJSON'); return 1; },
      toString: () => { note('toString'); return 's'; },
      valueOf: () => { note('valueOf'); return 1; },
      [Symbol.toPrimitive]: () => { note('toPrimitive'); return 1; },
      [inspect.custom]: () => { note('inspect.custom'); return 'custom'; },
    };
    class SneakyMap extends Map<number, number> {
      override entries(): MapIterator<[number, number]> { note('entries'); return super.entries(); }
      override get size(): number { note('size'); return 0; }
    }
    const d = new Date(0);
    Object.defineProperty(d, 'toISOString', { value: () => { note('toISOString'); return 'x'; } });
    Object.defineProperty(d, 'getTime', { value: () => { note('getTime'); return 0; } });
    const r = /x/;
    Object.defineProperty(r, 'global', { get: () => { note('global'); return true; } });
    Object.defineProperty(r, 'source', { get: () => { note('source'); return 'y'; } });
    const line = show(o, new SneakyMap([[1, 2]]), d, r);
    assert.deepEqual(ran, []);
    assert.ok(line.includes('Map(1) { 1 => 2 }') && line.includes('1970-01-01T00:00:00.000Z') && line.endsWith(' /x/'), line);
  });
  it('asks a Proxy nothing, not even its prototype or keys: at top level, nested, as a prototype, constructor or element', () => {
    const { ran, note } = recorder();
    const p = trapped({ a: 1 }, note, 'object');
    const fp = trapped(function f() {}, note, 'function');
    const asProto = Object.create(trapped({}, note, 'prototype')) as object;
    class K {}
    Object.defineProperty(K.prototype, 'constructor', { value: trapped(K, note, 'constructor') });
    const errWithProxyProto = new Error('e');
    Object.setPrototypeOf(errWithProxyProto, trapped(Error.prototype, note, 'error-prototype'));
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    const line = show(p, fp, { nested: p }, [p], new Map([[p, p]]), new Set([p]), asProto, new K(), errWithProxyProto, revocable.proxy);
    assert.deepEqual(ran, []);
    assert.ok(line.startsWith('[Proxy] [Proxy] { nested: [Proxy] } [ [Proxy] ] Map(1) { [Proxy] => [Proxy] } Set(1) { [Proxy] } {} {} Error: e\n'), line);
    assert.ok(line.endsWith(' [Proxy]'), line);
  });
});

describe('bounds', () => {
  it('counts a 16 MiB string but keeps only what fits', () => {
    const big = 'x'.repeat(16 * 1024 * 1024);
    const f = formatArgs(['head', big], { maxChars: 100 });
    assert.equal(f.text.length, 100);
    assert.equal(f.total, 5 + big.length);
    assert.equal(f.exact, true);
  });
  it('cuts strings inside structures', () => {
    const f = formatValue({ s: 'y'.repeat(5000) }, { maxChars: 100_000, stringChars: 10 });
    assert.equal(f.text, "{ s: 'yyyyyyyyyy'... 4990 more characters }");
  });
  it('shows the first entries of a huge array, a huge sparse array, a big map and an object with many keys', () => {
    const dense = new Array<number>(1_000_000).fill(7);
    assert.equal(formatValue(dense, { maxChars: 100_000, entries: 3 }).text, '[ 7, 7, 7, ... 999997 more items ]');
    assert.equal(formatValue(new Array(2 ** 32 - 1), { maxChars: 100_000, entries: 3 }).text, '[ <3 empty items>, ... 4294967292 more items ]');
    const m = new Map<number, number>();
    for (let i = 0; i < 1000; i++) m.set(i, i);
    assert.equal(formatValue(m, { maxChars: 100_000, entries: 2 }).text, 'Map(1000) { 0 => 0, 1 => 1, ... 998 more items }');
    const many: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) many[`k${i}`] = i;
    assert.equal(formatValue(many, { maxChars: 100_000, entries: 2 }).text, '{ k0: 0, k1: 1, ... 998 more keys }');
  });
  it('stops walking once the line is full, and says the count is a lower bound', () => {
    const wide = Array.from({ length: 100 }, (_, i) => ({ i, pad: 'p'.repeat(50) }));
    const f = formatValue(wide, { maxChars: 200 });
    assert.equal(f.text.length, 200);
    assert.equal(f.exact, false);
    assert.ok(f.total >= 200 && f.total < 400, `walked only a little past the cut (${f.total})`);
  });
  it('survives deep nesting without walking it', () => {
    let deep: Record<string, unknown> = {};
    const top = deep;
    for (let i = 0; i < 100_000; i++) { const next = {}; deep['d'] = next; deep = next; }
    assert.equal(show(top), '{ d: { d: { d: { d: [Object] } } } }');
    let arr: unknown[] = [];
    const topArr = arr;
    for (let i = 0; i < 100_000; i++) { const next: unknown[] = []; arr.push(next); arr = next; }
    assert.equal(show(topArr), '[ [ [ [ [Array] ] ] ] ]');
  });
  it('bounds the number of values visited', () => {
    const f = formatValue(Array.from({ length: 50 }, () => [1, 2, 3]), { maxChars: 100_000, nodes: 10 });
    assert.ok(f.text.includes('...') && f.exact, f.text);
    assert.ok(f.text.length < 120, f.text);
  });
  it('does not write out a huge bigint', () => {
    assert.equal(show(1n << 100_000n), '[BigInt: more than 4096 bits]');
    assert.equal(show(-(1n << 5000n)), '[BigInt: more than 4096 bits]');
  });
});
