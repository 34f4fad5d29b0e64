import { test } from 'node:test';
import assert from 'node:assert/strict';
import { array, bool, describeValue, enumOf, f64, i32, INVALID, isFieldType, record, str, u32, type FieldType } from './field.ts';

function accepts(t: FieldType<unknown>, ...vs: unknown[]): void {
  for (const v of vs) assert.equal(t.check(v), true, `${t.describe} should accept ${describeValue(v)}`);
}
function refuses(t: FieldType<unknown>, ...vs: unknown[]): void {
  for (const v of vs) assert.equal(t.check(v), false, `${t.describe} should refuse ${describeValue(v)}`);
}

// ---------------------------------------------------------------------------------------------
// Scalars

test('i32 accepts 32-bit integers only', () => {
  accepts(i32, 0, 1, -1, 2 ** 31 - 1, -(2 ** 31));
  refuses(i32, 1.5, 2 ** 31, -(2 ** 31) - 1, '1', NaN, Infinity, -Infinity, null, undefined, 1n, true, {}, [1], new Number(1));
});

test('u32 accepts unsigned 32-bit integers only', () => {
  accepts(u32, 0, 1, 2 ** 32 - 1, 2 ** 31);
  refuses(u32, -1, 2 ** 32, 0.5, '1', NaN, Infinity, null, undefined, 1n);
});

test('f64 accepts any number', () => {
  accepts(f64, 0, -1.5, 1e308, Infinity, NaN, -0);
  refuses(f64, '1', 1n, null, undefined, false, new Number(1));
});

test('bool accepts true and false only', () => {
  accepts(bool, true, false);
  refuses(bool, 0, 1, 'true', null, undefined, new Boolean(true));
});

test('str accepts primitive strings only', () => {
  accepts(str, '', 'x', 'a longer string with ünïcödé');
  refuses(str, 1, null, undefined, ['x'], new String('x'), { toString: () => 'x' });
});

test('enumOf accepts exactly its values', () => {
  const color = enumOf('red', 'green', 'blue');
  accepts(color, 'red', 'green', 'blue');
  refuses(color, 'Red', 'yellow', '', 0, null, undefined, ['red'], new String('red'));
  assert.equal(color.kind, 'enum');
  assert.equal(color.describe, 'enum(["red","green","blue"])');
  const one = enumOf('only');
  accepts(one, 'only');
  refuses(one, 'toString', '__proto__');
});

test('scalars are genuine, frozen, uncopied, and describe themselves', () => {
  const all: [FieldType<unknown>, string][] = [[i32, 'i32'], [u32, 'u32'], [f64, 'f64'], [bool, 'bool'], [str, 'str']];
  for (const [t, name] of all) {
    assert.equal(t.kind, name);
    assert.equal(t.describe, name);
    assert.equal(t.take(1.5), t.check(1.5) ? 1.5 : INVALID, 'a scalar is taken as is or refused');
    assert.ok(isFieldType(t));
    assert.ok(Object.isFrozen(t));
  }
  assert.equal(isFieldType({ ...i32 }), false);
  assert.equal(isFieldType(null), false);
  assert.equal(isFieldType('i32'), false);
});

test('check never throws, whatever it is given', () => {
  const rec = record({ x: i32, s: str, tags: array(str, 4) });
  const hostile = new Proxy({}, { getOwnPropertyDescriptor: () => undefined, get: () => { throw new Error('get'); } });
  for (const t of [i32, u32, f64, bool, str, enumOf('a'), rec, array(i32)]) {
    for (const v of [undefined, null, Symbol('s'), () => 1, Object.create(null), hostile, [undefined], { x: 1 }]) {
      assert.doesNotThrow(() => t.check(v), `${t.describe} on ${describeValue(v)}`);
    }
  }
});

test('check never runs the value\'s own code, even through a Proxy', () => {
  let ran = 0;
  const trap = { getOwnPropertyDescriptor: () => { ran++; throw new Error('trap ran'); } };
  assert.doesNotThrow(() => record({ x: i32 }).check(new Proxy({}, trap)));
  assert.doesNotThrow(() => array(i32).check(new Proxy([1], trap)));
  assert.equal(ran, 0);
});

