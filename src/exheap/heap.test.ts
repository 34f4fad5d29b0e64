// The exchange heap with fake owners: zero-filled allocation, quotas and size errors, moving
// blocks between owners, revoked handles (moved, freed, split), split, views, typed records and
// vectors, raw views for trusted owners only, and the heap's statistics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exLayout, type Bytes, type ExRecord, type ExVector, type Layout } from '../contracts/exfield.ts';
import { Block, ExchangeHeap, HeapError, type BlockOwner } from './heap.ts';
import { BytesHandle, blockOfHandle, handleFor, isWholeHandle, RecordsHandle } from './handles.ts';
import { PAGE } from './pages.ts';
import { owner, TestOwner } from './test-owner.ts';


/** The blocks on an owner's list, checking the back links and the owner's counters. */
function owned(o: BlockOwner): Block[] {
  const out: Block[] = [];
  let prev: Block | null = null;
  for (let b = o.blockHead; b !== null; b = b.nextOwned) {
    assert.equal(b.prevOwned, prev, 'back link');
    assert.equal(b.owner, o, 'owner field');
    out.push(b);
    prev = b;
  }
  assert.equal(o.heapBlocks, out.length, 'heapBlocks is the list length');
  assert.equal(o.heapBytes, out.reduce((s, b) => s + b.size, 0), 'heapBytes is the sum of sizes');
  return out;
}

function bytesOf(heap: ExchangeHeap, o: BlockOwner, size: number): { b: Block; h: Bytes } {
  const b = heap.allocate(o, size, 'bytes', null, size);
  return { b, h: handleFor(b, o) as Bytes };
}

/** Moves a block to another owner the way a send and a receive do: the old record retires, a
 * fresh one travels and is adopted. */
function move(heap: ExchangeHeap, b: Block, to: BlockOwner): Block {
  const nb = heap.transferOut(b);
  heap.adopt(nb, to);
  return nb;
}

function codeOf(e: unknown): string | undefined {
  return e instanceof HeapError ? e.code : undefined;
}

// ---------------------------------------------------------------------------------------------
// Allocation

test('a block over memory a freed block wrote is zero-filled, small or large (over 64 KiB)', () => {
  const heap = new ExchangeHeap(64 * PAGE);
  const o = owner();
  for (const size of [100, 5000, 70 * 1024 + 3]) {
    const first = bytesOf(heap, o, size);
    first.h.write(new Uint8Array(size).fill(0xab));
    first.h.free();
    const again = bytesOf(heap, o, size);
    assert.equal(again.b.offset, first.b.offset, 'the same memory comes back');
    assert.ok(again.h.read().every((x) => x === 0), `${size} bytes all zero`);
    again.h.free();
  }
});

test('allocate gives the owner a zero-filled block and counts it', () => {
  const heap = new ExchangeHeap(16 * PAGE);
  const o = owner();
  const { b, h } = bytesOf(heap, o, 100);
  assert.equal(b.size, 100);
  assert.equal(b.kind, 'bytes');
  assert.equal(b.owner, o);
  assert.equal(h.length, 100);
  assert.deepEqual([...h.read()], new Array<number>(100).fill(0));
  assert.deepEqual(owned(o), [b]);
  assert.deepEqual(o.violations, []);
});

test('the heap rounds its arena up to whole pages', () => {
  assert.equal(new ExchangeHeap(1).arena.byteLength, PAGE);
  assert.equal(new ExchangeHeap(PAGE + 1).arena.byteLength, 2 * PAGE);
  assert.equal(new ExchangeHeap(3 * PAGE).stats().capacity, 3 * PAGE);
});

test('a freed slot handed out again is zero-filled (small and large blocks)', () => {
  const heap = new ExchangeHeap(16 * PAGE);
  const o = owner();
  for (const size of [5, 100, 2048, 3 * PAGE]) {
    const keep = bytesOf(heap, o, size); // keeps the slab alive, so the slot really is reused
    const first = bytesOf(heap, o, size);
    first.h.write(new Uint8Array(size).fill(0xab));
    const at = first.b.offset;
    first.h.free();
    const again = bytesOf(heap, o, size);
    assert.equal(again.b.offset, at, `size ${size}: the same memory was reused`);
    assert.ok(again.h.read().every((x) => x === 0), `size ${size}: no byte of the previous block shows`);
    again.h.free();
    keep.h.free();
  }
  assert.equal(heap.stats().blocks, 0);
});

