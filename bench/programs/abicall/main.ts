// Times n ABI calls (abi.pid) from inside a process, and reports ns per call.
import { defineProgram, i32 } from 'sing/runtime';
import { Result } from '../contracts.ts';

export default defineProgram({
  name: 'abicall',
  parameters: { n: i32 },
  endpoints: { result: Result.exp() },
  main({ result, params, abi }) {
    let s = 0;
    const t0 = abi.now();
    for (let i = 0; i < params.n; i++) s = (s + abi.pid()) | 0;
    const ns = ((abi.now() - t0) * 1e6) / params.n;
    result.send('Done', { ns, count: s === -1 ? 0 : params.n });
    return 0;
  },
});
