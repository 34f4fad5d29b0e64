// What the watchdog costs (src/kernel/watchdog.ts): a guarded call of an empty function, side by
// side in alternating rounds with the plain call, a guarded call nested in another (a plain call
// plus a check), a critical stretch inside a guard, a vm.Script run without any watchdog, and vm's own `timeout` watchdog (a thread
// per call), which is the safe arrangement the guard replaces.
// Rules: every figure is measured in this run, medians of the rounds; ratios are medians of each
// round's ratio. Progress goes to stderr; with `print` the table goes to stdout. Pass the
// kernel's Watchdog if one is open (only one can be open in a process).
// Standalone: `npx tsx bench/watchdog.ts [--quick] [--json]`.
import vm from 'node:vm';
import { pathToFileURL } from 'node:url';
import { Watchdog } from '../src/kernel/watchdog.ts';
import { formatTable, median, progress, timeSync } from './measure.ts';

export interface WatchdogBench {
  /** ns per call, medians over the rounds. */
  directNs: number;
  guardNs: number;
  nestedGuardNs: number;
  /** wd.critical(fn) inside a guard, per call (the call included). */
  criticalNs: number;
  vmRunNs: number;
  vmTimeoutNs: number;
  /** guardNs - directNs, per round, median: what a guard adds to a call. */
  guardOverheadNs: number;
  /** vmTimeoutNs / guardNs, per round, median. */
  timeoutOverGuard: number;
  rounds: number;
}

export interface WatchdogBenchOptions {
  readonly quick?: boolean;
  /** Print the table to stdout (default false). */
  readonly print?: boolean;
  readonly watchdog?: Watchdog;
}

let sink = 0;
function empty(): number { return ++sink; }

export async function benchWatchdog(opts: WatchdogBenchOptions = {}): Promise<WatchdogBench> {
  const quick = opts.quick === true;
  const rounds = quick ? 3 : 7;
  const own = opts.watchdog === undefined;
  const wd = opts.watchdog ?? new Watchdog();
  const script = new vm.Script('0', { filename: 'sing:bench-watchdog' });
  const m = { minMs: quick ? 40 : 120, rounds: 3 };
  const slow = { minMs: quick ? 40 : 120, rounds: 1 };
  const cols = { direct: [] as number[], guard: [] as number[], nested: [] as number[], crit: [] as number[], vm: [] as number[], timeout: [] as number[], over: [] as number[], ratio: [] as number[] };
  try {
    const guarded = (): number => wd.guard(empty);
    const nested = (): number => wd.guard(() => {
      let s = 0;
      for (let i = 0; i < 100; i++) s += wd.guard(empty);
      return s;
    });
    const critical = (): number => wd.guard(() => {
      let s = 0;
      for (let i = 0; i < 100; i++) s += wd.critical(empty);
      return s;
    });
    timeSync(guarded, m); // warm-up
    for (let r = 0; r < rounds; r++) {
      const d = timeSync(empty, m);
      const g = timeSync(guarded, m);
      // 100 nested guards inside one outer guard: the per-call cost of a nested one.
      const n = (timeSync(nested, m) - g) / 100;
      const c = (timeSync(critical, m) - g) / 100;
      const v = timeSync(() => script.runInThisContext(), m);
      const t = timeSync(() => script.runInThisContext({ timeout: 60_000 }), slow);
      cols.direct.push(d); cols.guard.push(g); cols.nested.push(n); cols.crit.push(c); cols.vm.push(v); cols.timeout.push(t);
      cols.over.push(g - d); cols.ratio.push(t / g);
      progress(`  round ${r + 1}/${rounds}: direct ${d.toFixed(1)} ns, guard ${g.toFixed(0)} ns, nested ${n.toFixed(1)} ns, critical ${c.toFixed(1)} ns, vm run ${v.toFixed(0)} ns, vm timeout ${(t / 1e3).toFixed(1)} us`);
    }
  } finally {
    if (own) wd.close();
  }
  const out: WatchdogBench = {
    directNs: median(cols.direct), guardNs: median(cols.guard), nestedGuardNs: median(cols.nested), criticalNs: median(cols.crit),
    vmRunNs: median(cols.vm), vmTimeoutNs: median(cols.timeout),
    guardOverheadNs: median(cols.over), timeoutOverGuard: median(cols.ratio), rounds,
  };
  if (opts.print === true) process.stdout.write(`${watchdogTable(out)}\n`);
  return out;
}

const us = (ns: number): string => (ns >= 1000 ? `${(ns / 1000).toFixed(ns >= 10_000 ? 0 : 2)} us` : `${ns.toFixed(ns >= 100 ? 0 : 1)} ns`);

export function watchdogTable(b: WatchdogBench): string {
  return formatTable([
    { call: 'fn() directly', cost: us(b.directNs), note: 'an empty function' },
    { call: 'wd.guard(fn)', cost: us(b.guardNs), note: `adds ${us(b.guardOverheadNs)}; cut off after limitMs` },
    { call: 'wd.guard(fn) nested', cost: us(b.nestedGuardNs), note: 'inside another guard: a plain call' },
    { call: 'wd.critical(fn) in a guard', cost: us(b.criticalNs), note: 'defers a kill; for Node calls and kernel state' },
    { call: 'vm script.runInThisContext()', cost: us(b.vmRunNs), note: 'no watchdog: the floor of a vm run' },
    { call: 'vm runInThisContext({ timeout })', cost: us(b.vmTimeoutNs), note: `a watchdog thread per call: ${b.timeoutOverGuard.toFixed(0)}x the guard` },
  ]);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const json = process.argv.includes('--json');
  const b = await benchWatchdog({ quick: process.argv.includes('--quick'), print: !json });
  if (json) process.stdout.write(`${JSON.stringify(b)}\n`);
}
