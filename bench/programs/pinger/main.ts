// Sends n Pings, awaiting each Pong; reports the elapsed time to the host.
import { defineProgram, i32 } from 'sing/runtime';
import { Echo, Result } from '../contracts.ts';

export default defineProgram({
  name: 'pinger',
  parameters: { n: i32 },
  endpoints: { ep: Echo.imp(), result: Result.exp() },
  async main({ ep, result, params, abi }) {
    let idle = ep;
    const t0 = abi.now();
    for (let i = 0; i < params.n; i++) {
      const m = await idle.send('Ping', { x: i }).receive();
      if (m.tag === '$closed') return 1;
      idle = m.ep;
    }
    const ns = ((abi.now() - t0) * 1e6) / params.n;
    idle.close();
    result.send('Done', { ns, count: params.n });
    return 0;
  },
});
