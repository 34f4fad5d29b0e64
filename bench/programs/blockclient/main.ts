// The domain benchmark's message-cost client: one block of `size` bytes sent to an echo and back
// (Pkt), for `warmMs` of warm-up, then for `ms` timed; reports ns per timed round trip.
// Timing is the client's own loop (the echo's domain start-up is never counted); the clock is
// read every 16 round trips only.
import { defineProgram, i32 } from 'sing/runtime';
import { Pkt, Result } from '../contracts.ts';

export default defineProgram({
  name: 'blockclient',
  parameters: { size: i32, warmMs: i32, ms: i32 },
  endpoints: { ep: Pkt.imp(), result: Result.exp() },
  resources: { exchangeHeap: '1MiB' },
  async main({ ep, result, params, abi }) {
    let b = abi.alloc(params.size);
    b.set(0, 1);
    let idle = ep;
    let i = 0;
    let t0 = abi.now();
    let end = t0 + params.warmMs;
    let timing = false;
    for (;;) {
      const m = await idle.send('Data', { b }).receive();
      if (m.tag === '$closed') return 1;
      b = m.b;
      idle = m.ep;
      i++;
      if ((i & 15) !== 0) continue;
      const t = abi.now();
      if (t < end) continue;
      if (timing) {
        b.free();
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
