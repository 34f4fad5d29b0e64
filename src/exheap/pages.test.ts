// Pages: runs of pages, first-fit in address order, coalescing with both neighbours, accounting,
// and a seeded alloc/free storm checked against a simple model (one flag per page).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PAGE, Pages } from './pages.ts';
import { prng } from '../lib/prng.ts';

/** A small deterministic PRNG (mulberry32). */

test('PAGE is 4 KiB and a new allocator has every page free in one run', () => {
  assert.equal(PAGE, 4096);
  const p = new Pages(16);
  assert.equal(p.count, 16);
  assert.equal(p.freePages, 16);
  assert.equal(p.largestFreeRun(), 16);
});

test('the constructor refuses a count that is not a positive integer', () => {
  for (const bad of [0, -1, 1.5, Number.NaN, Infinity]) assert.throws(() => new Pages(bad), RangeError, String(bad));
});

test('alloc hands out runs in address order and free takes them back', () => {
  const p = new Pages(10);
  assert.equal(p.alloc(3), 0);
  assert.equal(p.alloc(1), 3);
  assert.equal(p.alloc(4), 4);
  assert.equal(p.freePages, 2);
  assert.equal(p.largestFreeRun(), 2);
  p.free(3);
  assert.equal(p.freePages, 3);
  p.free(0);
  assert.equal(p.freePages, 6);
  assert.equal(p.largestFreeRun(), 4, 'pages 0..3 coalesced into one run');
  p.free(4);
  assert.equal(p.freePages, 10);
  assert.equal(p.largestFreeRun(), 10);
  assert.equal(p.alloc(10), 0);
  assert.equal(p.freePages, 0);
});

test('first fit: the lowest-addressed run that is long enough, even when a later one fits better', () => {
  const p = new Pages(12);
  const a = p.alloc(3); // 0..2
  const b = p.alloc(1); // 3
  const c = p.alloc(1); // 4
  const d = p.alloc(2); // 5..6
  const e = p.alloc(1); // 7
  assert.deepEqual([a, b, c, d, e], [0, 3, 4, 5, 7]);
  p.free(a); // free run of 3 at 0
  p.free(d); // free run of 2 at 5
  // free runs: [0,3) [5,7) [8,12)
  assert.equal(p.alloc(2), 0, 'first fit takes the first run of 3, not the exact run of 2 at 5');
  assert.equal(p.alloc(2), 5, 'the remainder (1 page at 2) is too short; next is 5');
  assert.equal(p.alloc(1), 2, 'the one-page remainder at 2 is found first');
  assert.equal(p.alloc(4), 8);
  assert.equal(p.alloc(1), -1);
  assert.equal(p.freePages, 0);
});

test('freeing the middle run last coalesces with both neighbours into one run', () => {
  const p = new Pages(9);
  const a = p.alloc(3);
  const b = p.alloc(3);
  const c = p.alloc(3);
  assert.equal(p.alloc(1), -1);
  p.free(a);
  p.free(c);
  assert.equal(p.freePages, 6);
  assert.equal(p.largestFreeRun(), 3, 'two separate runs of 3');
  assert.equal(p.alloc(4), -1, 'no run of 4 while the middle is used');
  p.free(b);
  assert.equal(p.freePages, 9);
  assert.equal(p.largestFreeRun(), 9);
  assert.equal(p.alloc(9), 0, 'the whole arena is one run again');
});

test('coalescing with the left neighbour only, and with the right neighbour only', () => {
  const p = new Pages(8);
  const a = p.alloc(2);
  const b = p.alloc(2);
  const c = p.alloc(2);
  const d = p.alloc(2);
  p.free(a);
  p.free(b); // joins the run before it
  assert.equal(p.largestFreeRun(), 4);
  p.free(d);
  assert.equal(p.largestFreeRun(), 4);
  assert.equal(p.freePages, 6);
  p.free(c); // joins both
  assert.equal(p.largestFreeRun(), 8);

  const q = new Pages(6);
  const x = q.alloc(2);
  const y = q.alloc(2);
  const z = q.alloc(2);
  q.free(z);
  q.free(y); // joins the run after it
  assert.equal(q.largestFreeRun(), 4);
  assert.equal(q.alloc(4), 2);
  q.free(2);
  q.free(x);
  assert.equal(q.largestFreeRun(), 6);
});