// ---------------------------------------------------------------------------------------------
// Records

test('record check requires every field as an own data property of the right type', () => {
  const point = record({ x: i32, y: i32, label: str });
  accepts(point, { x: 1, y: 2, label: 'a' }, { x: 1, y: 2, label: 'a', extra: [1, 2] });
  refuses(point,
    { x: 1, y: 2 },
    { x: 1, y: 2.5, label: 'a' },
    { x: '1', y: 2, label: 'a' },
    null, undefined, 'x', 1,
    [1, 2, 'a'],
    Object.assign([], { x: 1, y: 2, label: 'a' }),
    Object.create({ x: 1, y: 2, label: 'a' }),
  );
  const nested = record({ p: point, n: u32 });
  accepts(nested, { p: { x: 1, y: 2, label: 'a' }, n: 3 });
  refuses(nested, { p: { x: 1, y: 2 }, n: 3 }, { p: { x: 1, y: 2, label: 'a' }, n: -3 });
  assert.equal(point.kind, 'record');
  assert.equal(point.describe, '{x:i32,y:i32,label:str}');
  assert.equal(nested.describe, '{p:{x:i32,y:i32,label:str},n:u32}');
});

test('record check rejects a getter field without ever invoking the getter', () => {
  const point = record({ x: i32, y: i32 });
  let calls = 0;
  const v: Record<string, unknown> = { x: 1 };
  Object.defineProperty(v, 'y', { enumerable: true, configurable: true, get: () => { calls++; return 2; } });
  assert.equal(point.check(v), false);
  // Also a getter-only field and a setter-only one, and a getter on a nested record.
  const w: Record<string, unknown> = {};
  Object.defineProperty(w, 'x', { enumerable: true, get: () => { calls++; return 1; } });
  Object.defineProperty(w, 'y', { enumerable: true, set: () => { calls++; } });
  assert.equal(point.check(w), false);
  const outer = record({ p: point });
  const inner: Record<string, unknown> = { y: 2 };
  Object.defineProperty(inner, 'x', { enumerable: true, get: () => { calls++; return 1; } });
  assert.equal(outer.check({ p: inner }), false);
  assert.equal(calls, 0, 'no getter or setter ran');
});

test('record copy is a deep copy of the declared fields only', () => {
  const shape = record({ name: str, at: record({ x: i32, y: i32 }), path: array(record({ x: i32, y: i32 }), 8), ids: array(u32, 8) });
  const v = { name: 'a', at: { x: 1, y: 2 }, path: [{ x: 3, y: 4 }, { x: 5, y: 6 }], ids: [7, 8], extra: { secret: true } };
  assert.ok(shape.check(v));
  const c = shape.take(v);
  assert.ok(c !== INVALID);
  assert.deepEqual(c, { name: 'a', at: { x: 1, y: 2 }, path: [{ x: 3, y: 4 }, { x: 5, y: 6 }], ids: [7, 8] });
  assert.equal(Object.hasOwn(c, 'extra'), false, 'undeclared fields are not copied');
  assert.notEqual(c, v);
  assert.notEqual(c.at, v.at);
  assert.notEqual(c.path, v.path);
  assert.notEqual(c.path[0], v.path[0]);
  assert.notEqual(c.ids, v.ids);
  // Mutating the original does not reach the copy, and vice versa.
  v.at.x = 100;
  (v.path[1] as { x: number; y: number }).y = 100;
  v.ids.push(9);
  c.name = 'changed';
  assert.deepEqual(c.at, { x: 1, y: 2 });
  assert.deepEqual(c.path[1], { x: 5, y: 6 });
  assert.deepEqual(c.ids, [7, 8]);
  assert.equal(v.name, 'a');
  assert.ok(shape.check(c), 'a copy passes the check');
});

test('a record value is read once, and a Proxy is refused before any of its traps run', () => {
  const point = record({ x: i32 });
  let traps = 0;
  const sly = new Proxy({} as { x: number }, {
    getOwnPropertyDescriptor: () => { traps++; return { value: 1, writable: true, enumerable: true, configurable: true }; },
    get: () => { traps++; return 'evil'; },
  });
  assert.equal(point.check(sly), false);
  assert.equal(point.take(sly), INVALID);
  assert.equal(traps, 0, 'no trap ran');
});

