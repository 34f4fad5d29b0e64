// Sends every text block it receives straight back (moved both ways, never copied).
import { defineProgram } from 'sing/runtime';
import { TextPkt } from '../contracts.ts';

export default defineProgram({
  name: 'textecho',
  endpoints: { ep: TextPkt.exp() },
  async main({ ep }) {
    let idle = ep;
    for (;;) {
      const m = await idle.receive();
      if (m.tag === '$closed') return 0;
      idle = m.ep.send('Said', { t: m.t });
    }
  },
});
