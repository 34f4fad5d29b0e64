// Waits on the kernel's clock: `abi.yield()`, `abi.sleep(ms)` and the timers that die with their
// process (for `select` timeouts and the like).
// Rules for callers (the kernel): every wait belongs to a process; `timer` returns a cancel
// function, and the process's completion cancels whatever is still set (`p.timers`).
// Invariants: nothing here ever runs for a dead process: a yield or a timer that comes due after
// its process ended does nothing. Yields of one turn are released together on the clock's next
// `later`, in the order they were asked for.
import { Pending } from '../channels/pending.ts';
import type { Clock } from './clock.ts';
import type { Process } from './process.ts';
import { cpu } from './scheduler.ts';

export class Waits {
  /** Processes that called `abi.yield()` this turn, each with the Pending it waits on (two
   * arrays rather than pairs in one: one allocation per yield instead of two). */
  private yielders: Process[] = [];
  private yielded: Pending<void>[] = [];
  private yieldScheduled = false;

  constructor(private readonly clock: Clock) {}

  yieldFor(p: Process): Pending<void> {
    const w = new Pending<void>();
    this.yielders.push(p);
    this.yielded.push(w);
    if (!this.yieldScheduled) {
      this.clock.later(this.yieldTask);
      this.yieldScheduled = true;
    }
    return w;
  }

  private readonly yieldTask = (): void => {
    const ps = this.yielders;
    const ws = this.yielded;
    this.yielders = [];
    this.yielded = [];
    this.yieldScheduled = false;
    for (let i = 0; i < ps.length; i++) if ((ps[i] as Process).alive) (ws[i] as Pending<void>).settle(undefined);
  };

  timer(p: Process, ms: number, fire: () => void): () => void {
    if (!p.alive) return () => undefined;
    const timers = (p.timers ??= new Set());
    const clock = this.clock;
    const cancel = (): void => { if (timers.delete(cancel)) clock.cancelTimer(h); };
    const h = clock.setTimer(ms, () => { cpu.epoch++; if (timers.delete(cancel) && p.alive) fire(); });
    timers.add(cancel);
    return cancel;
  }

  sleep(p: Process, ms: number): Pending<void> {
    if (typeof ms !== 'number' || !(ms >= 0)) throw new TypeError(`${p.label}: sleep(${String(ms)}): give a non-negative number of milliseconds`);
    const w = new Pending<void>();
    this.timer(p, ms, () => w.settle(undefined));
    return w;
  }
}
