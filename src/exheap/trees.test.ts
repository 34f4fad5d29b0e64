// Trees of blocks (heap.ts, handles.ts): records whose pointer fields hold other blocks. Storing
// moves a block in (its handle revoked), taking moves it out, opening lends it; sending the root
// renews every record of the tree (handles into any part revoked), freeing the root frees it all,
// and no pointer can be forged, stored twice or made into a cycle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { elementLayout, exLayout, exPointers, exPtr, exRecord, exVector, text, bytes, type ExRecord, type ExText, type ExVector, type Layout, type Pointer } from '../contracts/exfield.ts';
import { ExchangeHeap, HeapError, type Block, type BlockOwner } from './heap.ts';
import { blockOfHandle, handleFor } from './handles.ts';
import { PAGE } from './pages.ts';
import { owner } from './test-owner.ts';

const Leaf = exLayout({ n: 'i32', name: exPtr(text) });
const Mid = exLayout({ leaf: exPtr(exRecord(Leaf)), raw: exPtr(bytes) });
const Top = exLayout({ id: 'u64', mid: exPtr(exRecord(Mid)) });
const Names = exPointers(text).block.layout as Layout;

function rec<L extends Layout>(heap: ExchangeHeap, o: BlockOwner, layout: L): ExRecord<L> {
  return handleFor(heap.allocate(o, layout.size, 'record', layout, 1), o) as never;
}
function txt(heap: ExchangeHeap, o: BlockOwner, s: string): ExText {
  const l = elementLayout('char');
  const t = handleFor(heap.allocate(o, l.size * s.length, 'array', l, s.length), o) as ExText;
  t.writeString(s);
  return t;
}
/** Moves a tree to another owner as a channel does: out of the sender, adopted by the receiver. */
function move<H>(h: H, to: BlockOwner): H {
  const b = blockOfHandle(h) as Block;
  const t = b.heap.transferOut(b);
  assert.equal(b.heap.adopt(t, to), true);
  return handleFor(t, to) as H;
}
/** A handle seen without its layout's types, to make the calls its types would refuse. */
function untyped(r: unknown): { put(f: string, h: unknown): void; set(f: string, v: unknown): void; get(f: string): unknown } {
  return r as never;
}
function code(o: { violations: Error[] }): string | undefined {
  const e = o.violations.at(-1);
  return e instanceof HeapError ? e.code : undefined;
}

test('a stored block is moved in (its handle revoked), lent by open, and moved out by take', () => {
  const heap = new ExchangeHeap(8 * PAGE);
  const o = owner();
  const leaf = rec(heap, o, Leaf);
  const t = txt(heap, o, 'hello \u{1F600}');
  assert.equal(leaf.open('name'), null);
  leaf.put('name', t);
  assert.throws(() => t.readString(), /used after move/);
  const lent = leaf.open('name');
  assert.equal(lent?.readString(), 'hello \u{1F600}');
  lent?.writeString('J', 0);
  assert.throws(() => { lent?.free(); }, (e: unknown) => e instanceof HeapError && e.code === 'E_IN_TREE');
  const back = leaf.take('name');
  assert.equal(back?.readString(), 'Jello \u{1F600}');
  assert.throws(() => lent?.length, /used after move/, 'a lent handle is revoked when its block moves');
  assert.equal(leaf.take('name'), null, 'the field is empty after take');
  back?.free();
  leaf.free();
  assert.equal(heap.stats().blocks, 0);
});

test('trees of depth 1 to 4 move there and back whole, no byte copied', () => {
  const heap = new ExchangeHeap(16 * PAGE);
  const a = owner();
  const b = owner();
  // depth 1: a record alone; 2: with text; 3: a Mid holding a Leaf holding text; 4: a Top above it
  const build = (depth: number): ExRecord<Layout> => {
    const leaf = rec(heap, a, Leaf);
    leaf.set('n', depth);
    if (depth >= 2) leaf.put('name', txt(heap, a, `depth ${depth}`));
    if (depth < 3) return leaf as never;
    const mid = rec(heap, a, Mid);
    const raw = handleFor(heap.allocate(a, 3, 'bytes', null, 3), a) as ReturnType<typeof mid.take<'raw'>> & object;
    raw.write([7, 8, 9]);
    mid.put('raw', raw);
    mid.put('leaf', leaf);
    if (depth < 4) return mid as never;
    const top = rec(heap, a, Top);
    top.set('id', 2n ** 64n - 1n);
    top.put('mid', mid);
    return top as never;
  };
  for (let depth = 1; depth <= 4; depth++) {
    const root = build(depth);
    const blocks = heap.stats().blocks;
    const offsets = [...walk(blockOfHandle(root) as Block)].map((x) => x.offset);
    const there = move(root, b);
    assert.throws(() => root.free(), /used after move/);
    assert.equal(a.heapBlocks, 0, `depth ${depth}: the sender holds nothing`);
    assert.equal(b.heapBlocks, blocks);
    const back = move(there, a);
    assert.deepEqual([...walk(blockOfHandle(back) as Block)].map((x) => x.offset), offsets, 'the same memory, retagged');
    const leaf = depth >= 4 ? (back as ExRecord<typeof Top>).open('mid')?.open('leaf') : depth === 3 ? (back as unknown as ExRecord<typeof Mid>).open('leaf') : back as unknown as ExRecord<typeof Leaf>;
    assert.equal(leaf?.get('n'), depth);
    if (depth >= 2) assert.equal(leaf?.open('name')?.readString(), `depth ${depth}`);
    if (depth >= 4) assert.equal((back as ExRecord<typeof Top>).get('id'), 2n ** 64n - 1n);
    back.free();
    assert.equal(heap.stats().blocks, 0, `depth ${depth}: freeing the root frees the tree`);
    assert.equal(a.heapCharge + b.heapCharge, 0);
  }
});

