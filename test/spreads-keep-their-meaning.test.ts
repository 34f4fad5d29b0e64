// Spreads are charged by the compiled code (Guard.s), and must still mean what they meant: array,
// call and object spreads copy as before, and the rest targets of destructuring assignments (the
// same `...` syntax, but no copy and no expression) are left alone. A large spread is charged
// before it copies: one over the budget ends the process with reason `memory`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boot, said, within } from './kit.ts';

const PROGRAMS = {
  spreads: `
import { defineProgram } from 'sing/runtime';
function sum(...xs: number[]): number { let s = 0; for (const x of xs) s += x; return s; }
export default defineProgram({
  name: 'spreads',
  console: true,
  main({ console }) {
    const a = [1, 2, 3];
    const b = [0, ...a, 4, ...'xy'];
    const m = new Map([[1, 'one'], [2, 'two']]);
    const o = { p: 1, ...{ q: 2, r: 3 }, ...[7, 8] };
    let first = 0;
    let rest: number[] = [];
    [first, ...rest] = a;
    let picked = 0;
    let others: Record<string, number> = {};
    ({ q: picked, ...others } = { p: 1, q: 2, r: 3 });
    const [h, ...t] = [9, 8, 7];
    const pairs: number[][] = [];
    for ([first, ...rest] of [[5, 6, 7]]) pairs.push([first, ...rest]);
    console.log(JSON.stringify([b, sum(...a), [...m], o, first, rest, picked, others, h, t, pairs]));
    return 0;
  },
});`,
  bigspread: `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: 'bigspread',
  console: true,
  main({ console }) {
    const s = 'x'.repeat(1 << 24);
    const copy = [...s];
    console.log('copied ' + copy.length);
    return 0;
  },
});`,
};

test('array, call and object spreads copy; rest targets of destructuring still receive the rest', async () => {
  const b = await boot(PROGRAMS);
  const s = b.k.spawn('spreads');
  const st = await within(s.join(), 'spreads to end', 30_000);
  assert.equal(st.state, 'exited', st.error?.message);
  assert.deepEqual(said(b, s.pid), [JSON.stringify([
    [0, 1, 2, 3, 4, 'x', 'y'], 6, [[1, 'one'], [2, 'two']], { 0: 7, 1: 8, p: 1, q: 2, r: 3 }, 5, [6, 7], 2, { p: 1, r: 3 }, 9, [8, 7], [[5, 6, 7]],
  ])]);
  b.k.shutdown();
});

test('a spread larger than the memory budget is refused before it copies', async () => {
  const b = await boot(PROGRAMS);
  const s = b.k.spawn('bigspread');
  const st = await within(s.join(), 'bigspread to end', 30_000);
  assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', 'memory', 'E_MEMORY'], st.error?.message);
  assert.match(st.error?.message ?? '', /a spread would allocate/);
  assert.deepEqual(said(b, s.pid), []);
  b.k.shutdown();
});
