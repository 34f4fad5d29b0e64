// The domain benchmark's request/reply client: Ping/Pong round trips for `warmMs` of warm-up,
// then for `ms` timed; reports ns per timed round trip and how many there were.
// Timing is the client's own loop, so the start-up of whatever domains its peers run in is
// never counted. The clock is read every 64 round trips only, to keep it out of the figure.
import { defineProgram, i32 } from 'sing/runtime';
import { Echo, Result } from '../contracts.ts';
import { Stopwatch } from '../stopwatch.ts';

export default defineProgram({
  name: 'rrclient',
  parameters: { warmMs: i32, ms: i32 },
  endpoints: { ep: Echo.imp(), result: Result.exp() },
  async main({ ep, result, params, abi }) {
    let idle = ep;
    const sw = new Stopwatch(() => abi.now(), params.warmMs, params.ms, 64);
    for (;;) {
      const m = await idle.send('Ping', { x: sw.count }).receive();
      if (m.tag === '$closed') return 1;
      idle = m.ep;
      const ns = sw.tick();
      if (ns < 0) continue;
      idle.close();
      result.send('Done', { ns, count: sw.count });
      return 0;
    }
  },
});
