// An allocation-heavy program (objects, arrays, strings, closures, a Map and a buffer built and
// dropped per item: work.ts): what fuel checks and memory accounting cost code that allocates.
// bench/fuel.ts runs it beside programs/cpu.
import { defineProgram, i32 } from 'sing/runtime';
import { Result } from '../contracts.ts';
import { work } from './work.ts';

export default defineProgram({
  name: 'alloc',
  parameters: { n: i32 },
  endpoints: { result: Result.exp() },
  resources: { cpuFuel: 2_000_000_000 },
  async main({ params, result, abi }) {
    // An item takes some tens of microseconds warm: yielding once a turn has run 4 ms (by the
    // kernel's clock) keeps every turn well inside limits.turnMs (50 ms), JIT or not.
    let s = 0;
    let elapsed = 0;
    for (let i = 0; i < params.n;) {
      const t0 = abi.now();
      let t = t0;
      while (i < params.n && t - t0 < 4) {
        s = (s + work(i, ArrayBuffer)) | 0;
        i++;
        t = abi.now();
      }
      elapsed += t - t0;
      await abi.yield();
    }
    result.send('Done', { ns: (elapsed * 1e6) / params.n, count: s });
    return 0;
  },
});
