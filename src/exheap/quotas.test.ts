// Quotas: what is reserved and what is held beyond reservations stay within the arena and within
// each account's cap; a quota once reserved can always be used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BlockOwner, HeapAccount } from './heap.ts';
import { accounted, Quotas } from './quotas.ts';

function owner(label: string, quota: number, account: HeapAccount | null = null): BlockOwner {
  return { pid: 1, label, blockHead: null, heapBytes: 0, heapBlocks: 0, heapCharge: 0, heapQuota: quota, heapReserved: 0, heapAccount: account, trusted: false, violate: () => undefined };
}

test('a reserved quota can be charged up to its size without taking anything from the rest', () => {
  const q = new Quotas(1000);
  const a = owner('a', 600);
  q.reserve(a, 600);
  assert.deepEqual([q.reserved, q.unreserved, q.room()], [600, 0, 400]);
  assert.ok(q.fits(a, 600));
  q.charge(a, 600);
  assert.deepEqual([q.reserved, q.unreserved, q.room()], [600, 0, 400], 'charged within the reservation');
  q.charge(a, -600);
  q.release(a);
  assert.deepEqual([q.reserved, q.unreserved, q.room()], [0, 0, 1000]);
});

test('charge beyond a reservation comes out of the room no quota reserves, and is refused when there is none', () => {
  const q = new Quotas(1000);
  const a = owner('a', 600);
  const k = owner('kernel', Infinity);
  q.reserve(a, 600);
  assert.ok(q.fits(k, 400));
  assert.ok(!q.fits(k, 401), 'the kernel cannot take what a quota reserves');
  q.charge(k, 400);
  assert.equal(q.room(), 0);
  assert.ok(q.fits(a, 600), 'the reservation is still there for its owner');
  assert.throws(() => q.reserve(owner('b', 1), 1), (e: Error & { code?: string }) => e.code === 'E_HEAP_RESERVE' && /600 of its 1000 are reserved and 400 more/.test(e.message));
});

test('an account bounds what its owners reserve and hold beyond their reservations', () => {
  const q = new Quotas(10_000);
  const tree: HeapAccount = { accountUsed: 0, accountCap: 1000, label: 'the tree of t' };
  const a = owner('a', 600, tree);
  const b = owner('b', 0, tree);
  q.reserve(a, 600);
  assert.equal(tree.accountUsed, 600);
  assert.throws(() => q.reserve(owner('c', 600, tree), 600), (e: Error & { code?: string }) => e.code === 'E_HEAP_RESERVE' && /the tree of t already has 600 of its 1000/.test(e.message));
  assert.ok(q.fits(b, 400));
  assert.ok(!q.fits(b, 401), 'a receipt beyond the quota may not take the tree past its cap');
  q.charge(b, 400);
  assert.deepEqual([tree.accountUsed, accounted(a), accounted(b)], [1000, 600, 400]);
});

test('releasing a quota with blocks still in flight leaves their charge counted beyond reservations until they land', () => {
  const q = new Quotas(1000);
  const a = owner('a', 500);
  q.reserve(a, 500);
  q.charge(a, 300); // 300 sent, not yet received
  q.release(a);
  assert.deepEqual([q.reserved, q.unreserved], [0, 300]);
  q.charge(a, -300); // received elsewhere (or dropped)
  assert.deepEqual([q.reserved, q.unreserved, q.room()], [0, 0, 1000]);
});
