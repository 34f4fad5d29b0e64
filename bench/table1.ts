// Table 1 of the Singularity paper, side by side with Node's own isolation peers, in one run:
// ABI call vs a plain call, SIP request/reply vs worker and child-process IPC, SIP
// create/start/exit vs a worker's, and the heap an idle SIP costs. Then issue #12's figures: the
// heartbeat's longest gap under the hostile corpus (a SIP answering the host's request every
// 10 ms while the corpus's memory and time hogs run one after another beside it, in the same
// kernel; bench/heartbeat.child.ts, in a process of its own so that a program that takes its host
// down is reported rather than ending the bench), and what the watchdog costs (bench/watchdog.ts,
// on the kernel's own watchdog).
// Rules: every figure is measured in this run (machines are noisy; only ratios are compared);
// progress goes to stderr; the caller prints the table or the JSON object.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { DEFAULT_LIMITS, Kernel, compileImage } from '../src/index.ts';
import { Watchdog } from '../src/kernel/watchdog.ts';
import * as budgets from '../test/hostile/programs/budgets.ts';
import { Echo, Result } from './programs/contracts.ts';
import { formatTable, median, progress } from './measure.ts';
import { childRequestReplyNs, hostCallNs, plainCallNs, workerCreateStartExitNs, workerRequestReplyNs } from './peers.ts';
import { benchWatchdog, type WatchdogBench } from './watchdog.ts';

export interface Table1Options { readonly quick: boolean; readonly sips: number }

export interface Table1 {
  abiCallNs: number; plainCallNs: number; hostCallNs: number;
  requestReplyNs: number; workerRequestReplyNs: number; childRequestReplyNs: number;
  createStartExitNs: number; workerCreateStartExitNs: number;
  idleSipBytes: number; liveSips: number;
  heartbeat: Heartbeat;
  /** The watchdog's costs (null: no watchdog can run on this host); `owner`: whose Watchdog was
   * measured, the kernel's (kernelWatchdog()) or one the bench opened. */
  watchdog: (WatchdogBench & { owner: 'kernel' | 'bench' }) | null;
  ratios: { workerOverSipRequestReply: number; workerOverSipCreateStartExit: number; abiOverPlainCall: number };
  targets: {
    requestReply100x: boolean; createStartExit20000x: boolean; abiCallAtMost2x: boolean; idleSipAtMost2048B: boolean;
    /** The heartbeat's longest gap under the watchdog's limit. */
    heartbeatGapUnderWatchdogLimit: boolean;
  };
}

/** A SIP answering a request from the host every `beatMs` while hostile programs run beside it. */
export interface Heartbeat {
  beatMs: number;
  /** Answers the host timestamped. */
  answers: number;
  /** The longest time between two answers, over the whole run, in ms (Infinity, null in JSON,
   * when a hostile program took the host process down). */
  longestGapMs: number;
  /** The longest gap in the processes that survived (the same when all did). */
  longestSurvivedGapMs: number;
  /** The median time between two answers (beatMs plus a round trip when nothing is in the way). */
  medianGapMs: number;
  /** The target: the watchdog's limit (limits.watchdogMs). */
  limitMs: number;
  /** The hostile programs run, one after another (test/hostile/programs/budgets.ts). */
  hostile: HostileRun[];
  /** Programs that took the host process down (V8 out of memory, say). */
  hostDied: string[];
  /** The corpus's known gaps, not run (see hostilePrograms). */
  skipped: string[];
}

export interface HostileRun {
  name: string;
  /** How it ended (reason and error code; 'host died' and why when it took the host process
   * down), and how the corpus expects it to end. */
  reason: string;
  code: string;
  expected: string;
  /** From spawn to its end, ms. */
  ms: number;
  /** The heartbeat's longest gap while it ran (and for 5 beats after), ms; Infinity when it took
   * the host down. */
  longestGapMs: number;
}

const PROGRAMS = ['echo', 'pinger', 'hello', 'spawner', 'idler', 'abicall'];
const root = join(dirname(fileURLToPath(import.meta.url)), 'programs');

