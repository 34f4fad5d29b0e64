// Answers every Ping with a Pong carrying the same word, until the client closes.
import { defineProgram } from 'sing/runtime';
import { Echo } from '../contracts.ts';

export default defineProgram({
  name: 'echo',
  endpoints: { ep: Echo.exp() },
  async main({ ep }) {
    let idle = ep;
    for (;;) {
      const m = await idle.receive();
      if (m.tag === '$closed') return 0;
      idle = m.ep.send('Pong', { x: m.x });
    }
  },
});
