// Turn time: how long a process has held the kernel's thread, judged at the slow path of its
// checks and before a long metered call. A stretch begins at the process's first checkpoint
// after the kernel last entered any program's code (scheduler.ts's `cpu.epoch`); once it runs
// past limits.turnMs the process ends for fuel. Heap measurements taken on its behalf are the
// kernel's time, not its own.
// Rules for callers (the kernel): `checkpoint`, `reserveMemory` and `longCall` answer the same
// questions of ProcessHost; the process may be ended (through `fail`) by any of them.
// Invariants: a guard's `t0`/`epoch` are written only here and by its own refuel.
import type { Guard } from './guard.ts';
import type { KernelLimits } from './limits.ts';
import type { MemoryBudgets } from './memory-budgets.ts';
import { FuelExhausted, type Process } from './process.ts';
import { cpu } from './scheduler.ts';

export class TurnTime {
  constructor(
    private readonly now: () => number,
    private readonly limits: KernelLimits,
    private readonly budgets: MemoryBudgets,
    private readonly fail: (p: Process, reason: 'fuel', e: Error) => void,
  ) {}

  /** The time p's current stretch began, starting one at `now` if the epoch has moved. */
  private stretch(g: Guard, now: number): number {
    if (g.t0 === 0 || g.epoch !== cpu.epoch) { g.t0 = now; g.epoch = cpu.epoch; }
    return g.t0;
  }

  /** The slow path of p's checks: its stretch's time, then its memory. */
  checkpoint(p: Process, g: Guard): void {
    const now = this.now();
    const fresh = g.t0 === 0 || g.epoch !== cpu.epoch;
    const t0 = this.stretch(g, now);
    if (!fresh && now - t0 > this.limits.turnMs) {
      this.fail(p, 'fuel', new FuelExhausted(`${p.label}: held the kernel's thread for ${Math.round(now - t0)} ms without yielding; a turn may run ${this.limits.turnMs} ms (limits.turnMs)`));
      return;
    }
    if (this.budgets.checkpoint(p)) g.t0 += this.now() - now;
  }

  /** Before a metered builtin allocates for p (its heap measurement, if any, is not p's time). */
  reserveMemory(p: Process, bytes: number, what: string): void {
    const before = this.now();
    if (this.budgets.reserve(p, bytes, what) && p.guard.t0 !== 0) p.guard.t0 += this.now() - before;
  }

  /** A long metered call: its projected time (a unit is about a nanosecond) added to what p's
   * stretch has run so far must fit the turn's time. */
  longCall(p: Process, g: Guard, units: number, what: string): void {
    if (!p.alive) return;
    const now = this.now();
    const t0 = this.stretch(g, now);
    const ms = units / 1e6;
    if (now - t0 + ms > this.limits.turnMs) {
      this.fail(p, 'fuel', new FuelExhausted(`${p.label}: ${what} would hold the kernel's thread for about ${Math.round(ms)} ms more (after ${Math.round(now - t0)} ms of this turn); a turn may run ${this.limits.turnMs} ms (limits.turnMs)`));
    }
  }
}
