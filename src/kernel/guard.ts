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
import { Co, type Scheduler } from './scheduler.ts';
import { isEndpointHandle } from '../channels/endpoint.ts';

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
  /** After a native await: a resumption is a new turn. */
  a<T>(v: T): T {
    if (this.d) throw KILLED;
    this.f = this.perTurn;
    return v;
  }
  x(e: unknown): void {
    if (this.d) throw KILLED;
    if (isStackOverflow(e)) {
      this.owner.overflow(e as RangeError);
      throw KILLED;
    }
  }
}
