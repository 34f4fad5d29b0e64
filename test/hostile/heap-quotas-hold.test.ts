// Issue #11, point 3: the exchange heap is no longer first come, first served. Quotas are granted
// by the system (a request above its cap is refused), each process's quota is set aside when it
// is created, and one process tree can set aside or hold only its share of the heap; so a
// neighbour's allocation within its quota never fails because someone else took the heap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExitStatus } from '../../src/runtime/index.ts';
import { marks, said, until, within } from '../kit.ts';
import { namesOf, neighbours } from './neighbours.ts';
import { PROGRAMS } from './programs/heap-quotas.ts';

test('a program asking for more exchange heap than the system grants is refused at create, and nothing changes', async () => {
  const n = await neighbours(PROGRAMS);
  const before = n.k.heap.stats();
  assert.throws(() => n.k.spawn('grab32'), (e: Error & { code?: string }) => e.code === 'E_LIMIT' && /33554432/.test(e.message) && /4194304/.test(e.message));
  assert.deepEqual(n.k.heap.stats(), before);
  await n.finish();
});

test('a tree that takes its whole share (its quota, copies of itself, then more) ends with reason quota; the neighbours allocate all along', async () => {
  const n = await neighbours(PROGRAMS);
  const s = n.k.spawn('hogtree', { params: { root: true } });
  const st: ExitStatus = await within(s.join(), 'the hog to end');
  assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', 'quota', 'E_QUOTA']);
  const m = said(n, s.pid);
  assert.ok(m.includes('held-64'), `it held its whole quota: ${m.join(', ')}`);
  assert.equal(m.filter((x) => x === 'child').length, 1, 'the tree had room for one more quota');
  assert.equal(m.filter((x) => x === 'refused-E_HEAP_RESERVE').length, 3, 'then its creates were refused');
  assert.deepEqual(namesOf(n.k, s.pid), []);
  assert.equal(n.k.ps().filter((p) => p.program === 'hogtree').length, 0, 'its children ended with it');
  await n.finish();
});

test('a process that keeps what it is sent beyond its quota ends with reason quota once its tree\'s share is held; the neighbours allocate all along', async () => {
  const n = await neighbours(PROGRAMS);
  const s = n.k.spawn('pourer');
  await until(() => marks(n.k, s.pid).some((p) => p.includes('/sponge-quota-E_QUOTA')), 'the sponge to end for its quota', 10_000);
  s.stop();
  await within(s.join());
  await n.finish();
});
