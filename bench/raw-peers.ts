// The raw peers of the domain links: what a round trip costs Node itself, with no kernel, contract
// or exchange heap in the way — a `postMessage` ping-pong with a worker thread, a ping-pong over a
// SharedArrayBuffer with Atomics between the same two threads, and a ping-pong over a child
// process's IPC channel. `sing bench domains` measures them in the same run as its worker and
// process round trips, so the links can be judged against them (issue #17's targets).
// Rules: each figure is ns per round trip, the median of `rounds` timed runs after a warm-up; the
// SharedArrayBuffer peer never blocks an event loop — each side spins a little, then waits with
// `Atomics.waitAsync`, as a link serving a kernel must (and keeps its loop alive while it waits:
// a pending waitAsync does not); the thread and the process are ended on
// every path out, and nothing waits without a deadline.
import { fork } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { median } from './measure.ts';
import { deadline } from './deadline.ts';

export interface RawPeers { readonly rawSabRoundTripNs: number; readonly rawPostMessageRoundTripNs: number; readonly rawChildIpcRoundTripNs: number }

/** `Atomics.waitAsync` (Node 16+; TypeScript types it from the es2024 library only). */
type WaitAsync = (a: Int32Array, index: number, value: number) => { readonly value: PromiseLike<string> | string };
const waitAsync = (Atomics as unknown as { readonly waitAsync: WaitAsync }).waitAsync;

/** Spins this many loads (some tens of microseconds) before waiting: enough to catch a reply on
 * its way. A wake-up from `Atomics.waitAsync` costs about as much as a `postMessage` (some 25 us
 * on this machine), so without the spin the two peers measure the same thing. */
const SPIN = 20_000;

// The worker: answers each ping, over its port or over the shared flags.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
if (workerData.mode === 'post') {
  parentPort.on('message', (m) => { if (m === -1) process.exit(0); parentPort.postMessage(m); });
} else {
  const f = new Int32Array(workerData.sab);
  setInterval(() => {}, 1 << 30); // a pending waitAsync does not keep a thread's event loop alive
  (async () => {
    for (let seen = 0;;) {
      let v = Atomics.load(f, 0);
      for (let i = 0; v === seen && i < ${SPIN}; i++) v = Atomics.load(f, 0);
      while (v === seen) { await Atomics.waitAsync(f, 0, seen).value; v = Atomics.load(f, 0); }
      if (v === -1) process.exit(0);
      seen = v;
      Atomics.store(f, 1, v);
      Atomics.notify(f, 1);
    }
  })();
}
`;

// The child: echoes each message on its IPC channel.
const CHILD = "process.on('message', (m) => { if (m === -1) process.exit(0); process.send(m); });";

async function timed(label: string, ms: number, once: () => Promise<void>): Promise<number> {
  const warmEnd = performance.now() + ms / 3;
  while (performance.now() < warmEnd) await once();
  let n = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  while (performance.now() < end) { await once(); n++; }
  if (n === 0) throw new Error(`bench raw peers: ${label}: no round trip completed`);
  return ((performance.now() - t0) * 1e6) / n;
}

async function postMessagePeer(ms: number): Promise<number> {
  const w = new Worker(WORKER, { eval: true, workerData: { mode: 'post' } });
  try {
    let answer: ((v: unknown) => void) | null = null;
    w.on('message', (m) => { answer?.(m); });
    let i = 0;
    return await deadline('bench raw peers', timed('postMessage', ms, () => new Promise<void>((resolve) => { answer = () => { resolve(); }; w.postMessage(++i); })), 'postMessage ping-pong', 60_000);
  } finally {
    await w.terminate();
  }
}

async function sabPeer(ms: number): Promise<number> {
  const sab = new SharedArrayBuffer(8);
  const f = new Int32Array(sab);
  const w = new Worker(WORKER, { eval: true, workerData: { mode: 'sab', sab } });
  try {
    let i = 0;
    const once = async (): Promise<void> => {
      const seq = ++i;
      Atomics.store(f, 0, seq);
      Atomics.notify(f, 0);
      let v = Atomics.load(f, 1);
      for (let s = 0; v !== seq && s < SPIN; s++) v = Atomics.load(f, 1);
      while (v !== seq) { await waitAsync(f, 1, v).value; v = Atomics.load(f, 1); }
    };
    return await deadline('bench raw peers', timed('SharedArrayBuffer', ms, once), 'SharedArrayBuffer ping-pong', 60_000);
  } finally {
    Atomics.store(f, 0, -1);
    Atomics.notify(f, 0);
    await w.terminate();
  }
}

async function childIpcPeer(ms: number): Promise<number> {
  const child = fork('-e', [CHILD], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  // `fork` runs a module path; `-e` as the path with no execArgv makes Node evaluate CHILD.
  try {
    await deadline('bench raw peers', new Promise<void>((resolve, reject) => { child.once('spawn', resolve); child.once('error', reject); }), 'the child to start', 30_000);
    let answer: (() => void) | null = null;
    child.on('message', () => { answer?.(); });
    let i = 0;
    return await deadline('bench raw peers', timed('child IPC', ms, () => new Promise<void>((resolve) => { answer = resolve; child.send(++i); })), 'child IPC ping-pong', 60_000);
  } finally {
    child.kill();
  }
}

/** The three raw peers, `rounds` timed runs of `ms` each, alternating round by round. */
export async function rawPeers(rounds: number, ms: number): Promise<RawPeers> {
  const sab: number[] = [];
  const post: number[] = [];
  const ipc: number[] = [];
  for (let r = 0; r < rounds; r++) {
    sab.push(await sabPeer(ms));
    post.push(await postMessagePeer(ms));
    ipc.push(await childIpcPeer(ms));
  }
  return { rawSabRoundTripNs: median(sab), rawPostMessageRoundTripNs: median(post), rawChildIpcRoundTripNs: median(ipc) };
}
