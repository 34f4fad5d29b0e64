// Sends every tree it receives straight back (each of its blocks retagged, none copied).
import { defineProgram } from 'sing/runtime';
import { TreePkt } from '../contracts.ts';

export default defineProgram({
  name: 'treeecho',
  endpoints: { ep: TreePkt.exp() },
  async main({ ep }) {
    let idle = ep;
    for (;;) {
      const m = await idle.receive();
      if (m.tag === '$closed') return 0;
      idle = m.ep.send('Got', { tree: m.tree });
    }
  },
});