test('a block of size 0 is allowed and empty', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner();
  const { h } = bytesOf(heap, o, 0);
  assert.equal(h.length, 0);
  assert.deepEqual([...h.read()], []);
  assert.throws(() => h.get(0), RangeError);
  h.free();
  assert.equal(heap.stats().blocks, 0);
  assert.equal(heap.stats().used, 0);
});

test('the quota bounds the arena bytes an owner holds: E_QUOTA, the owner is told, nothing is allocated', () => {
  const heap = new ExchangeHeap(16 * PAGE);
  const o = owner(2048);
  const a = bytesOf(heap, o, 600); // takes a 1 KiB slot
  assert.equal(o.heapCharge, 1024);
  assert.equal(o.heapBytes, 600);
  const before = heap.stats();
  let err: unknown;
  try { heap.allocate(o, 1025, 'bytes', null, 1025); } catch (e) { err = e; } // would take a 2 KiB slot
  assert.ok(err instanceof HeapError);
  assert.equal(codeOf(err), 'E_QUOTA');
  assert.deepEqual(o.violations, [err], 'violate was called with the same error');
  assert.deepEqual(heap.stats(), before, 'nothing was allocated');
  assert.deepEqual(owned(o), [a.b]);
  // exactly up to the quota is fine
  const b = bytesOf(heap, o, 1000);
  assert.equal(o.heapCharge, 2048);
  // freeing gives the quota back
  a.h.free();
  b.h.free();
  assert.equal(o.heapCharge, 0);
  bytesOf(heap, o, 2048);
  assert.equal(o.violations.length, 1);
});

test('an owner with quota 0 cannot allocate a byte', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner(0);
  assert.throws(() => heap.allocate(o, 1, 'bytes', null, 1), { code: 'E_QUOTA' });
  assert.equal(o.violations.length, 1);
  assert.equal(heap.stats().blocks, 0);
});

test('E_HEAP_SIZE for a negative, fractional, non-numeric or too large size, and the owner is told', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  for (const size of [-1, 1.5, Number.NaN, Infinity, 4 * PAGE + 1]) {
    const o = owner();
    assert.throws(() => heap.allocate(o, size, 'bytes', null, 0), { code: 'E_HEAP_SIZE' }, String(size));
    assert.equal(o.violations.length, 1, `size ${size}: violate`);
    assert.equal(codeOf(o.violations[0]), 'E_HEAP_SIZE');
    assert.equal(o.heapBlocks, 0);
  }
  assert.equal(heap.stats().blocks, 0);
  assert.equal(heap.stats().used, 0);
});

test('E_HEAP_FULL is thrown when no memory is left, without failing the owner', () => {
  const heap = new ExchangeHeap(2 * PAGE);
  const o = owner();
  const big = bytesOf(heap, o, 2 * PAGE);
  assert.throws(() => heap.allocate(o, 1, 'bytes', null, 1), { code: 'E_HEAP_FULL' });
  assert.throws(() => heap.allocate(o, PAGE, 'bytes', null, PAGE), { code: 'E_HEAP_FULL' });
  assert.deepEqual(o.violations, [], 'a full heap is not the owner\'s fault');
  assert.equal(heap.stats().blocks, 1);
  assert.equal(o.heapBytes, 2 * PAGE);
  big.h.free();
  bytesOf(heap, o, PAGE);
});

test('zero-size blocks count against the quota: an owner with quota 0 cannot hold any memory', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner(0);
  assert.throws(() => heap.allocate(o, 0, 'bytes', null, 0), { code: 'E_QUOTA' });
  assert.equal(heap.stats().used, 0);
});

// ---------------------------------------------------------------------------------------------
// Moving between owners

