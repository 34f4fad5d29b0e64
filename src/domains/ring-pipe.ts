// The worker domain's pipe: a mux's frames over two shared-memory rings (one each way), encoded by
// the frame codec, read by the thread's poller. postMessage carries only the worker's first
// message (the rings themselves and the shared arena, which no byte codec can carry).
// Rules for callers: make both rings with `ShmRing.memory` on the parent side and hand them to the
// worker; each side makes a RingPipe with (its inbound ring, its outbound ring). `send` never
// blocks: a frame that does not fit waits in the outbox, in order, until the reader frees room.
// When the other thread is gone, call `gone()`: what it wrote before it went is read first.
// Invariants: frames arrive whole and in the order they were sent (a frame bigger than a record
// crosses as MORE-marked records, joined before decoding, at most MAX_FRAME bytes in all); a
// malformed frame breaks the pipe
// (`onBroken` says why, then onGone runs) instead of reaching the mux; onGone runs once.
import { FrameEncoder, FrameError, MAX_FRAME, decode } from './frame-codec.ts';
import type { Frame, Pipe } from './mux.ts';
import { poller, type PollMember } from './poller.ts';
import { ShmRing } from './shm-ring.ts';

interface Waiting { readonly bytes: Uint8Array; off: number }

const encoder = new FrameEncoder();

export class RingPipe implements Pipe, PollMember {
  readonly ring: ShmRing;
  readonly #out: ShmRing;
  readonly #outbox: Waiting[] = [];
  #parts: Uint8Array[] = [];
  #partBytes = 0;
  #onFrame: ((f: unknown) => void) | null = null;
  #onGone: (() => void) | null = null;
  #ended = false;
  /** Why the other side's bytes were refused; the caller ends the connection. */
  onBroken: (why: string) => void = () => undefined;

  constructor(inbound: SharedArrayBuffer, outbound: SharedArrayBuffer) {
    this.ring = new ShmRing(inbound);
    this.#out = new ShmRing(outbound);
  }

  get busy(): boolean { return this.#outbox.length > 0; }

  send(frame: Frame): void {
    if (this.#ended) return;
    const bytes = encoder.encode(frame); // never empty: a value takes a byte at least
    const off = this.#outbox.length === 0 ? this.#writeFrom(bytes, 0) : 0;
    if (off === bytes.length) { this.#out.wake(); poller.expect(); return; }
    this.#outbox.push({ bytes: bytes.slice(off), off: 0 }); // the encoder's scratch is reused
    this.#out.wake();
    poller.kick();
  }

  /** Writes records from `off` while they fit; returns how far it got. */
  #writeFrom(bytes: Uint8Array, off: number): number {
    const chunk = this.#out.chunk;
    while (off < bytes.length) {
      const end = Math.min(bytes.length, off + chunk);
      if (!this.#out.write(bytes.subarray(off, end), end < bytes.length)) return off;
      off = end;
    }
    return off;
  }

  listen(onFrame: (f: unknown) => void, onGone: () => void): void {
    this.#onFrame = onFrame;
    this.#onGone = onGone;
    poller.add(this);
  }

  poll(): boolean {
    if (this.#ended) return false;
    let did = this.#flush();
    try {
      did = this.ring.read((bytes, more) => { this.#record(bytes, more); }) > 0 || did;
    } catch (e) {
      this.#break(e instanceof Error ? e.message : String(e));
      return true;
    }
    return did;
  }

  #flush(): boolean {
    let did = false;
    while (this.#outbox.length > 0) {
      const w = this.#outbox[0] as Waiting;
      const to = this.#writeFrom(w.bytes, w.off);
      if (to > w.off) did = true;
      if (to < w.bytes.length) { w.off = to; break; }
      this.#outbox.shift();
    }
    if (did) this.#out.wake();
    return did;
  }

  #record(bytes: Uint8Array, more: boolean): void {
    if (more || this.#parts.length > 0) {
      this.#partBytes += bytes.length;
      if (this.#partBytes > MAX_FRAME) throw new FrameError(`a frame of more than ${MAX_FRAME} bytes, in pieces`);
      this.#parts.push(bytes.slice());
      if (more) return;
      this.#partBytes = 0;
      bytes = joined(this.#parts);
      this.#parts = [];
    }
    const f = decode(bytes); // a FrameError breaks the pipe (poll)
    try { this.#onFrame?.(f); } catch { /* the mux's handlers never throw; a bug there must not stop the ring */ }
  }

  #break(why: string): void {
    this.onBroken(`it sent a malformed frame: ${why}`);
    this.#end();
  }

  /** The other thread is gone: read what it left, then tell the mux. */
  gone(): void {
    if (this.#ended) return;
    try { this.ring.read((bytes, more) => { this.#record(bytes, more); }); } catch { /* its last words were garbled */ }
    this.#end();
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    poller.remove(this);
    this.#outbox.length = 0;
    this.#onGone?.();
  }
}

function joined(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
