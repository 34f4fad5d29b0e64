// Sends one block of `size` bytes back and forth n times; reports ns per round trip.
import { defineProgram, i32 } from 'sing/runtime';
import { Pkt, Result } from '../contracts.ts';

export default defineProgram({
  name: 'blockping',
  parameters: { n: i32, size: i32 },
  endpoints: { ep: Pkt.imp(), result: Result.exp() },
  resources: { exchangeHeap: '1MiB' },
  async main({ ep, result, params, abi }) {
    let b = abi.alloc(params.size);
    b.set(0, 1);
    let idle = ep;
    const t0 = abi.now();
    for (let i = 0; i < params.n; i++) {
      const m = await idle.send('Data', { b }).receive();
      if (m.tag === '$closed') return 1;
      b = m.b;
      idle = m.ep;
    }
    const ns = ((abi.now() - t0) * 1e6) / params.n;
    b.free();
    idle.close();
    result.send('Done', { ns, count: params.n });
    return 0;
  },
});