async function kernelWithPrograms(): Promise<Kernel> {
  // A million idle SIPs of one program is the point of the measurement: no per-program bound.
  const k = new Kernel({ console: () => undefined, limits: { processesPerProgram: Infinity } });
  for (const n of PROGRAMS) k.install(await compileImage(n, { root, entry: `${n}/main.ts` }));
  return k;
}

/** Runs a program that reports `Done { ns }` on its result endpoint. */
async function reported(k: Kernel, program: string, n: number, extra: Record<string, unknown> = {}): Promise<number> {
  const r = k.hostChannel(Result);
  const s = k.spawn(program, { params: { n }, endpoints: { result: r.exp, ...extra } });
  const m = await r.imp.receive();
  const status = await s.join();
  if (m.tag !== 'Done' || status.code !== 0) throw new Error(`bench: ${program} did not finish cleanly: ${JSON.stringify(status)}`);
  return m.ns;
}

async function requestReply(k: Kernel, n: number): Promise<number> {
  const e = k.hostChannel(Echo);
  k.spawn('echo', { endpoints: { ep: e.exp } });
  return reported(k, 'pinger', n, { ep: e.imp });
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g !== undefined) { g(); g(); }
}

async function settle(k: Kernel, want: number): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    await new Promise((r) => setImmediate(r));
    if (k.processCount >= want && k.ps().length === want) return;
  }
}

/** Spawns `count` idle SIPs blocked in receive; returns heap bytes per SIP and how many lived. */
async function idleSips(count: number): Promise<{ bytes: number; live: number }> {
  const k = await kernelWithPrograms();
  // Warm up the image and the kernel's paths, then measure from a clean baseline.
  for (let i = 0; i < 1000; i++) k.spawn('idler');
  await settle(k, 1000);
  k.shutdown();
  await new Promise((r) => setImmediate(r));
  gc();
  const before = process.memoryUsage().heapUsed;
  const step = 50_000;
  for (let done = 0; done < count; done += step) {
    for (let i = 0; i < Math.min(step, count - done); i++) k.spawn('idler');
    await settle(k, Math.min(done + step, count));
    if (count > step) progress(`  idle SIPs: ${Math.min(done + step, count)} of ${count}`);
  }
  await settle(k, count);
  gc();
  const after = process.memoryUsage().heapUsed;
  const live = k.processCount;
  k.shutdown();
  return { bytes: (after - before) / count, live };
}

/**
 * Measures a Sing figure and its peer in alternation, `rounds` times, so that both see the same
 * machine (these machines drift by 2x within a minute); the ratio is the median of the ratios of
 * each round, the figures the medians of their own.
 */
async function sideBySide(rounds: number, sing: () => Promise<number>, peer: () => Promise<number>): Promise<{ sing: number; peer: number; ratio: number }> {
  await sing(); // warm-up: let the JIT settle before anything counts
  const ss: number[] = [];
  const ps: number[] = [];
  const rs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const a = await sing();
    const b = await peer();
    ss.push(a);
    ps.push(b);
    rs.push(b / a);
    progress(`  round ${i + 1}/${rounds}: sing ${a.toFixed(1)} ns, peer ${b.toFixed(1)} ns`);
  }
  return { sing: median(ss), peer: median(ps), ratio: median(rs) };
}

/** The hostile corpus (test/hostile/programs/budgets.ts, being extended: UNVERIFIED and
 * KNOWN_GAPS may come and go). */
const corpus = budgets as {
  readonly PROGRAMS: Readonly<Record<string, string>>;
  readonly UNVERIFIED?: Readonly<Record<string, string>>;
  readonly EXPECTED: Readonly<Record<string, readonly [string, string]>>;
  readonly KNOWN_GAPS?: Readonly<Record<string, string>>;
};

/** The hostile programs run in --quick mode: slow and fast leaks, a builtin bomb, a buffer bomb,
 * a parse bomb, and two turn hogs. */
const QUICK_HOSTILE = ['rows', 'closures', 'fill', 'u8', 'json', 'scan', 'sorting'];

/** The corpus's programs with an expected end, less its known gaps (programs the kernel does not
 * yet stop as expected: some grow without bound; the corpus's test does not run them either). */
