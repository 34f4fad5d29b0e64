// Scalar vectors and text in the exchange heap (ArrayHandle): every scalar round-trips, wide
// integers are bigints checked against their range, text keeps UTF-16 code units exactly
// (surrogate pairs and lone surrogates), and a moved or freed array is revoked like any block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { elementLayout, exArray, text, type ExArray, type ExText, type Scalar } from '../contracts/exfield.ts';
import { Block, ExchangeHeap, HeapError, type BlockOwner } from './heap.ts';
import { ArrayHandle, blockOfHandle, handleFor } from './handles.ts';
import { PAGE } from './pages.ts';
import { owner } from './test-owner.ts';


function array<S extends Scalar>(heap: ExchangeHeap, o: BlockOwner, s: S, n: number): { b: Block; a: S extends 'char' ? ExText : ExArray<S> } {
  const layout = elementLayout(s);
  const b = heap.allocate(o, layout.size * n, 'array', layout, n);
  return { b, a: handleFor(b, o) as never };
}

test('every scalar round-trips through an array, wide integers as bigints', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner();
  const cases: [Scalar, unknown[]][] = [
    ['u8', [0, 255]], ['i8', [-128, 127]], ['u16', [0, 65535]], ['i16', [-32768, 32767]], ['char', [0x41, 0xd83d, 0xffff]],
    ['u32', [0, 4294967295]], ['i32', [-2147483648, 2147483647]], ['f32', [1.5, -0.25]], ['f64', [Math.PI, -1e300]],
    ['bool', [true, false]], ['i64', [-(2n ** 63n), 2n ** 63n - 1n, 0n]], ['u64', [0n, 2n ** 64n - 1n]],
  ];
  for (const [s, values] of cases) {
    const { a } = array(heap, o, s, values.length);
    assert.equal(a.length, values.length);
    assert.equal(a.element, s);
    (a as ExArray<Scalar>).write(values as never);
    assert.deepEqual(a.read(), values, s);
    values.forEach((v, i) => { assert.equal(a.get(i), v, `${s}[${i}]`); });
    a.free();
  }
  assert.equal(heap.stats().blocks, 0);
});

test('a new array is zeroed; wrong types, out-of-range wide integers and indices are refused', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner();
  const { a: longs } = array(heap, o, 'i64', 4);
  assert.deepEqual(longs.read(), [0n, 0n, 0n, 0n]);
  assert.throws(() => { longs.set(0, 1 as never); }, TypeError);
  assert.throws(() => { longs.set(0, 2n ** 63n); }, RangeError);
  const { a: ulongs } = array(heap, o, 'u64', 1);
  assert.throws(() => { ulongs.set(0, -1n); }, RangeError);
  const { a: ints } = array(heap, o, 'i32', 2);
  assert.throws(() => ints.get(2), RangeError);
  assert.throws(() => ints.get(-1), RangeError);
  assert.throws(() => { ints.set(0, 1n as never); }, TypeError);
  assert.throws(() => { ints.write([1, 2, 3]); }, RangeError);
  assert.throws(() => (ints as unknown as ExText).readString(), TypeError, 'only char[] holds text');
});

test('text keeps UTF-16 code units exactly: surrogate pairs, lone surrogates, long strings', () => {
  const heap = new ExchangeHeap(64 * PAGE);
  const o = owner();
  const s = 'héllo \u{1F600} wörld \ud800 end';
  const { a: t } = array(heap, o, 'char', s.length);
  assert.equal(t.writeString(s), s.length);
  assert.equal(t.readString(), s);
  assert.equal(t.readString(6, 8), '\u{1F600}');
  assert.equal(t.get(6), 0xd83d);
  const long = 'abc\u{10348}'.repeat(20_000);
  const { a: big } = array(heap, o, 'char', long.length);
  big.writeString(long);
  assert.equal(big.readString(), long);
  assert.throws(() => big.writeString('x', long.length), RangeError);
  assert.throws(() => big.readString(0, long.length + 1), RangeError);
});

test('a moved or freed array is revoked: its holder is ended for using it', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const a = owner();
  const b = owner();
  const { b: block, a: t } = array(heap, a, 'char', 4);
  t.writeString('ping');
  assert.equal(blockOfHandle(t), block);
  const moved = heap.transferOut(block);
  heap.adopt(moved, b);
  assert.throws(() => t.readString(), (e: Error) => e instanceof HeapError && (e as HeapError).code === 'E_MOVED');
  assert.equal(a.violations.length, 1);
  const theirs = handleFor(moved, b) as ExText;
  assert.equal(theirs.readString(), 'ping');
  theirs.free();
  assert.throws(() => theirs.get(0), (e: Error) => (e as HeapError).code === 'E_FREED');
  assert.equal(heap.stats().blocks, 0);
});

test('array field types name their element; text is exArray of char', () => {
  assert.equal(exArray('i32').describe, 'exarray<i32>');
  assert.equal(text, exArray('char'));
  assert.equal(exArray('u64').block.kind, 'array');
  assert.throws(() => exArray('u128' as Scalar), TypeError);
  assert.throws(() => new (ArrayHandle as unknown as new (...a: unknown[]) => unknown)(Symbol('forged'), null, null), TypeError);
});
