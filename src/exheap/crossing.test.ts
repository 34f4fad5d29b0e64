// Blocks crossing between heaps that share one arena (a kernel and a worker protection domain):
// a block moves without copying, its memory is freed only once every part everywhere is freed,
// splits on either side keep the weight sound, and a partition goes back when its domain is done.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Block, ExchangeHeap, HeapError, WHOLE, type WireBlock } from './heap.ts';
import { PAGE } from './pages.ts';
import { TestOwner } from './test-owner.ts';

/** A root heap and a domain heap over a partition of its arena; releases are delivered at once,
 * as the domain layer does over its control channel. */
function pair(): { root: ExchangeHeap; dom: ExchangeHeap; a: TestOwner; b: TestOwner; base: number } {
  const root = new ExchangeHeap(64 * PAGE);
  const base = root.reserve(16 * PAGE);
  const dom = new ExchangeHeap({ arena: root.arena, base, bytes: 16 * PAGE, domain: 1 });
  const heaps = [root, dom];
  for (const h of heaps) h.onRelease = (home, region, weight) => { (heaps[home] as ExchangeHeap).released(region, weight); };
  return { root, dom, a: new TestOwner(1, 'a'), b: new TestOwner(2, 'b'), base };
}

const clone = (w: WireBlock): WireBlock => structuredClone(w);

test('a block crosses to another domain without copying, and its memory returns only when freed there', () => {
  const { root, dom, a, b } = pair();
  const before = root.stats().used;
  const blk = root.allocate(a, 100, 'bytes', null, 100);
  root.u8[blk.offset] = 42;
  const w = root.sendAcross(blk);
  assert.equal(blk.gone, 'moved');
  assert.equal(a.heapBlocks, 0);
  assert.equal(w.weight, WHOLE);
  const there = dom.receiveAcross(clone(w), null, b);
  assert.equal(there.offset, blk.offset, 'same bytes, no copy');
  assert.equal(dom.u8[there.offset], 42);
  assert.ok(root.stats().used > before, 'still allocated while the other domain holds it');
  dom.free(there);
  assert.equal(root.stats().used, before);
});

test('a block that goes out and comes home is the home region again, and frees normally', () => {
  const { root, dom, a, b } = pair();
  const before = root.stats().used;
  const blk = root.allocate(a, 5000, 'bytes', null, 5000);
  const there = dom.receiveAcross(clone(root.sendAcross(blk)), null, b);
  const back = root.receiveAcross(clone(dom.sendAcross(there)), null, a);
  assert.equal(back.region.weight, WHOLE);
  root.free(back);
  assert.equal(root.stats().used, before);
});

test('splits on both sides: the memory is freed after the last part, wherever it is', () => {
  const { root, dom, a, b } = pair();
  const before = dom.stats().used;
  const blk = dom.allocate(b, 64, 'bytes', null, 64);
  const [h1, t1] = dom.split(blk, 16);
  const away = root.receiveAcross(clone(dom.sendAcross(t1)), null, a); // one part leaves, one stays
  const [h2, t2] = root.split(away, 16);
  const back = dom.receiveAcross(clone(root.sendAcross(t2)), null, b);
  root.free(h2);
  dom.free(h1);
  assert.ok(dom.stats().used > before, 'one part is still live');
  dom.free(back);
  assert.equal(dom.stats().used, before);
  assert.equal(dom.stats().blocks, 0);
});

test('frees arrive in any order: weight, not counts, decides', () => {
  const { root, dom, a, b } = pair();
  const before = root.stats().used;
  const blk = root.allocate(a, 64, 'bytes', null, 64);
  const [x, y] = root.split(blk, 32);
  const wx = root.sendAcross(x);
  const wy = root.sendAcross(y);
  assert.equal(wx.weight + wy.weight, WHOLE);
  const y2 = dom.receiveAcross(clone(wy), null, b);
  dom.free(y2); // the second part freed before the first arrives
  const x2 = dom.receiveAcross(clone(wx), null, b);
  dom.free(x2);
  assert.equal(root.stats().used, before);
});

test('a lineage split past the weight it can halve is copied once, and stays sound', () => {
  const { root, dom, a, b } = pair();
  let blk = root.allocate(a, 4096, 'bytes', null, 4096);
  const keep: Block[] = [];
  for (let i = 0; i < 60; i++) {
    const [head, tail] = root.split(blk, 1);
    keep.push(head);
    const there = dom.receiveAcross(clone(root.sendAcross(tail)), null, b);
    blk = root.receiveAcross(clone(dom.sendAcross(there)), null, a);
  }
  for (const k of keep) root.free(k);
  root.free(blk);
  assert.equal(root.stats().blocks, 0);
  assert.equal(dom.stats().blocks, 0);
});

test('weight for a region with none out is refused, as is a home-coming block nobody sent', () => {
  const { root } = pair();
  assert.throws(() => { root.released(PAGE * 40, 5); }, (e: unknown) => e instanceof HeapError && e.code === 'E_HEAP_DOMAIN');
  assert.throws(() => root.receiveAcross({ home: 0, region: PAGE * 40, offset: PAGE * 40, size: 1, kind: 'bytes', count: 1, weight: 1 }, null, new TestOwner(3, 'c')), HeapError);
});

test('a partition is reserved page-aligned and given back', () => {
  const root = new ExchangeHeap(64 * PAGE);
  const before = root.stats().used;
  const base = root.reserve(3 * PAGE);
  assert.equal(base % PAGE, 0);
  assert.ok(root.stats().used >= 3 * PAGE + before);
  root.unreserve(base);
  assert.equal(root.stats().used, before);
});
