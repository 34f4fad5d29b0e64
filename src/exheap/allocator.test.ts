// Allocator: size classes for small blocks (one-page slabs), page runs for large ones, pages
// going back when slabs empty, exhaustion, and a seeded storm that checks live blocks never
// overlap and never see each other's bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Allocator, CLASSES } from './allocator.ts';
import { PAGE } from './pages.ts';
import { prng } from '../lib/prng.ts';


const arena = (pages: number): SharedArrayBuffer => new SharedArrayBuffer(pages * PAGE);

test('the size classes are the powers of two from 16 to 2048', () => {
  assert.deepEqual([...CLASSES], [16, 32, 64, 128, 256, 512, 1024, 2048]);
});

test('classOf rounds a size up to its class', () => {
  const cases: [number, number][] = [[1, 16], [16, 16], [17, 32], [32, 32], [33, 64], [100, 128], [1000, 1024], [1025, 2048], [2048, 2048]];
  for (const [size, cls] of cases) assert.equal(CLASSES[Allocator.classOf(size)], cls, `size ${size}`);
});

test('capacityOf is the class size for small blocks and whole pages for large ones', () => {
  const a = new Allocator(arena(16));
  const cases: [number, number][] = [
    [0, 16], [1, 16], [16, 16], [17, 32], [64, 64], [65, 128], [513, 1024], [2047, 2048], [2048, 2048],
    [2049, PAGE], [PAGE, PAGE], [PAGE + 1, 2 * PAGE], [3 * PAGE, 3 * PAGE],
  ];
  for (const [size, cap] of cases) {
    const off = a.alloc(size);
    assert.ok(off >= 0, `alloc(${size})`);
    assert.equal(a.capacityOf(off), cap, `capacity for ${size}`);
    if (size > 2048) assert.equal(off % PAGE, 0, `a large block (${size}) starts on a page`);
    else assert.equal(off % cap, 0, `a small block (${size}) is aligned to its class`);
  }
});

test('the constructor wants a whole, non-zero number of pages', () => {
  assert.throws(() => new Allocator(new SharedArrayBuffer(0)), RangeError);
  assert.throws(() => new Allocator(new SharedArrayBuffer(PAGE + 8)), RangeError);
  assert.equal(new Allocator(arena(3)).pages.count, 3);
  assert.equal(new Allocator(arena(3)).bytes, 3 * PAGE);
});

test('a slab holds PAGE / class blocks at distinct offsets in one page, then a new slab is made', () => {
  const a = new Allocator(arena(8));
  const total = a.pages.freePages;
  for (const cls of CLASSES) {
    const per = PAGE / cls;
    const offs: number[] = [];
    for (let i = 0; i < per; i++) offs.push(a.alloc(cls));
    const page = Math.floor((offs[0] as number) / PAGE);
    assert.ok(offs.every((o) => Math.floor(o / PAGE) === page), `class ${cls}: one slab page`);
    assert.equal(new Set(offs).size, per, `class ${cls}: distinct slots`);
    assert.deepEqual([...offs].sort((x, y) => x - y), offs.map((_, i) => page * PAGE + i * cls).sort((x, y) => x - y));
    assert.equal(a.pages.freePages, total - 1, `class ${cls}: one page used`);
    const next = a.alloc(cls);
    assert.notEqual(Math.floor(next / PAGE), page, `class ${cls}: the next block needs a new slab`);
    assert.equal(a.pages.freePages, total - 2);
    for (const o of [...offs, next]) a.free(o);
    a.trim();
    assert.equal(a.pages.freePages, total, `class ${cls}: every page back`);
  }
});

test('a freed slot is reused, and a full slab takes blocks again once one is freed', () => {
  const a = new Allocator(arena(4));
  const offs: number[] = [];
  for (let i = 0; i < PAGE / 1024; i++) offs.push(a.alloc(1000));
  const free = a.pages.freePages;
  a.free(offs[2] as number);
  assert.equal(a.alloc(1000), offs[2], 'the freed slot comes back');
  assert.equal(a.pages.freePages, free, 'no new slab was needed');
});

test('a slab that empties while another slab of its class has room returns its page at once', () => {
  const a = new Allocator(arena(8));
  const total = a.pages.freePages;
  const first: number[] = [];
  for (let i = 0; i < PAGE / 16; i++) first.push(a.alloc(16));
  const extra = a.alloc(16); // the second slab
  assert.equal(a.pages.freePages, total - 2);
  for (const o of first) a.free(o);
  assert.equal(a.pages.freePages, total - 1, 'the emptied first slab went back to the pages');
  a.free(extra);
  assert.ok(a.pages.freePages >= total - 1, 'at most one empty slab is kept per class');
  a.trim();
  assert.equal(a.pages.freePages, total, 'trim returns the kept empty slab');
  assert.equal(a.pages.largestFreeRun(), total, 'and the free pages coalesce into one run');
});

