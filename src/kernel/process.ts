// Process records: the kernel's process table entries.
// Rules for callers: only the kernel creates and ends processes. State moves one way:
// created → running → exited | failed (created → failed for a start that cannot happen).
// Ending has two halves (kernel.ts): the first disarms the process (its guard's `d` is set, and
// its state says how it ended) with plain stores only, so that it cannot fail halfway whatever
// the stack looks like; the second (`completed`) releases what it held, on a fresh stack.
// Invariants: while a process is alive its guard's `d` is false; once its state says it ended,
// `d` is true; once it is completed, its endpoint list is empty, its blocks are freed, its timers
// are cancelled, its names are gone, its children have ended, and `status` is set.
// Optional bookkeeping (timers, names, joiners, children) is allocated lazily, because an idle
// process should cost little memory (issue #2 asks for at most 2 KiB).
import type { EndpointCore, Owner } from '../channels/index.ts';
import type { Pending } from '../channels/pending.ts';
import type { Block, HeapAccount } from '../exheap/heap.ts';
import type { KernelLimits } from './limits.ts';
import type { Abi, Child, Console, ExitReason, ExitStatus, ProcessState } from '../runtime/abi.ts';
import type { HostResource, Manifest } from '../runtime/program.ts';
import { Guard } from './guard.ts';
import { countBuffer } from './memory-budgets.ts';
import { harden } from '../lib/harden.ts';
import { SingError } from '../lib/error.ts';
import type { Image } from './image.ts';
import type { Runnable, Scheduler } from './scheduler.ts';

export interface ProcessHost {
  readonly scheduler: Scheduler;
  readonly limits: KernelLimits;
  begin(p: Process): void;
  fail(p: Process, reason: 'protocol' | 'quota' | 'stack-overflow' | 'fuel' | 'memory' | 'watchdog', error: Error): void;
  /** The slow path of p's checks: time, then memory (memory-budgets.ts). */
  checkpoint(p: Process, g: Guard): void;
  reserveMemory(p: Process, bytes: number, what: string): void;
  longCall(p: Process, g: Guard, units: number, what: string): void;
  timer(p: Process, ms: number, fire: () => void): () => void;
}

/** What `main` receives: the ABI, parameters, the console, and one entry per declared endpoint,
 * import and export (by its manifest key). Built at create, frozen and handed over at begin. */
export interface ProcessContext {
  abi: Abi;
  params: Readonly<Record<string, unknown>>;
  console: Console | undefined;
  [key: string]: unknown;
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

export class HeldTooLong extends SingError {
  constructor(message: string) { super('E_WATCHDOG', message); }
}
harden(HeldTooLong);

export class Process implements Owner, Runnable, HeapAccount {
  state: ProcessState = 'created';
  status: ExitStatus | null = null;
  ownedHead: EndpointCore | null = null;
  endpoints = 0;
  blockHead: Block | null = null;
  heapBytes = 0;
  heapBlocks = 0;
  heapCharge = 0;
  /** From the manifest's `resources.exchangeHeap`; 0 until the manifest is read. */
  heapQuota = 0;
  /** The part of the exchange heap set aside for it (its quota, once reserved at create). */
  heapReserved = 0;
  /** From the manifest's `trusted` privilege. */
  trusted = false;
  readonly guard: Guard;
  manifest: Manifest | null = null;
  /** Its host resources, with the targets the host bound them to (the manifest's by default). */
  hostResources: readonly HostResource[] = [];
  main: ((ctx: object) => unknown) | null = null;
  /** The context `main` will receive, built at create and handed over at start. */
  ctx: ProcessContext | null = null;
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
  /** How it ended (set when it is disarmed; `status` is made from them when it is completed). */
  exitCode = 0;
  exitReason: ExitReason = 'returned';
  exitError: { code: string; message: string } | null = null;
  /** The kernel's queue of disarmed processes waiting to be completed. */
  nextEnding: Process | null = null;
  /** True once the kernel has released everything the process held (see the header). */
  completed = false;
  /** Who answers for it: the process that created it, or a supervisor it was handed to (null: the
   * host). Its live children are a list through `firstChild` / `nextSibling`. */
  supervisor: Process | null;
  firstChild: Process | null = null;
  prevSibling: Process | null = null;
  nextSibling: Process | null = null;
  /** The root of its tree (itself for a process the host started), which counts the tree: its
   * live processes, and (as the tree's heap account) what they reserve and hold beyond that. */
  root: Process;
  treeSize = 0;
  accountUsed = 0;
  /** The live-process count of its program (the kernel's, shared by the program's processes). */
  census: { live: number } | null = null;
  /** Its memory budget in bytes, and what it held at the last measurement: its share of its
   * program's heap, and buffers outside the heap it made and still has (memory-budgets.ts). */
  memoryBudget = Infinity;
  memoryHeld = 0;
  external = 0;
  /** Bytes metered builtins reserved since the last measurement (the measurement sees them, if
   * they are still held): reservations add up between measurements. */
  reserved = 0;
  /** Heap growth seen at its checkpoints: who goes first when a program's processes are over. */
  grown = 0;

  constructor(
    readonly host: ProcessHost,
    readonly pid: number,
    readonly image: Image,
    readonly parent: Process | null,
  ) {
    this.guard = new Guard(this);
    this.supervisor = parent;
    this.root = parent === null ? this : parent.root;
  }

  /** What the parent holds for this process (made on first use: host spawns never need it). */
  get child(): Child { return (this.#child ??= new ChildHandle(this)); }

  get program(): string { return this.image.name; }
  get scheduler(): Scheduler { return this.host.scheduler; }
  get label(): string { return `process ${this.image.name}[${this.pid}]`; }
  get heapAccount(): HeapAccount { return this.root; }
  get accountCap(): number { return this.host.limits.exchangeHeapPerTree; }
  get alive(): boolean { return this.state === 'created' || this.state === 'running'; }

  run(): void { this.host.begin(this); }
  violate(error: Error): void { this.host.fail(this, isQuota(error) ? 'quota' : 'protocol', error); }
  overflow(e: RangeError): void { this.host.fail(this, 'stack-overflow', e); }
  outOfFuel(): void {
    this.host.fail(this, 'fuel', new FuelExhausted(`${this.label}: ran ${this.guard.perTurn} checks (loop iterations and calls) without yielding; a turn's CPU fuel is spent`));
  }
  checkpoint(g: Guard): void { this.host.checkpoint(this, g); }
  reserveMemory(bytes: number, what: string): void { this.host.reserveMemory(this, bytes, what); }
  longCall(units: number, what: string): void { this.host.longCall(this, this.guard, units, what); }
  bufferMade(buffer: object, bytes: number): void { countBuffer(this, buffer, bytes); }
  cutOff(limitMs: number | null): void {
    this.host.fail(this, 'watchdog', new HeldTooLong(limitMs === null
      ? `${this.label}: its code was cut off by an interrupt (SIGINT) while it held the kernel's thread`
      : `${this.label}: held the kernel's thread for more than ${limitMs} ms where no check could stop it (one builtin call or regular expression); the watchdog cut it off (limits.watchdogMs)`));
  }
  timer(ms: number, fire: () => void): () => void { return this.host.timer(this, ms, fire); }
}

/** A violation of a quota (the exchange heap's E_QUOTA and the like) rather than of a contract. */
function isQuota(e: Error): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('E_QUOTA');
}
