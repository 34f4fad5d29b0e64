// A CPU-bound program (recursion and a sieve over a DataView): what CPU fuel checks cost.
import { defineProgram, i32 } from 'sing/runtime';
import { Result } from '../contracts.ts';
import { sliced } from '../sliced.ts';

function sieve(n: number): number {
  const flags = new DataView(new ArrayBuffer(n + 1));
  let count = 0;
  for (let i = 2; i <= n; i++) {
    if (flags.getUint8(i) === 0) {
      count++;
      for (let j = i * 2; j <= n; j += i) flags.setUint8(j, 1);
    }
  }
  return count;
}

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

export default defineProgram({
  name: 'cpu',
  parameters: { n: i32 },
  endpoints: { result: Result.exp() },
  resources: { cpuFuel: 2_000_000_000 },
  async main({ params, result, abi }) {
    const { ns, sum } = await sliced(abi, params.n, () => fib(20) + sieve(20_000));
    result.send('Done', { ns, count: sum });
    return 0;
  },
});
