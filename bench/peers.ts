// Host-side peers that the Sing benchmarks are compared against, all measured
// in the current process: a plain JS call, a host (native) call, request/reply
// to a worker thread and to a child process, and worker create/start/exit.
// Every function returns nanoseconds per operation; all resources it creates
// (workers, child processes, timers) are gone when its promise settles.

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { Worker } from "node:worker_threads";
import { median, timeBatch, timeSync } from "./measure.ts";
import type { MeasureOptions } from "./measure.ts";

export interface PeerOptions extends MeasureOptions {
  /** Shorter measurement (all five peers well under 15 s together). */
  readonly quick?: boolean;
}

export interface WorkerCreateOptions extends PeerOptions {
  /** Timed create/start/exit cycles (default 20, or 5 with `quick`). */
  readonly iterations?: number;
}

/** How long a peer may take to start before we give up (ms). */
const STARTUP_TIMEOUT_MS = 15_000;

function measureOptions(opts: PeerOptions | undefined): MeasureOptions {
  const quick = opts?.quick === true;
  return {
    minMs: opts?.minMs ?? (quick ? 150 : 500),
    rounds: opts?.rounds ?? (quick ? 5 : 7),
  };
}

// ---------------------------------------------------------------------------
// Plain JS call

let plainCounter = 0;

/**
 * Returns its argument plus a counter that changes on every call, so the result
 * cannot be folded. The cold branch (never taken) only exists to make the
 * function's bytecode too large for TurboFan to inline it (limit: 460 bytes),
 * so the benchmark measures a real call rather than an inlined body.
 */
function plainTarget(x: number): number {
  plainCounter = (plainCounter + 1) | 0;
  if (x >= 0) return (x + plainCounter) | 0;
  let h = x | 0;
  for (let i = 0; i < 8; i++) {
    h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) | 0;
    h = Math.imul(h ^ (h >>> 13), 0x2c1b3c6d) | 0;
    h = (h + Math.imul(i, 0x27d4eb2d)) | 0;
    h ^= (h << 5) ^ (h >>> 7) ^ (h << 11) ^ (h >>> 19);
    h = (h + (plainCounter ^ (h >>> 3)) + (h << 2)) | 0;
    h = (h ^ Math.imul(h >>> 15, 0x85ebca6b) ^ Math.imul(h >>> 9, 0xc2b2ae35)) | 0;
    h = (h + Math.imul(h ^ 0x9e3779b9, 0x7feb352d) + Math.imul(h ^ 0x846ca68b, 0x68e31da4)) | 0;
    h ^= Math.imul(h >>> 17, 0x1b873593) ^ Math.imul(h >>> 11, 0xcc9e2d51) ^ Math.imul(h >>> 3, 0xe6546b64);
    h = (h + Math.imul(h ^ 0x7f4a7c15, 0x94d049bb) + Math.imul(h ^ 0xbf58476d, 0x1ce4e5b9)) | 0;
    h ^= Math.imul(h >>> 21, 0x5bd1e995) ^ Math.imul(h >>> 5, 0x3c6ef372) ^ Math.imul(h >>> 13, 0xa54ff53a);
    h = (h + Math.imul(h ^ 0x510e527f, 0x9b05688c) + Math.imul(h ^ 0x1f83d9ab, 0x5be0cd19)) | 0;
    h ^= Math.imul(h >>> 23, 0x6a09e667) ^ Math.imul(h >>> 7, 0xbb67ae85) ^ Math.imul(h >>> 29, 0x3c6ef372);
  }
  return h;
}

/** Called through a variable rather than by name. */
const plainCallee: (x: number) => number = plainTarget;
let plainSink = 0;

/** Cost of a plain, non-inlined JS function call. */
export async function plainCallNs(opts?: PeerOptions): Promise<number> {
  const f = plainCallee;
  return timeBatch((n) => {
    let acc = plainSink;
    for (let i = 0; i < n; i++) acc ^= f(i);
    plainSink = acc;
  }, measureOptions(opts));
}

// ---------------------------------------------------------------------------
// Host call

/** Cost of a call into the host: `process.hrtime.bigint()`. */
export async function hostCallNs(opts?: PeerOptions): Promise<number> {
  return timeSync(() => process.hrtime.bigint(), measureOptions(opts));
}

// ---------------------------------------------------------------------------
// Request/reply peers

/**
 * Drives an echoing peer with one outstanding request at a time. The peer's
 * first message is its hello ("listener installed"), which resolves `ready`;
 * every later message answers the pending request.
 */
