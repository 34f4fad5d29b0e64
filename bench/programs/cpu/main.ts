// A CPU-bound program (recursion and a sieve over a DataView): what CPU fuel checks cost.
import { defineProgram, i32 } from 'sing/runtime';
import { Result } from '../contracts.ts';

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
    // A round takes about 0.2 ms; yielding every 50 keeps each turn well inside limits.turnMs.
    let s = 0;
    let elapsed = 0;
    for (let r = 0; r < params.n; r += 50) {
      const t0 = abi.now();
      for (let i = r; i < r + 50 && i < params.n; i++) s += fib(20) + sieve(20_000);
      elapsed += abi.now() - t0;
      await abi.yield();
    }
    result.send('Done', { ns: (elapsed * 1e6) / params.n, count: s });
    return 0;
  },
});
