// Endpoints: the channel layer's core. An EndpointCore is one end of a channel (state, incoming
// queue, pending receiver); an EndpointHandle is the capability a process holds for it.
// Rules for callers: only `openChannel` makes endpoints; handles cannot be constructed or forged.
// A send is synchronous: it validates the tag against the sender's state and every field against
// the contract, copies records, moves endpoint fields, then delivers to the peer (straight to a
// pending receive, else into a queue sized by the contract's bound). Breaking a rule (wrong message
// for the state, bad field, revoked handle) ends the offending owner via `owner.violate` and throws.
// Invariants: a core has exactly one live handle while owned, none in transit or once closed; a
// handle, once revoked, stays revoked; a closed core drops its queue (closing endpoints carried in
// it) and its peer sees `$closed` after draining what was already queued; a waiter exists only
// while the queue is empty.
import type { CompiledContract, CompiledMessage, Table } from '../contracts/compiler.ts';
import { compiledOf } from '../contracts/contract.ts';
import { describeValue } from '../contracts/field.ts';
import type { Closed, Side } from '../contracts/view.ts';
import { harden } from '../lib/harden.ts';
import { Ring } from '../lib/ring.ts';
import { EndpointBusy, ChannelClosed, ProtocolViolation, RevokedEndpoint, UnexpectedMessage } from './error.ts';
import type { Owner } from './owner.ts';

/** A message as the receiver sees it: tag, the receiving endpoint in its next state, and fields. */
export interface Msg { tag: string; ep: EndpointHandle | undefined; [field: string]: unknown }
export type Delivery = Msg | Closed;
export type Waiter = (m: Delivery) => void;

export const CLOSED: Closed = harden({ tag: '$closed' as const });

export class EndpointCore {
  state: number;
  peer!: EndpointCore;
  owner: Owner | null;
  handle: EndpointHandle | null = null;
  queue: Ring<Msg> | null = null;
  waiter: Waiter | null = null;
  /** A kernel-resident service's synchronous receiver (console, name service). */
  handler: ((m: Delivery) => void) | null = null;
  closed = false;
  peerClosed = false;
  prevOwned: EndpointCore | null = null;
  nextOwned: EndpointCore | null = null;

  constructor(
    readonly cc: CompiledContract,
    readonly side: Side,
    readonly sendT: Table,
    readonly recvT: Table,
    readonly bound: number,
  ) {
    this.state = cc.initial;
    this.owner = null;
  }

  describe(): string {
    return `${this.cc.name}.${this.side} in state ${this.cc.states[this.state] ?? '?'}`;
  }
}

let revoke: (h: EndpointHandle) => void;
let coreOf: (h: unknown) => EndpointCore | null | undefined;
let liveOf: (h: EndpointHandle, what: string) => EndpointCore;
const TOKEN: unique symbol = Symbol('endpoint');

/** The capability a process holds for an endpoint. Frozen; its core is private. */
export class EndpointHandle {
  #core: EndpointCore | null;
  readonly #owner: Owner;

  static {
    revoke = (h) => { h.#core = null; };
    coreOf = (h) => (typeof h === 'object' && h !== null && #core in h ? (h as EndpointHandle).#core : undefined);
    liveOf = (h, what) => h.#live(what);
  }

  constructor(token: typeof TOKEN, core: EndpointCore, owner: Owner) {
    if (token !== TOKEN) throw new TypeError('EndpointHandle: endpoints cannot be constructed; create a channel');
    this.#core = core;
    this.#owner = owner;
    Object.freeze(this);
  }

  #live(what: string): EndpointCore {
    const c = this.#core;
    if (c !== null) return c;
    return this.#violate(new RevokedEndpoint(`${this.#owner.label}: ${what} on an endpoint that was moved or closed: a handle is revoked once sent or closed`));
  }

  #violate(e: Error): never {
    this.#owner.violate(e);
    throw e;
  }