class RoundTripper {
  readonly ready: Promise<void>;
  private readyResolve: (() => void) | undefined;
  private readyReject: ((err: Error) => void) | undefined;
  private pending: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor() {
    this.ready = new Promise<void>((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    // Awaited by the caller; this only keeps an early failure from being "unhandled".
    this.ready.catch(() => {});
  }

  /** Feed every message from the peer here. */
  onMessage(): void {
    const hello = this.readyResolve;
    if (hello !== undefined) {
      this.readyResolve = this.readyReject = undefined;
      hello();
      return;
    }
    const p = this.pending;
    this.pending = undefined;
    p?.resolve();
  }

  /** The peer is gone or broken: fail `ready`, the outstanding and all later requests. */
  fail(err: Error): void {
    this.failure ??= err;
    const r = this.readyReject;
    const p = this.pending;
    this.readyResolve = this.readyReject = undefined;
    this.pending = undefined;
    r?.(this.failure);
    p?.reject(this.failure);
  }

  /** Send one request with `send` and wait for the reply. */
  request(send: () => void): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.pending = { resolve, reject };
      try {
        send();
      } catch (err) {
        this.fail(toError(err));
      }
    });
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** Wait for `p`; on timeout run `onTimeout` and reject. The timer never outlives the wait. */
async function withTimeout<T>(p: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(`${what}: timed out after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Wait for the peer's hello, then time request -> reply round trips. */
async function measureRoundTrips(
  rt: RoundTripper,
  send: () => void,
  what: string,
  opts: PeerOptions | undefined,
): Promise<number> {
  await withTimeout(rt.ready, STARTUP_TIMEOUT_MS, `${what} startup`);
  return timeBatch(async (n) => {
    for (let i = 0; i < n; i++) await rt.request(send);
  }, measureOptions(opts));
}

const WORKER_ECHO = `
const { parentPort } = require("node:worker_threads");
parentPort.on("message", (m) => parentPort.postMessage(m));
parentPort.postMessage("ready");
`;

/**
 * Round trip of a one-word postMessage to a worker_threads Worker that echoes
 * it back, one message outstanding at a time.
 */
export async function workerRequestReplyNs(opts?: PeerOptions): Promise<number> {
  // execArgv: [] keeps the tsx loader flags of this process out of the worker.
  const worker = new Worker(WORKER_ECHO, { eval: true, execArgv: [] });
  const rt = new RoundTripper();
  let exited = false;
  worker.on("message", () => rt.onMessage());
  worker.on("error", (err) => rt.fail(err));
  worker.on("exit", (code) => {
    exited = true;
    rt.fail(new Error(`echo worker exited early (code ${code})`));
  });
  try {
    return await measureRoundTrips(rt, () => worker.postMessage("ping"), "echo worker", opts);
  } finally {
    if (!exited) await worker.terminate();
  }
}

const CHILD_ECHO = `
process.on("message", (m) => process.send(m));
process.send("ready");
`;

function childGone(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Round trip of a one-word IPC message to a child Node process that echoes it
 * back (process.send / 'message'), one message outstanding at a time.
 */
export async function childRequestReplyNs(opts?: PeerOptions): Promise<number> {
  const child = spawn(process.execPath, ["-e", CHILD_ECHO], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exitedP = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const rt = new RoundTripper();
  child.on("message", () => rt.onMessage());
  child.on("error", (err) => rt.fail(err));
  child.on("exit", (code, signal) => rt.fail(new Error(`echo child exited early (code ${code}, signal ${signal})`)));
  try {
    return await measureRoundTrips(
      rt,
      () => {
        child.send("ping");
      },
      "echo child",
      opts,
    );
  } finally {
    if (!childGone(child)) {
      // 'exit' is not emitted if the process never spawned; 'error' covers that.
      if (child.pid !== undefined) {
        child.kill();
        await exitedP;
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Worker lifecycle

const WORKER_HELLO = `require("node:worker_threads").parentPort.postMessage(1);`;

/**
 * One cycle: create a worker, receive its first message, see its 'exit'.
 * A worker that hangs is terminated after STARTUP_TIMEOUT_MS.
 */
function workerLifecycle(): Promise<void> {
  const worker = new Worker(WORKER_HELLO, { eval: true, execArgv: [] });
  const done = new Promise<void>((resolve, reject) => {
    let hello = false;
    let error: Error | undefined;
    worker.once("message", () => {
      hello = true;
    });
    worker.once("error", (err) => {
      error = err;
    });
    // 'exit' always follows 'error', and messages posted before exit are
    // delivered before it, so settle only here.
    worker.once("exit", (code) => {
      if (error !== undefined) reject(error);
      else if (!hello) reject(new Error(`worker exited (code ${code}) before its first message`));
      else resolve();
    });
  });
  return withTimeout(done, STARTUP_TIMEOUT_MS, "worker create/start/exit", () => void worker.terminate());
}

/**
 * Median ns per `new Worker(...)` -> first message received -> 'exit' seen.
 * Workers are created without the parent's execArgv (no tsx loader).
 */
export async function workerCreateStartExitNs(opts?: WorkerCreateOptions): Promise<number> {
  const quick = opts?.quick === true;
  const iterations = Math.max(1, Math.floor(opts?.iterations ?? (quick ? 5 : 20)));
  const warmup = quick ? 1 : 3;
  for (let i = 0; i < warmup; i++) await workerLifecycle();

  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    await workerLifecycle();
    samples.push(Number(process.hrtime.bigint() - t0));
  }
  return median(samples);
}
