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
// while the queue is empty. A core whose conversation has ended (a terminal state: no message
// can leave it either way) is retired at once: it leaves its owner's list, so a program that
// drops it without `close()` leaks nothing; its handle stays readable, `close()` on it does
// nothing, a receive on it sees `$closed`, and it can no longer move. So is an endpoint whose
// `$closed` has been handed to its program (its peer closed or the channel broke): nothing more
// can come through it either.
// At the edge of the stack: a program can call send, receive or close one frame short of a stack
// overflow, so any call below may fail with a RangeError half way. The rules that keep the
// channel layer whole then: a waiter is cleared only after its wake has gone through (a failed
// wake leaves it to be woken again, and waking twice is harmless); a message whose movers are
// being moved or adopted is recorded on its core (`inFlight`) until that is done, so closing the
// core later frees what such a message carried; and closing finishes a close that stopped half
// way (`closeAll`). The caller itself always dies of the overflow (see kernel/reaper.ts), and its
// end closes its cores, which tells every peer `$closed`.
import { findTransition, type CompiledContract, type CompiledMessage, type Mover, type StateNode, type Transition } from '../contracts/compiler.ts';
import { explain } from '../contracts/builder.ts';
import { compiledOf } from '../contracts/contract.ts';
import { describeValue } from '../contracts/field.ts';
import type { Closed, Side } from '../contracts/view.ts';
import { harden } from '../lib/harden.ts';
import { Ring } from '../lib/ring.ts';
import { Pending, settled, type WakeHook } from './pending.ts';
import { EndpointBusy, ChannelClosed, ProtocolViolation, RevokedEndpoint, UnexpectedMessage } from './error.ts';
import type { Owner } from './owner.ts';
import { fitsSpec, type BlockSpec } from '../contracts/exfield.ts';
import { Block, HeapError } from '../exheap/heap.ts';
import { blockOfHandle, handleFor, isWholeHandle } from '../exheap/handles.ts';

/** A message as the receiver sees it: tag, the receiving endpoint in its next state, and fields. */
export interface Msg { tag: string; ep: EndpointHandle | undefined; [field: string]: unknown }
export type Delivery = Msg | Closed;
/** Whoever waits for the next delivery on a core: a receive's, expect's or select's Pending. */
export interface Waiter { wake(m: Delivery, core: EndpointCore): void }

export const CLOSED: Closed = harden({ tag: '$closed' as const });
/** Returned by `receiveOr` when the waiter was parked on the core. */
export const PARKED: object = harden({ parked: true });

export class EndpointCore {
  /** This side's view of the conversation's state. */
  node: StateNode;
  peer!: EndpointCore;
  owner: Owner | null;
  handle: EndpointHandle | null = null;
  queue: Ring<Msg, Transition> | null = null;
  waiter: Waiter | null = null;
  /** A kernel-resident service's synchronous receiver (console, name service). */
  handler: ((m: Delivery) => void) | null = null;
  /** A message carrying endpoints or blocks that this core is sending or accepting right now
   * (see the header: what a failure half way leaves to be freed). */
  inFlight: Msg | null = null;
  closed = false;
  peerClosed = false;
  prevOwned: EndpointCore | null = null;
  nextOwned: EndpointCore | null = null;

  constructor(
    readonly cc: CompiledContract,
    readonly side: Side,
    readonly bound: number,
  ) {
    this.node = (side === 'imp' ? cc.impNodes : cc.expNodes)[cc.initial] as StateNode;
    this.owner = null;
  }

  get state(): number { return this.node.index; }

  describe(): string {
    return `${this.cc.name}.${this.side} in state ${this.node.name}`;
  }
}