test('transferOut and adopt move a block between owners without touching its bytes', () => {
  const heap = new ExchangeHeap(16 * PAGE);
  const a = owner();
  const c = owner();
  const blocks = [10, 20, 30, 40].map((n) => bytesOf(heap, a, n));
  const mid = blocks[1] as { b: Block; h: Bytes };
  mid.h.write([1, 2, 3, 4, 5]);
  const offset = mid.b.offset;
  const stats = heap.stats();
  const travelling = heap.transferOut(mid.b);
  assert.equal(mid.b.gone, 'moved', 'the old record retires');
  assert.equal(mid.b.owner, null);
  assert.notEqual(travelling, mid.b, 'a fresh record travels');
  assert.equal(travelling.owner, null, 'in transit');
  assert.equal(travelling.gone, null);
  assert.deepEqual([travelling.offset, travelling.size, travelling.kind], [offset, 20, 'bytes'], 'the same memory');
  assert.equal(a.heapBytes, 80);
  assert.equal(owned(a).length, 3, 'the middle block left the list, which stays linked');
  assert.deepEqual(heap.stats(), stats, 'in transit, the block still counts as live');
  heap.adopt(travelling, c);
  assert.deepEqual(owned(c), [travelling]);
  assert.equal(c.heapBytes, 20);
  assert.deepEqual([...heap.u8.subarray(offset, offset + 5)], [1, 2, 3, 4, 5]);
  assert.deepEqual(heap.stats(), stats, 'moving allocates and frees nothing');
  const nh = handleFor(travelling, c) as Bytes;
  assert.deepEqual([...nh.read(0, 6)], [1, 2, 3, 4, 5, 0]);
  assert.deepEqual(a.violations, []);
});

test('using a handle after its block moved throws E_MOVED and tells its holder', () => {
  const heap = new ExchangeHeap(16 * PAGE);
  const a = owner();
  const c = owner();
  const { b, h } = bytesOf(heap, a, 8);
  const v = h.view(2, 4);
  move(heap, b, c);
  const uses: [string, () => unknown][] = [
    ['length', () => h.length], ['get', () => h.get(0)], ['set', () => { h.set(0, 1); }], ['read', () => h.read()],
    ['write', () => { h.write([1]); }], ['readText', () => h.readText()], ['writeText', () => h.writeText('x')],
    ['view', () => h.view(0)], ['split', () => h.split(1)], ['free', () => { h.free(); }], ['a view', () => v.get(0)],
  ];
  for (const [what, use] of uses) assert.throws(use, { code: 'E_MOVED' }, what);
  assert.equal(a.violations.length, uses.length, 'each use told the holder');
  assert.ok(a.violations.every((e) => codeOf(e) === 'E_MOVED'));
  assert.ok(/used after move/.test((a.violations[0] as Error).message));
  assert.deepEqual(c.violations, []);
  assert.equal(heap.stats().blocks, 1, 'the stale free freed nothing');
  assert.equal(c.heapBlocks, 1);
});

test('a block moved back to its first owner still revokes the handles made before the move', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const a = owner();
  const { b, h } = bytesOf(heap, a, 8);
  const back = move(heap, move(heap, b, owner()), a);
  assert.throws(() => h.get(0), { code: 'E_MOVED' });
  assert.equal((handleFor(back, a) as Bytes).get(0), 0);
  assert.deepEqual(owned(a), [back]);
});

// ---------------------------------------------------------------------------------------------
// Free

test('free via a handle returns the memory; a second free throws E_FREED and tells the owner', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner();
  const { h } = bytesOf(heap, o, 64);
  h.free();
  assert.equal(o.heapBlocks, 0);
  assert.equal(o.heapBytes, 0);
  assert.equal(heap.stats().blocks, 0);
  assert.equal(heap.stats().used, 0);
  assert.throws(() => { h.free(); }, { code: 'E_FREED' });
  assert.equal(o.violations.length, 1);
  assert.equal(codeOf(o.violations[0]), 'E_FREED');
  assert.throws(() => h.get(0), { code: 'E_FREED' }, 'any use after free');
  assert.equal(heap.stats().blocks, 0);
});

test('heap.free of an already freed block is a no-op (the channel layer may race a discard)', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner();
  const { b } = bytesOf(heap, o, 64);
  const keep = bytesOf(heap, o, 64);
  heap.free(b);
  heap.free(b);
  assert.equal(heap.stats().blocks, 1);
  assert.equal(heap.stats().live, 64);
  assert.deepEqual(owned(o), [keep.b]);
});

test('a block in transit (no owner) can be freed', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner();
  const { b } = bytesOf(heap, o, 300);
  const travelling = heap.transferOut(b);
  heap.free(b);
  assert.equal(heap.stats().blocks, 1, 'freeing the retired record does nothing');
  heap.free(travelling);
  assert.equal(travelling.gone, 'freed');
  const s = heap.stats();
  assert.deepEqual([s.blocks, s.live, s.used], [0, 0, 0]);
});

