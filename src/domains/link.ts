// A link: one end of a channel whose other end lives in another protection domain (a worker
// thread or a child process). Each domain runs its own kernel; a cross-domain channel is two local
// channels, one per domain, joined by a pair of links that forward messages over a port.
// Rules for callers (domain hosts): give a link a kernel-owned endpoint whose peer is the local
// process, the compiled contract, and a port to the link's twin in the other domain; `start()`
// it once. Every message is checked twice, as the issue asks: by the sending process's own channel
// and again when the twin sends it on in its domain, so a domain that forwards something its
// contract does not allow breaks the link instead of reaching a process.
// A message leaves at delivery: the link is its local end's synchronous receiver (serveEach), so
// it is on the pipe before the sender's send returns (eager forwarding: a sender that then holds
// its thread, or dies with its domain, has still said it).
// Invariants: messages flow only as the contract's state allows, so a link buffers at most the
// contract's bound in each direction (nothing unbounded); when either side closes, dies or
// misbehaves, both local endpoints are closed and each process sees `$closed`, as with a local peer.
// Moved fields cross through the link's Carrier: an endpoint becomes a new link pair on a fresh
// port (the receiver gets an ordinary endpoint whose peer, through the links, is the sender's old
// peer), an exchange-heap block crosses as the carrier allows (shared arena: without copying;
// process domain: copied). What a closed link can no longer deliver is given back (`Carrier.drop`).
import { compiledOf, type AnyContract } from '../contracts/contract.ts';
import type { CompiledContract, Mover } from '../contracts/compiler.ts';
import type { BlockSpec } from '../contracts/exfield.ts';
import type { Endpoint, Side } from '../contracts/view.ts';
import { coreOfHandle, serveEach, type Delivery, type EndpointHandle, type Msg } from '../channels/index.ts';
import { outsideKills } from '../kernel/kernel-watchdog.ts';
import { SingError } from '../lib/error.ts';

type AnyEndpoint = Endpoint<AnyContract, Side, string>;

/** An endpoint crossing: the port id its new link pair talks over, and its state's name. */
export interface WireEndpoint { readonly id: number; readonly state: string }

/** What travels between twin links. */
export type Wire =
  | {
    readonly t: 'msg'; readonly tag: string; readonly fields: Readonly<Record<string, unknown>>;
    readonly eps?: Readonly<Record<string, WireEndpoint>>; readonly blocks?: Readonly<Record<string, unknown>>;
  }
  | { readonly t: 'close'; readonly reason?: string };

/** How moved fields cross between this domain and the twin's: made per domain connection. */
export interface Carrier {
  /** A fresh port for a new link pair, and the id the twin adopts it by. */
  open(): { readonly id: number; readonly port: Port };
  adopt(id: number): Port;
  /** A channel of `cc` whose ends the kernel holds, both in state `state`. */
  channel(cc: CompiledContract, state: number): [AnyEndpoint, AnyEndpoint];
  /** A kernel-owned block handle, sent away: what travels instead. */
  blockOut(h: unknown): unknown;
  /** What travelled, as a kernel-owned block handle of `spec`; throws LinkError when malformed. */
  blockIn(w: unknown, spec: BlockSpec): unknown;
  /** A block that crossed but will never be received. */
  dropBlock(w: unknown): void;
}

/** Gives back what a wire message carried when nobody will receive it: its blocks' memory, and
 * a close to each endpoint's new link. */
export function dropWire(w: unknown, carrier: Carrier): void {
  if (!isRecord(w) || w['t'] !== 'msg') return;
  const blocks = w['blocks'];
  if (isRecord(blocks)) for (const b of Object.values(blocks)) { try { carrier.dropBlock(b); } catch { /* malformed: nothing to give */ } }
  const eps = w['eps'];
  if (isRecord(eps)) {
    for (const e of Object.values(eps)) {
      if (!isRecord(e) || typeof e['id'] !== 'number') continue;
      const port = carrier.adopt(e['id']);
      try { port.post({ t: 'close' }); } catch { /* gone */ }
      port.close();
    }
  }
}

