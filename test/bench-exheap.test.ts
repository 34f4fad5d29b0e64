// Smoke test of `sing bench exheap`: a quick run reports every row (blocks by size, text by length,
// the tree against one block and a cloning worker) as plain JSON. Timings are noisy: nothing here
// asserts a duration, a ratio or a target met — only that the figures exist and are sane.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runExheap, SIZES, TEXT_CHARS, TREE_TEXTS } from '../bench/exheap.ts';

const positive = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x > 0;

test('bench exheap --quick reports blocks, text and tree rows', { timeout: 120_000 }, async () => {
  const r = await runExheap({ quick: true });
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r, 'the result is plain JSON');
  for (const s of SIZES) assert.ok(positive(r.exheapRequestReplyNs[String(s)]), `${s} B`);
  for (const c of TEXT_CHARS) assert.ok(positive(r.textMoveNs[String(c)]), `text of ${c}`);
  assert.equal(r.treeBlocks, TREE_TEXTS + 1);
  for (const k of ['treeMoveNs', 'oneBlockMoveNs', 'treeCloneWorkerNs', 'allocFreeNs'] as const) assert.ok(positive(r[k]), k);
  for (const v of Object.values(r.ratios)) assert.ok(positive(v));
  for (const v of Object.values(r.targets)) assert.equal(typeof v, 'boolean');
});
