// Clocks: the kernel's only source of time, injected so tests can drive it.
// Rules for callers: `now()` is monotonic milliseconds; `wall()`, when a clock has one, is the
// calendar time in milliseconds since the Unix epoch (file times); timers fire once and may be
// cancelled; `later(fn)` runs fn on a later macrotask turn (the scheduler's yield point).
export interface Clock {
  now(): number;
  wall?(): number;
  setTimer(ms: number, fire: () => void): unknown;
  cancelTimer(handle: unknown): void;
  later(fn: () => void): void;
}

export const realClock: Clock = Object.freeze({
  now: () => performance.now(),
  wall: () => Date.now(),
  // Not wrapped in the watchdog's critical stretches: these take microseconds, and a cut-off lands
  // where the thread is held, which a check would have ended long before (kernel-watchdog.ts).
  // Whole milliseconds, rounded up (never early): Node keeps one timer list per distinct
  // duration, and a deadline computed from performance.now() is fractional, so every wait would
  // otherwise make, index and drop a list of its own.
  setTimer: (ms: number, fire: () => void) => setTimeout(fire, Math.ceil(ms)),
  cancelTimer: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>),
  later: (fn: () => void) => { setImmediate(fn); },
});

/** A clock that moves only when told: `advance(ms)` fires due timers in order. */
export class ManualClock implements Clock {
  private t = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fire: () => void }>();

  now(): number { return this.t; }
  setTimer(ms: number, fire: () => void): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fire });
    return id;
  }
  cancelTimer(handle: unknown): void { this.timers.delete(handle as number); }
  later(fn: () => void): void { setImmediate(fn); }

  /** Moves time forward, firing each due timer (earliest first) at its own time. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fire: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (next === undefined || e[1].at < next[1].at)) next = e;
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fire();
    }
    this.t = end;
  }
  get pending(): number { return this.timers.size; }
}
