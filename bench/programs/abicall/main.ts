// Times n ABI calls (abi.pid) from inside a process, and reports ns per call.
import { defineProgram, i32 } from 'sing/runtime';
import { Result } from '../contracts.ts';

/** Calls per timed slice: about a millisecond, so a turn stays well inside limits.turnMs. */
const SLICE = 100_000;

export default defineProgram({
  name: 'abicall',
  parameters: { n: i32 },
  endpoints: { result: Result.exp() },
  async main({ result, params, abi }) {
    let s = 0;
    let elapsed = 0;
    for (let done = 0; done < params.n;) {
      const m = Math.min(SLICE, params.n - done);
      const t0 = abi.now();
      for (let i = 0; i < m; i++) s = (s + abi.pid()) | 0;
      elapsed += abi.now() - t0;
      done += m;
      await abi.yield();
    }
    const ns = (elapsed * 1e6) / params.n;
    result.send('Done', { ns, count: s === -1 ? 0 : params.n });
    return 0;
  },
});
