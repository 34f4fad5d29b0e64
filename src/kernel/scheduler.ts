// The scheduler: runs process threads as coroutines, without a Promise per blocking operation.
// The image compiler turns each eligible `async` function of a program into a generator wrapped
// by `guard.co` (see src/install/seal.ts): `await x` becomes `yield x`. A coroutine runs
// synchronously until it yields; a yielded Pending (receive, select, join, sleep) parks it on
// that Pending, and settling the Pending puts it on the ready queue; anything else thenable is
// awaited through `then`; a plain value resumes it at once.
// Rules for callers: `step` runs a coroutine now (used when it is created, as an async function
// starts synchronously); `ready` queues one to run from the drain loop, which runs in a microtask;
// whoever runs a process's code for a turn reports the fuel it spent (`spend`).
// A host turn is the time between two chances the host's event loop gets (timers, I/O, other
// kernels' work): the scheduler ends one, handing the event loop back, once BUDGET steps have
// run or TURN_FUEL checks have been spent in it, however the steps were woken (a drain in a
// microtask, or native promise reactions calling `ready` between drains), so neither a flood of
// ready processes nor a chain of awaits can hold the host. The ready list is first in, first out:
// a process woken later never runs before one woken earlier.
// Invariants: a coroutine whose process is dead is never resumed (its generator is dropped, so
// not even its `finally` blocks run); each coroutine is in the queue at most once per wake; a
// drain is scheduled whenever the list is not empty and none is running.
import { parkOn, pendingValue, type Pending, type Resumable } from '../channels/pending.ts';
import { PARKED, type Delivery, type Waiter } from '../channels/endpoint.ts';
import type { Clock } from './clock.ts';
import { DEFAULT_FUEL } from '../runtime/program.ts';
import { outsideKills } from './kernel-watchdog.ts';
import { heapMeter } from './heap-meter.ts';
import { WatchdogInterrupted, WatchdogTimeout, type Watchdog } from './watchdog.ts';

/** A process's guard as the scheduler sees it: dead or not, and its fuel for the turn. */
export interface Liveness { readonly d: boolean; refuel(): void; used(): number }

/** The process whose code the kernel most recently entered (a coroutine step, an await's
 * resumption, a thread's start): whom a metered builtin charges. It may be stale once that code
 * has returned, which is why the meter also asks the stack (src/kernel/memory-budgets.ts).
 * `epoch` counts the kernel's entries into program code and its own drains and timers: a
 * process whose epoch has not moved between two of its checkpoints has held the thread between
 * them (kernel.ts's `checkpoint` times a turn that way). */
export const cpu: { running: Liveness | null; epoch: number; io: boolean } = { running: null, epoch: 0, io: false };

/** Runs a host I/O callback's kernel work (a socket's bytes arriving): a drain it makes ready
 * waits for the event loop's check phase, so one drain serves every event of the poll. Its
 * arguments are passed through, so that a hot callback makes no closure per event. */
export function fromHostIo<A, B>(fn: (a: A, b: B) => void, a: A, b: B): void {
  cpu.epoch++;
  cpu.io = true;
  try { fn(a, b); } finally { cpu.io = false; }
}

/** Anything on the ready list: a coroutine to resume, or a task to run once (a process start,
 * a new thread). Intrusive: each carries its own `next` link. */
export interface Runnable {
  next: Runnable | null;
  /** 0 for a coroutine (resumed inline by the drain loop, keeping that path monomorphic), 1 for
   * anything else (its `run` is called). */
  readonly kind: 0 | 1;
  run(): void;
}

// One target for every generator's next/throw: calling through these keeps the call site
// monomorphic however many programs' generators pass through the scheduler.
const GeneratorPrototype = Object.getPrototypeOf(function* () { /* prototype probe */ }).prototype as Generator;
const genNext = GeneratorPrototype.next;
const genThrow = GeneratorPrototype.throw;

