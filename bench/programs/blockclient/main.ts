// The domain benchmark's message-cost client: one block of `size` bytes sent to an echo and back
// (Pkt), for `warmMs` of warm-up, then for `ms` timed; reports ns per timed round trip.
// Timing is the client's own loop (the echo's domain start-up is never counted); the clock is
// read every 16 round trips only.
import { defineProgram, i32 } from 'sing/runtime';
import { Pkt, Result } from '../contracts.ts';
import { Stopwatch } from '../stopwatch.ts';

export default defineProgram({
  name: 'blockclient',
  parameters: { size: i32, warmMs: i32, ms: i32 },
  endpoints: { ep: Pkt.imp(), result: Result.exp() },
  resources: { exchangeHeap: '1MiB' },
  async main({ ep, result, params, abi }) {
    let b = abi.alloc(params.size);
    b.set(0, 1);
    let idle = ep;
    const sw = new Stopwatch(() => abi.now(), params.warmMs, params.ms, 16);
    for (;;) {
      const m = await idle.send('Data', { b }).receive();
      if (m.tag === '$closed') return 1;
      b = m.b;
      idle = m.ep;
      const ns = sw.tick();
      if (ns < 0) continue;
      b.free();
      idle.close();
      result.send('Done', { ns, count: sw.count });
      return 0;
    }
  },
});
