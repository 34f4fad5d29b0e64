/* eslint-disable no-restricted-imports -- a host-side unit test beside the code, not part of the program */
// The supervision tree's rules (tree.ts) on their own: parameters read with their defaults and
// refused in words, restart decisions per type, restart sets per strategy, the intensity window
// (time given, not read), and the doubling backoff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffFor, readTree, restartSet, RestartWindow, wantsRestart, type TreeSpec } from './tree.ts';

const P = { children: '[{"program":"web"}]', strategy: '', intensity: 0, periodMs: 0, backoffMs: 0, maxBackoffMs: 0 };

test('a tree with only children takes the defaults: one_for_one, 3 in 5 s, no backoff, permanent', () => {
  const t = readTree(P) as TreeSpec;
  assert.equal(t.strategy, 'one_for_one');
  assert.deepEqual([t.intensity, t.periodMs, t.backoffMs, t.maxBackoffMs], [3, 5000, 0, 0]);
  assert.deepEqual(t.children, [{ name: 'web', program: 'web', restart: 'permanent', params: {} }]);
});

test('bad trees are refused in words', () => {
  assert.match(readTree({ ...P, children: '[]' }) as string, /non-empty/);
  assert.match(readTree({ ...P, children: '[{"program":"a b"}]' }) as string, /program must name/);
  assert.match(readTree({ ...P, children: '[{"program":"x","params":{"n":[1]}}]' }) as string, /params\.n must be a string, number or boolean/);
  assert.match(readTree({ ...P, intensity: -1 }) as string, /intensity must be a whole number/);
});

test('restart types decide on normal and abnormal ends', () => {
  assert.deepEqual(['permanent', 'transient', 'temporary'].map((r) => [
    wantsRestart(r as 'permanent', 'exited', 0), wantsRestart(r as 'permanent', 'exited', 3), wantsRestart(r as 'permanent', 'failed', 1),
  ]), [[true, true, true], [false, true, true], [false, false, false]]);
});

test('strategies restart the child, those after it, or all', () => {
  assert.deepEqual(restartSet('one_for_one', 1, 4), [1]);
  assert.deepEqual(restartSet('rest_for_one', 1, 4), [1, 2, 3]);
  assert.deepEqual(restartSet('one_for_all', 1, 4), [0, 1, 2, 3]);
});

test('the window admits intensity restarts per period and forgets old ones', () => {
  const w = new RestartWindow(2, 1000);
  assert.deepEqual([w.admit(0), w.admit(10), w.admit(20)], [true, true, false]);
  assert.equal(w.recent(1015), 1, 'the first two left the period');
  assert.equal(w.admit(1500), true);
});

test('the backoff doubles up to its limit', () => {
  const t = readTree({ ...P, backoffMs: 100, maxBackoffMs: 500 }) as TreeSpec;
  assert.deepEqual([1, 2, 3, 4, 5].map((k) => backoffFor(t, k)), [100, 200, 400, 500, 500]);
  assert.equal((readTree({ ...P, backoffMs: 10 }) as TreeSpec).maxBackoffMs, 80, 'the limit defaults to 8x');
});
