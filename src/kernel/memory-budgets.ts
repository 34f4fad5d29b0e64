// Memory budgets: what each process of a kernel holds, judged against its budget.
// A process's memory is its share of what the heap meter finds its program holding (processes of
// one program run the same code, so samples tell programs apart, not instances: n live processes
// of a program share its holdings evenly) plus the buffers it made outside the heap through the
// metered constructors, counted until they are collected. Over its budget (the manifest's
// `resources.memory`, else limits.memoryBudget), a process is ended with reason `memory`
// (E_MEMORY) once a measurement right after a full collection still finds it over. When several
// processes of one program are over together, the one that grew the heap most (growth seen at
// its checkpoints) goes first. Near the host's heap limit, the process holding most is ended even
// within its budget: the kernel itself must never run out of heap.
// Rules for callers (the kernel): `checkpoint(p)` from the slow path of p's checks; `reserve(p,
// bytes)` before a metered builtin allocates for p; `attach`/`detach` with the kernel's life.
// Invariants: judging only reads the process table and ends processes through `fail` (which only
// disarms them: see reaper.ts); it never runs program code.
import { SingError } from '../lib/error.ts';
import { setBuiltinMeter } from '../lib/metered-builtins.ts';
import { programCaller } from '../lib/stacks.ts';
import { Guard } from './guard.ts';
import { heapMeter, type MeterClient } from './heap-meter.ts';
import type { Process } from './process.ts';
import { cpu } from './scheduler.ts';

export class MemoryExceeded extends SingError {
  constructor(message: string) { super('E_MEMORY', message); }
}

export interface BudgetHost {
  /** The live processes. */
  list(): Process[];
  fail(p: Process, reason: 'memory', error: Error): void;
}

/** The least time between two measurements a reservation may ask for. */
const RESERVE_MS = 10;

export class MemoryBudgets implements MeterClient {
  private attached = false;
  private lastReserveMeasure = -Infinity;
  constructor(private readonly host: BudgetHost) {}

  /** No live process: the meter may forget this kernel (it attaches again at its next create). */
  get idle(): boolean {
    if (this.host.list().length > 0) return false;
    this.attached = false;
    return true;
  }

  attach(): void {
    if (this.attached) return;
    this.attached = true;
    heapMeter.attach(this);
  }
  detach(): void {
    this.attached = false;
    heapMeter.detach(this);
  }

  /** What `p` holds by the last measurement, in bytes. */
  held(p: Process): number { return p.memoryHeld + p.external + p.reserved; }

  /** Samples the heap at p's checkpoint; true when that took a measurement. */
  checkpoint(p: Process): boolean {
    const before = heapMeter.measurements;
    const grown = heapMeter.sample();
    if (grown > 0) p.grown += grown;
    return heapMeter.measurements !== before;
  }

  /** Ends `p` if `bytes` more would take it over its budget, by fresh numbers; else reserves them
   * until the next measurement (so that many reservations between two cannot pass the budget). True when it took
   * a measurement (milliseconds: the caller does not count them as p's). */
  reserve(p: Process, bytes: number, what: string): boolean {
    // Measurements are rarer than the level's reads (heap-meter.ts's trigger): what grew since
    // the last one may be p's, so it counts until a fresh measurement says whose it is.
    if (this.held(p) + heapMeter.unmeasured() + bytes <= p.memoryBudget) { p.reserved += bytes; return false; }
    const now = performance.now();
    let measured = false;
    if (now - this.lastReserveMeasure >= RESERVE_MS) {
      this.lastReserveMeasure = now;
      heapMeter.measure();
      measured = true;
      if (!p.alive) return measured;
    }
    if (this.held(p) + bytes > p.memoryBudget) {
      this.host.fail(p, 'memory', new MemoryExceeded(`${p.label}: ${what} would allocate about ${size(bytes)} while it holds about ${size(this.held(p))}, over its memory budget of ${size(p.memoryBudget)} (resources.memory)`));
    } else {
      p.reserved += bytes;
    }
    return measured;
  }

  headroom(): number {
    let room = Infinity;
    for (const p of this.host.list()) room = Math.min(room, p.memoryBudget - this.held(p));
    return room;
  }

  judge(bytes: ReadonlyMap<string, number>, confirmed: boolean, pressure: boolean): boolean {
    const live = this.host.list();
    for (const p of live) {
      const sid = p.image.scriptId;
      const n = p.census?.live ?? 1;
      p.memoryHeld = sid === undefined ? 0 : (bytes.get(sid) ?? 0) / Math.max(1, n);
      p.reserved = 0;
    }
    let unconfirmed = false;
    // Per program: the processes over their budget, the one that grew most first.
    const over = live.filter((p) => this.held(p) > p.memoryBudget);
    const seen = new Set<string>();
    over.sort((a, b) => (b.grown + b.external) - (a.grown + a.external));
    for (const p of over) {
      if (!confirmed) { unconfirmed = true; break; }
      if (seen.has(p.program) && p.external <= p.memoryBudget) continue; // its program's share was the others' too
      seen.add(p.program);
      this.host.fail(p, 'memory', new MemoryExceeded(`${p.label}: holds about ${size(this.held(p))} (JavaScript heap ${size(p.memoryHeld)}, buffers ${size(p.external)}), over its memory budget of ${size(p.memoryBudget)} (resources.memory)`));
    }
    if (pressure && over.length === 0) {
      if (!confirmed) return true;
      let top: Process | null = null;
      for (const p of live) if (p.alive && (top === null || this.held(p) > this.held(top))) top = p;
      if (top !== null && this.held(top) > 0) {
        this.host.fail(top, 'memory', new MemoryExceeded(`${top.label}: ended because the host's heap is near its limit and it holds the most, about ${size(this.held(top))} (budget ${size(top.memoryBudget)})`));
      }
    }
    return unconfirmed;
  }
}

function size(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${Math.round(n)} B`;
}

// ---- The builtin meter: whom a metered builtin charges ---------------------------------------

/** Buffers counted against a process until collected. */
const buffers = new FinalizationRegistry<{ p: Process; bytes: number }>((held) => { held.p.external -= held.bytes; });

/** Counts a buffer `p` made outside the heap against it until the buffer is collected. */
export function countBuffer(p: Process, buffer: object, bytes: number): void {
  p.external += bytes;
  p.reserved = Math.max(0, p.reserved - bytes); // reserved by its constructor, now counted here
  buffers.register(buffer, { p, bytes });
}

/** The running process a metered builtin's call belongs to: the one the kernel last entered, if
 * its program's code made the call; else none (the host's or the kernel's own call, or a
 * callback the kernel did not enter, which fuel checks and the watchdog bound instead). */
function caller(): Guard | null {
  const g = cpu.running;
  if (!(g instanceof Guard) || g.d) return null;
  const program = programCaller();
  return program !== null && program === g.owner.program ? g : null;
}

let installed = false;
/** Points the realm's metered builtins at the running process (once per realm). */
export function installBuiltinMeter(): void {
  if (installed) return;
  installed = true;
  setBuiltinMeter(
    (units, bytes, what) => { caller()?.charge(units, bytes, what); },
    (buffer, bytes) => { caller()?.owner.bufferMade(buffer, bytes); },
  );
}
