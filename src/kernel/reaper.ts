// The reaper: how a process ends, in two halves.
// A program can reach the kernel one frame short of a stack overflow (a recursion that catches
// the overflow in every frame, a Proxy trap in a message payload): every kernel call it makes may
// then fail at whichever nested call. So ending is split. `end` disarms the process — its guard set,
// from which every check in its code throws; its state final — and queues it, using plain stores
// only once the one call that could fail (scheduling the sweep) has succeeded: a failed `end` has
// changed nothing and the program's next catch clause will try again one frame higher. The
// kernel's `complete` (released endpoints, blocks, quota, timers, names, children; joiners and
// observers told) then runs from `sweep`, on a fresh stack: a microtask, or at once when the
// caller says its stack is the kernel's or the host's own (`now`).
// Rules for callers (the kernel): call `end` for every way a process ends; `sweep` before reading
// what `complete` would change (the host's ps, stop and shutdown).
// Invariants: a process is queued at most once (only a live one is disarmed); the queue is
// completed oldest first, including processes that completions end (children).
import type { ExitReason } from '../runtime/abi.ts';
import type { Process } from './process.ts';

export class Reaper {
  /** Disarmed processes waiting for `complete`, oldest first (linked through `nextEnding`). */
  private head: Process | null = null;
  private tail: Process | null = null;
  private queued = false;
  private readonly task = (): void => { this.queued = false; this.sweep(); };

  constructor(private readonly complete: (p: Process) => void) {}

  /** Disarms and queues `p` (see the header); `now` completes it at once. A process that is
   * already disarmed is only hurried along, when `now`. */
  end(p: Process, state: 'exited' | 'failed', code: number, reason: ExitReason, error?: { code: string; message: string }, now = false): void {
    if (p.state === 'exited' || p.state === 'failed') {
      if (now) this.sweep();
      return;
    }
    if (!now && !this.queued) {
      queueMicrotask(this.task);
      this.queued = true;
    }
    // From here on: stores only.
    p.guard.d = true;
    p.guard.f = -1;
    p.state = state;
    p.exitCode = code;
    p.exitReason = reason;
    p.exitError = error ?? null;
    if (this.tail === null) this.head = p;
    else this.tail.nextEnding = p;
    this.tail = p;
    if (now) this.sweep();
  }

  /** Completes every disarmed process, oldest first (and those their completion ends). */
  sweep(): void {
    for (let p = this.head; p !== null; p = this.head) {
      this.head = p.nextEnding;
      if (this.head === null) this.tail = null;
      p.nextEnding = null;
      this.complete(p);
    }
  }
}
