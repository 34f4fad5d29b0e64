// Pending: what a blocking operation (receive, select, join, sleep, yield) returns — a one-shot,
// promise-like result that the kernel's scheduler can wait on without allocating a Promise.
// Rules for callers: programs `await` it (the image compiler turns that into a coroutine yield
// that the scheduler resumes directly) or use it as a promise (`then`/`catch`/`finally` make a
// real Promise on demand). Kernel code settles it once with `settle`/`fail`; later calls are
// ignored. Invariants: settled state never changes; each waiter is woken exactly once.
import { harden } from '../lib/harden.ts';

/** A coroutine (or anything) the scheduler can wake when a Pending settles. */
export interface Resumable { resume(value: unknown, threw: boolean): void }

/** How a Pending that waits on a channel turns a delivery into its result (expect, select). A
 * plain receive has none and settles with the delivery itself. (A hook rather than subclasses:
 * derived-class construction costs ~100 ns on hardened classes, and this is the receive path.) */
export interface WakeHook { wake(p: Pending<unknown>, delivery: unknown, core: unknown): void }

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;

let stateOf: (p: unknown) => number;
let valueOf: (p: Pending<unknown>) => unknown;
let attach: (p: Pending<unknown>, r: Resumable) => void;
let park: (p: unknown, r: Resumable) => number;

export class Pending<T> implements PromiseLike<T> {
  #state = PENDING;
  #value: unknown = undefined;
  #waiter: Resumable | null = null;
  #more: Resumable[] | null = null;
  readonly #hook: WakeHook | null;

  constructor(hook: WakeHook | null = null) { this.#hook = hook; }

  /** Called by the channel layer with a delivery for the receive this Pending stands for. */
  wake(delivery: unknown, core: unknown): void {
    const h = this.#hook;
    if (h === null) this.#finish(FULFILLED, delivery);
    else h.wake(this as Pending<unknown>, delivery, core);
  }

  static {
    stateOf = (p) => (typeof p === 'object' && p !== null && #state in p ? (p as Pending<unknown>).#state : -1);
    valueOf = (p) => p.#value;
    park = (p, r) => {
      if (typeof p !== 'object' || p === null || !(#state in p)) return -1;
      const q = p as Pending<unknown>;
      const st = q.#state;
      if (st !== PENDING) return st;
      if (q.#waiter === null) q.#waiter = r;
      else (q.#more ??= []).push(r);
      return PENDING;
    };
    attach = (p, r) => {
      const st = park(p, r);
      if (st !== PENDING) r.resume(p.#value, st === REJECTED);
    };
  }

  settle(value: T): void { this.#finish(FULFILLED, value); }
  fail(error: unknown): void { this.#finish(REJECTED, error); }

  #finish(state: number, value: unknown): void {
    if (this.#state === PENDING) {
      this.#state = state;
      this.#value = value;
    }
    // A waiter is dropped only once it has been resumed: a settle cut short by a stack overflow
    // (see channels/endpoint.ts) resumes it when the kernel settles again, with the first outcome.
    const w = this.#waiter;
    if (w === null) return;
    const threw = this.#state === REJECTED;
    w.resume(this.#value, threw);
    this.#waiter = null;
    const more = this.#more;
    if (more !== null) { this.#more = null; for (const r of more) r.resume(this.#value, threw); }
  }

  then<A = T, B = never>(onFulfilled?: ((v: T) => A | PromiseLike<A>) | null, onRejected?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return new Promise<T>((resolve, reject) => {
      attach(this as Pending<unknown>, { resume: (v, threw) => (threw ? reject(v) : resolve(v as T)) });
    }).then(onFulfilled, onRejected);
  }
  catch<B = never>(onRejected?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<T | B> { return this.then(undefined, onRejected); }
  finally(f?: (() => void) | null): Promise<T> { return this.then(undefined, undefined).finally(f); }
  get [Symbol.toStringTag](): string { return 'Pending'; }
}
harden(Pending);

/** -1: not a Pending; 0 pending; 1 fulfilled; 2 rejected. */
export function pendingState(p: unknown): number { return stateOf(p); }
export function pendingValue(p: Pending<unknown>): unknown { return valueOf(p); }
/** The scheduler's fast path: if `p` is a pending Pending, parks `r` on it and returns 0;
 * returns 1 or 2 if it has settled (read `pendingValue`), -1 if `p` is not a Pending. */
export function parkOn(p: unknown, r: Resumable): number { return park(p, r); }

/** Wakes `r` when `p` settles (at once if it has). */
export function onSettle(p: Pending<unknown>, r: Resumable): void { attach(p, r); }

export function settled<T>(v: T): Pending<T> {
  const p = new Pending<T>();
  p.settle(v);
  return p;
}
