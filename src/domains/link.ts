// A link: one end of a channel whose other end lives in another protection domain (a worker
// thread or a child process). Each domain runs its own kernel; a cross-domain channel is two local
// channels, one per domain, joined by a pair of links that forward messages over a port.
// Rules for callers (domain hosts): give a link a kernel-owned endpoint whose peer is the local
// process, the compiled contract, and a port to the link's twin in the other domain; `start()`
// it once. Every message is checked twice, as the issue asks: by the sending process's own channel
// and again when the twin sends it on in its domain, so a domain that forwards something its
// contract does not allow breaks the link instead of reaching a process.
// Invariants: messages flow only as the contract's state allows, so a link buffers at most the
// contract's bound in each direction (nothing unbounded); when either side closes, dies or
// misbehaves, both local endpoints are closed and each process sees `$closed`, as with a local peer.
// This first version carries value fields only: a contract that moves endpoints or exchange-heap
// blocks is refused when the link is made (E_LINK_MOVES).
import type { AnyContract } from '../contracts/contract.ts';
import type { CompiledContract } from '../contracts/compiler.ts';
import type { Endpoint, Side } from '../contracts/view.ts';
import { SingError } from '../lib/error.ts';

type AnyEndpoint = Endpoint<AnyContract, Side, string>;

/** What travels between twin links. */
export type Wire =
  | { readonly t: 'msg'; readonly tag: string; readonly fields: Readonly<Record<string, unknown>> }
  | { readonly t: 'close'; readonly reason?: string };

/** A duplex connection to the twin link (a MessagePort, a child process's IPC, ...). */
export interface Port {
  post(m: Wire): void;
  /** Registers the handler for what the twin sends; called once. */
  listen(onMessage: (m: unknown) => void, onGone: () => void): void;
  close(): void;
}

export class LinkError extends SingError {
  constructor(code: 'E_LINK_MOVES' | 'E_LINK_WIRE' | 'E_LINK_PROTOCOL', message: string) { super(code, message); }
}

function isRecord(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class Link {
  readonly #cc: CompiledContract;
  readonly #port: Port;
  readonly #name: string;
  readonly #onError: (e: LinkError) => void;
  #ep: AnyEndpoint | null;
  #started = false;

  constructor(name: string, ep: AnyEndpoint, cc: CompiledContract, port: Port, onError: (e: LinkError) => void = () => undefined) {
    if (cc.messages.some((m) => m.moves)) {
      throw new LinkError('E_LINK_MOVES', `link ${name}: contract ${cc.name} moves endpoints or exchange-heap blocks, which cannot cross a domain yet`);
    }
    this.#name = name;
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
    void this.#pump();
  }

  /** Local → twin: every message the local process sends, in order, until the channel closes. */
  async #pump(): Promise<void> {
    for (;;) {
      const ep = this.#ep;
      if (ep === null) return;
      let m: { readonly tag: string; readonly ep?: AnyEndpoint } & Readonly<Record<string, unknown>>;
      try {
        m = await (ep.receive() as PromiseLike<typeof m>);
      } catch {
        return; // the endpoint was closed under the receive: the link is shutting
      }
      if (this.#ep === null) return;
      if (m.tag === '$closed') { this.#shut(undefined, true); return; }
      const spec = this.#cc.byTag[m.tag];
      const fields: Record<string, unknown> = {};
      for (const f of spec?.fields ?? []) fields[f.name] = m[f.name];
      try {
        this.#port.post({ t: 'msg', tag: m.tag, fields });
      } catch {
        this.#shut(undefined, false);
        return;
      }
    }
  }

  /** Twin → local: forward what the twin's process sent, checked again by the local channel. */
  #fromTwin(w: unknown): void {
    const ep = this.#ep;
    if (ep === null) return;
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
    try {
      const send = ep.send as (tag: string, payload?: unknown) => AnyEndpoint;
      if (spec !== undefined && spec.fields.length === 0) send.call(ep, tag);
      else send.call(ep, tag, fields);
    } catch (e) {
      this.#fail(new LinkError('E_LINK_PROTOCOL', `link ${this.#name}: the other domain forwarded ${tag}, which ${this.#cc.name} does not allow here: ${e instanceof Error ? e.message : String(e)}`));
    }
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
