// The process table: counts per program and per tree, children lists, hand-over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelLimits } from './limits.ts';
import { Process, type ProcessHost } from './process.ts';
import { ProcessTable, type Census } from './process-table.ts';
import type { Image } from './image.ts';

const limits = kernelLimits({ processesPerProgram: 3, processesPerTree: 4 });
const host = { limits, scheduler: null, begin() {}, fail() {}, timer: () => () => undefined } as unknown as ProcessHost;
const image = (name: string): Image => ({ name, hash: name, factory: () => undefined, scriptId: undefined });
let pid = 1;
function spawn(t: ProcessTable, census: Census, parent: Process | null, name = 'p'): Process {
  t.room('test', name, census, parent);
  const p = new Process(host, pid++, image(name), parent);
  t.admit(p, census);
  return p;
}
const children = (p: Process): number[] => { const out: number[] = []; for (let c = p.firstChild; c !== null; c = c.nextSibling) out.push(c.pid); return out; };

test('a program\'s census and a tree\'s size bound creation, and removal gives the room back', () => {
  const t = new ProcessTable(limits);
  const a: Census = { live: 0 };
  const root = spawn(t, a, null);
  const kid = spawn(t, a, root);
  spawn(t, a, kid);
  assert.deepEqual([t.size, a.live, root.treeSize], [3, 3, 3]);
  assert.throws(() => spawn(t, a, root), (e: Error & { code?: string }) => e.code === 'E_QUOTA_PROCESSES' && /processesPerProgram/.test(e.message));
  const b: Census = { live: 0 };
  spawn(t, b, root, 'q');
  assert.throws(() => spawn(t, b, root, 'q'), (e: Error & { code?: string }) => e.code === 'E_QUOTA_PROCESSES' && /processesPerTree/.test(e.message));
  t.remove(kid);
  assert.deepEqual([t.size, a.live, root.treeSize], [3, 2, 3]);
  t.remove(kid); // a second removal changes nothing
  assert.equal(t.size, 3);
});

test('children are listed under their supervisor, and a hand-over moves a subtree with its counts', () => {
  const t = new ProcessTable(kernelLimits({}));
  const c: Census = { live: 0 };
  const root = spawn(t, c, null);
  const mid = spawn(t, c, root);
  const leaf = spawn(t, c, mid);
  assert.deepEqual(children(root), [mid.pid]);
  assert.deepEqual(children(mid), [leaf.pid]);
  assert.deepEqual(t.descendants(root).map((p) => p.pid), [mid.pid, leaf.pid]);
  t.handOver('test', leaf, root);
  assert.deepEqual(children(mid), []);
  assert.deepEqual(children(root).sort(), [mid.pid, leaf.pid].sort());
  assert.equal(leaf.root, root, 'handed to a process of the same tree: the tree is unchanged');
  t.handOver('test', mid, null);
  // a process cannot be handed to one inside its own subtree (here: itself)
  assert.equal(mid.root, mid, 'handed to the host: it roots a tree of its own');
  assert.deepEqual([root.treeSize, mid.treeSize], [2, 1]);
  assert.throws(() => t.handOver('test', root, root), (e: Error & { code?: string }) => e.code === 'E_SUPERVISOR');
});