test('one-page runs at both ends of the arena coalesce correctly', () => {
  const p = new Pages(3);
  assert.deepEqual([p.alloc(1), p.alloc(1), p.alloc(1)], [0, 1, 2]);
  p.free(2);
  assert.equal(p.largestFreeRun(), 1);
  p.free(0);
  assert.equal(p.largestFreeRun(), 1);
  assert.equal(p.freePages, 2);
  p.free(1);
  assert.equal(p.largestFreeRun(), 3);
  assert.equal(p.freePages, 3);
});

test('alloc returns -1 when no free run is long enough, without changing anything', () => {
  const p = new Pages(4);
  assert.equal(p.alloc(5), -1);
  assert.equal(p.freePages, 4);
  const a = p.alloc(1);
  p.alloc(1);
  p.alloc(1);
  p.free(a);
  assert.equal(p.freePages, 2);
  assert.equal(p.alloc(2), -1, 'two free pages, but not adjacent');
  assert.equal(p.freePages, 2);
  assert.equal(p.alloc(1), 0);
  assert.equal(p.alloc(1), 3);
  assert.equal(p.alloc(1), -1);
  assert.equal(p.freePages, 0);
  assert.equal(p.largestFreeRun(), 0);
});

test('free refuses a page that does not start a used run: inside a run, free, twice, out of range', () => {
  const p = new Pages(8);
  const a = p.alloc(3);
  assert.throws(() => p.free(a + 1), /does not start a used run/);
  assert.throws(() => p.free(a + 2), /does not start a used run/);
  assert.throws(() => p.free(5), /does not start a used run/, 'a free page');
  assert.throws(() => p.free(3), /does not start a used run/, 'the first page of the free run');
  // outside the arena: any error will do (the bookkeeping's own bounds check may be the one)
  assert.throws(() => p.free(8), Error, 'past the end');
  assert.throws(() => p.free(-1), Error, 'before the start');
  assert.equal(p.freePages, 5, 'the refused frees changed nothing');
  p.free(a);
  assert.throws(() => p.free(a), /does not start a used run/, 'a double free');
  assert.equal(p.freePages, 8);
  assert.equal(p.largestFreeRun(), 8);
});

/** The model's answer: the first maximal free run of at least n pages, or -1. */
function firstFit(used: Uint8Array, n: number): number {
  let start = -1;
  for (let i = 0; i <= used.length; i++) {
    const free = i < used.length && used[i] === 0;
    if (free && start < 0) start = i;
    if (!free && start >= 0) {
      if (i - start >= n) return start;
      start = -1;
    }
  }
  return -1;
}

function largest(used: Uint8Array): number {
  let best = 0;
  let run = 0;
  for (const u of used) {
    run = u === 0 ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}

for (const seed of [1, 42, 0xc0ffee]) {
  test(`a seeded alloc/free storm (seed ${seed}) matches the model at every step and ends as one free run`, () => {
    const count = 97;
    const rnd = prng(seed);
    const p = new Pages(count);
    const used = new Uint8Array(count);
    const live: { start: number; len: number }[] = [];
    let allocs = 0;
    let fails = 0;
    for (let step = 0; step < 4000; step++) {
      if (live.length === 0 || rnd() < 0.55) {
        const n = 1 + Math.floor(rnd() * (rnd() < 0.8 ? 4 : 24));
        const want = firstFit(used, n);
        const got = p.alloc(n);
        assert.equal(got, want, `step ${step}: alloc(${n})`);
        if (got >= 0) {
          allocs++;
          for (let i = got; i < got + n; i++) {
            assert.equal(used[i], 0, `step ${step}: page ${i} handed out twice`);
            used[i] = 1;
          }
          live.push({ start: got, len: n });
        } else {
          fails++;
        }
      } else {
        const i = Math.floor(rnd() * live.length);
        const r = live[i] as { start: number; len: number };
        live[i] = live[live.length - 1] as { start: number; len: number };
        live.pop();
        p.free(r.start);
        used.fill(0, r.start, r.start + r.len);
      }
      const free = used.reduce((s, u) => s + (u === 0 ? 1 : 0), 0);
      assert.equal(p.freePages, free, `step ${step}: freePages`);
      assert.equal(p.largestFreeRun(), largest(used), `step ${step}: largestFreeRun`);
    }
    assert.ok(allocs > 500 && fails > 0, `the storm exercised both success and failure (${allocs} allocs, ${fails} refused)`);
    // free what is left in a random order
    while (live.length > 0) {
      const i = Math.floor(rnd() * live.length);
      const r = live.splice(i, 1)[0] as { start: number; len: number };
      p.free(r.start);
    }
    assert.equal(p.freePages, count);
    assert.equal(p.largestFreeRun(), count);
    assert.equal(p.alloc(count), 0, 'all pages form one run');
  });
}
