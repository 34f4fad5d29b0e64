// The metered builtins: what they report to the meter and that they still behave as the
// originals (arguments passed through as given, names and lengths kept). Runs in its own process
// (node --test), so installing into this realm touches no other test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BIG, BUFFER_SAMPLE_BYTES, installMeteredBuiltins, setBuiltinMeter } from './metered-builtins.ts';
import { meteredGlobals } from './metered-constructors.ts';

const work: { units: number; bytes: number; what: string }[] = [];
let buffered = 0;
installMeteredBuiltins();
setBuiltinMeter((units, bytes, what) => { work.push({ units, bytes, what }); }, (_b, bytes) => { buffered += bytes; });
const reported = (f: () => unknown): { units: number; bytes: number; what: string }[] => { work.length = 0; f(); return [...work]; };

test('small calls report nothing; calls on BIG elements report their work first', () => {
  const small = [1, 2, 3];
  assert.deepEqual(reported(() => small.map((x) => x * 2)), []);
  const big = new Array<number>(BIG * 2).fill(1);
  const r = reported(() => big.map((x) => x + 1));
  assert.equal(r.length, 1);
  assert.equal(r[0]?.what, 'Array.prototype.map');
  assert.ok((r[0]?.units ?? 0) >= BIG * 2 && (r[0]?.bytes ?? 0) >= BIG * 2 * 8);
});

test('concat and flat are priced by what they copy, not by their short receiver', () => {
  const part = new Array<number>(BIG).fill(0);
  const c = reported(() => [].concat(part as never, part as never));
  assert.ok(c.some((w) => w.what === 'Array.prototype.concat' && w.units >= 2 * BIG));
  const f = reported(() => [part, part, part].flat());
  assert.ok(f.some((w) => w.what === 'Array.prototype.flat' && w.units >= 3 * BIG));
  assert.deepEqual([[1], [2, [3]]].flat(), [1, 2, [3]]);
  assert.deepEqual([[1], [2, [3]]].flat(Infinity), [1, 2, 3]);
});

test('statics and RegExp test on large inputs are reported', () => {
  const big = new Array<number>(BIG).fill(0);
  assert.ok(reported(() => Object.getOwnPropertyNames(big)).some((w) => w.what === 'Object.getOwnPropertyNames'));
  assert.ok(reported(() => Promise.all(big)).some((w) => w.what === 'Promise.all' && w.bytes > 0));
  assert.ok(reported(() => /b/.test('a'.repeat(BIG))).some((w) => w.what === 'RegExp.prototype.test'));
  assert.equal(/b/.test('abc'), true);
});

test('wrappers keep the originals\' names, lengths and argument handling', () => {
  assert.equal(Array.prototype.map.name, 'map');
  assert.equal(Array.prototype.map.length, 1);
  assert.equal(Array.prototype.concat.length, 1);
  assert.equal([1, 2, 3].slice(undefined, 2).join(), '1,2');
  assert.equal([1, 2, 3].indexOf(3, undefined), 2);
  assert.equal('ab'.padStart(4), '  ab');
  // A Proxy whose length trap throws: the wrapper does not throw on its behalf.
  const p = new Proxy([1, 2], { get(t, k) { if (k === 'length') throw new Error('trap'); return Reflect.get(t, k); } });
  assert.throws(() => Array.prototype.map.call(p, (x: number) => x), /trap/);
});

test('buffers made outside the heap are counted: large ones each, small ones by sampling', () => {
  const G = meteredGlobals() as { Uint8Array: Uint8ArrayConstructor; Array: ArrayConstructor };
  buffered = 0;
  const big = new G.Uint8Array(BIG * 4);
  assert.equal(buffered, BIG * 4);
  buffered = 0;
  const src = new Uint8Array(1000);
  const total = 4 * 1024 * 1024;
  for (let i = 0; i < total / 1000; i++) src.slice();
  // Sampled: what is counted is everything but the bytes since the last sample (a mean of
  // BUFFER_SAMPLE_BYTES; more than 8 times it has a chance of e^-8).
  assert.ok(buffered <= total && buffered >= total - 8 * BUFFER_SAMPLE_BYTES, `counted ${buffered} of ${total}`);
  assert.equal(big.length, BIG * 4);
});

test('the Array stand-in prices a large length and otherwise behaves as Array', () => {
  const A = (meteredGlobals() as { Array: ArrayConstructor }).Array;
  assert.ok(reported(() => new A(BIG * 2)).some((w) => w.what === 'Array' && w.bytes === BIG * 16));
  assert.deepEqual(reported(() => A(3)), []);
  assert.deepEqual(A(1, 2), [1, 2]);
  assert.deepEqual(A.from('ab'), ['a', 'b']);
  assert.ok(A.isArray(new A(2)) && new A(2) instanceof A && [] instanceof A);
  class Sub extends A {}
  assert.ok(new Sub() instanceof Sub);
  assert.equal(A.name, 'Array');
});
