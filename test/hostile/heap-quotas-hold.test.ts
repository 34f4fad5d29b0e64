// Issue #11, point 3: the exchange heap is no longer first come, first served. Quotas are granted
// by the system (a request above its cap is refused), each process's quota is set aside when it
// is created, and one process tree can set aside or hold only its share of the heap; so a
// neighbour's allocation within its quota never fails because someone else took the heap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExitStatus } from '../../src/runtime/index.ts';
import { marks, said, until, within } from '../kit.ts';
import { namesOf, neighbours } from './neighbours.ts';

const PROGRAMS = {
  // Asks for the whole default heap for itself.
  grab32: `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: 'grab32',
  resources: { exchangeHeap: '32MiB' },
  main({ abi }) { const b = abi.alloc(30 * 1024 * 1024); b.free(); return 0; },
});
`,
  // Takes its whole quota, then copies of itself, then more than its quota.
  hogtree: `
import { defineProgram, bool } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'hogtree',
  parameters: { root: bool },
  resources: { exchangeHeap: '4MiB' },
  console: true,
  async main({ abi, params, console }) {
    const mark = (what: string): void => console.log(what);
    let held = 0;
    const blocks = [];
    for (let i = 0; i < 64; i++) { blocks.push(abi.alloc(65536)); held++; }
    mark('held-' + held);
    if (!params.root) { await abi.sleep(1e9); return 0; }
    abi.register('/hostile/hogtree', Echo);
    for (let i = 0; i < 4; i++) {
      try { abi.start(abi.create('hogtree', { params: { root: false } })); mark('child'); }
      catch (e) { mark('refused-' + (e as { code?: string }).code); }
    }
    await abi.sleep(20);
    abi.alloc(65536); // over its quota: the end of it
    return 0;
  },
});
`,
  // Allocates within its quota and pours the blocks into its child, which keeps nearly all of
  // each one.
  pourer: `
import { defineProgram } from 'sing/runtime';
import { Blob } from './contracts.ts';
import { marker } from './probe.ts';
export default defineProgram({
  name: 'pourer',
  resources: { exchangeHeap: '4MiB' },
  async main({ abi }) {
    const mark = marker(abi);
    const { imp, exp } = abi.channel(Blob);
    const child = abi.create('sponge', { endpoints: { ep: exp } });
    abi.start(child);
    let ep = imp;
    for (let i = 0; ; i++) {
      const m = await ep.send('Data', { b: abi.alloc(65536) }).receive();
      if (m.tag !== 'Back') { mark('sponge-gone-after-' + i); break; }
      m.b.free();
      ep = m.ep;
    }
    const st = await abi.join(child);
    mark('sponge-' + st.reason + '-' + (st.error?.code ?? ''));
    await abi.sleep(1e9);
    return 0;
  },
});
`,
  // Keeps all but one byte of every block it receives (it has no quota: what it keeps is charged
  // beyond it, to its tree's share), sending the byte back.
  sponge: `
import { defineProgram, type Exp } from 'sing/runtime';
import { Blob } from './contracts.ts';
async function hold(ep: Exp<typeof Blob>): Promise<void> {
  const m = await ep.receive();
  if (m.tag !== 'Data') return;
  const [head, tail] = m.b.split(1);
  await hold(m.ep.send('Back', { b: head }));
  tail.free();
}
export default defineProgram({
  name: 'sponge',
  endpoints: { ep: Blob.exp() },
  async main({ ep }) { await hold(ep); return 0; },
});
`,
};

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
