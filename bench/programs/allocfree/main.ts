// Allocates and frees a 64-byte block n times; reports ns per pair.
import { defineProgram, i32 } from 'sing/runtime';
import { Result } from '../contracts.ts';

export default defineProgram({
  name: 'allocfree',
  parameters: { n: i32 },
  endpoints: { result: Result.exp() },
  resources: { exchangeHeap: '4KiB' },
  main({ result, params, abi }) {
    const t0 = abi.now();
    for (let i = 0; i < params.n; i++) abi.alloc(64).free();
    const ns = ((abi.now() - t0) * 1e6) / params.n;
    result.send('Done', { ns, count: params.n });
    return 0;
  },
});