function hostilePrograms(quick: boolean): { names: string[]; skipped: string[] } {
  const sources = { ...corpus.PROGRAMS, ...(corpus.UNVERIFIED ?? {}) };
  const gaps = corpus.KNOWN_GAPS ?? {};
  const all = Object.keys(corpus.EXPECTED).filter((n) => Object.hasOwn(sources, n));
  const skipped = all.filter((n) => Object.hasOwn(gaps, n));
  const run = all.filter((n) => !Object.hasOwn(gaps, n));
  const quickOnes = run.filter((n) => QUICK_HOSTILE.includes(n));
  return { names: quick ? (quickOnes.length > 0 ? quickOnes : run.slice(0, QUICK_HOSTILE.length)) : run, skipped };
}

/** One line of bench/heartbeat.child.ts. */
interface ChildLine { ready?: number[]; start?: string; name?: string; reason?: string; code?: string; ms?: number; gaps?: number[]; open?: number; done?: boolean }

/** The heartbeat under the hostile corpus: bench/heartbeat.child.ts boots a kernel with the echo,
 * pings it every `beatMs` and runs the programs one after another; when a program takes that
 * process down, it is reported as such and the rest run in a fresh one. */
async function heartbeat(quick: boolean): Promise<Heartbeat> {
  const beatMs = 10;
  const { names, skipped } = hostilePrograms(quick);
  const child = join(dirname(fileURLToPath(import.meta.url)), 'heartbeat.child.ts');
  const gaps: number[] = [];
  const hostile: HostileRun[] = [];
  const expected = (n: string): string => (corpus.EXPECTED[n] ?? ['?', '?']).join(' ');
  let longest = 0;
  let todo = [...names];
  while (todo.length > 0) {
    const out = await runChild(child, [String(beatMs), ...todo], (l) => {
      if (l.ready !== undefined) {
        gaps.push(...l.ready);
        longest = Math.max(longest, ...l.ready);
      } else if (l.name !== undefined) {
        const g = l.gaps ?? [];
        const win = Math.max(0, l.open ?? 0, ...g);
        gaps.push(...g);
        longest = Math.max(longest, win);
        hostile.push({ name: l.name, reason: l.reason ?? '?', code: l.code ?? '', expected: expected(l.name), ms: l.ms ?? 0, longestGapMs: win });
        progress(`  ${l.name}: ${l.reason ?? '?'} ${l.code ?? ''} after ${(l.ms ?? 0).toFixed(0)} ms; longest heartbeat gap ${win.toFixed(1)} ms`);
      }
    });
    const ran = new Set(hostile.map((h) => h.name));
    if (out.started !== null && !ran.has(out.started)) {
      // The program that was running took its host down: no heartbeat survived it.
      hostile.push({ name: out.started, reason: 'host died', code: out.why, expected: expected(out.started), ms: out.ms, longestGapMs: Number.POSITIVE_INFINITY });
      progress(`  ${out.started}: took the host process down after ${out.ms.toFixed(0)} ms (${out.why}); the rest run in a fresh one`);
      ran.add(out.started);
    } else if (!out.done) {
      throw new Error(`bench: the heartbeat's process failed: ${out.why}`);
    }
    todo = todo.filter((n) => !ran.has(n));
  }
  const died = hostile.filter((h) => h.reason === 'host died').map((h) => h.name);
  return {
    beatMs, answers: gaps.length, longestGapMs: died.length > 0 ? Number.POSITIVE_INFINITY : longest,
    longestSurvivedGapMs: longest, medianGapMs: median(gaps), limitMs: DEFAULT_LIMITS.watchdogMs, hostile, hostDied: died, skipped,
  };
}

/** Runs bench/heartbeat.child.ts to its end, handing each JSON line to `onLine`. */
function runChild(file: string, args: string[], onLine: (l: ChildLine) => void): Promise<{ done: boolean; started: string | null; ms: number; why: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    let err = '';
    let done = false;
    let started: string | null = null;
    let startedAt = 0;
    c.stdout.setEncoding('utf8');
    c.stdout.on('data', (d: string) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const text = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (text.trim() === '') continue;
        const l = JSON.parse(text) as ChildLine;
        if (l.start !== undefined) { started = l.start; startedAt = performance.now(); }
        if (l.name !== undefined) started = null;
        if (l.done === true) done = true;
        onLine(l);
      }
    });
    c.stderr.setEncoding('utf8');
    c.stderr.on('data', (d: string) => { err = (err + d).slice(-4096); });
    c.on('close', (code, signal) => {
      const fatal = /FATAL ERROR: ([^\n]*)/.exec(err)?.[1];
      const why = fatal ?? (signal !== null ? `signal ${signal}` : `exit code ${String(code)}${err.trim() === '' ? '' : `: ${err.trim().split('\n').slice(-3).join(' | ')}`}`);
      resolve({ done, started, ms: started === null ? 0 : performance.now() - startedAt, why });
    });
  });
}