export class Co implements Resumable, Runnable, Waiter {
  readonly kind = 0;
  res: (v: unknown) => void = noop;
  rej: (e: unknown) => void = noop;
  /** The value (or error, when `t`) to resume with, while the coroutine is on the ready queue. */
  v: unknown = undefined;
  t = false;
  /** The next runnable on the ready list (an intrusive list: no array accesses, see compiler.ts). */
  next: Runnable | null = null;
  /** On the ready list now: a second wake (a retry after one cut short by a stack overflow, see
   * channels/endpoint.ts) only makes sure a drain is coming. */
  private queued = false;
  constructor(readonly sched: Scheduler, readonly guard: Liveness, readonly gen: Generator<unknown, unknown, unknown>) {}
  resume(value: unknown, threw: boolean): void {
    if (this.queued) { this.sched.poke(); return; }
    this.v = value;
    this.t = threw;
    this.queued = true;
    this.sched.ready(this);
  }
  /** As a channel waiter (a `yield guard.r(ep)` parked it on an endpoint). */
  wake(m: Delivery): void { this.resume(m, false); }
  run(): void {
    this.queued = false;
    const v = this.v;
    this.v = undefined;
    const g = this.guard;
    g.refuel(); // a new turn for its process (a nested step is not one)
    this.sched.step(this, v, this.t);
    this.sched.spend(g);
  }
}

function noop(): void {}

/** The most steps, and the most fuel spent, in one host turn (see the header). */
export const BUDGET = 20_000;
export const TURN_FUEL = DEFAULT_FUEL;

export class Scheduler {
  private head: Runnable | null = null;
  private tail: Runnable | null = null;
  private running = false;
  /** The coroutine whose generator is running now (steps nest, so this is saved and restored). */
  current: Co | null = null;
  private scheduled = false;
  /** Steps run and fuel spent in this host turn. */
  private turnSteps = 0;
  private turnFuel = 0;
  /** Whether a reset of the counts at the next host turn is pending (`resetTask`). */
  private resetArmed = false;
  private readonly drainTask = (): void => this.drain();
  /** A drain that starts a host turn: the event loop has had its chance. */
  private readonly hostTask = (): void => { this.newTurn(); this.drain(); };
  private readonly resetTask = (): void => { this.resetArmed = false; this.newTurn(); };

  /** The watchdog guarding each drain (kernel-watchdog.ts), and what to do with the process it
   * cut off (the kernel ends it); none in a worker domain or when the host turned it off. */
  watchdog: Watchdog | null = null;
  cutOff: (g: Liveness | null, e: Error) => void = () => undefined;

  constructor(private readonly clock: Clock) {}

  private newTurn(): void {
    this.turnSteps = 0;
    this.turnFuel = 0;
  }

  /** Whether this host turn's budget is spent. */
  private get spent(): boolean { return this.turnSteps >= BUDGET || this.turnFuel >= TURN_FUEL; }

  /** Counts the fuel a process's turn used against the host turn (its guard was refuelled when
   * the turn began; a dead process's counts as nothing more). */
  spend(g: Liveness): void {
    if (g.d) return;
    const used = g.used();
    if (used > 0) this.turnFuel += used;
  }

  /** Queues a runnable (for a coroutine, with its `v`/`t` set: see Co.resume). */
  ready(co: Runnable): void {
    const t = this.tail;
    if (t === null) this.head = co;
    else t.next = co;
    this.tail = co;
    if (!this.running && !this.scheduled) this.schedule();
  }

  /** Makes sure a drain is coming if anything is ready. */
  poke(): void {
    if (this.head !== null && !this.running && !this.scheduled) this.schedule();
  }

  /** Schedules a drain: in a microtask while the host turn has budget left, else after the event
   * loop's next turn. The flag is set only once the call has succeeded (a call made one frame
   * short of a stack overflow may fail, and must leave the next `ready` to try again). */
  private schedule(): void {
    // From a host I/O callback (`cpu.io`), the drain waits for the event loop's check phase: the
    // other sockets' events of this poll are then served by the same drain, not one drain each.
    if (this.spent || cpu.io) this.clock.later(this.hostTask);
    else queueMicrotask(this.drainTask);
    this.scheduled = true;
  }

