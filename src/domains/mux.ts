// A multiplexer: many link ports and one control channel over the single pipe that joins a domain
// to its parent (a worker's message port, a child process's IPC channel).
// Rules for callers: the parent side opens even ids, the domain side odd ones, so both can open
// ports without asking; a port opened on one side is adopted on the other by its id, which travels
// in a message sent over the same pipe before anything on the new port (the pipe keeps order).
// Control messages use id 0. A frame for an id nobody holds (a port already closed) is a stray:
// it goes to `onStray`, so whatever it carried (blocks, endpoints) can be given back.
// Invariants: when the pipe goes, every port's onGone runs once and later opens are refused.
import type { Port, Wire } from './link.ts';

/** The raw connection: in-order, reliable while it lasts. */
export interface Pipe {
  send(frame: Frame): void;
  listen(onFrame: (f: unknown) => void, onGone: () => void): void;
}

export interface Frame { readonly c: number; readonly w: unknown }

interface Slot { onMessage: (m: unknown) => void; onGone: () => void }

export class Mux {
  readonly #pipe: Pipe;
  readonly #slots = new Map<number, Slot | null>(); // null: opened here, not yet listening
  readonly #onControl: (m: unknown) => void;
  #next: number;
  #gone = false;
  /** A frame for a port nobody holds (`c`), with what it carried. */
  onStray: (w: unknown) => void = () => undefined;
  /** Runs once, after every port's onGone, when the pipe goes. */
  onGone: () => void = () => undefined;

  constructor(pipe: Pipe, side: 'parent' | 'domain', onControl: (m: unknown) => void) {
    this.#pipe = pipe;
    this.#onControl = onControl;
    this.#next = side === 'parent' ? 2 : 1;
    pipe.listen((f) => { this.#frame(f); }, () => { this.#lost(); });
  }

  get gone(): boolean { return this.#gone; }

  control(m: unknown): void {
    if (!this.#gone) this.#pipe.send({ c: 0, w: m });
  }

  /** A new port; its twin adopts it with `port(id)` on the other side. */
  open(): { id: number; port: Port } {
    const id = this.#next;
    this.#next += 2;
    return { id, port: this.port(id) };
  }

  /** The port with this id (opened by the other side, or by `open`). */
  port(id: number): Port {
    this.#slots.set(id, null);
    return {
      post: (w: Wire) => { if (!this.#gone) this.#pipe.send({ c: id, w }); else throw new Error('the domain is gone'); },
      listen: (onMessage, onGone) => {
        if (this.#gone) { onGone(); return; }
        this.#slots.set(id, { onMessage, onGone });
      },
      close: () => { this.#slots.delete(id); },
    };
  }

  #frame(f: unknown): void {
    if (typeof f !== 'object' || f === null) return;
    const { c, w } = f as { c?: unknown; w?: unknown };
    if (c === 0) { this.#onControl(w); return; }
    const slot = typeof c === 'number' ? this.#slots.get(c) : undefined;
    if (slot === undefined || slot === null) this.onStray(w);
    else slot.onMessage(w);
  }

  #lost(): void {
    if (this.#gone) return;
    this.#gone = true;
    const slots = [...this.#slots.values()];
    this.#slots.clear();
    for (const s of slots) s?.onGone();
    this.onGone();
  }

  /** Ends the mux from this side (the pipe's owner closes the pipe itself). */
  shut(): void { this.#lost(); }
}
