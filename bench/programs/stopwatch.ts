// The domain benchmark clients' timing: a warm-up window, then a timed one, measured by the
// client's own loop (so the start-up of the domains its peers run in is never counted).
// Rules for callers: call `tick()` once per operation; it reads the clock every `every` ticks only
// (a power of two), to keep the clock out of the figure, and returns the ns per timed operation
// once the timed window is over, else -1. `count` is then the number of timed operations.
export class Stopwatch {
  #i = 0;
  #t0: number;
  #end: number;
  #timing = false;

  constructor(private readonly now: () => number, warmMs: number, private readonly ms: number, private readonly every: number) {
    this.#t0 = now();
    this.#end = this.#t0 + warmMs;
  }

  get count(): number { return this.#i; }

  tick(): number {
    this.#i++;
    if ((this.#i & (this.every - 1)) !== 0) return -1;
    const t = this.now();
    if (t < this.#end) return -1;
    if (this.#timing) return ((t - this.#t0) * 1e6) / this.#i;
    this.#timing = true;
    this.#i = 0;
    this.#t0 = t;
    this.#end = t + this.ms;
    return -1;
  }
}