/** The watchdog's costs, measured on the kernel's own Watchdog when the kernel has one open (only
 * one may be open in a process); else on one the bench opens, where a watchdog can run at all. */
async function watchdogCosts(quick: boolean): Promise<(WatchdogBench & { owner: 'kernel' | 'bench' }) | null> {
  let kernels: Watchdog | null;
  try {
    const m = await import('../src/kernel/kernel-watchdog.ts');
    kernels = m.kernelWatchdog();
  } catch {
    kernels = null; // a kernel without kernelWatchdog: the bench opens its own
  }
  if (kernels !== null) return { ...await benchWatchdog({ quick, watchdog: kernels }), owner: 'kernel' };
  if (!Watchdog.supported()) return null;
  return { ...await benchWatchdog({ quick }), owner: 'bench' };
}

export async function runTable1(opts: Table1Options): Promise<Table1> {
  const q = opts.quick;
  const rounds = q ? 3 : 5;
  progress('table1: compiling benchmark programs');
  const k = await kernelWithPrograms();

  progress('table1: SIP create/start/first message/exit, next to a worker\'s');
  const cse = await sideBySide(rounds,
    () => reported(k, 'spawner', q ? 100_000 : 200_000),
    () => workerCreateStartExitNs({ quick: q, iterations: q ? 5 : 10 }));
  progress('table1: SIP request/reply, next to a worker\'s');
  const rr = await sideBySide(rounds,
    () => requestReply(k, q ? 300_000 : 2_000_000),
    () => workerRequestReplyNs({ quick: true }));
  progress('table1: ABI call from inside a SIP, next to a plain call');
  const abi = await sideBySide(rounds,
    () => reported(k, 'abicall', q ? 5_000_000 : 20_000_000),
    () => plainCallNs({ quick: true }));
  k.shutdown();
  progress(`table1: the heartbeat's longest gap under the hostile corpus (a request every 10 ms)`);
  const hb = await heartbeat(q);
  progress('table1: what the watchdog costs');
  const wd = await watchdogCosts(q);
  progress('table1: host call, child_process request/reply');
  const host = await hostCallNs({ quick: q });
  const crr = await childRequestReplyNs({ quick: q });
  progress(`table1: ${opts.sips} idle SIPs`);
  const idle = await idleSips(opts.sips);

  const ratios = {
    workerOverSipRequestReply: rr.ratio,
    workerOverSipCreateStartExit: cse.ratio,
    abiOverPlainCall: 1 / abi.ratio,
  };
  return {
    abiCallNs: abi.sing, plainCallNs: abi.peer, hostCallNs: host,
    requestReplyNs: rr.sing, workerRequestReplyNs: rr.peer, childRequestReplyNs: crr,
    createStartExitNs: cse.sing, workerCreateStartExitNs: cse.peer,
    idleSipBytes: idle.bytes, liveSips: idle.live,
    heartbeat: hb, watchdog: wd,
    ratios,
    targets: {
      requestReply100x: ratios.workerOverSipRequestReply >= 100,
      createStartExit20000x: ratios.workerOverSipCreateStartExit >= 20_000,
      abiCallAtMost2x: ratios.abiOverPlainCall <= 2,
      idleSipAtMost2048B: idle.bytes <= 2048,
      heartbeatGapUnderWatchdogLimit: hb.longestGapMs < hb.limitMs,
    },
  };
}