function* walk(b: Block): Generator<Block> {
  yield b;
  for (const k of b.kids ?? []) if (k !== null) yield* walk(k);
}

test('a handle into a subtree is revoked when the root is sent', () => {
  const heap = new ExchangeHeap(8 * PAGE);
  const a = owner();
  const mid = rec(heap, a, Mid);
  mid.put('leaf', rec(heap, a, Leaf));
  const leaf = mid.open('leaf');
  leaf?.put('name', txt(heap, a, 'x'));
  const name = leaf?.open('name');
  const there = move(mid, owner());
  assert.throws(() => leaf?.get('n'), /used after move/);
  assert.throws(() => name?.readString(), /used after move/);
  assert.equal(there.open('leaf')?.open('name')?.readString(), 'x');
  there.free();
  assert.equal(heap.stats().blocks, 0);
});

test('double store, a full slot, a cycle, a lent block and a wrong type are refused', () => {
  const heap = new ExchangeHeap(8 * PAGE);
  const o = owner();
  const mid = rec(heap, o, Mid);
  const leaf = rec(heap, o, Leaf);
  mid.put('leaf', leaf);
  assert.throws(() => { mid.put('leaf', leaf); }, /used after move/, 'the same handle cannot be stored twice');
  assert.equal(code(o), 'E_MOVED');
  const other = rec(heap, o, Leaf);
  assert.throws(() => { mid.put('leaf', other); }, (e: unknown) => e instanceof HeapError && e.code === 'E_SLOT_FULL');
  const lent = mid.open('leaf');
  assert.throws(() => { lent?.put('name', mid as never); }, (e: unknown) => e instanceof HeapError && e.code === 'E_CYCLE', 'a root cannot go below itself');
  assert.throws(() => { untyped(mid).put('leaf', mid); }, (e: unknown) => e instanceof HeapError && e.code === 'E_CYCLE');
  const top = rec(heap, o, Top);
  assert.throws(() => { untyped(top).put('mid', other); }, (e: unknown) => e instanceof HeapError && e.code === 'E_STORE_TYPE');
  assert.throws(() => { top.put('mid', lent as never); }, (e: unknown) => e instanceof HeapError && e.code === 'E_IN_TREE', 'a lent block is not the program\'s to store');
  assert.throws(() => { untyped(other).put('name', 'abc'); }, TypeError);
  assert.throws(() => { untyped(other).get('name'); }, /it is a pointer/);
  for (const h of [mid, other, top]) h.free();
  assert.equal(heap.stats().blocks, 0);
});

test('pointers live only in the kernel\'s records: the slot bytes stay zero, and writing them is refused', () => {
  const heap = new ExchangeHeap(8 * PAGE);
  const o = owner();
  const leaf = rec(heap, o, Leaf);
  leaf.set('n', -1);
  leaf.put('name', txt(heap, o, 'secret'));
  const b = blockOfHandle(leaf) as Block;
  const slot = Leaf.pointerByName['name']?.offset ?? -1;
  assert.deepEqual([...heap.u8.subarray(b.offset + slot, b.offset + slot + 8)], [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.throws(() => { untyped(leaf).set('name', 12); }, TypeError);
  leaf.free();
});

test('vectors of pointers (byte[][] and char[][]) hold a block per element', () => {
  const heap = new ExchangeHeap(8 * PAGE);
  const o = owner();
  const names = handleFor(heap.allocate(o, Names.size * 3, 'vector', Names, 3), o) as unknown as ExVector<Layout<{ value: Pointer<ExText> }>>;
  names.put(0, 'value', txt(heap, o, 'a'));
  names.put(2, 'value', txt(heap, o, 'ccc'));
  assert.deepEqual([0, 1, 2].map((i) => names.open(i, 'value')?.readString() ?? null), ['a', null, 'ccc']);
  assert.throws(() => names.take(3, 'value'), RangeError);
  const there = move(names, owner());
  assert.equal(there.open(2, 'value')?.readString(), 'ccc');
  there.free();
  assert.equal(heap.stats().blocks, 0);
  assert.equal(exVector(Names).describe, 'exvector{value:*exarray<char>@0}/8');
});

test('a dying owner\'s trees, held and in transit, are all freed', () => {
  const heap = new ExchangeHeap(8 * PAGE);
  const o = owner();
  for (let i = 0; i < 3; i++) {
    const m = rec(heap, o, Mid);
    m.put('leaf', rec(heap, o, Leaf));
    m.open('leaf')?.put('name', txt(heap, o, `t${i}`));
    if (i === 0) {
      const b = blockOfHandle(m) as Block;
      const inFlight = heap.transferOut(b);
      assert.equal(o.heapCharge > 0, true, 'the sender pays while the tree is in flight');
      heap.free(inFlight); // the message is dropped: its queue died with the owner
    }
  }
  heap.freeAll(o);
  assert.equal(heap.stats().blocks, 0);
  assert.equal(o.heapCharge, 0);
  assert.equal(o.heapBlocks, 0);
});