test('freeAll frees every block an owner holds, including split parts', () => {
  const heap = new ExchangeHeap(32 * PAGE);
  const o = owner();
  const other = owner();
  const keep = bytesOf(heap, other, 50);
  for (const n of [1, 16, 17, 2048, 2049, 3 * PAGE]) bytesOf(heap, o, n);
  const { h } = bytesOf(heap, o, 100);
  h.split(40);
  assert.equal(o.heapBlocks, 8);
  heap.freeAll(o);
  assert.equal(o.blockHead, null);
  assert.equal(o.heapBlocks, 0);
  assert.equal(o.heapBytes, 0);
  const s = heap.stats();
  assert.equal(s.blocks, 1);
  assert.equal(s.live, 50);
  assert.deepEqual(owned(other), [keep.b]);
});

// ---------------------------------------------------------------------------------------------
// Split and views

test('split makes two blocks over the same memory; writes land in the original range', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner();
  const { b, h } = bytesOf(heap, o, 100);
  h.write(Array.from({ length: 100 }, (_, i) => i));
  const used = heap.stats().used;
  const [head, tail] = h.split(30);
  assert.equal(head.length, 30);
  assert.equal(tail.length, 70);
  assert.equal(head.get(29), 29);
  assert.equal(tail.get(0), 30);
  assert.equal(tail.get(69), 99);
  head.set(5, 200);
  tail.set(0, 201);
  tail.writeText('xyz', 67);
  assert.equal(heap.u8[b.offset + 5], 200);
  assert.equal(heap.u8[b.offset + 30], 201);
  assert.equal(new TextDecoder().decode(heap.u8.slice(b.offset + 97, b.offset + 100)), 'xyz');
  assert.throws(() => tail.get(70), RangeError, 'the tail ends where the block ended');
  assert.throws(() => head.get(30), RangeError, 'the head ends at the cut');
  // the original handle is revoked (used after split)
  assert.throws(() => h.get(0), { code: 'E_MOVED' });
  assert.ok(/used after split/.test((o.violations[0] as Error).message));
  // accounting: one more block, the same bytes, the same memory
  const s = heap.stats();
  assert.equal(s.blocks, 2);
  assert.equal(s.live, 100);
  assert.equal(s.used, used);
  assert.equal(o.heapBytes, 100);
  assert.equal(owned(o).length, 2);
  // freeing one half keeps the memory; freeing both returns it
  head.free();
  assert.equal(heap.stats().used, used, 'the tail still stands in the region');
  assert.equal(tail.get(0), 201);
  tail.free();
  const after = heap.stats();
  assert.deepEqual([after.used, after.live, after.blocks], [0, 0, 0]);
  assert.equal(o.heapBytes, 0);
});

test('splitting again, at the edges, and freeing the parts in any order returns the memory once', () => {
  const heap = new ExchangeHeap(8 * PAGE);
  const o = owner();
  const total = () => heap.stats();
  const { h } = bytesOf(heap, o, 3 * PAGE);
  const [a, rest] = h.split(0);
  assert.equal(a.length, 0);
  const [b, rest2] = rest.split(PAGE);
  const [c, d] = rest2.split(2 * PAGE);
  assert.equal(d.length, 0);
  assert.equal(c.length, 2 * PAGE);
  assert.equal(total().blocks, 4);
  assert.equal(total().live, 3 * PAGE);
  c.free();
  a.free();
  d.free();
  assert.equal(total().used, 3 * PAGE);
  b.free();
  assert.equal(total().used, 0);
  assert.equal(total().blocks, 0);
  assert.equal(total().free, 8 * PAGE);
});

test('split refuses a cut outside the block and a view', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner();
  const { h } = bytesOf(heap, o, 10);
  assert.throws(() => h.split(11), RangeError);
  assert.throws(() => h.split(-1), RangeError);
  assert.throws(() => h.split(2.5), RangeError);
  assert.throws(() => h.view(2).split(1), { code: 'E_SPLIT_VIEW' });
  assert.equal(h.length, 10, 'the refused splits left the handle valid');
  assert.equal(heap.stats().blocks, 1);
});

