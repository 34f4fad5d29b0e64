// The scheduler: runs process threads as coroutines, without a Promise per blocking operation.
// The image compiler turns each eligible `async` function of a program into a generator wrapped
// by `guard.co` (see src/install/seal.ts): `await x` becomes `yield x`. A coroutine runs
// synchronously until it yields; a yielded Pending (receive, select, join, sleep) parks it on
// that Pending, and settling the Pending puts it on the ready queue; anything else thenable is
// awaited through `then`; a plain value resumes it at once.
// Rules for callers: `step` runs a coroutine now (used when it is created, as an async function
// starts synchronously); `ready` queues one to run from the drain loop, which runs in a microtask
// and hands the event loop back after a budget of steps so timers and I/O are not starved.
// Invariants: a coroutine whose process is dead is never resumed (its generator is dropped, so
// not even its `finally` blocks run); each coroutine is in the queue at most once per wake.
import { parkOn, pendingValue, type Pending, type Resumable } from '../channels/pending.ts';
import { PARKED, type Delivery, type Waiter } from '../channels/endpoint.ts';
import type { Clock } from './clock.ts';

export interface Liveness { readonly d: boolean; refuel(): void }

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
  constructor(readonly sched: Scheduler, readonly guard: Liveness, readonly gen: Generator<unknown, unknown, unknown>) {}
  resume(value: unknown, threw: boolean): void {
    this.v = value;
    this.t = threw;
    this.sched.ready(this);
  }
  /** As a channel waiter (a `yield guard.r(ep)` parked it on an endpoint). */
  wake(m: Delivery): void { this.resume(m, false); }
  run(): void {
    const v = this.v;
    this.v = undefined;
    this.guard.refuel(); // a new turn for its process (a nested step is not one)
    this.sched.step(this, v, this.t);
  }
}

function noop(): void {}

const BUDGET = 20_000;

export class Scheduler {
  private head: Runnable | null = null;
  private tail: Runnable | null = null;
  private running = false;
  /** The coroutine whose generator is running now (steps nest, so this is saved and restored). */
  current: Co | null = null;
  private scheduled = false;
  private readonly drainTask = (): void => this.drain();

  constructor(private readonly clock: Clock) {}

  /** Queues a runnable (for a coroutine, with its `v`/`t` set: see Co.resume). */
  ready(co: Runnable): void {
    const t = this.tail;
    if (t === null) this.head = co;
    else t.next = co;
    this.tail = co;
    if (!this.running && !this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.drainTask);
    }
  }

  private drain(): void {
    this.scheduled = false;
    this.running = true;
    let budget = BUDGET;
    try {
      for (let co = this.head; co !== null; co = this.head) {
        if (--budget === 0) {
          this.scheduled = true;
          this.clock.later(this.drainTask);
          return;
        }
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
          process.stderr.write(`sing: scheduler: a runnable threw: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
        }
      }
    } finally {
      this.running = false;
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
      try {
        r = t ? genThrow.call(gen, v) : genNext.call(gen, v);
      } catch (e) {
        this.current = outer;
        co.rej(e);
        return;
      } 
      this.current = outer;
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
