// A socket's tie to a channel end (`TcpSocket.watch`, `TcpListener.watch`): the network service
// serves each client session over a socket, and when the client's end of the session goes away
// — closed, or its process ended — while the service waits on the socket in the kernel (a read, a
// write, `readable`, an accept), nothing would tell the service until the socket moved. The watch
// lets the kernel hear it at once and end the wait by closing the socket (sockets.ts decides how).
// Rules for callers (sockets.ts): `tie` takes an end the socket's process owns; `arm` when a wait
// starts, `disarm` as soon as no wait is left and before the wait's result is settled, so the
// process finds the end's waiter slot free when it next receives on it.
// Invariants: the watch parks only on a free waiter slot of a live end its process owns, and only
// while the other end can send nothing (its state offers no message and nothing is queued), so it
// can never take a message meant for a receive; it is never left parked once disarmed; `gone`
// runs at most once per arming, and at once when the other end had already closed.
import { useHandle, type Delivery, type EndpointCore, type Waiter } from '../channels/endpoint.ts';
import type { Owner } from '../channels/owner.ts';
import { KernelError } from './error.ts';

export class ChannelWatch implements Waiter {
  #core: EndpointCore | null = null;
  #armed = false;
  readonly #gone: () => void;

  /** `gone` runs when the watched end's other side closes while armed. */
  constructor(gone: () => void) { this.#gone = gone; }

  /** Watches `ep` (a handle `owner` holds) from now on, in place of any end watched before. */
  tie(owner: Owner, ep: unknown, what: string): void {
    const core = useHandle(ep, what);
    if (core.owner !== owner) throw new KernelError('E_NOT_OWNER', `${what}: the endpoint is not the caller's (${core.describe()})`);
    this.disarm();
    this.#core = core;
  }

  /** A wait starts: parks on the end's waiter slot when that is safe (see the header). */
  arm(owner: Owner): void {
    const c = this.#core;
    if (c === null || this.#armed) return;
    if (c.closed || c.owner !== owner || c.waiter !== null || (c.queue !== null && c.queue.length > 0)) return;
    if (c.peerClosed) { this.#gone(); return; }
    if (c.peer.node.send !== null) return; // the client may send now: a receive will hear it
    c.waiter = this;
    this.#armed = true;
  }

  /** No wait is left: the end's waiter slot is the process's own again. */
  disarm(): void {
    if (!this.#armed) return;
    this.#armed = false;
    const c = this.#core;
    if (c !== null && c.waiter === this) c.waiter = null;
  }

  /** The channel layer's wake: the other end closed (nothing else can arrive while armed). */
  wake(_m: Delivery, core: EndpointCore): void {
    if (!this.#armed || core !== this.#core) return;
    this.#armed = false;
    if (core.waiter === this) core.waiter = null;
    this.#gone();
  }

  /** Forgets the end (the socket closed). */
  drop(): void {
    this.disarm();
    this.#core = null;
  }
}
