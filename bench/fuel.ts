// What CPU fuel costs: a CPU-bound program run from its sealed image, side by side with the same
// image with the guard's checks stripped (a build no program can get; it exists only here).
// Rules: both run in one kernel, alternating; fuelTax is the median ratio of the rounds.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Kernel, compileImage, imageHash } from '../src/index.ts';
import { Result } from './programs/contracts.ts';
import { median, progress } from './measure.ts';

export interface FuelResult { withChecksNs: number; withoutChecksNs: number; fuelTax: number }

const root = join(dirname(fileURLToPath(import.meta.url)), 'programs');

/** The image without any fuel check (src/install/fuel.ts emits three forms): a loop's
 * per-iteration charge and a function's entry check go, and a counted loop's up-front charge
 * (with its short-loop pre-test) becomes `true`, so the copy that runs is the plain loop. What stays is the code structure the
 * checks made (a counted loop's unused charged copy, a recursive function's check-free clones):
 * the ratio measures the checks, not the shape. */
export function stripFuel(code: string): string {
  return code
    .replace(/if \(\(\(__sing\$k\d+ = \(__sing\$k\d+ \+ 1\) \| 0\) & 1023\) === 0\)\s*if \(\(__sing\$g\.f -= 1024\) < 0\)\s*__sing\$g\.o\(\);/g, '')
    .replace(/if \(--__sing\$g\.f < 0\)\s*__sing\$g\.o\(\);/g, '')
    .replace(/\(__sing\$a\d+ \| 0\) === __sing\$a\d+ && \([^\s()]+ \| 0\) === [^\s()]+ && \([^\s()]+ - __sing\$a\d+\) \* -?1 < 1023 \* [^\s()]+ \|\| __sing\$n\(__sing\$g, [^()]*\)/g, 'true')
    .replace(/__sing\$n\(__sing\$g, [^()]*\)/g, 'true');
}

export async function runFuel(opts: { quick: boolean }): Promise<FuelResult> {
  const img = await compileImage('cpu', { root, entry: 'cpu/main.ts' });
  const code = stripFuel(img.code);
  if (/__sing\$g\.o\(\)|__sing\$g\.f\b/.test(code)) throw new Error('bench: fuel checks left in the unchecked image');
  const k = new Kernel({ console: () => undefined });
  k.install(img);
  k.install({ name: 'cpu-unchecked', code, globals: img.globals, hash: imageHash(code, img.globals) });
  const run = async (p: string): Promise<number> => {
    const r = k.hostChannel(Result);
    const s = k.spawn(p, { params: { n: opts.quick ? 100 : 300 }, endpoints: { result: r.exp } });
    const m = await r.imp.receive();
    await s.join();
    if (m.tag !== 'Done') throw new Error(`bench: ${p} did not report`);
    return m.ns;
  };
  await run('cpu');
  await run('cpu-unchecked');
  const a: number[] = [];
  const b: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < (opts.quick ? 3 : 7); i++) {
    const x = await run('cpu');
    const y = await run('cpu-unchecked');
    a.push(x);
    b.push(y);
    ratios.push(x / y);
    progress(`  round ${i + 1}: with checks ${(x / 1e3).toFixed(0)} us, without ${(y / 1e3).toFixed(0)} us`);
  }
  k.shutdown();
  return { withChecksNs: median(a), withoutChecksNs: median(b), fuelTax: median(ratios) };
}