test('views read and write a window of the block and are bounds-checked', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner();
  const { h } = bytesOf(heap, o, 32);
  h.write(Array.from({ length: 32 }, (_, i) => i));
  const v = h.view(10, 20);
  assert.equal(v.length, 10);
  assert.equal(v.get(0), 10);
  assert.deepEqual([...v.read(8)], [18, 19]);
  v.set(9, 99);
  assert.equal(h.get(19), 99);
  v.write([7, 7], 3);
  assert.deepEqual([...h.read(13, 15)], [7, 7]);
  const vv = v.view(5);
  assert.equal(vv.length, 5);
  assert.equal(vv.get(0), 15);
  assert.equal(h.view(4).length, 28, 'a view to the end');
  for (const [what, bad] of [
    ['negative start', () => h.view(-1)], ['end past the block', () => h.view(5, 33)], ['start after end', () => h.view(20, 10)],
    ['fraction', () => h.view(1.5)], ['view of a view past its end', () => v.view(0, 11)], ['get past the view', () => v.get(10)],
    ['get before the view', () => v.get(-1)], ['set past the view', () => { v.set(10, 1); }], ['read past the view', () => v.read(0, 11)],
    ['write past the view', () => { v.write([1, 2, 3], 8); }], ['writeText past the view', () => v.writeText('hello world')],
  ] as const) assert.throws(bad, RangeError, what);
  assert.equal(h.get(20), 20, 'the refused writes changed nothing beyond the view');
  assert.deepEqual(o.violations, [], 'range errors are not ownership violations');
});

test('views are revoked with their block: moved, split or freed', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner();
  const c = owner();
  const x = bytesOf(heap, o, 16);
  const vx = x.h.view(1, 3);
  move(heap, x.b, c);
  assert.throws(() => vx.read(), { code: 'E_MOVED' });
  const y = bytesOf(heap, o, 16);
  const vy = y.h.view(0, 8);
  y.h.split(8);
  assert.throws(() => vy.get(0), { code: 'E_MOVED' });
  const z = bytesOf(heap, o, 16);
  const vz = z.h.view(0);
  z.h.free();
  assert.throws(() => vz.get(0), { code: 'E_FREED' });
  assert.throws(() => { vz.free(); }, { code: 'E_FREED' });
  assert.equal(o.violations.length, 4);
});

test('text round-trips through a block as UTF-8', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner();
  const { h } = bytesOf(heap, o, 32);
  const n = h.writeText('héllo ✓', 2);
  assert.equal(n, new TextEncoder().encode('héllo ✓').length);
  assert.equal(h.readText(2, 2 + n), 'héllo ✓');
  assert.equal(h.get(0), 0);
  const r = h.read(2, 4);
  r[0] = 0;
  assert.equal(h.get(2), 'h'.charCodeAt(0), 'read returns a copy');
});

test('blockOfHandle/isWholeHandle: a view covering its block stands for it, a window does not, other values are not handles', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner();
  const { b, h } = bytesOf(heap, o, 16);
  const same = (x: unknown, whole: boolean, what: string): void => {
    assert.ok(blockOfHandle(x) === b, `${what}: the block`);
    assert.equal(isWholeHandle(x), whole, `${what}: whole`);
  };
  same(h, true, 'the handle');
  same(h.view(0), true, 'a view of all of it');
  same(h.view(1), false, 'a view from 1');
  same(h.view(0, 15), false, 'a view to 15');
  for (const v of [null, undefined, 1, 'x', {}, { block: b }, heap.u8]) assert.equal(blockOfHandle(v), undefined);
  const L = exLayout({ a: 'i32' });
  const rb = heap.allocate(o, L.size, 'record', L, 1);
  const r = handleFor(rb, o);
  assert.ok(blockOfHandle(r) === rb);
  assert.equal(isWholeHandle(r), true);
  heap.transferOut(rb);
  assert.ok(blockOfHandle(r) === rb && rb.gone === 'moved', 'an old handle still names its retired record');
});

test('handles cannot be constructed outside the heap and are frozen', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner();
  const { b, h } = bytesOf(heap, o, 16);
  const Ctor = BytesHandle as unknown as new (t: symbol, b: Block, o: BlockOwner, s: number, l: number) => Bytes;
  assert.throws(() => new Ctor(Symbol('block'), b, o, 0, 16), TypeError);
  const RCtor = RecordsHandle as unknown as new (t: symbol, b: Block, o: BlockOwner) => unknown;
  assert.throws(() => new RCtor(Symbol('block'), b, o), TypeError);
  assert.ok(Object.isFrozen(h));
});

// ---------------------------------------------------------------------------------------------
// Records and vectors

const Every = exLayout({ a: 'i32', b: 'u32', c: 'f64', d: 'bool', e: 'u8', f: 'i8', g: 'u16', h: 'i16', k: 'f32' });

