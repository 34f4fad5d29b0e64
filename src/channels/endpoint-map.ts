// EndpointMap: the sanctioned place to keep many endpoints (Sing#'s ESet/EMap). Linearity forbids
// endpoints in plain arrays, maps and fields, because nothing would stop two copies of a handle
// from living on; a server with many clients keeps them here instead.
// Rules for callers (programs): `put(key, ep)` moves `ep` in: the handle passed is revoked and the
// map holds a fresh one, so the variable it came from is dead (statically, by the verifier's
// linearity rule, and at run time). `take(key)` moves one out. `receive()` waits for a message on
// any endpoint in the map, takes that endpoint out, and returns its key with the message; the
// message's `ep` is the endpoint in its next state, to be put back or finished.
// Invariants: the endpoints stay owned by the process that put them in, so they are closed with it;
// each key holds at most one endpoint; an endpoint is in at most one map, once.
import type { AnyContract } from '../contracts/contract.ts';
import type { Endpoint, Received, Side } from '../contracts/view.ts';
import { SingError } from '../lib/error.ts';
import { harden } from '../lib/harden.ts';
import { transfer, useHandle } from './endpoint.ts';
import { select, type SelectOptions, type Timeout } from './select.ts';

type AnyEndpoint = Endpoint<AnyContract, Side, string>;
type ReceivedOf<E> = E extends Endpoint<infer C, infer Sd, infer S> ? Received<C, Sd, S> : never;

export class EndpointMapError extends SingError {
  constructor(message: string) { super('E_ENDPOINT_MAP', message); }
}

export type MapReceived<K, E> = { readonly key: K; readonly msg: ReceivedOf<E> } | { readonly key: undefined; readonly msg: Timeout };

export class EndpointMap<K extends string | number, E extends AnyEndpoint> {
  readonly #entries = new Map<K, E>();

  /** Moves `ep` into the map under `key` (the handle passed is revoked). */
  put(key: K, ep: E): void {
    if (typeof key !== 'string' && typeof key !== 'number') throw new TypeError('EndpointMap.put: the key must be a string or a number');
    if (this.#entries.has(key)) throw new EndpointMapError(`EndpointMap.put(${JSON.stringify(key)}): the key already holds an endpoint; take it out first`);
    const core = useHandle(ep, 'EndpointMap.put()');
    const owner = core.owner;
    if (owner === null) throw new EndpointMapError('EndpointMap.put(): the endpoint is in transit');
    this.#entries.set(key, transfer(core, owner) as unknown as E);
  }

  /** Moves the endpoint under `key` out of the map (undefined when there is none). */
  take(key: K): E | undefined {
    const ep = this.#entries.get(key);
    if (ep !== undefined) this.#entries.delete(key);
    return ep;
  }

  has(key: K): boolean { return this.#entries.has(key); }
  get size(): number { return this.#entries.size; }
  keys(): K[] { return [...this.#entries.keys()]; }

  /** Waits for a message on any endpoint in the map (first queued wins, in insertion order); that
   * endpoint leaves the map and comes back as `msg.ep`. With `timeoutMs`, may yield `$timeout`. */
  async receive(opts?: SelectOptions): Promise<MapReceived<K, E>> {
    if (this.#entries.size === 0) throw new EndpointMapError('EndpointMap.receive(): the map is empty');
    const keys = [...this.#entries.keys()];
    const eps = keys.map((k) => this.#entries.get(k) as E);
    // select's result type is per tuple position; over a list it is one of the entries' messages.
    const r = (await select(eps, opts)) as unknown as { readonly index: number; readonly msg: unknown };
    if (r.index === -1) return { key: undefined, msg: r.msg as Timeout };
    const key = keys[r.index] as K;
    this.#entries.delete(key);
    return { key, msg: r.msg as ReceivedOf<E> };
  }
}
harden(EndpointMap);
