// The domain benchmark's request/reply client: Ping/Pong round trips for `warmMs` of warm-up,
// then for `ms` timed; reports ns per timed round trip and how many there were.
// Timing is the client's own loop, so the start-up of whatever domains its peers run in is
// never counted. The clock is read every 64 round trips only, to keep it out of the figure.
import { defineProgram, i32 } from 'sing/runtime';
import { Echo, Result } from '../contracts.ts';

export default defineProgram({
  name: 'rrclient',
  parameters: { warmMs: i32, ms: i32 },
  endpoints: { ep: Echo.imp(), result: Result.exp() },
  async main({ ep, result, params, abi }) {
    let idle = ep;
    let i = 0;
    let t0 = abi.now();
    let end = t0 + params.warmMs;
    let timing = false;
    for (;;) {
      const m = await idle.send('Ping', { x: i }).receive();
      if (m.tag === '$closed') return 1;
      idle = m.ep;
      i++;
      if ((i & 63) !== 0) continue;
      const t = abi.now();
      if (t < end) continue;
      if (timing) {
        idle.close();
        result.send('Done', { ns: ((t - t0) * 1e6) / i, count: i });
        return 0;
      }
      timing = true;
      i = 0;
      t0 = t;
      end = t + params.ms;
    }
  },
});
