// The watchdog: cuts off code that holds the kernel's thread past a time limit for a reason no
// check caught (a long builtin call, a backtracking regular expression), so the kernel carries on.
//
// How: guard(fn) runs fn inside a vm.Script run with `breakOnSigint`, which registers a Node
// SigintWatchdog for the run. Node's SIGINT helper thread is kept started for the Watchdog's whole
// life (one extra startSigintWatchdog(), so each run only registers itself: no thread per call).
// A worker thread polls a word in a SharedArrayBuffer; when the main thread has been inside the
// same guarded run for longer than the limit, the worker claims that run (compare-and-swap) and
// sends SIGINT to the process. Node's helper terminates the isolate's execution, and the vm run,
// seeing that its own watchdog fired, cancels the termination and throws
// ERR_SCRIPT_EXECUTION_INTERRUPTED as an ordinary exception, which guard turns into WatchdogTimeout.
// No termination ever crosses a Node callback boundary, which is what makes it safe (the
// inspector's Runtime.terminateExecution does cross it and aborts Node in timer callbacks).
// docs/watchdog.md has the measurements and the argument.
//
// Rules for callers:
//   - One Watchdog per process, on the main thread, POSIX only (Watchdog.supported()). While it is
//     open it owns SIGINT: a SIGINT not sent by the watchdog is forwarded to the host, as
//     process.emit('SIGINT') when the host listens for it, else by closing the watchdog and
//     re-raising it, so the process dies of it as it would have without the watchdog. If it
//     arrives while guarded code runs, that code is cut off too and guard throws
//     WatchdogInterrupted.
//   - guard(fn) is synchronous. It covers only what runs synchronously inside fn; microtasks fn
//     queues (promise continuations) run after it returns, unguarded. A nested guard is a plain
//     call: a kill always unwinds to the outermost guard, which throws WatchdogTimeout once.
//   - A cut-off fn runs no catch or finally blocks (a V8 termination skips them): whatever fn was
//     updating may be half done, Node's own state included (a kill inside setTimeout/clearTimeout
//     corrupts Node's timer queue: timers stop firing). Guarded code must reach Node's APIs and
//     any state that outlives the killed program (the kernel's queues and tables) only inside
//     critical(), which defers a kill until the stretch ends (a few ns), or keep that work
//     outside fn.
//   - A kill lands at the next interrupt check: JavaScript loops, calls and the regex engine
//     check often; some builtins (Array.prototype.fill on a huge array, new Uint8Array(2 ** 31),
//     JSON.parse of hundreds of MiB) only when they return. The thread held in a critical
//     stretch is not cut off until the stretch ends.
//   - The thread held outside any guard is never interrupted (nothing could undo the termination
//     there); the worker only records it (stats().outsideHolds, longestOutsideMs).
//   - Importing this module locks the realm down (its error classes are hardened), as the
//     kernel's other modules do.
// Invariants: the worker sends SIGINT only for a run it claimed (compare-and-swap of the run's
// epoch to its negation) while the main thread was inside it, and only once the main thread has
// been seen outside critical stretches at least CLAIM_DELAY ms after the claim (a critical
// stretch begins by publishing itself and then reading the claim, so one of the two sides always
// sees the other); the main thread leaves a run only by a compare-and-swap from that run's epoch,
// so a claimed run waits inside its own vm scope until the termination lands. Hence every
// watchdog SIGINT is absorbed by the run it was meant for, outside critical stretches.
import vm from 'node:vm';
import { Worker, isMainThread } from 'node:worker_threads';
import { SingError } from '../lib/error.ts';
import { harden } from '../lib/harden.ts';

/** Guarded code ran past the limit and was cut off. */
export class WatchdogTimeout extends SingError {
  readonly limitMs: number;
  constructor(limitMs: number) {
    super('E_WATCHDOG', `the kernel's thread was held for more than ${limitMs} ms inside a guarded call; the watchdog cut it off`);
    this.limitMs = limitMs;
  }
}

/** Guarded code was cut off by a SIGINT that the watchdog did not send (a Ctrl-C); the signal
 * has been forwarded to the host. */
export class WatchdogInterrupted extends SingError {
  constructor() { super('E_INTERRUPTED', 'a SIGINT (not the watchdog\'s) interrupted a guarded call; it was forwarded to the host'); }
}

/** The watchdog cannot run here (not the main thread, not POSIX, no SIGINT helper, or another
 * Watchdog is open). */
