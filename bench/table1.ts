// Table 1 of the Singularity paper, side by side with Node's own isolation peers, in one run:
// ABI call vs a plain call, SIP request/reply vs worker and child-process IPC, SIP
// create/start/exit vs a worker's, and the heap an idle SIP costs.
// Rules: every figure is measured in this run (machines are noisy; only ratios are compared);
// progress goes to stderr; the caller prints the table or the JSON object.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Kernel, compileImage } from '../src/index.ts';
import { Echo, Result } from './programs/contracts.ts';
import { median, progress } from './measure.ts';
import { childRequestReplyNs, hostCallNs, plainCallNs, workerCreateStartExitNs, workerRequestReplyNs } from './peers.ts';

export interface Table1Options { readonly quick: boolean; readonly sips: number }

export interface Table1 {
  abiCallNs: number; plainCallNs: number; hostCallNs: number;
  requestReplyNs: number; workerRequestReplyNs: number; childRequestReplyNs: number;
  createStartExitNs: number; workerCreateStartExitNs: number;
  idleSipBytes: number; liveSips: number;
  ratios: { workerOverSipRequestReply: number; workerOverSipCreateStartExit: number; abiOverPlainCall: number };
  targets: { requestReply100x: boolean; createStartExit20000x: boolean; abiCallAtMost2x: boolean; idleSipAtMost2048B: boolean };
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
    ratios,
    targets: {
      requestReply100x: ratios.workerOverSipRequestReply >= 100,
      createStartExit20000x: ratios.workerOverSipCreateStartExit >= 20_000,
      abiCallAtMost2x: ratios.abiOverPlainCall <= 2,
      idleSipAtMost2048B: idle.bytes <= 2048,
    },
  };
}
