// Process records: the kernel's process table entries.
// Rules for callers: only the kernel creates and ends processes. State moves one way:
// created → running → exited | failed (created → failed for a start that cannot happen).
// Invariants: while a process is alive its guard's `d` is false; once it ends, `d` is true, its
// endpoint list is empty, its timers are cancelled, its names are gone, and `status` is set.
// Optional bookkeeping (timers, names, joiners, children) is allocated lazily, because an idle
// process should cost little memory (issue #2 asks for at most 2 KiB).
import type { EndpointCore, Owner } from '../channels/index.ts';
import type { Pending } from '../channels/pending.ts';
import type { Block } from '../exheap/heap.ts';
import type { Child, ExitStatus, ProcessState } from '../runtime/abi.ts';
import type { Manifest } from '../runtime/program.ts';
import { Guard } from './guard.ts';
import { harden } from '../lib/harden.ts';
import { SingError } from '../lib/error.ts';
import type { Image } from './image.ts';
import type { Runnable, Scheduler } from './scheduler.ts';

export interface ProcessHost {
  readonly scheduler: Scheduler;
  boot(p: Process): void;
  fail(p: Process, reason: 'protocol' | 'stack-overflow' | 'fuel', error: Error): void;
  timer(p: Process, ms: number, fire: () => void): () => void;
}

let procOf: (c: unknown) => Process | undefined;

/** What a parent holds for a child: its pid and program, and (privately) the record. */
class ChildHandle implements Child {
  readonly #p: Process;
  static { procOf = (c) => (typeof c === 'object' && c !== null && #p in c ? (c as ChildHandle).#p : undefined); }
  constructor(p: Process) { this.#p = p; Object.freeze(this); }
  get pid(): number { return this.#p.pid; }
  get program(): string { return this.#p.program; }
}
harden(ChildHandle);

export function processOfChild(c: unknown): Process | undefined { return procOf(c); }

export class FuelExhausted extends SingError {
  constructor(message: string) { super('E_FUEL', message); }
}
harden(FuelExhausted);

export class Process implements Owner, Runnable {
  state: ProcessState = 'created';
  status: ExitStatus | null = null;
  ownedHead: EndpointCore | null = null;
  blockHead: Block | null = null;
  heapBytes = 0;
  heapBlocks = 0;
  heapCharge = 0;
  /** From the manifest's `resources.exchangeHeap`; 0 until the manifest is read. */
  heapQuota = 0;
  /** From the manifest's `trusted` privilege. */
  trusted = false;
  readonly guard: Guard;
  manifest: Manifest | null = null;
  main: ((ctx: object) => unknown) | null = null;
  /** The context `main` will receive, built at create and handed over at start. */
  ctx: Record<string, unknown> | null = null;
  timers: Set<() => void> | null = null;
  names: string[] | null = null;
  joiners: Pending<ExitStatus>[] | null = null;
  #child: Child | null = null;
  /** The ready-list link, used once: a started process waits there to boot. */
  next: Runnable | null = null;
  readonly kind = 1;
  /** Links in the kernel's list of live processes. */
  prevLive: Process | null = null;
  nextLive: Process | null = null;

  constructor(
    readonly host: ProcessHost,
    readonly pid: number,
    readonly image: Image,
    readonly parent: Process | null,
  ) {
    this.guard = new Guard(this);
  }

  /** What the parent holds for this process (made on first use: host spawns never need it). */
  get child(): Child { return (this.#child ??= new ChildHandle(this)); }

  get program(): string { return this.image.name; }
  get scheduler(): Scheduler { return this.host.scheduler; }
  get label(): string { return `process ${this.image.name}[${this.pid}]`; }
  get alive(): boolean { return this.state === 'created' || this.state === 'running'; }

  run(): void { this.host.boot(this); }
  violate(error: Error): void { this.host.fail(this, 'protocol', error); }
  overflow(e: RangeError): void { this.host.fail(this, 'stack-overflow', e); }
  outOfFuel(): void {
    this.host.fail(this, 'fuel', new FuelExhausted(`${this.label}: ran ${this.guard.perTurn} checks (loop iterations and calls) without yielding; a turn's CPU fuel is spent`));
  }
  timer(ms: number, fire: () => void): () => void { return this.host.timer(this, ms, fire); }
}