function record<L extends Layout>(heap: ExchangeHeap, o: BlockOwner, layout: L): { b: Block; r: ExRecord<L> } {
  const b = heap.allocate(o, layout.size, 'record', layout, 1);
  return { b, r: handleFor(b, o) as unknown as ExRecord<L> };
}

function vector<L extends Layout>(heap: ExchangeHeap, o: BlockOwner, layout: L, n: number): { b: Block; v: ExVector<L> } {
  const b = heap.allocate(o, layout.size * n, 'vector', layout, n);
  return { b, v: handleFor(b, o) as unknown as ExVector<L> };
}

test('exLayout aligns fields naturally and pads the record', () => {
  const L = exLayout({ x: 'u8', y: 'f64', z: 'u16' });
  assert.deepEqual(L.fields.map((f) => [f.name, f.offset]), [['x', 0], ['y', 8], ['z', 16]]);
  assert.equal(L.size, 24);
  assert.equal(exLayout({ a: 'u8', b: 'u8', c: 'u8' }).size, 3);
  assert.throws(() => exLayout({}), TypeError);
  assert.throws(() => exLayout({ a: 'u128' as 'u8' }), TypeError);
});

test('a record starts zeroed, and every scalar type round-trips (with wrapping where the type wraps)', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner();
  const { r } = record(heap, o, Every);
  assert.equal(r.get('a'), 0);
  assert.equal(r.get('c'), 0);
  assert.equal(r.get('d'), false);
  r.set('a', -123456);
  r.set('b', 4000000000);
  r.set('c', Math.PI);
  r.set('d', true);
  r.set('e', 255);
  r.set('f', -128);
  r.set('g', 65535);
  r.set('h', -32768);
  r.set('k', 1.5);
  assert.deepEqual(
    ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'k'].map((n) => r.get(n as 'a')),
    [-123456, 4000000000, Math.PI, true, 255, -128, 65535, -32768, 1.5],
  );
  // the fields do not overlap: change each and the others keep their values
  r.set('d', false);
  assert.equal(r.get('c'), Math.PI);
  assert.equal(r.get('e'), 255);
  // wrapping, as DataView stores it
  r.set('b', -1);
  assert.equal(r.get('b'), 4294967295, 'u32 wraps');
  r.set('a', 2 ** 31);
  assert.equal(r.get('a'), -(2 ** 31), 'i32 wraps');
  r.set('e', 300);
  assert.equal(r.get('e'), 44, 'u8 wraps');
  r.set('k', 0.1);
  assert.equal(r.get('k'), Math.fround(0.1), 'f32 rounds');
});

test('records refuse unknown fields (TypeError) and values of the wrong type', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner();
  const { r } = record(heap, o, Every);
  const loose = r as unknown as { get(f: string): unknown; set(f: string, v: unknown): void };
  assert.throws(() => loose.get('nope'), TypeError);
  assert.throws(() => { loose.set('nope', 1); }, TypeError);
  assert.throws(() => loose.get('__proto__'), TypeError);
  assert.throws(() => loose.get('toString'), TypeError);
  assert.throws(() => { loose.set('a', '1'); }, TypeError);
  assert.throws(() => { loose.set('d', 1); }, TypeError, 'bool takes a boolean');
  assert.throws(() => { loose.set('a', true); }, TypeError);
  assert.equal(r.get('a'), 0);
  assert.deepEqual(o.violations, []);
});

test('a vector holds independent records; indexes outside it are a RangeError', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner();
  const P = exLayout({ id: 'i32', x: 'f64', ok: 'bool' });
  const { b, v } = vector(heap, o, P, 5);
  assert.equal(b.size, P.size * 5);
  assert.equal(v.length, 5);
  for (let i = 0; i < 5; i++) {
    v.set(i, 'id', i * 10);
    v.set(i, 'x', i + 0.5);
    v.set(i, 'ok', i % 2 === 0);
  }
  for (let i = 0; i < 5; i++) assert.deepEqual([v.get(i, 'id'), v.get(i, 'x'), v.get(i, 'ok')], [i * 10, i + 0.5, i % 2 === 0]);
  for (const i of [5, -1, 1.5, Number.NaN]) {
    assert.throws(() => v.get(i, 'id'), RangeError, String(i));
    assert.throws(() => { v.set(i, 'id', 1); }, RangeError, String(i));
  }
  assert.throws(() => (v as unknown as { get(i: number, f: string): unknown }).get(0, 'nope'), TypeError);
  const empty = vector(heap, o, P, 0);
  assert.equal(empty.v.length, 0);
  assert.throws(() => empty.v.get(0, 'id'), RangeError);
});

