// Process records: the kernel's process table entries.
// Rules for callers: only the kernel creates and ends processes. State moves one way:
// created → running → exited | failed (created → failed for a start that cannot happen).
// Invariants: while a process is alive its guard's `d` is false; once it ends, `d` is true, its
// endpoint list is empty, its timers are cancelled, its names are gone, and `status` is set.
// Optional bookkeeping (timers, names, joiners, children) is allocated lazily, because an idle
// process should cost little memory (issue #2 asks for at most 2 KiB).
import type { EndpointCore, Owner } from '../channels/index.ts';
import type { Child, ExitStatus, ProcessState } from '../runtime/abi.ts';
import type { Manifest } from '../runtime/program.ts';
import { Guard } from './guard.ts';
import type { Image } from './image.ts';

export interface ProcessHost {
  fail(p: Process, reason: 'protocol' | 'stack-overflow', error: Error): void;
  timer(p: Process, ms: number, fire: () => void): () => void;
}

export class Process implements Owner {
  state: ProcessState = 'created';
  status: ExitStatus | null = null;
  ownedHead: EndpointCore | null = null;
  readonly guard: Guard;
  manifest: Manifest | null = null;
  /** The context `main` will receive, built at create and handed over at start. */
  ctx: Record<string, unknown> | null = null;
  timers: Set<() => void> | null = null;
  names: string[] | null = null;
  joiners: ((s: ExitStatus) => void)[] | null = null;
  /** What the parent holds for this process. */
  readonly child: Child;

  constructor(
    readonly host: ProcessHost,
    readonly pid: number,
    readonly image: Image,
    readonly parent: Process | null,
  ) {
    this.guard = new Guard(this);
    this.child = Object.freeze({ pid, program: image.name });
  }

  get program(): string { return this.image.name; }
  get label(): string { return `process ${this.image.name}[${this.pid}]`; }
  get alive(): boolean { return this.state === 'created' || this.state === 'running'; }

  violate(error: Error): void { this.host.fail(this, 'protocol', error); }
  overflow(e: RangeError): void { this.host.fail(this, 'stack-overflow', e); }
  timer(ms: number, fire: () => void): () => void { return this.host.timer(this, ms, fire); }
}