export class WatchdogUnavailable extends SingError {
  constructor(why: string) { super('E_WATCHDOG_UNAVAILABLE', `the watchdog is not available: ${why}`); }
}
// A WatchdogTimeout can pass through program frames (critical() giving up): share no mutable class.
harden(WatchdogTimeout);
harden(WatchdogInterrupted);
harden(WatchdogUnavailable);

export interface WatchdogOptions {
  /** How long guarded code may hold the thread, in ms (default 2000). */
  readonly limitMs?: number;
  /** How often the worker looks, in ms (default limitMs / 10, between 1 and 50). A kill is sent
   * between limitMs and limitMs + 2 ticks (and a ms) after the guarded call began. */
  readonly tickMs?: number;
  /** Keep a heartbeat (an unref'd interval) so the worker can report holds outside any guard
   * (default true). */
  readonly watchOutside?: boolean;
}

export interface WatchdogStats {
  readonly limitMs: number;
  /** Guarded calls cut off for time. */
  readonly kills: number;
  /** Guarded calls cut off by a SIGINT from outside. */
  readonly interrupts: number;
  /** SIGINTs from outside forwarded to the host. */
  readonly forwarded: number;
  /** Times the thread was held past the limit outside any guard, and the longest (ms, to a tick). */
  readonly outsideHolds: number;
  readonly longestOutsideMs: number;
  readonly open: boolean;
}

/** Node's contextify binding, the part used here (REPL's breakEvalOnSigint uses the same). */
interface SigintHelper {
  startSigintWatchdog(): boolean;
  stopSigintWatchdog(): boolean;
  watchdogHasPendingSigint(): boolean;
}

type RunInContext = (this: vm.Script, context: null, timeout: number, displayErrors: boolean, breakOnSigint: boolean, breakOnFirstLine: boolean) => unknown;

// The shared words (Int32Array indices).
const STATE = 0;        // 0 outside; N > 0 inside guarded run N; -N run N claimed by the worker
const CLOSE = 1;        // 1 once closed: the worker exits
const BEAT = 2;         // the main thread's heartbeat counter
const OUT_HOLDS = 3;    // written by the worker
const OUT_LONGEST = 4;  // written by the worker, ms
const CRIT = 5;         // 1 while the main thread is in a critical stretch (plain stores)
const WORDS = 6;
const EPOCHS = 0x7ffffffe;
/** The platform's byte order, for DataView stores that Int32Array and Atomics read back. */
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** How long the worker waits after a claim before it trusts a 0 in CRIT (ms): far longer than
 * any store takes to become visible to another core, so a critical stretch that began without
 * seeing the claim has published itself by then. */
const CLAIM_DELAY = 1;
/** How long a claimed run waits inside its scope for the termination before giving up. */
const SPIN_MS = 2000;

// The worker: plain JavaScript evaluated as a CommonJS script (no TypeScript loader needed).
// It reads the words above; the indices are passed in so there is one source of truth.
const WORKER_SOURCE = `'use strict';
const { workerData, parentPort } = require('node:worker_threads');
const { words, limitMs, tickMs, claimDelay, pid, watchOutside, I } = workerData;
const helper = process.binding('contextify');
let epoch = 0, since = 0, claimed = 0, claimedAt = 0;
let beat = -1, active = performance.now(), active0 = 0, outside = false, noted = false;
for (;;) {
  Atomics.wait(words, I.CLOSE, 0, claimed !== 0 ? claimDelay : tickMs);
  if (Atomics.load(words, I.CLOSE) !== 0) break;
  const now = performance.now();
  const s = Atomics.load(words, I.STATE);
  if (claimed !== 0) {
    // Once claimed, the signal is owed: send it when the main thread is outside critical work.
    if (now - claimedAt >= claimDelay && Atomics.load(words, I.CRIT) === 0) { claimed = 0; process.kill(pid, 'SIGINT'); }
  } else if (s > 0) {
    if (s !== epoch) { epoch = s; since = now; }
    else if (now - since >= limitMs && Atomics.compareExchange(words, I.STATE, s, -s) === s) { claimed = s; claimedAt = now; }
  } else if (s === 0) epoch = 0;
  if (s !== 0) active = now;
  if (watchOutside) {
    const b = Atomics.load(words, I.BEAT);
    if (b !== beat || s !== 0) {
      if (outside) { const held = Math.round(now - active0); if (held > Atomics.load(words, I.OUT_LONGEST)) Atomics.store(words, I.OUT_LONGEST, held); }
      if (b !== beat) { beat = b; active = now; }
      outside = false;
    } else if (!outside && now - active > limitMs) {
      outside = true;
      active0 = active;
      Atomics.add(words, I.OUT_HOLDS, 1);
    }
  }
  const pending = helper.watchdogHasPendingSigint();
  if (pending && !noted) parentPort.postMessage(0);
  noted = pending;
}
`;