/** A duplex connection to the twin link (a MessagePort, a child process's IPC, ...). */
export interface Port {
  post(m: Wire): void;
  /** Registers the handler for what the twin sends; called once. */
  listen(onMessage: (m: unknown) => void, onGone: () => void): void;
  close(): void;
}

export class LinkError extends SingError {
  constructor(code: 'E_LINK_WIRE' | 'E_LINK_PROTOCOL', message: string) { super(code, message); }
}

function isRecord(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class Link {
  readonly #cc: CompiledContract;
  readonly #port: Port;
  readonly #carrier: Carrier;
  readonly #name: string;
  readonly #onError: (e: LinkError) => void;
  #ep: AnyEndpoint | null;
  #started = false;

  constructor(name: string, ep: AnyEndpoint, cc: CompiledContract, port: Port, carrier: Carrier, onError: (e: LinkError) => void = () => undefined) {
    this.#name = name;
    this.#carrier = carrier;
    this.#ep = ep;
    this.#cc = cc;
    this.#port = port;
    this.#onError = onError;
  }

  /** Whether the link still joins the two ends. */
  get open(): boolean { return this.#ep !== null; }

  start(): void {
    if (this.#started) throw new Error(`link ${this.#name}: started twice`);
    this.#started = true;
    this.#port.listen((m) => { this.#fromTwin(m); }, () => { this.#shut(undefined, false); });
    const ep = this.#ep;
    if (ep !== null) serveEach(ep as unknown as EndpointHandle, (d) => { this.#forward(d); });
  }

  /** Local → twin, at delivery: each message the local process sends is on its way before its
   * send returns (eager forwarding), so a process that then holds its thread, or whose domain
   * dies, has still said it. Runs inside the sender's send, so it never throws, and the watchdog
   * never cuts it off half way (outsideKills). */
  #forward(d: Delivery): void {
    if (this.#ep === null) return;
    if (d.tag === '$closed') { this.#shut(undefined, true); return; }
    outsideKills(() => {
      try { this.#out(d as Msg); } catch { this.#shut(undefined, true); }
    });
  }

  #out(m: Msg): void {
    const spec = this.#cc.byTag[m.tag];
    const fields: Record<string, unknown> = {};
    let eps: Record<string, WireEndpoint> | undefined;
    let blocks: Record<string, unknown> | undefined;
    const started: Link[] = [];
    for (const f of spec?.fields ?? []) if (f.type.kind !== 'endpoint' && f.type.kind !== 'block') fields[f.name] = m[f.name];
    for (let mv: Mover | null = spec?.movers ?? null; mv !== null; mv = mv.next) {
      const v = m[mv.name];
      if (mv.block !== null) {
        (blocks ??= {})[mv.name] = this.#carrier.blockOut(v);
      } else {
        const core = coreOfHandle(v);
        const cc = compiledOf(mv.endpoint?.contract);
        if (core === null || core === undefined || cc === undefined) continue;
        const { id, port } = this.#carrier.open();
        (eps ??= {})[mv.name] = { id, state: core.node.name };
        started.push(new Link(`${this.#name}.${mv.name}`, v as AnyEndpoint, cc, port, this.#carrier));
      }
    }
    const w: Wire = { t: 'msg', tag: m.tag, fields, ...(eps !== undefined ? { eps } : {}), ...(blocks !== undefined ? { blocks } : {}) };
    try {
      this.#port.post(w);
    } catch {
      dropWire(w, this.#carrier);
      for (const l of started) l.#shut(undefined, false);
      this.#shut(undefined, false);
      return;
    }
    for (const l of started) l.start();
  }

  /** Twin → local: forward what the twin's process sent, checked again by the local channel. */
  #fromTwin(w: unknown): void {
    const ep = this.#ep;
    if (ep === null) { dropWire(w, this.#carrier); return; }
    if (!isRecord(w) || (w['t'] !== 'msg' && w['t'] !== 'close')) {
      this.#fail(new LinkError('E_LINK_WIRE', `link ${this.#name}: the other domain sent something that is not a link message`));
      return;
    }
    if (w['t'] === 'close') { this.#shut(undefined, false); return; }
    const tag = w['tag'];
    const fields = w['fields'];
    if (typeof tag !== 'string' || !isRecord(fields)) {
      this.#fail(new LinkError('E_LINK_WIRE', `link ${this.#name}: a message from the other domain has no tag or fields`));
      return;
    }
    const spec = this.#cc.byTag[tag];
    let payload: Record<string, unknown>;
    try {
      payload = spec?.moves === true ? this.#landMovers(w, fields, spec.movers) : fields;
    } catch (e) {
      dropWire(w, this.#carrier);
      this.#fail(e instanceof LinkError ? e : new LinkError('E_LINK_WIRE', `link ${this.#name}: ${tag} from the other domain carries a malformed field: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    try {
      const send = ep.send as (tag: string, payload?: unknown) => AnyEndpoint;
      if (spec !== undefined && spec.fields.length === 0) send.call(ep, tag);
      else send.call(ep, tag, payload);
    } catch (e) {
      this.#fail(new LinkError('E_LINK_PROTOCOL', `link ${this.#name}: the other domain forwarded ${tag}, which ${this.#cc.name} does not allow here: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  /** The payload with each moved field made local: blocks through the carrier, endpoints as a
   * fresh kernel-held channel in the moved endpoint's state, linked to the sender's. */
  #landMovers(w: Readonly<Record<string, unknown>>, fields: Readonly<Record<string, unknown>>, movers: Mover | null): Record<string, unknown> {
    const out: Record<string, unknown> = { ...fields };
    const eps = isRecord(w['eps']) ? w['eps'] : {};
    const blocks = isRecord(w['blocks']) ? w['blocks'] : {};
    for (let mv = movers; mv !== null; mv = mv.next) {
      if (mv.block !== null) {
        if (!(mv.name in blocks)) throw new LinkError('E_LINK_WIRE', `link ${this.#name}: block field ${mv.name} is missing`);
        out[mv.name] = this.#carrier.blockIn(blocks[mv.name], mv.block);
        continue;
      }
      const ref = eps[mv.name];
      const cc = compiledOf(mv.endpoint?.contract);
      if (!isRecord(ref) || typeof ref['id'] !== 'number' || typeof ref['state'] !== 'string' || cc === undefined) throw new LinkError('E_LINK_WIRE', `link ${this.#name}: endpoint field ${mv.name} is missing or malformed`);
      const state = cc.states.indexOf(ref['state']);
      if (state < 0 || state === cc.end) throw new LinkError('E_LINK_WIRE', `link ${this.#name}: endpoint field ${mv.name} names no live state of ${cc.name}`);
      const [imp, exp] = this.#carrier.channel(cc, state);
      const [given, linked] = mv.endpoint?.side === 'imp' ? [imp, exp] : [exp, imp];
      new Link(`${this.#name}.${mv.name}`, linked, cc, this.#carrier.adopt(ref['id']), this.#carrier).start();
      out[mv.name] = given;
    }
    return out;
  }

  #fail(e: LinkError): void {
    this.#shut(e.message, true);
    this.#onError(e);
  }

  /** Closes the local end and, when `tell`, the twin's; idempotent. */
  #shut(reason: string | undefined, tell: boolean): void {
    const ep = this.#ep;
    if (ep === null) return;
    this.#ep = null;
    try { ep.close(); } catch { /* already closed by its peer's death */ }
    if (tell) {
      try { this.#port.post(reason === undefined ? { t: 'close' } : { t: 'close', reason }); } catch { /* the twin is gone */ }
    }
    this.#port.close();
  }
}
