// A one-way ring of records in a SharedArrayBuffer: the hot path between a worker domain and its
// parent, with no postMessage on it. One thread writes, one thread reads.
// Layout: a header of Int32 words (HEAD: bytes ever written, TAIL: bytes ever read, both counting
// modulo 2^32; SEQ: bumped after every write, the word a sleeping reader waits on; SLEEPING: 1
// while the reader is about to wait), then `capacity` bytes of records. A record is a 4-byte word
// (its length, and MORE when the next record continues the same frame) and its bytes, padded to 4,
// so a record's word never straddles the end of the ring; its bytes may wrap.
// Rules for callers: the writer calls `write` and, after a batch, `wake`; the reader calls `read`
// and, when it has nothing left to do, `sleep` (and waits on what it returns). A frame larger
// than a quarter of the ring crosses as several records (`chunk` says how big each may be).
// Invariants: a record is published by the store to HEAD after its bytes are written, and freed by
// the store to TAIL after it was read, so neither side sees half a record; a wake is never lost:
// the writer bumps SEQ before it reads SLEEPING, and the reader sets SLEEPING before it reads SEQ
// and looks once more for records (all four are sequentially consistent Atomics).
const HEAD = 0;
const TAIL = 1;
const SEQ = 2;
const SLEEPING = 3;
const HEADER_BYTES = 16;
const MORE = 0x80000000;

type WaitAsync = (a: Int32Array, i: number, v: number) => { async: false; value: string } | { async: true; value: Promise<string> };
/** `Atomics.waitAsync` (Node 16+; TypeScript types it from the es2024 library only). */
const waitAsync = (Atomics as unknown as { readonly waitAsync: WaitAsync }).waitAsync;

export class ShmRing {
  readonly capacity: number;
  readonly #words: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #mask: number;
  /** The reader's copy of what it has to hand back when a record wraps. */
  #joined = new Uint8Array(0);
  #waiting: Promise<unknown> | null = null;

  /** A fresh ring's memory; `capacity` is rounded up to a power of two (at least 4 KiB). */
  static memory(capacity: number): SharedArrayBuffer {
    let c = 4096;
    while (c < capacity) c *= 2;
    return new SharedArrayBuffer(HEADER_BYTES + c);
  }

  constructor(sab: SharedArrayBuffer) {
    const capacity = sab.byteLength - HEADER_BYTES;
    if (capacity < 4096 || (capacity & (capacity - 1)) !== 0) throw new RangeError(`a ring needs a power-of-two capacity of at least 4 KiB, not ${capacity} bytes`);
    this.capacity = capacity;
    this.#mask = capacity - 1;
    this.#words = new Int32Array(sab, 0, HEADER_BYTES / 4);
    this.#bytes = new Uint8Array(sab, HEADER_BYTES, capacity);
    this.#view = new DataView(sab, HEADER_BYTES, capacity);
  }

  /** The largest record this ring takes. */
  get chunk(): number { return this.capacity / 4; }

  // --- the writer's side -------------------------------------------------------------------

  /** Writes one record of `bytes` if it fits now (false if not: try again later). */
  write(bytes: Uint8Array, more: boolean): boolean {
    const n = bytes.length;
    if (n > this.chunk) throw new RangeError(`a ring record holds at most ${this.chunk} bytes, not ${n}`);
    const padded = (n + 3) & ~3;
    const head = Atomics.load(this.#words, HEAD);
    const used = (head - Atomics.load(this.#words, TAIL)) >>> 0;
    if (this.capacity - used < 4 + padded) return false;
    const at = head & this.#mask;
    this.#view.setUint32(at, (more ? MORE : 0) | n, true);
    const from = (at + 4) & this.#mask;
    const first = Math.min(n, this.capacity - from);
    this.#bytes.set(first === n ? bytes : bytes.subarray(0, first), from);
    if (first < n) this.#bytes.set(bytes.subarray(first), 0);
    Atomics.store(this.#words, HEAD, (head + 4 + padded) | 0);
    return true;
  }

  /** Tells a sleeping reader that records are waiting; cheap when it is not asleep. */
  wake(): void {
    Atomics.add(this.#words, SEQ, 1);
    if (Atomics.load(this.#words, SLEEPING) !== 0) Atomics.notify(this.#words, SEQ);
  }

  // --- the reader's side -------------------------------------------------------------------

  /** Whether a record is waiting. */
  get ready(): boolean { return Atomics.load(this.#words, HEAD) !== Atomics.load(this.#words, TAIL); }

  /** Hands each waiting record to `each` (its bytes are valid only during the call), freeing it
   * before the call, so a handler that throws never sees it again; returns how many there were. */
  read(each: (bytes: Uint8Array, more: boolean) => void): number {
    const head = Atomics.load(this.#words, HEAD);
    let tail = Atomics.load(this.#words, TAIL);
    let count = 0;
    while (tail !== head) {
      const at = tail & this.#mask;
      const word = this.#view.getUint32(at, true);
      const n = word & 0x7fffffff;
      if (n > this.chunk || ((head - tail) >>> 0) < 4 + ((n + 3) & ~3)) throw new RangeError(`a ring record claims ${n} bytes, more than the ring holds or was written`);
      const from = (at + 4) & this.#mask;
      const first = Math.min(n, this.capacity - from);
      let bytes: Uint8Array;
      if (first === n) bytes = this.#bytes.subarray(from, from + n);
      else {
        if (this.#joined.length < n) this.#joined = new Uint8Array(Math.max(n, this.#joined.length * 2));
        this.#joined.set(this.#bytes.subarray(from), 0);
        this.#joined.set(this.#bytes.subarray(0, n - first), first);
        bytes = this.#joined.subarray(0, n);
      }
      tail = (tail + 4 + ((n + 3) & ~3)) | 0;
      count++;
      try { each(bytes, (word & MORE) !== 0); } finally { Atomics.store(this.#words, TAIL, tail); }
    }
    return count;
  }

  /** Before waiting: null if records came meanwhile, else a promise that settles at the writer's
   * next wake. At most one wait is outstanding per ring; it stays good across hot spells. */
  sleep(): Promise<unknown> | null {
    Atomics.store(this.#words, SLEEPING, 1);
    const seen = Atomics.load(this.#words, SEQ);
    if (this.ready) { Atomics.store(this.#words, SLEEPING, 0); return null; }
    if (this.#waiting !== null) return this.#waiting;
    const w = waitAsync(this.#words, SEQ, seen);
    if (!w.async) { Atomics.store(this.#words, SLEEPING, 0); return null; }
    const p = w.value.then(() => { this.#waiting = null; Atomics.store(this.#words, SLEEPING, 0); });
    this.#waiting = p;
    return p;
  }

  /** Back to polling: the writer need not notify. */
  awake(): void { Atomics.store(this.#words, SLEEPING, 0); }
}
