// The guard: the per-process object the image compiler's inserted checks call (see
// src/install/seal.ts). It is how "no code of a dead process runs again" is enforced even for
// promise continuations already queued when the process died.
// Rules for callers: the kernel sets `d` (dead) when a process ends; from then on every function
// entry, await resumption and catch clause of that process throws KILLED, and finally blocks are
// skipped. Programs cannot name the guard (the identifier is reserved at seal time).
import { types } from 'node:util';
import { DEFAULT_FUEL } from '../runtime/program.ts';
import { harden } from '../lib/harden.ts';
import { BIG, exactSize } from '../lib/metered-builtins.ts';
import type { GuardObject } from './image.ts';
import { Co, cpu, type Runnable, type Scheduler } from './scheduler.ts';
import { isEndpointHandle } from '../channels/endpoint.ts';
import { parkOn, pendingValue, type Resumable } from '../channels/pending.ts';

/** Thrown through a dead process's code; never caught by it (catch clauses rethrow it). */
export const KILLED: object = harden({ sing: 'process ended' });

let rejectionGuard = false;
let unhandled = 0;
/** A program can make a promise that rejects with nobody listening; by default Node would end
 * the whole host for it. The kernel takes that decision away from programs, once per realm, and
 * counts such rejections (`Kernel.unhandledRejections`): which process made one is unknowable. */
export function installRejectionGuard(): void {
  if (rejectionGuard) return;
  rejectionGuard = true;
  process.on('unhandledRejection', (reason) => {
    if (reason !== KILLED) unhandled++;
  });
}

/** Rejections no one handled since the guard was installed (a dead process's kill aside). */
export function unhandledRejections(): number { return unhandled; }

/** True for V8's stack-overflow RangeError. Reads nothing a program could intercept: a Proxy is
 * not a native error, and the message is read as an own data property. */
export function isStackOverflow(e: unknown): boolean {
  if (!types.isNativeError(e) || Object.getPrototypeOf(e) !== RangeError.prototype) return false;
  const d = Object.getOwnPropertyDescriptor(e, 'message');
  return d !== undefined && typeof d.value === 'string' && /call stack/i.test(d.value);
}

// The Promise executor for a new coroutine, shared rather than a closure per call.
let forPromise: Co | null = null;
function executor(res: (v: unknown) => void, rej: (e: unknown) => void): void {
  const co = forPromise as Co;
  forPromise = null;
  co.res = res;
  co.rej = rej;
}

/** A native await's resumption, queued on the scheduler like a coroutine's: settles the promise
 * the async function awaits, on a turn of its own (`Guard.w`). */
class Turn implements Runnable, Resumable {
  readonly kind = 1;
  next: Runnable | null = null;
  res: (v: unknown) => void = noop;
  rej: (e: unknown) => void = noop;
  private v: unknown = undefined;
  private t = false;
  constructor(private readonly sched: Scheduler, private readonly guard: Guard) {}
  resume(value: unknown, threw: boolean): void {
    this.v = value;
    this.t = threw;
    this.sched.ready(this);
  }
  run(): void {
    const g = this.guard;
    if (g.d) return; // a dead process's async function is never resumed
    g.refuel();
    this.sched.spend(g);
    const v = this.v;
    this.v = undefined;
    if (this.t) this.rej(v);
    else this.res(v);
  }
}

function noop(): void {}

let forTurn: Turn | null = null;
function turnExecutor(res: (v: unknown) => void, rej: (e: unknown) => void): void {
  const t = forTurn as Turn;
  forTurn = null;
  t.res = res;
  t.rej = rej;
}

/** Settles `r` when `v` does: at once for a plain value, when it settles for a Pending or any
 * other thenable (whose `then` is the program's own code, run on the program's stack). */
function whenSettled(v: unknown, r: Resumable): void {
  const st = parkOn(v, r);
  if (st === 0) return;
  if (st > 0) { r.resume(pendingValue(v as never), st === 2); return; }
  if (v !== null && (typeof v === 'object' || typeof v === 'function')) {
    let then: unknown;
    try { then = (v as { then?: unknown }).then; } catch (e) { r.resume(e, true); return; }
    if (typeof then === 'function') {
      let once = false;
      try {
        (then as (f: (x: unknown) => void, g: (e: unknown) => void) => void).call(v,
          (x) => { if (!once) { once = true; r.resume(x, false); } },
          (e) => { if (!once) { once = true; r.resume(e, true); } });
      } catch (e) {
        if (!once) { once = true; r.resume(e, true); }
      }
      return;
    }
  }
  r.resume(v, false);
}

/** The async iterator a `for await` would take from `obj`: its own, or the language's
 * async-from-sync wrapper around its sync iterator. */
