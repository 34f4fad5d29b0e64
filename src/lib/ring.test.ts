import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ring } from './ring.ts';

test('ring keeps FIFO order and companions across wrap-around, and refuses to overfill', () => {
  const r = new Ring<number, string>(3);
  r.push(1, 'a'); r.push(2, 'b'); r.push(3, 'c');
  assert.throws(() => r.push(4, 'd'), /capacity 3/);
  assert.equal(r.shift(), 1);
  assert.equal(r.aux, 'a');
  r.push(4, 'd');
  const got: [number | undefined, string | undefined][] = [];
  for (let i = 0; i < 4; i++) { const v = r.shift(); got.push([v, r.aux]); }
  assert.deepEqual(got, [[2, 'b'], [3, 'c'], [4, 'd'], [undefined, undefined]]);
  assert.equal(r.length, 0);
});
