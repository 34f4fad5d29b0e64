// Creates, starts and joins n children one after another, receiving each child's first message.
import { defineProgram, i32 } from 'sing/runtime';
import { Hello, Result } from '../contracts.ts';

export default defineProgram({
  name: 'spawner',
  parameters: { n: i32 },
  endpoints: { result: Result.exp() },
  async main({ result, params, abi }) {
    const t0 = abi.now();
    for (let i = 0; i < params.n; i++) {
      const { imp, exp } = abi.channel(Hello);
      const child = abi.create('hello', { endpoints: { parent: exp } });
      abi.start(child);
      const m = await imp.receive();
      if (m.tag !== 'Hi') return 1;
      m.ep.close(); // the conversation is over: free the endpoint, as a real program must
      const s = await abi.join(child);
      if (s.code !== 0) return 2;
    }
    const ns = ((abi.now() - t0) * 1e6) / params.n;
    result.send('Done', { ns, count: params.n });
    return 0;
  },
});