let isHandle: (h: unknown) => boolean;
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
    isHandle = (h) => typeof h === 'object' && h !== null && #core in h;
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
  get state(): string { return this.#live('reading .state').node.name; }

  send(tag: string, payload?: unknown): this {
    const core = this.#core ?? this.#live('send()');
    const node = core.node;
    const tr = findTransition(node, tag);
    if (tr === null) {
      const allowed: string[] = [];
      for (let t = node.send; t !== null; t = t.link) allowed.push(t.msg.tag);
      this.#violate(new ProtocolViolation(`${this.#owner.label}: ${core.describe()} cannot send ${String(tag)}; ${allowed.length > 0 ? `it may send ${allowed.join(', ')}` : 'it may not send here (it must receive)'}`));
    }
    const msg = tr.msg;
    const m = msg.build(payload) as Msg | null;
    if (m === null) this.#violate(new ProtocolViolation(`${this.#owner.label}: ${core.describe()}: ${tag} ${explain(msg.fields, payload)}`));
    // Reading the payload may have run the sender's own code (a getter): it must not have
    // touched this endpoint meanwhile (closed it, sent on it).
    if (this.#core !== core || core.node !== node) {
      this.#violate(new ProtocolViolation(`${this.#owner.label}: ${tag}: the endpoint was used while its payload was being read`));
    }
    if (msg.moves) {
      if (core.inFlight !== null) this.#violate(new ProtocolViolation(`${this.#owner.label}: ${tag}: the last send on ${core.describe()} did not finish`));
      this.#moveAll(core, msg, m);
    }
    core.node = tr.to;
    deliver(core.peer, m, tr);
    core.inFlight = null;
    if (tr.to.terminal) retire(core);
    return this;
  }

  /** Validates every endpoint and block field, then (only if all are valid) moves them all into
   * the message: the sender's handles are revoked, the message carries the cores and blocks. */
  #moveAll(core: EndpointCore, msg: CompiledMessage, m: Msg): void {
    for (let mv = msg.movers; mv !== null; mv = mv.next) {
      const v = m[mv.name];
      // the same block (even through another handle or a view) or endpoint may not travel twice
      const id = mv.block !== null ? blockOfHandle(v) : coreOf(v);
      for (let o = msg.movers; o !== mv && o !== null; o = o.next) {
        const other = o.block !== null ? blockOfHandle(m[o.name]) : coreOf(m[o.name]);
        if (id !== undefined && id !== null && other === id) this.#violate(new ProtocolViolation(`${this.#where(core, msg, mv)}: the same block or endpoint cannot travel twice in one message`));
      }
      if (mv.block !== null) this.#checkBlock(core, msg, mv, v);
      else this.#checkEndpoint(core, msg, mv, v);
    }
    core.inFlight = m; // from the first move until the message is delivered (see the header)
    for (let mv = msg.movers; mv !== null; mv = mv.next) {
      const v = m[mv.name];
      if (mv.block !== null) {
        const b = blockOfHandle(v) as Block;
        m[mv.name] = b.heap.transferOut(b);
      } else {
        const c = coreOf(v) as EndpointCore;
        detach(c);
        m[mv.name] = c;
      }
    }
  }

  #where(core: EndpointCore, msg: CompiledMessage, mv: Mover): string {
    return `${this.#owner.label}: ${core.describe()}: field ${mv.name} of ${msg.tag}`;
  }

  #checkEndpoint(core: EndpointCore, msg: CompiledMessage, mv: Mover, v: unknown): void {
    const want = mv.endpoint as NonNullable<Mover['endpoint']>;
    const c = coreOf(v);
    if (c === undefined) this.#violate(new ProtocolViolation(`${this.#where(core, msg, mv)} must be an endpoint, got ${describeValue(v)}`));
    if (c === null) this.#violate(new RevokedEndpoint(`${this.#where(core, msg, mv)}: the endpoint was already moved or closed`));
    if (c === core || c === core.peer) this.#violate(new ProtocolViolation(`${this.#where(core, msg, mv)}: an endpoint cannot travel over its own channel`));
    if (c.closed) this.#violate(new ProtocolViolation(`${this.#where(core, msg, mv)}: the endpoint's conversation has ended (${c.describe()}); it cannot move`));
    if (c.owner !== this.#owner) this.#violate(new ProtocolViolation(`${this.#where(core, msg, mv)}: the endpoint is not owned by the sender`));
    // The contract wanted: the same compiled contract, or one with the same fingerprint (an equal
    // definition made elsewhere, such as a recursive contract's member defined in another group).
    // A reference field of a recursive contract names its member's contract value, resolved when
    // the contract was compiled, so it is checked the same way.
    const wcc = compiledOf(want.contract);
    if ((c.cc !== wcc && (wcc === undefined || c.cc.fingerprint !== wcc.fingerprint)) || c.side !== want.side || c.node.name !== want.state) {
      this.#violate(new ProtocolViolation(`${this.#where(core, msg, mv)} must be ${wcc?.name ?? '?'}.${want.side} in state ${want.state}, got ${c.describe()}`));
    }
    if (c.waiter !== null) throw new EndpointBusy(`${this.#where(core, msg, mv)}: the endpoint has a pending receive and cannot move`);
  }

  #checkBlock(core: EndpointCore, msg: CompiledMessage, mv: Mover, v: unknown): void {
    const spec = mv.block as BlockSpec;
    const b = blockOfHandle(v);
    if (b === undefined) this.#violate(new ProtocolViolation(`${this.#where(core, msg, mv)} must be an exchange-heap block (${mv.type.describe}), got ${describeValue(v)}`));
    if (!isWholeHandle(v)) this.#violate(new ProtocolViolation(`${this.#where(core, msg, mv)}: a view cannot be sent; send the whole block (or split it first)`));
    if (b.gone !== null) {
      this.#violate(new HeapError(b.gone === 'freed' ? 'E_FREED' : 'E_MOVED', `${this.#where(core, msg, mv)}: the block was already ${b.gone === 'freed' ? 'freed' : b.gone === 'split' ? 'split' : 'moved'}`));
    }
    if (b.owner !== this.#owner) this.#violate(new ProtocolViolation(`${this.#where(core, msg, mv)}: the block is not owned by the sender`));
    if (b.parent !== null) this.#violate(new ProtocolViolation(`${this.#where(core, msg, mv)}: the block is inside a tree (lent by open); it moves with its root, or take it out of its field first`));
    if (!fitsSpec(b.kind, b.layout, spec)) {
      this.#violate(new ProtocolViolation(`${this.#where(core, msg, mv)} must be ${mv.type.describe}, got a ${b.kind} block`));
    }
  }

  /** The scheduler's receive (see kernel/scheduler.ts): the delivery if one is ready, else
   * PARKED after making `waiter` the core's waiter — no Pending is allocated. */
  receiveOr(waiter: Waiter): Delivery | typeof PARKED {
    const core = this.#core ?? this.#live('receive()');
    const now = takeNow(core, this.#owner);
    if (now !== undefined) return now;
    core.waiter = waiter;
    return PARKED;
  }

  receive(): Pending<Delivery> {
    const core = this.#core ?? this.#live('receive()');
    const now = takeNow(core, this.#owner);
    if (now !== undefined) return settled(now);
    const p = new Pending<Delivery>();
    core.waiter = p;
    return p;
  }

  expect(tag: string): Pending<Msg> {
    const core = this.#live(`expect(${String(tag)})`);
    const w = new Pending<Msg>(new ExpectHook(tag, `${this.#owner.label}: ${core.describe()}`));
    const now = takeNow(core, this.#owner);
    if (now !== undefined) w.wake(now, core);
    else core.waiter = w;
    return w;
  }

  close(): void {
    closeCore(this.#live('close()'));
  }
}
harden(EndpointHandle);

/** The delivery available without waiting (a queued message, or `$closed`), if any. */
function takeNow(core: EndpointCore, owner: Owner): Delivery | undefined {
  if (core.waiter !== null) throw new EndpointBusy(`${owner.label}: ${core.describe()}: a receive is already pending`);
  const q = core.queue;
  if (q !== null && q.length > 0) {
    const m = q.shift() as Msg;
    core.inFlight = m;
    const ok = accept(core, m, q.aux as Transition);
    core.inFlight = null;
    if (ok) return m;
    retire(core);
    return CLOSED;
  }
  if (!core.peerClosed) return undefined;
  retire(core);
  return CLOSED;
}

/** `expect`'s hook: the next delivery if its tag is the one wanted, else an error. */
class ExpectHook implements WakeHook {
  constructor(private readonly tag: string, private readonly where: string) {}
  wake(p: Pending<unknown>, d: unknown): void {
    const m = d as Delivery;
    if (m.tag === this.tag) p.settle(m);
    else if (m.tag === '$closed') p.fail(new ChannelClosed(`${this.where}: expected ${this.tag}, but the peer closed the channel`));
    else p.fail(new UnexpectedMessage(`${this.where}: expected ${this.tag}, received ${m.tag}`));
  }
}

/** True for a genuine endpoint handle (live or revoked). */
export function isEndpointHandle(h: unknown): h is EndpointHandle { return isHandle(h); }

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

/** Makes `each` the synchronous receiver of a kernel-held end (a link's, a console's): what is
 * queued goes to it now, in order, and every later delivery, `$closed` included, inside the
 * sender's send. `each` must not throw, and sees nothing after it has been handed `$closed`. */
export function serveEach(h: EndpointHandle, each: (m: Delivery) => void): void {
  const core = useHandle(h, 'serveEach');
  const owner = core.owner;
  if (owner === null) throw new TypeError(`serveEach: ${core.describe()} has no owner`);
  for (;;) {
    const m = takeNow(core, owner);
    if (m === undefined) break;
    each(m);
    if (m.tag === '$closed' || core.closed) return;
  }
  core.handler = each;
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
  owner.endpoints++;
  const h = new EndpointHandle(TOKEN, c, owner);
  c.handle = h;
  return h;
}

/** Unlinks a core from its owner's list (the handle is untouched). */
function unlink(c: EndpointCore): void {
  const o = c.owner;
  if (o === null) return;
  if (c.prevOwned !== null) c.prevOwned.nextOwned = c.nextOwned;
  else o.ownedHead = c.nextOwned;
  if (c.nextOwned !== null) c.nextOwned.prevOwned = c.prevOwned;
  c.prevOwned = c.nextOwned = null;
  c.owner = null;
  o.endpoints--;
}

/** Takes a core away from its owner (for a move or a close): unlinks it and revokes its handle. */
function detach(c: EndpointCore): void {
  unlink(c);
  if (c.handle !== null) { revoke(c.handle); c.handle = null; }
}

/** Retires a core whose conversation has ended (see the header): nothing can be sent or
 * received on it any more, so its owner stops holding it; its handle keeps reading. */
function retire(c: EndpointCore): void {
  unlink(c);
  c.closed = true;
  c.peerClosed = true;
  c.handler = null; // (a waiter is being woken by whoever retires the core; they clear it)
  const q = c.queue;
  c.queue = null;
  if (q !== null) while (q.length > 0) discard(c.cc, q.shift() as Msg);
}

/** Applies a received message to the receiving core: state, moved endpoints, `m.ep`. The
 * receiver's view lags the sender's by exactly the messages in flight, so it must stand in the
 * state the message was sent from; only a race in a mixed state breaks that, and the channel. */
export function accept(c: EndpointCore, m: Msg, tr: Transition): boolean {
  if (c.node !== tr.peerFrom) {
    discard(c.cc, m);
    breakChannel(c);
    return false;
  }
  c.node = tr.peerTo;
  if (tr.msg.moves) {
    const owner = c.owner as Owner;
    let broke: Block | null = null;
    for (let mv = tr.msg.movers; mv !== null; mv = mv.next) {
      if (mv.block !== null) {
        const b = m[mv.name] as Block;
        if (!b.heap.adopt(b, owner)) broke = b;
        m[mv.name] = handleFor(b, owner);
      } else {
        m[mv.name] = adopt(m[mv.name] as EndpointCore, owner);
      }
    }
    // Received beyond its quota with no room in the heap for the excess: the receiver ends (its
    // blocks, these included, are freed with it); the message still counts as delivered.
    if (broke !== null) owner.violate(new HeapError('E_QUOTA', `${owner.label}: received a ${broke.size}-byte block in ${tr.msg.tag} on ${c.describe()}; it now holds ${owner.heapCharge} bytes of the exchange heap against a quota of ${owner.heapQuota}, and the heap has no unreserved room for the excess`));
  }
  m.ep = c.handle ?? undefined;
  if (tr.peerTo.terminal) retire(c);
  return true;
}

function deliver(t: EndpointCore, m: Msg, tr: Transition): void {
  if (t.closed) { discard(t.cc, m); return; }
  if (t.owner !== null) {
    const w = t.waiter;
    if (w !== null) {
      const ok = accept(t, m, tr); // a mixed-state race breaks the channel: $closed
      w.wake(ok ? m : CLOSED, t);
      if (t.waiter === w) t.waiter = null; // only now (see the header)
      if (!ok) retire(t);
      return;
    }
    const h = t.handler;
    if (h !== null) {
      h(accept(t, m, tr) ? m : CLOSED);
      return;
    }
  }
  let q = t.queue;
  if (q === null) q = t.queue = new Ring<Msg, Transition>(t.bound);
  q.push(m, tr);
}

/** Frees what a message that will never be received carries: its endpoints are closed and its
 * exchange-heap blocks freed. */
function discard(cc: CompiledContract, m: Msg): void {
  const msg = cc.byTag[m.tag];
  if (msg === undefined) return;
  for (let mv = msg.movers; mv !== null; mv = mv.next) {
    const v = m[mv.name];
    if (v instanceof EndpointCore) closeCore(v);
    else if (v instanceof Block) v.heap.free(v);
  }
}

function notifyClosed(p: EndpointCore): void {
  p.peerClosed = true;
  const w = p.waiter;
  if (w !== null) {
    w.wake(CLOSED, p);
    if (p.waiter === w) p.waiter = null;
    retire(p); // its program has been handed `$closed`
    return;
  }
  const h = p.handler;
  if (h !== null && (p.queue === null || p.queue.length === 0)) h(CLOSED);
}

/** Closes one end: revokes its handle, drops its queue, and tells the peer. Idempotent. */
export function closeCore(c: EndpointCore): void {
  if (c.closed) return;
  c.closed = true;
  finishClose(c);
}

/** The work of a close, each step safe to repeat: so a close that a stack overflow stopped half
 * way (the core marked closed, still on its owner's list) is finished by `closeAll`. */
function finishClose(c: EndpointCore): void {
  detach(c);
  c.handler = null;
  // A receive pending on an end that is closed under it (by another thread of its owner) ends
  // with `$closed`; a dead owner's waiters are never resumed (the scheduler checks liveness).
  const w = c.waiter;
  if (w !== null) { w.wake(CLOSED, c); c.waiter = null; }
  const m = c.inFlight;
  if (m !== null) { c.inFlight = null; discard(c.cc, m); }
  const q = c.queue;
  c.queue = null;
  if (q !== null) while (q.length > 0) discard(c.cc, q.shift() as Msg);
  if (!c.peer.closed) notifyClosed(c.peer);
}

function breakChannel(c: EndpointCore): void {
  notifyClosed(c);
  if (!c.peer.closed) notifyClosed(c.peer);
}

/** Closes every endpoint an owner holds (its death, or the kernel shutting down), finishing any
 * close that stopped half way. */
export function closeAll(owner: Owner): void {
  for (let c = owner.ownedHead; c !== null; c = owner.ownedHead) {
    if (c.closed) finishClose(c);
    else closeCore(c);
  }
}

/** Creates a channel of a compiled contract; each end is owned by the given owner. Both ends
 * stand in `state` (by default the initial one; a protection domain re-creates a moved endpoint's
 * channel in the state it was moved in). */
export function openChannel(cc: CompiledContract, impOwner: Owner, expOwner: Owner, state = cc.initial): [EndpointHandle, EndpointHandle] {
  const imp = new EndpointCore(cc, 'imp', Math.max(1, cc.bounds.out));
  const exp = new EndpointCore(cc, 'exp', Math.max(1, cc.bounds.in));
  if (state !== cc.initial) {
    imp.node = cc.impNodes[state] as StateNode;
    exp.node = cc.expNodes[state] as StateNode;
  }
  imp.peer = exp;
  exp.peer = imp;
  return [adopt(imp, impOwner), adopt(exp, expOwner)];
}
