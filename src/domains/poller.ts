// The thread's poller: the one loop that reads every shared-memory ring this thread receives on
// (a parent's, one per worker domain; a worker's, the one from its parent) and flushes what could
// not be written yet.
// Why a poller and not a wait: waking a thread from Atomics.waitAsync costs about as much as a
// postMessage (tens of microseconds, docs/domains.md), so a reply that comes within a few
// microseconds is caught only by looking for it. The poller looks on every turn of the event loop
// (setImmediate: never blocking the thread, so timers, I/O and the kernel's scheduler run between
// looks) for a while after the last record, then sleeps on every ring at once.
// The spin adapts: a sleep that a record ends soon after it began doubles the spin (up to
// MAX_SPIN_NS); a sleep that lasts longer than the longest spin halves it (down to MIN_SPIN_NS).
// Rules for callers: `add` a member when its pipe starts listening, `remove` it when the pipe is
// gone, `kick` after writing something that could not go out yet, `expect` after a frame went out
// (its answer is likely soon, so the spin starts over). A member's `poll` never throws.
// Invariants: while any member is busy (has unsent records) the poller does not sleep; a member
// is polled only while added; the poller keeps nothing alive: asleep, it holds no timer.
import { availableParallelism } from 'node:os';
import { threadId } from 'node:worker_threads';
import type { ShmRing } from './shm-ring.ts';

export interface PollMember {
  /** Reads what came and sends what waited; whether anything happened. */
  poll(): boolean;
  /** Whether something waits to be written. */
  readonly busy: boolean;
  /** The ring it reads. */
  readonly ring: ShmRing;
}

/** The spin slots every thread of this process shares, one word per core: 0 when free, else the
 * holder's thread id + 1. A thread spins only while it holds a slot, so no more threads spin than
 * there are cores (three spinners on two cores take turns by the operating system's time slices,
 * milliseconds each). A thread that dies holding one (a terminated worker) has it freed by its
 * parent (`freeSpinSlots`). */
const CORES = availableParallelism();
let slots = new SharedArrayBuffer(4 * CORES);
let slotWords = new Int32Array(slots);
const me = threadId + 1;

export function spinSlots(): SharedArrayBuffer { return slots; }

/** A worker's poller shares its parent's slots (from its start-up data). */
export function useSpinSlots(sab: SharedArrayBuffer): void {
  slots = sab;
  slotWords = new Int32Array(sab);
}

/** Frees the slots a thread that has ended still held. */
export function freeSpinSlots(thread: number): void {
  for (let i = 0; i < slotWords.length; i++) Atomics.compareExchange(slotWords, i, thread + 1, 0);
}

function takeSlot(): number {
  for (let i = 0; i < slotWords.length; i++) if (Atomics.compareExchange(slotWords, i, 0, me) === 0) return i;
  return -1;
}

export const MIN_SPIN_NS = 20_000;
export const MAX_SPIN_NS = 200_000;

export class Poller {
  readonly #members = new Set<PollMember>();
  #hot = false;
  /** The spin slot this thread holds, or -1 (then it looks once per wake, then sleeps). */
  #slot = -1;
  #spinNs = 100_000;
  #lastActive = 0n;
  #sleptAt = 0n;
  readonly #tick = (): void => { this.#turn(); };
  readonly #woke = (): void => { this.#wake(); };

  get spinNs(): number { return this.#spinNs; }

  add(m: PollMember): void {
    this.#members.add(m);
    this.kick();
  }

  remove(m: PollMember): void { this.#members.delete(m); }

  /** Starts looking now, if not already. */
  kick(): void {
    if (this.#hot || this.#members.size === 0) return;
    this.#hot = true;
    this.#slot = takeSlot();
    this.#lastActive = process.hrtime.bigint();
    for (const m of this.#members) m.ring.awake();
    setImmediate(this.#tick);
  }

  /** A frame went out: its answer is likely soon, so look for it (spin) from now. */
  expect(): void {
    if (this.#hot) this.#lastActive = process.hrtime.bigint();
    else this.kick();
  }

  /** Polls every member once. */
  #pollAll(): boolean {
    let active = false;
    for (const m of this.#members) if (m.poll()) active = true;
    if (active) this.#lastActive = process.hrtime.bigint();
    return active;
  }

  #turn(): void {
    let busy = false;
    const active = this.#pollAll();
    for (const m of this.#members) if (m.busy) busy = true;
    const now = process.hrtime.bigint();
    if (this.#members.size > 0 && (active || busy || (this.#slot >= 0 && now - this.#lastActive < BigInt(this.#spinNs)))) {
      setImmediate(this.#tick);
      return;
    }
    this.#sleep(now);
  }

  #sleep(now: bigint): void {
    this.#hot = false;
    if (this.#slot >= 0) { Atomics.compareExchange(slotWords, this.#slot, me, 0); this.#slot = -1; }
    this.#sleptAt = now;
    for (const m of this.#members) {
      const w = m.ring.sleep();
      if (w === null) { this.#wake(); return; }
      void w.then(this.#woke);
    }
  }

  #wake(): void {
    if (this.#hot) return;
    const gap = Number(process.hrtime.bigint() - this.#sleptAt);
    this.#spinNs = gap < MAX_SPIN_NS
      ? Math.min(MAX_SPIN_NS, Math.max(this.#spinNs * 2, gap * 2))
      : Math.max(MIN_SPIN_NS, Math.floor(this.#spinNs / 2));
    this.kick();
  }
}

/** This thread's poller. */
export const poller = new Poller();