test('large blocks are page-granular runs and free gives the run back', () => {
  const a = new Allocator(arena(10));
  const x = a.alloc(3 * PAGE);
  const y = a.alloc(2 * PAGE + 1);
  assert.equal(x, 0);
  assert.equal(y, 3 * PAGE);
  assert.equal(a.capacityOf(y), 3 * PAGE);
  assert.equal(a.pages.freePages, 4);
  a.free(x);
  assert.equal(a.pages.freePages, 7);
  assert.equal(a.alloc(3 * PAGE), 0, 'first fit reuses the run at 0');
  a.free(0);
  a.free(y);
  assert.equal(a.pages.freePages, 10);
  assert.equal(a.pages.largestFreeRun(), 10);
});

test('alloc returns -1 when the arena is exhausted, for large and for small blocks', () => {
  const a = new Allocator(arena(4));
  assert.equal(a.alloc(5 * PAGE), -1, 'larger than the arena');
  const all = a.alloc(4 * PAGE);
  assert.equal(all, 0);
  assert.equal(a.alloc(1), -1, 'no page for a slab');
  assert.equal(a.alloc(2049), -1);
  a.free(all);
  // fill the arena with 2 KiB slabs (two per page)
  const offs: number[] = [];
  for (let i = 0; i < 8; i++) offs.push(a.alloc(2048));
  assert.ok(offs.every((o) => o >= 0));
  assert.equal(a.alloc(2048), -1);
  assert.equal(a.alloc(16), -1, 'another class needs a page too');
  assert.equal(a.alloc(PAGE), -1);
  a.free(offs[5] as number);
  assert.equal(a.alloc(2048), offs[5], 'one freed slot can be had again');
  for (const o of offs) a.free(o);
  a.trim();
  assert.equal(a.pages.freePages, 4);
});

for (const seed of [7, 1234, 99991]) {
  test(`a seeded storm (seed ${seed}): live blocks never overlap, keep their bytes, and all memory returns`, () => {
    const pages = 64;
    const a = new Allocator(arena(pages));
    const u8 = new Uint8Array(a.arena);
    const taken = new Uint8Array(pages * PAGE); // 1 where a live block's capacity lies
    const rnd = prng(seed);
    const live: { off: number; size: number; cap: number; fill: number }[] = [];
    let smallFull = 0;
    let largeFull = 0;

    const release = (i: number): void => {
      const b = live[i] as (typeof live)[number];
      live[i] = live[live.length - 1] as (typeof live)[number];
      live.pop();
      for (let j = b.off; j < b.off + b.size; j++) {
        if (u8[j] !== b.fill) assert.fail(`block at ${b.off} (size ${b.size}) lost its bytes at ${j}`);
      }
      taken.fill(0, b.off, b.off + b.cap);
      a.free(b.off);
    };

    for (let step = 0; step < 3000; step++) {
      if (live.length > 0 && rnd() < 0.45) { release(Math.floor(rnd() * live.length)); continue; }
      const large = rnd() < 0.15;
      const size = large ? 2049 + Math.floor(rnd() * 5 * PAGE) : 1 + Math.floor(rnd() * (rnd() < 0.5 ? 64 : 2048));
      const off = a.alloc(size);
      if (off < 0) {
        if (large) {
          largeFull++;
          assert.ok(a.pages.largestFreeRun() < Math.ceil(size / PAGE), `step ${step}: -1 for ${size} although a run was free`);
        } else {
          smallFull++;
          assert.equal(a.pages.freePages, 0, `step ${step}: -1 for ${size} although a page was free`);
        }
        continue;
      }
      const cap = a.capacityOf(off);
      assert.ok(cap >= size, `step ${step}: capacity ${cap} < size ${size}`);
      if (large) {
        assert.equal(off % PAGE, 0);
        assert.equal(cap, Math.ceil(size / PAGE) * PAGE);
      } else {
        assert.equal(Math.floor(off / PAGE), Math.floor((off + cap - 1) / PAGE), 'a small block stays within its slab page');
      }
      for (let j = off; j < off + cap; j++) {
        if (taken[j] !== 0) assert.fail(`step ${step}: [${off}, ${off + cap}) overlaps a live block at ${j}`);
      }
      taken.fill(1, off, off + cap);
      const fill = 1 + (step % 255);
      u8.fill(fill, off, off + size);
      live.push({ off, size, cap, fill });
    }
    assert.ok(largeFull + smallFull > 0, 'the storm ran the arena full at least once');
    // every live range is disjoint (a final, independent check by sorting)
    const sorted = [...live].sort((x, y) => x.off - y.off);
    for (let i = 1; i < sorted.length; i++) {
      const p = sorted[i - 1] as (typeof live)[number];
      const q = sorted[i] as (typeof live)[number];
      assert.ok(p.off + p.cap <= q.off, `[${p.off}, ${p.off + p.cap}) overlaps [${q.off}, ...)`);
    }
    while (live.length > 0) release(Math.floor(rnd() * live.length));
    a.trim();
    assert.equal(a.pages.freePages, pages);
    assert.equal(a.pages.largestFreeRun(), pages);
  });
}