let watchdogOpen = false;

function sigintHelper(): SigintHelper | null {
  const binding = (process as unknown as { binding?: (name: string) => unknown }).binding;
  if (typeof binding !== 'function') return null;
  let b: unknown;
  try { b = binding.call(process, 'contextify'); } catch { return null; }
  if (typeof b !== 'object' || b === null) return null;
  const h = b as Partial<SigintHelper>;
  return typeof h.startSigintWatchdog === 'function' && typeof h.stopSigintWatchdog === 'function' &&
    typeof h.watchdogHasPendingSigint === 'function' ? h as SigintHelper : null;
}

/** Whether ERR_SCRIPT_EXECUTION_INTERRUPTED: read as an own data property, running no code. */
function isInterrupted(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const d = Object.getOwnPropertyDescriptor(e, 'code');
  return d !== undefined && d.value === 'ERR_SCRIPT_EXECUTION_INTERRUPTED';
}

export class Watchdog {
  /** Whether a Watchdog can be opened in this thread and process. */
  static supported(): boolean {
    return isMainThread && process.platform !== 'win32' && sigintHelper() !== null;
  }

  readonly limitMs: number;
  private readonly helper: SigintHelper;
  private readonly words: Int32Array;
  /** The same words for plain stores: after SES lockdown freezes %TypedArray%.prototype, V8 (11.3)
   * takes about 100 ns per typed-array element store, a DataView's about 5 ns. */
  private readonly view: DataView;
  private readonly worker: Worker;
  private readonly script: vm.Script;
  private readonly run: RunInContext;
  private readonly key: string;
  private readonly beat: ReturnType<typeof setInterval> | null;
  private epoch = 0;
  private depth = 0;
  private crit = 0;
  /** Whether the current run has been left (STATE reset) by dispatch or the catch. */
  private left = false;
  private target: (() => unknown) | null = null;
  /** A SIGINT from outside was seen; forward it when the outermost guard ends. */
  private foreign = false;
  /** A claimed run ended without its termination (SIGINT lost): the next stray one is ours. */
  private owed = 0;
  /** SIGINT listeners changed inside a guard: re-assert the helper's handler when it ends. */
  private reassertDue = false;
  private closed = false;
  private kills = 0;
  private interrupts = 0;
  private forwarded = 0;

