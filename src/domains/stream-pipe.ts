// The process domain's pipe: a mux's frames over a byte stream (a socket pair between the parent
// and its child process), each frame a 4-byte length and the frame codec's bytes. It replaces
// Node's IPC channel, whose every message is serialized by V8 and parsed back (docs/domains.md).
// Rules for callers: make one per side over the stream (`child.stdio[n]` in the parent, a socket
// on that descriptor in the child); `send` never blocks; the stream's end or error is the pipe's
// end (onGone, once).
// After each frame the process keeps its event loop turning for LOOK_NS (`keepLooking`), so the
// answer is read without waking a blocked process; then it blocks again.
// Invariants: frames arrive whole and in order; a frame longer than MAX_FRAME, or one that does
// not decode, breaks the pipe (`onBroken`, then the stream is destroyed and onGone runs);
// what arrived before the stream ended is delivered before onGone.
import type { Duplex } from 'node:stream';
import { FrameEncoder, MAX_FRAME, decode } from './frame-codec.ts';
import type { Frame, Pipe } from './mux.ts';

export class StreamPipe implements Pipe {
  readonly #stream: Duplex;
  readonly #encoder = new FrameEncoder();
  #chunks: Buffer[] = [];
  #have = 0;
  /** Bytes needed before a whole frame (or its length) is here. */
  #need = 4;
  #ended = false;
  #onGone: (() => void) | null = null;
  /** Why the other side's bytes were refused; the caller ends the connection. */
  onBroken: (why: string) => void = () => undefined;

  constructor(stream: Duplex) {
    this.#stream = stream;
  }

  /** Writes at once (Node tries the socket before it returns), so a frame sent just before the
   * sender holds its thread has left the process (eager forwarding, link.ts). */
  send(frame: Frame): void {
    if (this.#ended) return;
    this.#stream.write(Buffer.from(this.#encoder.encodeWithLength(frame))); // a copy: the scratch is reused
    keepLooking();
  }

  listen(onFrame: (f: unknown) => void, onGone: () => void): void {
    this.#onGone = onGone;
    this.#stream.on('data', (chunk: Buffer) => { this.#data(chunk, onFrame); });
    this.#stream.on('end', () => { this.#end(); });
    this.#stream.on('close', () => { this.#end(); });
    this.#stream.on('error', () => { this.#end(); });
  }

  #data(chunk: Buffer, onFrame: (f: unknown) => void): void {
    if (this.#ended) return;
    this.#chunks.push(chunk);
    this.#have += chunk.length;
    if (this.#have < this.#need) return; // a big frame's pieces are joined once, when all are here
    const buf = this.#chunks.length === 1 ? chunk : Buffer.concat(this.#chunks, this.#have);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.length); // not readUInt32LE: see frame-codec.ts on SES
    let at = 0;
    this.#need = 4;
    while (buf.length - at >= 4) {
      const n = view.getUint32(at, true);
      if (n > MAX_FRAME) { this.#break(`a frame of ${n} bytes, more than the ${MAX_FRAME} allowed`); return; }
      if (buf.length - at < 4 + n) { this.#need = 4 + n; break; }
      let f: unknown;
      try { f = decode(buf.subarray(at + 4, at + 4 + n)); } catch (e) { this.#break(e instanceof Error ? e.message : String(e)); return; }
      at += 4 + n;
      keepLooking();
      try { onFrame(f); } catch { /* the mux's handlers never throw; a bug there must not stop the stream */ }
      if (this.#ended) return;
    }
    this.#chunks = at === buf.length ? [] : [buf.subarray(at)];
    this.#have = buf.length - at;
  }

  #break(why: string): void {
    this.onBroken(`it sent a malformed frame: ${why}`);
    this.#stream.destroy();
    this.#end();
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#onGone?.();
  }
}

/** How long after its last frame (sent or received) a process keeps its event loop turning
 * instead of blocking in the operating system's wait: an answer that comes meanwhile is read at
 * the loop's next turn, without waking a blocked process (tens of microseconds here). A round trip
 * to a process domain went from about 85 us to about 22 us; longer looks cost more than they
 * catch when processes outnumber cores. */
export const LOOK_NS = 50_000;
let lookUntil = 0n;
let looking = false;
function keepLooking(): void {
  lookUntil = process.hrtime.bigint() + BigInt(LOOK_NS);
  if (looking) return;
  looking = true;
  setImmediate(turn);
}
function turn(): void {
  if (process.hrtime.bigint() < lookUntil) { setImmediate(turn); return; }
  looking = false;
}
