// Sends one text block of `chars` UTF-16 code units back and forth n times; reports ns per round
// trip. The text moves (no character is copied), so its length should not matter.
import { defineProgram, i32 } from 'sing/runtime';
import { Result, TextPkt } from '../contracts.ts';

export default defineProgram({
  name: 'textping',
  parameters: { n: i32, chars: i32 },
  endpoints: { ep: TextPkt.imp(), result: Result.exp() },
  resources: { exchangeHeap: '1MiB' },
  async main({ ep, result, params, abi }) {
    let t = abi.allocArray('char', params.chars);
    t.writeString('ping');
    let idle = ep;
    const t0 = abi.now();
    for (let i = 0; i < params.n; i++) {
      const m = await idle.send('Say', { t }).receive();
      if (m.tag === '$closed') return 1;
      t = m.t;
      idle = m.ep;
    }
    const ns = ((abi.now() - t0) * 1e6) / params.n;
    const ok = t.readString(0, 4) === 'ping';
    t.free();
    idle.close();
    result.send('Done', { ns, count: ok ? params.n : 0 });
    return 0;
  },
});