test('record and vector handles are revoked by moves and frees like byte handles', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner();
  const c = owner();
  const { b, r } = record(heap, o, Every);
  r.set('a', 5);
  const nb = move(heap, b, c);
  assert.throws(() => r.get('a'), { code: 'E_MOVED' });
  assert.throws(() => { r.set('a', 1); }, { code: 'E_MOVED' });
  const r2 = handleFor(nb, c) as unknown as ExRecord<typeof Every>;
  assert.equal(r2.get('a'), 5, 'the value moved with the block');
  r2.free();
  assert.throws(() => { r2.free(); }, { code: 'E_FREED' });
  const { v } = vector(heap, o, Every, 2);
  v.free();
  assert.throws(() => v.length, { code: 'E_FREED' });
  assert.equal(o.violations.length, 3);
  assert.equal(c.violations.length, 1);
  assert.equal(heap.stats().blocks, 0);
});

// ---------------------------------------------------------------------------------------------
// raw()

test('raw() gives a trusted owner the block\'s own memory', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner(Infinity, true);
  const { b, h } = bytesOf(heap, o, 24) as { b: Block; h: BytesHandle };
  const raw = h.raw();
  assert.equal(raw.buffer, heap.arena, 'a view of the arena itself, not a copy');
  assert.equal(raw.byteOffset, b.offset);
  assert.equal(raw.length, 24);
  raw[3] = 77;
  assert.equal(h.get(3), 77);
  h.set(4, 78);
  assert.equal(raw[4], 78);
  const v = h.view(4, 8) as BytesHandle;
  assert.equal(v.raw().byteOffset, b.offset + 4);
  assert.equal(v.raw().length, 4);
  assert.deepEqual(o.violations, []);
});

test('raw() is refused to an untrusted owner with E_PRIVILEGE, which is a violation', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner(Infinity, false);
  const { h } = bytesOf(heap, o, 24) as { b: Block; h: BytesHandle };
  assert.throws(() => h.raw(), { code: 'E_PRIVILEGE' });
  assert.equal(o.violations.length, 1);
  assert.equal(codeOf(o.violations[0]), 'E_PRIVILEGE');
});

// ---------------------------------------------------------------------------------------------
// Statistics

test('stats: used counts size-class slack, live counts what was asked, free is whole pages', () => {
  const heap = new ExchangeHeap(8 * PAGE);
  const o = owner();
  assert.deepEqual(heap.stats(), { capacity: 8 * PAGE, used: 0, free: 8 * PAGE, live: 0, blocks: 0, fragmentation: 0, reserved: 0, unreserved: 0 });
  const a = bytesOf(heap, o, 10);
  let s = heap.stats();
  assert.deepEqual([s.used, s.live, s.blocks, s.free], [16, 10, 1, 7 * PAGE]);
  const b = bytesOf(heap, o, 20);
  const c = bytesOf(heap, o, PAGE + 1);
  s = heap.stats();
  assert.deepEqual([s.used, s.live, s.blocks, s.free], [16 + 32 + 2 * PAGE, 10 + 20 + PAGE + 1, 3, 4 * PAGE]);
  assert.ok(s.used + s.free <= s.capacity);
  for (const x of [a, b, c]) x.h.free();
  s = heap.stats();
  assert.deepEqual([s.used, s.live, s.blocks], [0, 0, 0]);
  heap.trim();
  assert.deepEqual(heap.stats(), { capacity: 8 * PAGE, used: 0, free: 8 * PAGE, live: 0, blocks: 0, fragmentation: 0, reserved: 0, unreserved: 0 });
});

test('stats: fragmentation measures how the free pages are cut up, and is 0 once all is freed', () => {
  const heap = new ExchangeHeap(4 * PAGE);
  const o = owner();
  const blocks = [0, 1, 2, 3].map(() => bytesOf(heap, o, PAGE));
  assert.equal(heap.stats().free, 0);
  assert.equal(heap.stats().fragmentation, 0, 'no free memory, no fragmentation');
  (blocks[0] as { h: Bytes }).h.free();
  (blocks[2] as { h: Bytes }).h.free();
  assert.equal(heap.stats().free, 2 * PAGE);
  assert.equal(heap.stats().fragmentation, 0.5, 'two free pages, the longest run is one');
  (blocks[1] as { h: Bytes }).h.free();
  assert.equal(heap.stats().fragmentation, 0, 'pages 0..2 are one run');
  (blocks[3] as { h: Bytes }).h.free();
  const s = heap.stats();
  assert.deepEqual([s.free, s.fragmentation, s.used, s.blocks], [4 * PAGE, 0, 0, 0]);
});

