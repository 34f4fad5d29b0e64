import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameEncoder, FrameError, MAX_DEPTH, decode } from './frame-codec.ts';

const enc = new FrameEncoder();
const again = (v: unknown): unknown => decode(enc.encode(v).slice());

test('every kind of value a frame holds comes back equal, -0, NaN and non-ASCII text included', () => {
  const v = {
    c: 7, w: { t: 'msg', tag: 'Add', fields: { a: 1.5, b: -2, big: 2 ** 40, neg0: -0, nan: Number.NaN, inf: -Infinity, u32: 4294967295 } },
    s: ['', 'ascii', 'héllo ✓ 😀', 'x'.repeat(100_000)], flags: [true, false, null, undefined],
    bytes: new Uint8Array([0, 1, 255]), nested: [[[{ deep: 'yes' }]]],
  };
  const back = again(v) as typeof v;
  assert.deepEqual(back, v);
  assert.ok(Object.is(back.w.fields.neg0, -0));
  assert.ok(Number.isNaN(back.w.fields.nan));
  assert.ok(back.bytes instanceof Uint8Array);
});

test('a decoded byte array is a copy, not a view of the frame', () => {
  const bytes = enc.encode({ b: new Uint8Array([9, 9]) }).slice();
  const back = decode(bytes) as { b: Uint8Array };
  bytes.fill(0);
  assert.deepEqual([...back.b], [9, 9]);
});

test('a "__proto__" key is an own property, never the prototype', () => {
  const v = JSON.parse('{"__proto__": {"polluted": true}, "x": 1}') as Record<string, unknown>;
  const back = again(v) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(back), Object.prototype);
  assert.deepEqual(Object.keys(back), ['__proto__', 'x']);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('anything but plain data is refused when encoding, with its kind named', () => {
  for (const [v, word] of [[new Map(), 'Map'], [() => 1, 'function'], [new SharedArrayBuffer(4), 'SharedArrayBuffer'], [10n, 'bigint'], [Symbol('s'), 'symbol']] as const) {
    assert.throws(() => enc.encode({ v }), (e: unknown) => e instanceof FrameError && e.code === 'E_FRAME' && e.message.includes(word));
  }
});

test('malformed bytes from the other side are a FrameError, never a crash or a huge allocation', () => {
  const good = enc.encode({ a: [1, 2, 3], s: 'text' }).slice();
  const cases: Uint8Array[] = [
    good.subarray(0, good.length - 1), // cut short
    new Uint8Array([...good, 0]), // a byte too many
    new Uint8Array([42]), // an unknown tag
    new Uint8Array([7, 0xff, 0xff, 0xff, 0x7f]), // an array claiming two billion elements
    new Uint8Array([8, 1, 0, 0, 0, 4, 0, 0, 0, 0, 0]), // an object whose key is not a string
    new Uint8Array([6, 2, 0, 0, 0, 0xc3, 0x28]), // a string that is not UTF-8
  ];
  for (const c of cases) assert.throws(() => decode(c), FrameError);
});

test(`values nested deeper than ${MAX_DEPTH} levels are refused both ways`, () => {
  let v: unknown = 1;
  for (let i = 0; i <= MAX_DEPTH + 1; i++) v = [v];
  assert.throws(() => enc.encode(v), FrameError);
  const deep = new Uint8Array(MAX_DEPTH * 5 + 10);
  for (let i = 0; i < MAX_DEPTH + 2; i++) deep.set([7, 1, 0, 0, 0], i * 5);
  assert.throws(() => decode(deep), FrameError);
});
