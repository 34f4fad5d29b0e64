import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ring } from './ring.ts';

test('ring keeps FIFO order across wrap-around and refuses to overfill', () => {
  const r = new Ring<number>(3);
  r.push(1); r.push(2); r.push(3);
  assert.throws(() => r.push(4), /capacity 3/);
  assert.equal(r.shift(), 1);
  r.push(4);
  assert.deepEqual([r.shift(), r.shift(), r.shift(), r.shift()], [2, 3, 4, undefined]);
  assert.equal(r.length, 0);
});