function asyncIteratorOf(obj: unknown): AsyncIterator<unknown> {
  const m = (obj as { [Symbol.asyncIterator]?: unknown } | null | undefined)?.[Symbol.asyncIterator];
  if (m !== undefined && m !== null) return (m as () => AsyncIterator<unknown>).call(obj);
  return (async function* fromSync() { yield* obj as Iterable<unknown>; })();
}

/** What `Guard.i` hands a `for await`: the iterable's own async iterator, every step of which is
 * resumed by the scheduler (`Guard.w`). Seen only by the language's `for await` machinery. */
class Stepped implements AsyncIterable<unknown> {
  constructor(private readonly guard: Guard, private readonly iterable: unknown) {}
  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    const it = asyncIteratorOf(this.iterable);
    const guard = this.guard;
    const step = (name: 'next' | 'return' | 'throw', x: unknown): Promise<IteratorResult<unknown>> => {
      const fn = (it as unknown as Record<string, unknown>)[name];
      if (typeof fn !== 'function') {
        if (name === 'throw') throw x;
        return guard.w({ value: x, done: true }) as Promise<IteratorResult<unknown>>;
      }
      return guard.w(fn.call(it, x)) as Promise<IteratorResult<unknown>>;
    };
    return { next: (x?: unknown) => step('next', x), return: (x?: unknown) => step('return', x), throw: (x?: unknown) => step('throw', x) };
  }
}

export interface GuardOwner {
  overflow(e: RangeError): void;
  /** The process used up its CPU fuel in one turn: end it (reason `fuel`). */
  outOfFuel(): void;
  /** The slow path of a check (every CHUNK checks, and whenever a metered builtin's charge
   * takes the count below zero): look at the turn's time and at memory, and end the process if
   * either is over its bound (reason `fuel` or `memory`). */
  checkpoint(g: Guard): void;
  /** A metered builtin is about to allocate about `bytes` for the process: end it (reason
   * `memory`) if that would take it over its budget. */
  reserveMemory(bytes: number, what: string): void;
  /** A metered builtin is about to do `units` of work (about a nanosecond each): end the process
   * (reason `fuel`) if that would take its stretch on the thread past the turn's time. */
  longCall(units: number, what: string): void;
  /** A metered constructor made a buffer of `bytes` outside the heap for the process. */
  bufferMade(buffer: object, bytes: number): void;
  /** The watchdog cut the process's code off: it held the thread where no check could stop it
   * for more than `limitMs` (null: a Ctrl-C cut it off). End it (reason `watchdog`). */
  cutOff(limitMs: number | null): void;
  /** The program's name (its image's). */
  readonly program: string;
  readonly scheduler: Scheduler;
}

/** Checks between two visits to a guard's slow path (`o`). Large enough that the slow path (a
 * clock read and a heap sample, about half a microsecond) costs a tight loop under 1%. */
export const CHUNK = 65_536;

/** A metered call of this many units or more is also judged by the time it will take (a unit is
 * about a nanosecond of the engine's work: see metered-builtins.ts), before it starts. */
export const LONG_CALL = 1_000_000;



export class Guard implements GuardObject {
  d = false;
  /** Checks left before the slow path, counted down by the compiled code itself (and by metered
   * builtins); negative for good once the process is dead. It runs on across turns, so that a
   * process taking many short turns still reaches the slow path (where memory is sampled). */
  f = CHUNK;
  /** What `f` was last set to: `c - f` checks have run since. */
  c = CHUNK;
  /** Checks of this turn counted before the current chunk (negative at a turn's start by the
   * part of the chunk that earlier turns ran). */
  spent = 0;
  /** Checks run in the turns before this one (what `ps` calls the CPU fuel used). */
  total = 0;
  /** The clock's time at the first slow path of the stretch it is running now (0: none yet),
   * and the kernel's epoch then (scheduler.ts's `cpu`): the stretch ends when the epoch moves. */
  t0 = 0;
  epoch = -1;
  /** CPU fuel: the most checks one turn may run. */
  perTurn = DEFAULT_FUEL;
  constructor(readonly owner: GuardOwner) {}

  /** A new turn: the kernel is about to run this process's code. */
  refuel(): void {
    if (this.d) { this.f = -1; return; }
    this.total += this.used(); // the turn that ends, for `ps`
    if (this.f > this.perTurn) { this.c -= this.f - this.perTurn; this.f = this.perTurn; }
    this.spent = this.f - this.c;
    this.t0 = 0;
    cpu.epoch++;
  }

  /** Checks this turn has run so far. */
  used(): number { return this.spent + this.c - this.f; }