  constructor(opts: WatchdogOptions = {}) {
    const limitMs = opts.limitMs ?? 2000;
    if (!(Number.isFinite(limitMs) && limitMs >= 1)) throw new RangeError(`watchdog: limitMs must be a number of ms >= 1, got ${limitMs}`);
    const tickMs = opts.tickMs ?? Math.min(50, Math.max(1, Math.round(limitMs / 10)));
    if (!(Number.isFinite(tickMs) && tickMs >= 1)) throw new RangeError(`watchdog: tickMs must be a number of ms >= 1, got ${tickMs}`);
    if (!isMainThread) throw new WatchdogUnavailable('it runs on the main thread only (Node\'s SIGINT helper is process-wide)');
    if (process.platform === 'win32') throw new WatchdogUnavailable('Windows has no SIGINT to send to a process');
    if (watchdogOpen) throw new WatchdogUnavailable('another Watchdog is open in this process');
    const helper = sigintHelper();
    if (helper === null) throw new WatchdogUnavailable('process.binding(\'contextify\') has no SIGINT helper');
    if (!helper.startSigintWatchdog()) throw new WatchdogUnavailable('Node could not start its SIGINT helper thread');
    this.limitMs = limitMs;
    this.helper = helper;
    this.words = new Int32Array(new SharedArrayBuffer(WORDS * 4));
    this.view = new DataView(this.words.buffer);
    // The run enters through a global of the kernel's realm (programs have their own globals).
    this.key = `__singWatchdog$${process.pid}$${Date.now().toString(36)}`;
    const watchOutside = opts.watchOutside ?? true;
    try {
      Object.defineProperty(globalThis, this.key, { value: this.dispatch, configurable: true, enumerable: false, writable: false });
      this.script = new vm.Script(`${this.key}()`, { filename: 'sing:watchdog' });
      // The native run, without vm.Script's option parsing and its SIGINT-listener juggling.
      this.run = (Object.getPrototypeOf(vm.Script.prototype) as { runInContext: RunInContext }).runInContext;
      this.worker = new Worker(WORKER_SOURCE, {
        eval: true,
        execArgv: [],
        resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
        workerData: {
          words: this.words, limitMs, tickMs, claimDelay: CLAIM_DELAY, pid: process.pid, watchOutside,
          I: { STATE, CLOSE, BEAT, OUT_HOLDS, OUT_LONGEST, CRIT },
        },
      });
    } catch (e) {
      helper.stopSigintWatchdog();
      rearmHostSigint();
      Reflect.deleteProperty(globalThis, this.key);
      throw e;
    }
    this.worker.on('message', this.onPending);
    this.worker.on('error', (e) => { process.stderr.write(`sing: watchdog: its worker failed: ${e instanceof Error ? e.message : String(e)}\n`); });
    this.worker.unref(); // after the listeners: adding a 'message' listener refs the port again
    if (watchOutside) {
      const words = this.words;
      this.beat = setInterval(() => { Atomics.add(words, BEAT, 1); }, Math.max(10, Math.round(limitMs / 4)));
      this.beat.unref();
    } else this.beat = null;
    process.on('newListener', this.onListeners);
    process.on('removeListener', this.onListeners);
    watchdogOpen = true;
  }

  /** Runs fn; if the thread is held inside it for more than limitMs, fn is cut off and guard
   * throws WatchdogTimeout (a SIGINT from outside: WatchdogInterrupted). fn's own exceptions
   * pass through. Nested calls run fn directly. After close(), fn runs unguarded. */
  guard<T>(fn: () => T): T {
    if (this.depth > 0 || this.closed) return fn();
    const words = this.words;
    const epoch = this.epoch = this.epoch >= EPOCHS ? 1 : this.epoch + 1;
    this.target = fn;
    this.depth = 1;
    this.left = false;
    this.view.setInt32(STATE * 4, epoch, LE); // plain: the worker may see it a little late, never wrongly
    try {
      return this.run.call(this.script, null, -1, false, true, false) as T;
    } catch (e) {
      if (!isInterrupted(e)) throw e;
      // Node's SIGINT helper cut the run off and the run made that an exception. Ours if the
      // worker claimed this run (its signal is then sent, or owed and sent soon: see awaitKill).
      const s = Atomics.load(words, STATE);
      if (s === -epoch) { this.kills++; throw new WatchdogTimeout(this.limitMs); }
      // A SIGINT from outside. If the worker claims the run now, its signal will come stray.
      if (Atomics.compareExchange(words, STATE, s, 0) !== s) this.owed++;
      this.left = true;
      this.interrupts++;
      this.foreign = true;
      throw new WatchdogInterrupted();
    } finally {
      // Every way out comes here, terminations included (the run converted them).
      if (!this.left) this.leave(epoch);
      this.target = null;
      this.depth = 0;
      if (this.crit > 0) { this.crit = 0; this.view.setInt32(CRIT * 4, 0, LE); }
      if (this.reassertDue && this.reassert()) this.foreign = true;
      if (this.foreign) { this.foreign = false; this.forward(); }
    }
  }

  /** Runs fn with kills deferred until it returns: Node API calls and kernel bookkeeping that a
   * kill must not split. Costs a few ns; keep it short, since the thread held in it is not cut
   * off. Outside a guard, or nested, it is a plain call. A SIGINT from outside is not deferred. */
  critical<T>(fn: () => T): T {
    if (this.crit > 0 || this.depth === 0) return fn();
    const view = this.view;
    view.setInt32(CRIT * 4, 1, LE); // publish first, then look for a claim (the worker does the reverse)
    if ((this.words[STATE] ?? 0) < 0) { view.setInt32(CRIT * 4, 0, LE); this.awaitKill(); }
    this.crit = 1;
    try {
      return fn();
    } finally {
      this.crit = 0;
      view.setInt32(CRIT * 4, 0, LE);
    }
  }

  /** Whether the caller runs inside a guard. */
  get guarding(): boolean { return this.depth > 0; }