  get contract(): string { return this.#live('reading .contract').cc.name; }
  get side(): Side { return this.#live('reading .side').side; }
  get state(): string { const c = this.#live('reading .state'); return c.cc.states[c.state] as string; }

  send(tag: string, payload?: unknown): this {
    const core = this.#live(`send(${typeof tag === 'string' ? tag : '?'})`);
    const tr = typeof tag === 'string' ? core.sendT[core.state]?.[tag] : undefined;
    if (tr === undefined) {
      const allowed = Object.keys(core.sendT[core.state] ?? {});
      this.#violate(new ProtocolViolation(`${this.#owner.label}: ${core.describe()} cannot send ${String(tag)}; ${allowed.length > 0 ? `it may send ${allowed.join(', ')}` : 'it may not send here (it must receive)'}`));
    }
    const msg = tr.msg;
    const m: Msg = { tag, ep: undefined };
    const fields = msg.fields;
    if (fields.length > 0) {
      if (typeof payload !== 'object' || payload === null) {
        this.#violate(new ProtocolViolation(`${this.#owner.label}: ${core.describe()}: ${tag} needs fields ${fields.map((f) => f.name).join(', ')}`));
      }
      const src = payload as Record<string, unknown>;
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i] as (typeof fields)[number];
        const v = src[f.name];
        if (f.type.kind === 'endpoint') { m[f.name] = v; continue; } // checked below, moved on commit
        if (!f.type.check(v)) {
          this.#violate(new ProtocolViolation(`${this.#owner.label}: ${core.describe()}: field ${f.name} of ${tag} must be ${f.type.describe}, got ${describeValue(v)}`));
        }
        m[f.name] = f.type.copy === null ? v : f.type.copy(v);
      }
      if (msg.endpointFields.length > 0) this.#moveEndpoints(core, msg, m);
    }
    core.state = tr.next;
    deliver(core.peer, m);
    return this;
  }

  /** Validates every endpoint field, then (only if all are valid) moves them into the message. */
  #moveEndpoints(core: EndpointCore, msg: CompiledMessage, m: Msg): void {
    const moving: EndpointCore[] = [];
    for (const i of msg.endpointFields) {
      const f = msg.fields[i] as (typeof msg.fields)[number];
      const want = (f.type as unknown as { endpoint: { contract: unknown; side: Side; state: string } }).endpoint;
      const c = coreOf(m[f.name]);
      const where = `${this.#owner.label}: ${core.describe()}: field ${f.name} of ${msg.tag}`;
      if (c === undefined) this.#violate(new ProtocolViolation(`${where} must be an endpoint, got ${describeValue(m[f.name])}`));
      if (c === null) this.#violate(new RevokedEndpoint(`${where}: the endpoint was already moved or closed`));
      if (c === core || c === core.peer || moving.includes(c)) this.#violate(new ProtocolViolation(`${where}: an endpoint cannot travel over its own channel or twice in one message`));
      if (c.owner !== this.#owner) this.#violate(new ProtocolViolation(`${where}: the endpoint is not owned by the sender`));
      if (c.cc !== compiledOf(want.contract) || c.side !== want.side || c.cc.states[c.state] !== want.state) {
        this.#violate(new ProtocolViolation(`${where} must be ${compiledOf(want.contract)?.name ?? '?'}.${want.side} in state ${want.state}, got ${c.describe()}`));
      }
      if (c.waiter !== null) throw new EndpointBusy(`${where}: the endpoint has a pending receive and cannot move`);
      moving.push(c);
    }
    for (const i of msg.endpointFields) {
      const name = (msg.fields[i] as (typeof msg.fields)[number]).name;
      const c = moving.shift() as EndpointCore;
      detach(c);
      m[name] = c;
    }
  }

  receive(): Promise<Delivery> {
    const core = this.#live('receive()');
    if (core.waiter !== null) return Promise.reject(new EndpointBusy(`${this.#owner.label}: ${core.describe()}: a receive is already pending`));
    const q = core.queue;
    if (q !== null && q.length > 0) {
      const m = q.shift() as Msg;
      return Promise.resolve(accept(core, m) ? m : CLOSED);
    }
    if (core.peerClosed) return Promise.resolve(CLOSED);
    return new Promise<Delivery>((resolve) => { core.waiter = resolve; });
  }

  async expect(tag: string): Promise<Msg> {
    const m = await this.receive();
    if (m.tag === tag) return m as Msg;
    const c = this.#core;
    const where = `${this.#owner.label}: ${c === null ? 'endpoint' : c.describe()}`;
    if (m.tag === '$closed') throw new ChannelClosed(`${where}: expected ${tag}, but the peer closed the channel`);
    throw new UnexpectedMessage(`${where}: expected ${tag}, received ${m.tag}`);
  }

  close(): void {
    closeCore(this.#live('close()'));
  }
}
harden(EndpointHandle);

/** Internal access for select and the kernel: the live core of a handle (null if revoked). */
export function coreOfHandle(h: unknown): EndpointCore | null | undefined {
  return coreOf(h);
}

/** The live core of a handle; a revoked handle ends its owner like any other use; a non-handle
 * is a TypeError. */
export function useHandle(h: unknown, what: string): EndpointCore {
  if (coreOf(h) === undefined) throw new TypeError(`${what}: not an endpoint`);
  return liveOf(h as EndpointHandle, what);
}

/** Moves a live endpoint to another owner (the kernel's moves outside messages: startup
 * endpoints at create, bind). The old handle is revoked; the new one is returned. */
export function transfer(c: EndpointCore, to: Owner): EndpointHandle {
  if (c.waiter !== null) throw new EndpointBusy(`${c.describe()}: the endpoint has a pending receive and cannot move`);
  detach(c);
  return adopt(c, to);
}

/** Makes a fresh handle for `owner`, linking the core into the owner's list. */
export function adopt(c: EndpointCore, owner: Owner): EndpointHandle {
  c.owner = owner;
  c.prevOwned = null;
  c.nextOwned = owner.ownedHead;
  if (owner.ownedHead !== null) owner.ownedHead.prevOwned = c;
  owner.ownedHead = c;
  const h = new EndpointHandle(TOKEN, c, owner);
  c.handle = h;
  return h;
}

/** Takes a core away from its owner (for a move or a close): unlinks it and revokes its handle. */
function detach(c: EndpointCore): void {
  const o = c.owner;
  if (o !== null) {
    if (c.prevOwned !== null) c.prevOwned.nextOwned = c.nextOwned;
    else o.ownedHead = c.nextOwned;
    if (c.nextOwned !== null) c.nextOwned.prevOwned = c.prevOwned;
    c.prevOwned = c.nextOwned = null;
    c.owner = null;
  }
  if (c.handle !== null) { revoke(c.handle); c.handle = null; }
}

/** Applies a received message to the receiving core: state, moved endpoints, `m.ep`. */
export function accept(c: EndpointCore, m: Msg): boolean {
  const tr = c.recvT[c.state]?.[m.tag];
  if (tr === undefined) { // only possible when both sides sent in a mixed state: the channel breaks
    discard(c.cc, m);
    breakChannel(c);
    return false;
  }
  c.state = tr.next;
  const eps = tr.msg.endpointFields;
  if (eps.length > 0) {
    const owner = c.owner as Owner;
    for (const i of eps) {
      const name = (tr.msg.fields[i] as (typeof tr.msg.fields)[number]).name;
      m[name] = adopt(m[name] as EndpointCore, owner);
    }
  }
  m.ep = c.handle ?? undefined;
  return true;
}

function deliver(t: EndpointCore, m: Msg): void {
  if (t.closed) { discard(t.cc, m); return; }
  if (t.owner !== null) {
    const w = t.waiter;
    if (w !== null) {
      t.waiter = null;
      if (accept(t, m)) w(m);
      return;
    }
    const h = t.handler;
    if (h !== null) {
      if (accept(t, m)) h(m);
      return;
    }
  }
  let q = t.queue;
  if (q === null) q = t.queue = new Ring<Msg>(t.bound);
  q.push(m);
}

/** Frees what a message that will never be received carries: its endpoints are closed. */
function discard(cc: CompiledContract, m: Msg): void {
  const msg = cc.byTag[m.tag];
  if (msg === undefined) return;
  for (const i of msg.endpointFields) {
    const v = m[(msg.fields[i] as (typeof msg.fields)[number]).name];
    if (v instanceof EndpointCore) closeCore(v);
  }
}

function notifyClosed(p: EndpointCore): void {
  p.peerClosed = true;
  const w = p.waiter;
  if (w !== null) { p.waiter = null; w(CLOSED); }
  const h = p.handler;
  if (h !== null && (p.queue === null || p.queue.length === 0)) h(CLOSED);
}

/** Closes one end: revokes its handle, drops its queue, and tells the peer. Idempotent. */
export function closeCore(c: EndpointCore): void {
  if (c.closed) return;
  c.closed = true;
  detach(c);
  c.waiter = null;
  c.handler = null;
  const q = c.queue;
  c.queue = null;
  if (q !== null) while (q.length > 0) discard(c.cc, q.shift() as Msg);
  if (!c.peer.closed) notifyClosed(c.peer);
}

function breakChannel(c: EndpointCore): void {
  notifyClosed(c);
  if (!c.peer.closed) notifyClosed(c.peer);
}

/** Closes every endpoint an owner holds (its death, or the kernel shutting down). */
export function closeAll(owner: Owner): void {
  while (owner.ownedHead !== null) closeCore(owner.ownedHead);
}

/** Creates a channel of a compiled contract; each end is owned by the given owner. */
export function openChannel(cc: CompiledContract, impOwner: Owner, expOwner: Owner): [EndpointHandle, EndpointHandle] {
  const imp = new EndpointCore(cc, 'imp', cc.impSend, cc.impRecv, Math.max(1, cc.bounds.out));
  const exp = new EndpointCore(cc, 'exp', cc.expSend, cc.expRecv, Math.max(1, cc.bounds.in));
  imp.peer = exp;
  exp.peer = imp;
  return [adopt(imp, impOwner), adopt(exp, expOwner)];
}
