// What fuel checks and memory accounting cost, side by side in one run, on a CPU-bound program
// (programs/cpu: recursion and a sieve) and an allocation-heavy one (programs/alloc: objects,
// arrays, strings, closures, a Map and a buffer built and dropped per item). Each runs four ways:
//  - with: its sealed image with the heap meter sampling, as every program runs;
//  - fuel only: the same image with the heap meter stopped (heapMeter.setSampling(false): no
//    sampling profiler, no level reads at checkpoints);
//  - without (the peer): the image with its fuel checks stripped (stripFuel, a build no program
//    can get) and the heap meter stopped;
//  - control: a second copy of the peer (the same code, evaluated as a script of its own): its
//    ratio to the peer is what this bench cannot tell from noise.
// What the peer still includes: the metered builtins (src/lib/metered-builtins.ts). Their
// wrappers sit on the realm's shared prototypes, frozen there by lockdown, and a kernel's meter
// cannot be unset, so both sides call them, and both are charged for large inputs (the CPU
// program's 20 KB ArrayBuffer per item). Their price is measured apart, in the same run: the
// allocation program's work (programs/alloc/work.ts) as host code in two locked-down workers, one
// with the metered builtins installed and one without (bench/fuel.worker.ts), one after the other.
// Rules: one program at a time; in every round its four runs follow each other in an order that
// changes from round to round (a Williams square: over four rounds each runs once in each place
// and once right after each other one); figures are medians of the rounds, ratios medians of each
// round's ratio. No collection is forced between runs (a full collection discards optimized code
// and the runs after it start cold). Progress goes to stderr; the caller prints.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Kernel, compileImage, imageHash } from '../src/index.ts';
import { heapMeter } from '../src/kernel/heap-meter.ts';
import { Result } from './programs/contracts.ts';
import { formatTable, median, progress } from './measure.ts';

/** One program's cost, ns per item (cpu: fib(20) and a sieve of 20,000; alloc: one work.ts item). */
export interface ProgramCost {
  /** Fuel checks and memory accounting: as programs run. */
  withNs: number;
  /** Fuel checks, the heap meter stopped. */
  fuelOnlyNs: number;
  /** The peer: checks stripped, the heap meter stopped. */
  withoutNs: number;
  /** A second copy of the peer. */
  controlNs: number;
  /** with / without: fuel and memory accounting together. */
  ratio: number;
  /** The first and third quartiles of the rounds' with / without. */
  ratioQuartiles: [number, number];
  /** fuel only / without: the checks. */
  fuelRatio: number;
  /** with / fuel only: the heap meter. */
  memoryRatio: number;
  /** control / without: the same code against itself, the bench's own error. */
  controlRatio: number;
}

export interface FuelResult {
  cpu: ProgramCost;
  alloc: ProgramCost;
  /** The allocation program's work as host code, ns per item, in a locked-down worker with the
   * metered builtins and in one without: what the wrappers add (included in both sides above). */
  wrappers: { meteredNs: number; plainNs: number; ratio: number; ratioQuartiles: [number, number] };
  /** alloc.ratio × wrappers.ratio: an estimate of everything together on the allocation program,
   * from above (the wrappers' added time is a larger share of host code's time than of the
   * program's; a wrapper ratio under 1 is noise and counts as 1). */
  allocWithWrappers: number;
  rounds: number;
  /** Runs repeated because a turn overran limits.turnMs (the machine took the thread away). */
  retries: number;
  /** At most 1.05x together (issue #12): each program, and the alloc estimate with the wrappers. */
  targets: { cpuAtMost1_05: boolean; allocAtMost1_05: boolean; allocWithWrappersAtMost1_05: boolean; met: boolean };
  /** The CPU-bound program's checks alone (bench install's fuel tax): fuelOnlyNs, withoutNs and
   * fuelRatio of `cpu`. */
  withChecksNs: number;
  withoutChecksNs: number;
  fuelTax: number;
}

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

type Variant = 'with' | 'fuelOnly' | 'without' | 'control';
const VARIANTS: readonly Variant[] = ['with', 'fuelOnly', 'without', 'control'];
/** A Williams square of the four: round i runs ORDERS[i % 4]. */
const ORDERS: readonly (readonly Variant[])[] = [
  ['with', 'fuelOnly', 'control', 'without'],
  ['fuelOnly', 'without', 'with', 'control'],
  ['without', 'control', 'fuelOnly', 'with'],
  ['control', 'with', 'without', 'fuelOnly'],
];

interface Bench { readonly name: 'cpu' | 'alloc'; readonly n: number }

/** A locked-down worker running the alloc work as host code (bench/fuel.worker.ts). */
interface HostWork { run(n: number): Promise<number>; close(): Promise<void> }

