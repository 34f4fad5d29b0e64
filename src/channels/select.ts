// select: wait on several endpoints at once (Sing#'s `switch receive`), with an optional timeout.
// Rules for callers: every endpoint must be live and have no pending receive; the first endpoint
// with a queued message wins (in argument order), then the first to receive one; a closed peer
// counts as a `$closed` message for its endpoint. The timeout runs on the owner's timer, so it dies
// with the owner. Invariants: when the select settles, no waiter it installed remains.
import type { AnyContract } from '../contracts/contract.ts';
import type { Transition } from '../contracts/compiler.ts';
import type { Endpoint, Received, Side } from '../contracts/view.ts';
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
  if (!Array.isArray(endpoints) || endpoints.length === 0) throw new TypeError('select: give a non-empty array of endpoints');
  const cores: EndpointCore[] = [];
  for (const h of endpoints) {
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
  const timeoutMs = opts.timeoutMs;
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs >= 0)) {
    throw new TypeError(`select: timeoutMs must be a non-negative number, got ${String(timeoutMs)}`);
  }
  const hook = new SelectHook(cores);
  const w = new Pending<Outcome>(hook);
  for (const c of cores) c.waiter = w;
  const owner = (cores[0] as EndpointCore).owner;
  if (timeoutMs !== undefined && owner !== null) hook.cancel = owner.timer(timeoutMs, () => { hook.cancel = null; hook.finish(w, -1, TIMEOUT); });
  return w;
}