test('stats as reported (no trim) count every page free and no fragmentation once all blocks are freed', () => {
  const heap = new ExchangeHeap(8 * PAGE);
  const o = owner();
  const big = bytesOf(heap, o, PAGE); // page 0
  const small = bytesOf(heap, o, 16); // a slab on page 1
  small.h.free();
  big.h.free();
  const s = heap.stats();
  assert.deepEqual([s.blocks, s.live, s.used], [0, 0, 0]);
  assert.equal(s.free, s.capacity, 'every page is free');
  assert.equal(s.fragmentation, 0, 'all free memory is one run');
});

test('stats after a mixed storm of allocate, split, move and free: all counters return to zero', () => {
  const heap = new ExchangeHeap(64 * PAGE);
  const owners = [owner(), owner(), owner()];
  let seed = 12345;
  const rnd = (): number => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 4294967296; };
  const handles: { h: Bytes; o: TestOwner }[] = [];
  for (let step = 0; step < 2000; step++) {
    const r = rnd();
    if (handles.length === 0 || r < 0.4) {
      const o = owners[Math.floor(rnd() * 3)] as TestOwner;
      const size = rnd() < 0.8 ? Math.floor(rnd() * 2100) : Math.floor(rnd() * 4 * PAGE);
      try {
        handles.push({ h: bytesOf(heap, o, size).h, o });
      } catch (e) {
        assert.equal(codeOf(e), 'E_HEAP_FULL');
      }
      continue;
    }
    const i = Math.floor(rnd() * handles.length);
    const { h, o } = handles[i] as { h: Bytes; o: TestOwner };
    if (r < 0.6 && h.length > 1) {
      const [x, y] = h.split(Math.floor(rnd() * h.length));
      handles.splice(i, 1, { h: x, o }, { h: y, o });
    } else if (r < 0.75) {
      const block = blockOfHandle(h) as Block;
      const to = owners[Math.floor(rnd() * 3)] as TestOwner;
      handles[i] = { h: handleFor(move(heap, block, to), to) as Bytes, o: to };
    } else {
      h.free();
      handles.splice(i, 1);
    }
    const s = heap.stats();
    assert.equal(s.blocks, owners.reduce((n, x) => n + x.heapBlocks, 0), `step ${step}: blocks`);
    assert.equal(s.live, owners.reduce((n, x) => n + x.heapBytes, 0), `step ${step}: live`);
    assert.ok(s.used >= s.live && s.used + s.free <= s.capacity, `step ${step}: used/free`);
  }
  for (const o of owners) {
    owned(o);
    assert.deepEqual(o.violations, []);
  }
  // half freed through handles, the rest by freeAll
  for (const { h } of handles.splice(0, handles.length >> 1)) h.free();
  for (const o of owners) heap.freeAll(o);
  heap.trim();
  assert.deepEqual(heap.stats(), { capacity: 64 * PAGE, used: 0, free: 64 * PAGE, live: 0, blocks: 0, fragmentation: 0, reserved: 0, unreserved: 0 });
});

test('readInto copies a range into the caller\'s own array at an offset, checking both ranges', () => {
  const heap = new ExchangeHeap(PAGE * 4);
  const o = owner();
  const { h } = bytesOf(heap, o, 16);
  h.write([1, 2, 3, 4, 5, 6, 7, 8], 4);
  const dst = new Uint8Array(10).fill(9);
  assert.equal(h.readInto(dst, 4, 8, 3), 4);
  assert.deepEqual([...dst], [9, 9, 9, 1, 2, 3, 4, 9, 9, 9]);
  assert.equal(h.readInto(dst, 6, 16, 0), 10);
  assert.deepEqual([...dst], [3, 4, 5, 6, 7, 8, 0, 0, 0, 0]);
  assert.throws(() => h.readInto(dst, 0, 16, 0), RangeError, '16 bytes do not fit in a 10-byte target');
  assert.throws(() => h.readInto(dst, 0, 4, 7), RangeError, 'nor 4 at 7');
  assert.throws(() => h.readInto([0, 0] as unknown as Uint8Array), TypeError);
  h.free();
  assert.throws(() => h.readInto(dst, 0, 1), HeapError, 'a freed handle');
});