function hostWork(metered: boolean): HostWork {
  const w = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
(async () => { const { register } = await import(workerData.tsx); register(); await import(workerData.main); })()
  .catch((e) => { parentPort.postMessage({ error: String(e && e.stack || e) }); });`,
    { eval: true, execArgv: [], workerData: { metered, tsx: import.meta.resolve('tsx/esm/api'), main: new URL('./fuel.worker.ts', import.meta.url).href } },
  );
  let failed: Error | null = null;
  w.on('error', (e) => { failed = e; });
  return {
    run: (n) => new Promise<number>((resolve, reject) => {
      if (failed !== null) { reject(failed); return; }
      w.once('message', (m: { ns?: number; error?: string }) => {
        if (typeof m.ns === 'number') resolve(m.ns);
        else reject(new Error(`bench: the ${metered ? 'metered' : 'plain'} worker failed: ${m.error ?? 'no answer'}`));
      });
      w.postMessage(n);
    }),
    close: async () => { await w.terminate(); },
  };
}

export async function runFuel(opts: { quick: boolean }): Promise<FuelResult> {
  const quick = opts.quick;
  // Short runs, many rounds: this machine's speed swings within seconds, so a round's runs are
  // kept close together and the median of many rounds' ratios is reported.
  const rounds = quick ? 12 : 40;
  const benches: readonly Bench[] = [{ name: 'cpu', n: quick ? 100 : 150 }, { name: 'alloc', n: quick ? 800 : 1200 }];
  const hostItems = quick ? 1000 : 1500;
  const k = new Kernel({ console: () => undefined });
  for (const b of benches) {
    const img = await compileImage(b.name, { root, entry: `${b.name}/main.ts` });
    const code = stripFuel(img.code);
    if (/__sing\$g\.o\(\)|__sing\$g\.f\b/.test(code)) throw new Error(`bench: fuel checks left in the unchecked ${b.name} image`);
    const copy = `${code}\n`; // the control: the same code, another script
    k.install(img);
    k.install({ name: `${b.name}-unchecked`, code, globals: img.globals, hash: imageHash(code, img.globals) });
    k.install({ name: `${b.name}-control`, code: copy, globals: img.globals, hash: imageHash(copy, img.globals) });
  }
  const programOf: Record<Variant, string> = { with: '', fuelOnly: '', without: '-unchecked', control: '-control' };
  let retries = 0;
  const run = async (b: Bench, v: Variant, n = b.n): Promise<number> => {
    heapMeter.setSampling(v === 'with');
    const program = `${b.name}${programOf[v]}`;
    for (let attempt = 1; ; attempt++) {
      const r = k.hostChannel(Result);
      const s = k.spawn(program, { params: { n }, endpoints: { result: r.exp } });
      const m = await r.imp.receive();
      const st = await s.join();
      if (m.tag === 'Done' && st.code === 0) return m.ns;
      // A turn that overran limits.turnMs because the machine took the thread away (the programs
      // yield every 4 ms): run it again, a few times at most.
      if (st.reason !== 'fuel' || attempt === 3) throw new Error(`bench: ${program} did not finish cleanly: ${JSON.stringify(st)}`);
      retries++;
      progress(`  ${program}: ${st.error?.message ?? 'ended for fuel'}; running it again`);
    }
  };
  const metered = hostWork(true);
  const plain = hostWork(false);
  const figures = (): Record<Variant, number[]> => ({ with: [], fuelOnly: [], without: [], control: [] });
  const ns = { cpu: figures(), alloc: figures() };
  const ratios = (): { all: number[]; fuel: number[]; memory: number[]; control: number[] } => ({ all: [], fuel: [], memory: [], control: [] });
  const r = { cpu: ratios(), alloc: ratios() };
  const host = { metered: [] as number[], plain: [] as number[], ratio: [] as number[] };
  try {
    for (const b of benches) {
      progress(`fuel: ${b.name}, ${rounds} rounds (ns per item: with / fuel only / without / control)`);
      for (let i = 0; i < 2; i++) for (const v of VARIANTS) await run(b, v, b.n * 3); // warm-up
      for (let i = 0; i < rounds; i++) {
        const got: Record<Variant, number> = { with: 0, fuelOnly: 0, without: 0, control: 0 };
        for (const v of ORDERS[i % ORDERS.length] as readonly Variant[]) got[v] = await run(b, v);
        for (const v of VARIANTS) ns[b.name][v].push(got[v]);
        r[b.name].all.push(got.with / got.without);
        r[b.name].fuel.push(got.fuelOnly / got.without);
        r[b.name].memory.push(got.with / got.fuelOnly);
        r[b.name].control.push(got.control / got.without);
        progress(`  round ${i + 1}/${rounds}: ${VARIANTS.map((v) => us(got[v])).join(' / ')}: ${(got.with / got.without).toFixed(3)}x`);
      }
    }
    progress(`fuel: the alloc work as host code, ${rounds} rounds (ns per item: metered / plain)`);
    await metered.run(hostItems * 3);
    await plain.run(hostItems * 3);
    for (let i = 0; i < rounds; i++) {
      const first = i % 2 === 0 ? metered : plain;
      const a = await first.run(hostItems);
      const c = await (first === metered ? plain : metered).run(hostItems);
      const [m, p] = first === metered ? [a, c] : [c, a];
      host.metered.push(m);
      host.plain.push(p);
      host.ratio.push(m / p);
      progress(`  round ${i + 1}/${rounds}: ${us(m)} / ${us(p)}: ${(m / p).toFixed(3)}x`);
    }
  } finally {
    heapMeter.setSampling(true);
    k.shutdown();
    await metered.close();
    await plain.close();
  }
  const cost = (b: 'cpu' | 'alloc'): ProgramCost => ({
    withNs: median(ns[b].with), fuelOnlyNs: median(ns[b].fuelOnly), withoutNs: median(ns[b].without), controlNs: median(ns[b].control),
    ratio: median(r[b].all), ratioQuartiles: quartiles(r[b].all),
    fuelRatio: median(r[b].fuel), memoryRatio: median(r[b].memory), controlRatio: median(r[b].control),
  });
  const cpu = cost('cpu');
  const alloc = cost('alloc');
  const wrappers = { meteredNs: median(host.metered), plainNs: median(host.plain), ratio: median(host.ratio), ratioQuartiles: quartiles(host.ratio) };
  const allocWithWrappers = alloc.ratio * Math.max(1, wrappers.ratio);
  const targets = { cpuAtMost1_05: cpu.ratio <= 1.05, allocAtMost1_05: alloc.ratio <= 1.05, allocWithWrappersAtMost1_05: allocWithWrappers <= 1.05 };
  return {
    cpu, alloc, wrappers, allocWithWrappers, rounds, retries,
    targets: { ...targets, met: targets.cpuAtMost1_05 && targets.allocAtMost1_05 && targets.allocWithWrappersAtMost1_05 },
    withChecksNs: cpu.fuelOnlyNs, withoutChecksNs: cpu.withoutNs, fuelTax: cpu.fuelRatio,
  };
}

/** The first and third quartiles of the rounds' ratios: how far the machine's noise spread them. */
function quartiles(values: readonly number[]): [number, number] {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))] ?? Number.NaN;
  return [at(0.25), at(0.75)];
}

function us(ns: number): string { return `${(ns / 1e3).toFixed(ns >= 1e5 ? 0 : 1)} us`; }

/** The table `sing bench fuel` prints, with its notes. */
export function fuelTable(t: FuelResult): string {
  const us = (ns: number): string => `${(ns / 1e3).toFixed(ns >= 1e4 ? 0 : 1)} us`;
  const x = (r: number): string => `${r.toFixed(3)}x`;
  const q = (r: number, [lo, hi]: [number, number]): string => `${x(r)} (${lo.toFixed(2)}-${hi.toFixed(2)})`;
  const met = (b: boolean): string => (b ? 'yes' : 'NO');
  let out = formatTable([
    { 'per item': 'CPU-bound program (cpu)', sing: us(t.cpu.withNs), peer: us(t.cpu.withoutNs), ratio: q(t.cpu.ratio, t.cpu.ratioQuartiles), 'fuel checks': x(t.cpu.fuelRatio), 'heap meter': x(t.cpu.memoryRatio), control: x(t.cpu.controlRatio), target: '<= 1.05x', met: met(t.targets.cpuAtMost1_05) },
    { 'per item': 'allocation-heavy program (alloc)', sing: us(t.alloc.withNs), peer: us(t.alloc.withoutNs), ratio: q(t.alloc.ratio, t.alloc.ratioQuartiles), 'fuel checks': x(t.alloc.fuelRatio), 'heap meter': x(t.alloc.memoryRatio), control: x(t.alloc.controlRatio), target: '<= 1.05x', met: met(t.targets.allocAtMost1_05) },
    { 'per item': 'alloc work as host code', sing: `${us(t.wrappers.meteredNs)} metered`, peer: `${us(t.wrappers.plainNs)} plain`, ratio: q(t.wrappers.ratio, t.wrappers.ratioQuartiles), 'fuel checks': '-', 'heap meter': '-', control: '-', target: '-', met: '-' },
    { 'per item': 'alloc, wrappers included (est.)', sing: '-', peer: '-', ratio: x(t.allocWithWrappers), 'fuel checks': '-', 'heap meter': '-', control: '-', target: '<= 1.05x', met: met(t.targets.allocWithWrappersAtMost1_05) },
  ]) + '\n';
  out += [
    'sing: fuel checks and the heap meter\'s sampling, as programs run. peer: the same image with its checks stripped, the heap',
    'meter stopped. fuel checks: the image with the meter stopped / peer; heap meter: sing / that; control: a second copy of the',
    'peer / peer (what noise alone gives). Both sides still run the metered builtins\' wrappers (on the realm\'s frozen prototypes;',
    'the CPU program is charged for a 20 KB ArrayBuffer per item): row 3 prices them, the alloc work as host code in two',
    'locked-down workers with and without the metered builtins; row 4 = row 2 x row 3, an estimate from above.',
    `${t.rounds} rounds side by side; medians, ratios the median of the rounds' ratios (quartiles in brackets). Target ${t.targets.met ? 'met' : 'NOT met'}.`,
  ].join('\n') + '\n';
  return out;
}
