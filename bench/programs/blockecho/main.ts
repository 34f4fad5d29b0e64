// Sends every block it receives straight back (moved both ways, never copied).
import { defineProgram } from 'sing/runtime';
import { Pkt } from '../contracts.ts';

export default defineProgram({
  name: 'blockecho',
  endpoints: { ep: Pkt.exp() },
  async main({ ep }) {
    let idle = ep;
    for (;;) {
      const m = await idle.receive();
      if (m.tag === '$closed') return 0;
      idle = m.ep.send('Back', { b: m.b });
    }
  },
});