  private drain(): void {
    cpu.epoch++;
    // The heap's level, read at most once a millisecond: a program that allocates much per
    // check (a string doubled each turn) reaches its checks' slow path too rarely to be seen there.
    heapMeter.sample();
    this.scheduled = false;
    this.running = true;
    try {
      const wd = this.watchdog;
      if (wd === null) this.run();
      else wd.guard(this.runTask);
    } catch (e) {
      // The watchdog cut the drain off (or a Ctrl-C did): whatever was running held the thread
      // where no check could stop it. Its process ends; the rest of the list runs next turn.
      this.current = null;
      const g = cpu.running;
      cpu.running = null;
      if (e instanceof WatchdogTimeout || e instanceof WatchdogInterrupted) this.cutOff(g, e);
      else throw e;
    } finally {
      this.running = false;
      if (this.head !== null && !this.scheduled) { this.clock.later(this.hostTask); this.scheduled = true; }
      // Work done this turn counts until the host has had its chance; then the counts restart.
      if (this.turnSteps > 0 && !this.resetArmed && !this.scheduled) {
        this.clock.later(this.resetTask);
        this.resetArmed = true;
      }
    }
  }

  private readonly runTask = (): void => { this.run(); };

  /** The drain's loop: runs ready runnables until the list is empty or the host turn is spent. */
  private run(): void {
    {
      for (let co = this.head; co !== null; co = this.head) {
        if (this.spent) {
          this.clock.later(this.hostTask);
          this.scheduled = true;
          return;
        }
        this.turnSteps++;
        this.head = co.next;
        if (this.head === null) this.tail = null;
        co.next = null;
        try {
          // Two call sites, so that the coroutine one (nearly every call) stays monomorphic.
          if (co.kind === 0) (co as Co).run();
          else co.run();
        } catch (e) {
          // Program failures never get here (step and thread catch them); this is a kernel bug.
          // Report it and keep scheduling the others rather than take the host down.
          outsideKills(() => process.stderr.write(`sing: scheduler: a runnable threw: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`));
        }
      }
    }
  }

  /** Runs `co` from its current yield point until it parks, finishes or fails. */
  step(co: Co, value: unknown, threw: boolean): void {
    const guard = co.guard;
    const gen = co.gen;
    const outer = this.current;
    let v = value;
    let t = threw;
    for (;;) {
      if (guard.d) return;
      let r: IteratorResult<unknown, unknown>;
      this.current = co;
      cpu.running = guard;
      try {
        r = t ? genThrow.call(gen, v) : genNext.call(gen, v);
      } catch (e) {
        this.current = outer;
        co.rej(e);
        return;
      } 
      this.current = outer;
      if (outer !== null) cpu.running = outer.guard;
      if (r.done === true) { co.res(r.value); return; }
      const y = r.value;
      if (y === PARKED) return;
      const st = parkOn(y, co);
      if (st === 0) return;
      // An `await` always lets the others run first, as a native await would (`await null` in a
      // loop must not starve the process's other threads, nor the kernel): a ready result puts
      // the coroutine at the back of the ready list.
      if (st > 0) { co.resume(pendingValue(y as Pending<unknown>), st === 2); return; }
      if (y !== null && (typeof y === 'object' || typeof y === 'function')) {
        let then: unknown;
        try { then = (y as { then?: unknown }).then; } catch (e) { v = e; t = true; continue; }
        if (typeof then === 'function') {
          let once = false;
          try {
            (then as (f: (x: unknown) => void, r: (e: unknown) => void) => void).call(y,
              (x) => { if (!once) { once = true; co.resume(x, false); } },
              (e) => { if (!once) { once = true; co.resume(e, true); } });
          } catch (e) {
            if (!once) { once = true; v = e; t = true; continue; }
          }
          return;
        }
      }
      co.resume(y, false);
      return;
    }
  }
}
