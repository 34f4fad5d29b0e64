// Builds a record holding sixteen texts of `chars` code units (seventeen blocks), sends it back and
// forth n times and reports ns per round trip. The tree moves whole: every block is retagged, no
// character is copied, so the cost grows with the number of blocks, not their size.
import { defineProgram, i32 } from 'sing/runtime';
import { Bundle, BundleKeys, Result, TreePkt } from '../contracts.ts';

export default defineProgram({
  name: 'treeping',
  parameters: { n: i32, chars: i32 },
  endpoints: { ep: TreePkt.imp(), result: Result.exp() },
  resources: { exchangeHeap: '4MiB' },
  async main({ ep, result, params, abi }) {
    let tree = abi.allocRecord(Bundle);
    for (const key of BundleKeys) {
      const t = abi.allocArray('char', params.chars);
      t.writeString(key);
      tree.put(key, t);
    }
    let idle = ep;
    const t0 = abi.now();
    for (let i = 0; i < params.n; i++) {
      const m = await idle.send('Give', { tree }).receive();
      if (m.tag === '$closed') return 1;
      tree = m.tree;
      idle = m.ep;
    }
    const ns = ((abi.now() - t0) * 1e6) / params.n;
    const last = tree.open('t15');
    const ok = last !== null && last.readString(0, 3) === 't15';
    tree.free();
    idle.close();
    result.send('Done', { ns, count: ok ? params.n : 0 });
    return 0;
  },
});
