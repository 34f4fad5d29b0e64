// An allocation-heavy program (objects, arrays, strings, closures, a Map and a buffer built and
// dropped per item: work.ts): what fuel checks and memory accounting cost code that allocates.
// bench/fuel.ts runs it beside programs/cpu.
import { defineProgram, i32 } from 'sing/runtime';
import { Result } from '../contracts.ts';
import { sliced } from '../sliced.ts';
import { work } from './work.ts';

export default defineProgram({
  name: 'alloc',
  parameters: { n: i32 },
  endpoints: { result: Result.exp() },
  resources: { cpuFuel: 2_000_000_000 },
  async main({ params, result, abi }) {
    const { ns, sum } = await sliced(abi, params.n, (i) => work(i, ArrayBuffer));
    result.send('Done', { ns, count: sum });
    return 0;
  },
});
