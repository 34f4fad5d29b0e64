// Issue #13: a pointer inside an exchange-heap block is the kernel's, not the program's. A hostile
// program tries to write one as a number, read one out, store something that only looks like a
// handle, build a cycle, and free, store or send a block it was only lent. Each attempt gets an
// error; the fatal ones end the offender alone, and every block of its trees comes back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boot, until, within } from '../kit.ts';
import { Tree } from '../fixtures/contracts.ts';

const TRY = `
function attempt(console, name, f) {
  try {
    console.log(name + ': ok ' + String(f()));
  } catch (e) {
    console.log(name + ': threw ' + (e !== null && typeof e === 'object' && typeof e.code === 'string' ? e.code : e.constructor.name));
  }
}
`;

/** Tries the non-fatal forgeries, then the one named by \`last\`, which ends it. */
const FORGER = `
import { defineProgram, str } from 'sing/runtime';
import { Dir, Entry, Tree } from './contracts.ts';
${TRY}
export default defineProgram({
  name: 'treeforger',
  parameters: { last: str },
  endpoints: { ep: Tree.imp() },
  resources: { exchangeHeap: '64KiB' },
  console: true,
  async main({ ep, params, abi, console }) {
    const t = (n, f) => attempt(console, n, f);
    const dir = abi.allocRecord(Dir);
    dir.put('entries', abi.allocVector(Entry, 2));
    const lent = dir.open('entries');
    t('set pointer', () => dir.set('title', 8));
    t('get pointer', () => dir.get('entries'));
    t('put look-alike', () => dir.put('title', { length: 1, readString: () => 'x' }));
    t('put cycle', () => lent.put(0, 'name', dir));
    t('put wrong type', () => dir.put('title', abi.alloc(4)));
    t('put into full', () => dir.put('entries', abi.allocVector(Entry, 1)));
    if (params.last === 'free') lent.free();
    if (params.last === 'store') dir.put('title', lent.open(0, 'name') ?? lent);
    if (params.last === 'send') await ep.send('Give', { dir: lent }).receive();
    dir.free();
    return 0;
  },
});`;

test('a program cannot write, read or fake a pointer, nor build a cycle; freeing, storing or sending a lent block ends it alone', async () => {
  const b = await boot({ treeforger: FORGER });
  for (const last of ['free', 'store', 'send'] as const) {
    const c = b.k.hostChannel(Tree);
    const p = b.k.spawn('treeforger', { params: { last }, endpoints: { ep: c.imp } });
    const st = await within(p.join(), `treeforger ${last}`);
    const lines = b.texts('treeforger').filter((l) => l.includes(': '));
    assert.deepEqual(lines.slice(-6), [
      'set pointer: threw TypeError', 'get pointer: threw TypeError', 'put look-alike: threw TypeError',
      'put cycle: threw E_CYCLE', 'put wrong type: threw E_STORE_TYPE', 'put into full: threw E_SLOT_FULL',
    ]);
    if (last === 'send') assert.deepEqual([st.state, st.reason], ['failed', 'protocol'], JSON.stringify(st));
    else assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', 'protocol', 'E_IN_TREE'], JSON.stringify(st));
    c.exp.close();
  }
  await until(() => b.k.heapStats().blocks === 0, 'every block of the forgers\' trees freed');
});
