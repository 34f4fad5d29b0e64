// Hostile programs (source text; the test kit compiles each with contracts.ts and probe.ts
// beside it, and programs-pass-the-verifier.test.ts asks the verifier about every one).
export const PROGRAMS = {
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
import { defineProgram, bool, type Abi, type Console } from 'sing/runtime';
/** Holds \`k\` more blocks of 64 KiB (one per frame), then does the rest. */
async function hold(abi: Abi, console: Console, root: boolean, k: number): Promise<void> {
  if (k > 0) {
    const b = abi.alloc(65536);
    await hold(abi, console, root, k - 1);
    b.free();
    return;
  }
  console.log('held-64');
  if (!root) { await abi.sleep(1e9); return; }
  for (let i = 0; i < 4; i++) {
    try { abi.start(abi.create('hogtree', { params: { root: false } })); console.log('child'); }
    catch (e) { console.log('refused-' + (e as { code?: string }).code); }
  }
  await abi.sleep(20);
  abi.alloc(65536).free(); // over its quota: the end of it
}
export default defineProgram({
  name: 'hogtree',
  parameters: { root: bool },
  resources: { exchangeHeap: '4MiB' },
  console: true,
  async main({ abi, params, console }) {
    await hold(abi, console, params.root, 64);
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
