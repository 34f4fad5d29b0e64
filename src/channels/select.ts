// select: wait on several endpoints at once (Sing#'s `switch receive`), with an optional timeout.
// Rules for callers: every endpoint must be live and have no pending receive; the first endpoint
// with a queued message wins (in argument order), then the first to receive one; a closed peer
// counts as a `$closed` message for its endpoint. The timeout runs on the owner's timer, so it dies
// with the owner. Invariants: when the select settles, no waiter it installed remains.
import type { AnyContract } from '../contracts/contract.ts';
import type { Endpoint, Received, Side } from '../contracts/view.ts';
import { harden } from '../lib/harden.ts';
import { accept, CLOSED, useHandle, type Delivery, type EndpointCore, type Msg } from './endpoint.ts';
import { EndpointBusy } from './error.ts';

export interface Timeout { readonly tag: '$timeout' }
export const TIMEOUT: Timeout = harden({ tag: '$timeout' as const });

type AnyEndpoint = Endpoint<AnyContract, Side, string>;
export type SelectResult<E extends readonly AnyEndpoint[]> =
  | { [I in keyof E]: { readonly index: I extends `${infer N extends number}` ? N : never; readonly msg: E[I] extends Endpoint<infer C, infer Sd, infer S> ? Received<C, Sd, S> : never } }[number]
  | { readonly index: -1; readonly msg: Timeout };

export interface SelectOptions { readonly timeoutMs?: number }

export function select<const E extends readonly AnyEndpoint[]>(endpoints: E, opts?: SelectOptions): Promise<SelectResult<E>>;
export function select(endpoints: readonly unknown[], opts: SelectOptions = {}): Promise<unknown> {
  if (!Array.isArray(endpoints) || endpoints.length === 0) return Promise.reject(new TypeError('select: give a non-empty array of endpoints'));
  const cores: EndpointCore[] = [];
  for (const h of endpoints) {
    const c = useHandle(h, 'select()');
    if (c.waiter !== null || cores.includes(c)) {
      return Promise.reject(new EndpointBusy(`select: ${c.describe()} already has a pending receive`));
    }
    cores.push(c);
  }
  for (let i = 0; i < cores.length; i++) {
    const c = cores[i] as EndpointCore;
    const q = c.queue;
    if (q !== null && q.length > 0) {
      const m = q.shift() as Msg;
      return Promise.resolve({ index: i, msg: accept(c, m) ? m : CLOSED });
    }
  }
  for (let i = 0; i < cores.length; i++) {
    if ((cores[i] as EndpointCore).peerClosed) return Promise.resolve({ index: i, msg: CLOSED });
  }
  const timeoutMs = opts.timeoutMs;
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs >= 0)) {
    return Promise.reject(new TypeError(`select: timeoutMs must be a non-negative number, got ${String(timeoutMs)}`));
  }
  return new Promise<{ index: number; msg: Delivery | Timeout }>((resolve) => {
    let cancel: (() => void) | null = null;
    const settle = (index: number, msg: Delivery | Timeout): void => {
      for (const c of cores) c.waiter = null;
      if (cancel !== null) cancel();
      resolve({ index, msg });
    };
    cores.forEach((c, i) => { c.waiter = (m) => settle(i, m); });
    const owner = (cores[0] as EndpointCore).owner;
    if (timeoutMs !== undefined && owner !== null) cancel = owner.timer(timeoutMs, () => { cancel = null; settle(-1, TIMEOUT); });
  });
}