  /** The process has ended: from now on every check in its code throws the kill. */
  kill(): void {
    this.d = true;
    this.f = -1;
  }

  /** The slow path, reached when a check takes `f` below zero: the process is dead (throw the
   * kill), or its turn has run out of checks or time, or its memory is over budget (end it, then
   * throw the kill); else a new chunk. */
  o(): void {
    if (this.d) throw KILLED;
    this.spent += this.c - this.f;
    this.c = 0;
    this.f = 0;
    if (this.spent >= this.perTurn) this.owner.outOfFuel();
    else this.owner.checkpoint(this);
    if (this.d) throw KILLED;
    const left = this.perTurn - this.spent;
    this.c = this.f = left < CHUNK ? left : CHUNK;
  }

  /** A counted loop's up-front charge of `n` checks that the chunk cannot pay (fuel.ts's count
   * helper): the slow path runs first (time and memory judged, a fresh chunk), then the charge
   * comes out of the new chunk if it fits. False: the loop runs its per-iteration-charged copy.
   * At most a chunk, so the slow path is still reached at least once every CHUNK checks. */
  u(n: number): boolean {
    if (n > CHUNK) return false;
    this.o();
    if (n > this.f) return false;
    this.f -= n;
    return true;
  }

  /** A spread (`[...x]`, `f(...x)`, `{...x}`) compiles to spreading `s(x)`: the engine copies x
   * in one loop, so one of BIG elements or more is charged its elements and their memory first.
   * Sized without running program code (exactSize); `object`: an object spread. */
  s<T>(x: T, object?: 1): T {
    const n = exactSize(x, object === undefined);
    if (n >= BIG) this.charge(4 * n, n * 8, 'a spread'); // about 4 ns an element, measured
    return x;
  }

  /** A metered builtin's charge, before it does the work: `units` checks' worth of fuel and
   * about `bytes` of new memory. Throws the kill if the process cannot afford either. */
  charge(units: number, bytes: number, what: string): void {
    if (this.d) throw KILLED;
    if (bytes > 0) {
      this.owner.reserveMemory(bytes, what);
      if (this.d) throw KILLED;
    }
    this.f -= units;
    if (this.f < 0) this.o();
    if (units >= LONG_CALL) {
      this.owner.longCall(units, what);
      if (this.d) throw KILLED;
    }
  }

  /** `await ep.receive()` inside a coroutine compiles to `yield guard.r(ep)`: for a genuine
   * endpoint the running coroutine itself becomes the waiter (no Pending is made); anything
   * else gets an ordinary `receive()` call. */
  r(ep: unknown): unknown {
    const co = this.owner.scheduler.current;
    if (co === null || co.guard !== this || !isEndpointHandle(ep)) return (ep as { receive(): unknown }).receive();
    return ep.receiveOr(co);
  }

  /** Starts a coroutine for a compiled async function: runs it to its first yield and returns
   * the promise of its result (an async function's caller may need one). */
  co(body: (...a: unknown[]) => Generator<unknown, unknown, unknown>, self: unknown, args?: ArrayLike<unknown>): Promise<unknown> {
    if (this.d) throw KILLED;
    const sched = this.owner.scheduler;
    const co = new Co(sched, this, body.apply(self, args === undefined ? [] : Array.from(args)));
    forPromise = co;
    const promise = new Promise<unknown>(executor);
    sched.step(co, undefined, false);
    return promise;
  }
  /** `await x` in a native async function compiles to `a(await w(x))`: `w` returns a promise
   * that the scheduler settles with x's outcome on a later turn (refuelling the process then),
   * so awaiting takes turns like a coroutine's yield and cannot hold the kernel in a chain of
   * microtasks; `a` checks for death on resumption. */
  w(v: unknown): Promise<unknown> {
    if (this.d) throw KILLED;
    const t = new Turn(this.owner.scheduler, this);
    forTurn = t;
    const promise = new Promise<unknown>(turnExecutor);
    whenSettled(v, t);
    return promise;
  }
  a<T>(v: T): T {
    if (this.d) throw KILLED;
    cpu.running = this;
    cpu.epoch++;
    return v;
  }
  /** `for await (x of e)` iterates `i(e)`: e's own async iterator (or the async-from-sync one),
   * each step of which (`next`, `return`, `throw`) is awaited through `w`. */
  i(iterable: unknown): AsyncIterable<unknown> {
    if (this.d) throw KILLED;
    return new Stepped(this, iterable);
  }
  x(e: unknown): void {
    if (this.d) throw KILLED;
    if (isStackOverflow(e)) {
      this.owner.overflow(e as RangeError);
      throw KILLED;
    }
  }
}
