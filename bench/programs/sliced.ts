// Runs a bench program's items in slices: one slice takes 4 ms by the kernel's clock, then the
// program yields, so every turn stays well inside limits.turnMs (50 ms), JIT-warm or cold. Only
// the slices are timed. Shared by the CPU-bound and allocation-heavy programs (bench/fuel.ts).
import type { Abi } from 'sing/runtime';

/** Runs item(0..n-1) in slices; returns the mean ns per item and the items' sum (kept live). */
export async function sliced(abi: Abi, n: number, item: (i: number) => number): Promise<{ ns: number; sum: number }> {
  let sum = 0;
  let elapsed = 0;
  for (let i = 0; i < n;) {
    const t0 = abi.now();
    let t = t0;
    while (i < n && t - t0 < 4) {
      sum = (sum + item(i)) | 0;
      i++;
      t = abi.now();
    }
    elapsed += t - t0;
    await abi.yield();
  }
  return { ns: (elapsed * 1e6) / n, sum };
}
