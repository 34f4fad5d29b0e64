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
    // A round takes about 0.2 ms warm, several cold: yielding once a turn has run 4 ms (by the
    // kernel's clock) keeps every turn well inside limits.turnMs (50 ms), JIT or not.
    let s = 0;
    let elapsed = 0;
    for (let i = 0; i < params.n;) {
      const t0 = abi.now();
      let t = t0;
      while (i < params.n && t - t0 < 4) {
        s += fib(20) + sieve(20_000);
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
