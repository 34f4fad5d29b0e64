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

export async function runFuel(opts: { quick: boolean }): Promise<FuelResult> {
  const img = await compileImage('cpu', { root, entry: 'cpu/main.ts' });
  const code = img.code
    .replace(/if \(\(\(__sing\$k\d+ = \(__sing\$k\d+ \+ 1\) \| 0\) & 1023\) === 0\)\s*if \(\(__sing\$g\.f -= 1024\) < 0\)\s*__sing\$g\.o\(\);/g, '')
    .replace(/if \(--__sing\$g\.f < 0\)\s*__sing\$g\.o\(\);/g, '');
  if (/__sing\$g\.o\(\)/.test(code)) throw new Error('bench: fuel checks left in the unchecked image');
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