  stats(): WatchdogStats {
    return {
      limitMs: this.limitMs, kills: this.kills, interrupts: this.interrupts, forwarded: this.forwarded,
      outsideHolds: Atomics.load(this.words, OUT_HOLDS), longestOutsideMs: Atomics.load(this.words, OUT_LONGEST),
      open: !this.closed,
    };
  }

  /** Stops the worker, releases Node's SIGINT helper and gives SIGINT back to the host. Idempotent;
   * a guard running now finishes unguarded. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    watchdogOpen = false;
    Atomics.store(this.words, CLOSE, 1);
    Atomics.notify(this.words, CLOSE);
    void this.worker.terminate();
    if (this.beat !== null) clearInterval(this.beat);
    process.off('newListener', this.onListeners);
    process.off('removeListener', this.onListeners);
    this.helper.stopSigintWatchdog();
    rearmHostSigint();
    Reflect.deleteProperty(globalThis, this.key);
  }

  // The entry the vm run calls (through the global): runs the target, then leaves the run.
  private readonly dispatch = (): unknown => {
    const fn = this.target;
    if (fn === null) return undefined;
    // A SIGINT that arrived while no run was registered is pending; this run's end clears it.
    if (this.helper.watchdogHasPendingSigint()) this.foreign = true;
    try {
      return fn();
    } finally {
      // Not reached when cut off (the termination skips it); then the catch in guard decides.
      if (Atomics.compareExchange(this.words, STATE, this.epoch, 0) !== this.epoch) this.awaitKill();
      this.left = true;
    }
  };

  /** Leaves run `epoch` when dispatch could not: it was cut off (-epoch: the kill is accounted
   * for) or something escaped before it ran (a stack overflow at the very entry). */
  private leave(epoch: number): void {
    const s = Atomics.load(this.words, STATE);
    if (s === epoch && Atomics.compareExchange(this.words, STATE, s, 0) !== s) this.owed++;
    Atomics.store(this.words, STATE, 0);
  }

  /** The worker claimed this run and its SIGINT is on the way: wait for it inside the run. */
  private awaitKill(): void {
    this.view.setInt32(CRIT * 4, 0, LE); // the signal waits for this (callers are never in a critical stretch)
    const until = Date.now() + SPIN_MS;
    while (Date.now() < until) { /* the termination lands here */ }
    // It never came (someone else took SIGINT's handler): count the next stray one as ours.
    this.owed++;
    this.kills++;
    throw new WatchdogTimeout(this.limitMs);
  }

  /** The worker saw a SIGINT pending while no run was registered. */
  private readonly onPending = (): void => {
    if (this.closed || this.depth > 0) return;
    this.guard(noop); // its dispatch sees the pending signal, and the run's end clears it
  };

  /** SIGINT listeners changed: libuv took SIGINT's handler (first listener) or reset it to the
   * default (last one gone); either way the helper's handler must be put back. */
  private readonly onListeners = (event: string | symbol): void => {
    if (event !== 'SIGINT' || this.closed) return;
    if (this.depth > 0) this.reassertDue = true;
    else if (this.reassert()) this.forward();
  };

  /** Puts the helper's SIGINT handler back; true if a SIGINT was pending. */
  private reassert(): boolean {
    this.reassertDue = false;
    if (this.closed) return false;
    // Back to zero starts (thread joined, handler reset), then one (thread, handler installed).
    const pending = this.helper.stopSigintWatchdog();
    this.helper.startSigintWatchdog();
    return pending;
  }

  private forward(): void {
    if (this.owed > 0) { this.owed--; return; }
    this.forwarded++;
    if (process.listenerCount('SIGINT') > 0) {
      setImmediate(() => { process.emit('SIGINT', 'SIGINT'); });
    } else {
      // Nobody listens: die of it as the host would have without the watchdog.
      this.close();
      process.kill(process.pid, 'SIGINT');
    }
  }
}

function noop(): void { /* nothing */ }

/** After the helper stops (Node's exit-on-SIGINT handler installed), a host that listens for
 * SIGINT gets libuv's handler back by re-adding its listeners (what vm.Script does after a
 * breakOnSigint run). */
function rearmHostSigint(): void {
  const listeners = process.rawListeners('SIGINT') as ((...args: unknown[]) => void)[];
  if (listeners.length === 0) return;
  process.removeAllListeners('SIGINT');
  for (const l of listeners) process.addListener('SIGINT', l);
}
