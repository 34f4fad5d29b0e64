// select: wait on several endpoints at once (Sing#'s `switch receive`), with an optional timeout.
// Rules for callers: every endpoint must be live and have no pending receive; the first endpoint
// with a queued message wins (in argument order), then the first to receive one; a closed peer
// counts as a `$closed` message for its endpoint. The timeout runs on the owner's timer, so it dies
// with the owner. Invariants: when the select settles, no waiter it installed remains.
import type { AnyContract } from '../contracts/contract.ts';
import type { Transition } from '../contracts/compiler.ts';
import type { Endpoint, Received, Side } from '../contracts/view.ts';
import { types } from 'node:util';
import { harden } from '../lib/harden.ts';
import { accept, CLOSED, useHandle, type Delivery, type EndpointCore, type Msg } from './endpoint.ts';
import { Pending, settled, type WakeHook } from './pending.ts';
import { EndpointBusy } from './error.ts';

export interface Timeout { readonly tag: '$timeout' }
export const TIMEOUT: Timeout = harden({ tag: '$timeout' as const });

type AnyEndpoint = Endpoint<AnyContract, Side, string>;
export type SelectResult<E extends readonly AnyEndpoint[]> =
  | { [I in keyof E]: { readonly index: I extends `${infer N extends number}` ? N : never; readonly msg: E[I] extends Endpoint<infer C, infer Sd, infer S> ? Received<C, Sd, S> : never } }[number]
  | { readonly index: -1; readonly msg: Timeout };

export interface SelectOptions { readonly timeoutMs?: number }

type Outcome = { index: number; msg: Delivery | Timeout };

/** An own data property's value (undefined when absent); an accessor is refused, unrun. */
function ownData(o: object, key: string): unknown {
  const d = Object.getOwnPropertyDescriptor(o, key);
  if (d !== undefined && !('value' in d)) throw new TypeError(`select: ${key} must be a plain value, not a getter`);
  return d?.value;
}

/** A select's hook: the first wake settles its Pending and withdraws it from every core. */
class SelectHook implements WakeHook {
  cancel: (() => void) | null = null;
  constructor(private readonly cores: readonly EndpointCore[]) {}
  wake(p: Pending<unknown>, m: unknown, core: unknown): void { this.finish(p, this.cores.indexOf(core as EndpointCore), m as Delivery); }
  finish(p: Pending<unknown>, index: number, msg: Delivery | Timeout): void {
    for (const c of this.cores) if (c.waiter === p) c.waiter = null;
    const cancel = this.cancel;
    this.cancel = null;
    if (cancel !== null) cancel();
    p.settle({ index, msg });
  }
}

export function select<const E extends readonly AnyEndpoint[]>(endpoints: E, opts?: SelectOptions): Promise<SelectResult<E>>;
export function select(endpoints: readonly unknown[], opts: SelectOptions = {}): PromiseLike<unknown> {
  // Everything the program hands over is read first (options, then the array, with no getter or
  // Proxy trap allowed to run): from the first check of a core to the installing of the waiters,
  // no program code may run, or it could move or close an endpoint already checked.
  const timeoutMs = typeof opts === 'object' && opts !== null && !types.isProxy(opts) ? ownData(opts, 'timeoutMs') : undefined;
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs >= 0)) {
    throw new TypeError(`select: timeoutMs must be a non-negative number (an own data property), got ${String(timeoutMs)}`);
  }
  if (!Array.isArray(endpoints) || types.isProxy(endpoints) || endpoints.length === 0) throw new TypeError('select: give a non-empty array of endpoints');
  const handles: unknown[] = [];
  const n = ownData(endpoints, 'length') as number;
  for (let i = 0; i < n; i++) {
    const d = Object.getOwnPropertyDescriptor(endpoints, i);
    if (d === undefined || !('value' in d)) throw new TypeError(`select: element ${i} must be an endpoint (an own data element)`);
    handles.push(d.value);
  }
  const cores: EndpointCore[] = [];
  for (const h of handles) {
    const c = useHandle(h, 'select()');
    if (c.waiter !== null || cores.includes(c)) throw new EndpointBusy(`select: ${c.describe()} already has a pending receive`);
    cores.push(c);
  }
  for (let i = 0; i < cores.length; i++) {
    const c = cores[i] as EndpointCore;
    const q = c.queue;
    if (q !== null && q.length > 0) {
      const m = q.shift() as Msg;
      return settled<Outcome>({ index: i, msg: accept(c, m, q.aux as Transition) ? m : CLOSED });
    }
  }
  for (let i = 0; i < cores.length; i++) {
    if ((cores[i] as EndpointCore).peerClosed) return settled<Outcome>({ index: i, msg: CLOSED });
  }
  const hook = new SelectHook(cores);
  const w = new Pending<Outcome>(hook);
  for (const c of cores) c.waiter = w;
  const owner = (cores[0] as EndpointCore).owner;
  if (timeoutMs !== undefined && owner !== null) hook.cancel = owner.timer(timeoutMs, () => { hook.cancel = null; hook.finish(w, -1, TIMEOUT); });
  return w;
}
