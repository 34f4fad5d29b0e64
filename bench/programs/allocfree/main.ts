// Allocates and frees a 64-byte block n times, yielding every 10,000; reports ns per pair.
import { defineProgram, i32 } from 'sing/runtime';
import { Result } from '../contracts.ts';

export default defineProgram({
  name: 'allocfree',
  parameters: { n: i32 },
  endpoints: { result: Result.exp() },
  resources: { exchangeHeap: '4KiB' },
  async main({ result, params, abi }) {
    // Timed in slices of 10,000 pairs with a yield between them (a turn may run limits.turnMs).
    let elapsed = 0;
    for (let done = 0; done < params.n; done += 10_000) {
      const t0 = abi.now();
      const end = Math.min(params.n, done + 10_000);
      for (let i = done; i < end; i++) abi.alloc(64).free();
      elapsed += abi.now() - t0;
      await abi.yield();
    }
    const ns = (elapsed * 1e6) / params.n;
    result.send('Done', { ns, count: params.n });
    return 0;
  },
});
