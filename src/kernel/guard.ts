// The guard: the per-process object the image compiler's inserted checks call (see
// src/install/seal.ts). It is how "no code of a dead process runs again" is enforced even for
// promise continuations already queued when the process died.
// Rules for callers: the kernel sets `d` (dead) when a process ends; from then on every function
// entry, await resumption and catch clause of that process throws KILLED, and finally blocks are
// skipped. Programs cannot name the guard (the identifier is reserved at seal time).
import { types } from 'node:util';
import { DEFAULT_FUEL } from '../runtime/program.ts';
import { harden } from '../lib/harden.ts';
import type { GuardObject } from './image.ts';
import { Co, type Runnable, type Scheduler } from './scheduler.ts';
import { isEndpointHandle } from '../channels/endpoint.ts';
import { parkOn, pendingValue, type Resumable } from '../channels/pending.ts';

/** Thrown through a dead process's code; never caught by it (catch clauses rethrow it). */
export const KILLED: object = harden({ sing: 'process ended' });

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
  readonly scheduler: Scheduler;
}


export class Guard implements GuardObject {
  d = false;
  /** Fuel: checks left in this turn, counted down by the compiled code itself; refilled
   * whenever the kernel hands the process control; negative for good once it is dead. */
  f = DEFAULT_FUEL;
  perTurn = DEFAULT_FUEL;
  constructor(private readonly owner: GuardOwner) {}

  /** A new turn: the kernel is about to run this process's code. */
  refuel(): void { this.f = this.d ? -1 : this.perTurn; }

  /** The process has ended: from now on every check in its code throws the kill. */
  kill(): void {
    this.d = true;
    this.f = -1;
  }

  /** Reached when a check finds the fuel spent: the process is dead (throw the kill), or it ran
   * a whole turn without yielding (end it for that, then throw the kill). */
  o(): void {
    if (!this.d) this.owner.outOfFuel();
    throw KILLED;
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