test('record refuses non-field types', () => {
  assert.throws(() => record({ x: { kind: 'i32', describe: 'i32', check: () => true, take: (v: unknown) => v } as FieldType<number> }), TypeError);
  assert.throws(() => record({ x: 'i32' as unknown as FieldType<number> }), TypeError);
  assert.ok(Object.isFrozen(record({ x: i32 })));
});

// ---------------------------------------------------------------------------------------------
// Arrays

test('array check enforces element type and max length', () => {
  const three = array(i32, 3);
  accepts(three, [], [1], [1, 2, 3]);
  refuses(three, [1, 2, 3, 4], [1, 'x'], [1.5], 'abc', { length: 1, 0: 1 }, null, undefined);
  assert.equal(three.describe, 'i32[3]');
  assert.equal(three.kind, 'array');
  const dflt = array(str);
  assert.equal(dflt.describe, 'str[65536]');
  accepts(dflt, new Array<string>(65536).fill('a'));
  refuses(dflt, new Array<string>(65537).fill('a'));
  const zero = array(bool, 0);
  accepts(zero, []);
  refuses(zero, [true]);
});

test('array check rejects holes and accessor elements without invoking them', () => {
  const xs = array(i32, 4);
  // eslint-disable-next-line no-sparse-arrays -- a hole is the point
  refuses(xs, [1, , 3]);
  let calls = 0;
  const withGetter = [1, 2];
  Object.defineProperty(withGetter, 1, { get: () => { calls++; return 2; } });
  refuses(xs, withGetter);
  assert.equal(calls, 0);
});

test('array copy is a fresh array with copied elements', () => {
  const nums = array(f64, 4);
  const v = [1, 2.5];
  const c = nums.take(v);
  assert.ok(c !== INVALID);
  assert.deepEqual(c, [1, 2.5]);
  assert.notEqual(c, v);
  v.push(3);
  assert.deepEqual(c, [1, 2.5]);

  const pts = array(record({ x: i32 }), 4);
  const p = [{ x: 1 }, { x: 2 }];
  const q = pts.take(p);
  assert.ok(q !== INVALID);
  assert.deepEqual(q, p);
  assert.notEqual(q[0], p[0]);
  (p[0] as { x: number }).x = 9;
  assert.equal(q[0]?.x, 1);
});

test('array copy never returns an object the sender controls', () => {
  const kept: unknown[] = [9, 9];
  let ran = 0;
  class Species { constructor() { ran++; return kept; } }
  const withSpecies = <T>(xs: T[]): T[] => Object.defineProperty(xs, 'constructor', { value: { [Symbol.species]: Species } });

  const ints = array(i32, 4);
  const a = withSpecies([1, 2]);
  assert.ok(ints.check(a));
  assert.notEqual(ints.take(a), kept, 'a scalar array copy is not the sender-kept array');

  const recs = array(record({ x: i32 }), 4);
  const b = withSpecies([{ x: 1 }]);
  assert.ok(recs.check(b));
  assert.notEqual(recs.take(b), kept, 'a record array copy is not the sender-kept array');
  assert.equal(ran, 0, 'no sender code ran during the copy');
});

test('array refuses non-field element types', () => {
  assert.throws(() => array({ kind: 'i32', describe: 'i32', check: () => true, take: (v: unknown) => v } as FieldType<number>), TypeError);
});

test('describeValue names what it was given, briefly', () => {
  assert.equal(describeValue(null), 'null');
  assert.equal(describeValue([1]), 'an array');
  assert.equal(describeValue('x'), 'string "x"');
  assert.equal(describeValue('x'.repeat(30)), `string ${JSON.stringify('x'.repeat(20) + '…')}`);
  assert.equal(describeValue(1.5), 'number 1.5');
  assert.equal(describeValue(true), 'boolean true');
  assert.equal(describeValue({}), 'an object');
  assert.equal(describeValue(undefined), 'undefined');
});