/** The table `sing bench table1` prints, with its notes. */
export function table1Table(t: Table1): string {
  let out = '';
  const r = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));
  out += formatTable([
    { measure: 'kernel (ABI) call', sing: `${r(t.abiCallNs)} ns`, peer: `${r(t.plainCallNs)} ns plain JS call`, ratio: `${r(t.ratios.abiOverPlainCall)}x`, target: '<= 2x', met: t.targets.abiCallAtMost2x ? 'yes' : 'NO' },
    { measure: 'host call', sing: '-', peer: `${r(t.hostCallNs)} ns hrtime.bigint()`, ratio: '-', target: '-', met: '-' },
    { measure: 'message request/reply', sing: `${r(t.requestReplyNs)} ns`, peer: `${r(t.workerRequestReplyNs)} ns worker, ${r(t.childRequestReplyNs)} ns child`, ratio: `${r(t.ratios.workerOverSipRequestReply)}x faster`, target: '>= 100x', met: t.targets.requestReply100x ? 'yes' : 'NO' },
    { measure: 'process create/start/exit', sing: `${r(t.createStartExitNs)} ns`, peer: `${r(t.workerCreateStartExitNs)} ns worker`, ratio: `${r(t.ratios.workerOverSipCreateStartExit)}x faster`, target: '>= 20000x', met: t.targets.createStartExit20000x ? 'yes' : 'NO' },
    { measure: 'idle SIP heap', sing: `${r(t.idleSipBytes)} B`, peer: `${t.liveSips} live at once`, ratio: '-', target: '<= 2048 B', met: t.targets.idleSipAtMost2048B ? 'yes' : 'NO' },
    {
      measure: 'heartbeat, longest gap',
      sing: t.heartbeat.hostDied.length === 0 ? `${r(t.heartbeat.longestGapMs)} ms` : `host died (${t.heartbeat.hostDied.join(', ')}); else ${r(t.heartbeat.longestSurvivedGapMs)} ms`,
      peer: `${t.heartbeat.hostile.length} hostile programs beside it (median gap ${r(t.heartbeat.medianGapMs)} ms)`,
      ratio: '-', target: `< ${t.heartbeat.limitMs} ms (watchdog)`, met: t.targets.heartbeatGapUnderWatchdogLimit ? 'yes' : 'NO',
    },
    ...(t.watchdog === null
      ? [{ measure: 'watchdog guard', sing: '-', peer: 'no watchdog on this host', ratio: '-', target: '-', met: '-' }]
      : [
        { measure: 'watchdog guard (per drain)', sing: `${r(t.watchdog.guardNs)} ns`, peer: `${r(t.watchdog.directNs)} ns plain call, ${r(t.watchdog.vmTimeoutNs / 1e3)} us vm timeout`, ratio: `${r(t.watchdog.timeoutOverGuard)}x cheaper than vm timeout`, target: '-', met: '-' },
        { measure: 'watchdog critical stretch', sing: `${r(t.watchdog.criticalNs)} ns`, peer: `${r(t.watchdog.nestedGuardNs)} ns nested guard`, ratio: '-', target: '-', met: '-' },
      ]),
  ]) + '\n';
  const end = (h: { reason: string; code: string }): string => (h.code === '' ? h.reason : `${h.reason} ${h.code}`);
  const odd = t.heartbeat.hostile.filter((h) => end(h) !== h.expected);
  out += `heartbeat: a SIP answering the host's request every ${t.heartbeat.beatMs} ms, ${t.heartbeat.answers} answers timestamped by the host while `
    + `${t.heartbeat.hostile.length} programs of test/hostile/programs/budgets.ts ran one after another in its kernel `
    + `(${odd.length === 0 ? 'each ended as the corpus expects' : `not as expected: ${odd.map((h) => `${h.name} ${end(h)}`).join(', ')}`}); `
    + `longest gap per program (ms): ${t.heartbeat.hostile.map((h) => `${h.name} ${h.reason === 'host died' ? 'host died' : r(h.longestGapMs)}`).join(', ')}`
    + `${t.heartbeat.skipped.length > 0 ? `; not run, the corpus's known gaps: ${t.heartbeat.skipped.join(', ')}` : ''}.\n`;
  if (t.watchdog !== null) out += `watchdog: the ${t.watchdog.owner === 'kernel' ? "kernel's own (kernelWatchdog())" : "bench's own (the kernel has none open)"}; a guard adds ${r(t.watchdog.guardOverheadNs)} ns to a call; vm run without a watchdog ${r(t.watchdog.vmRunNs)} ns.\n`;
  return out;
}
