// The process table: the live processes, how many each program and each tree has, and who
// answers for whom.
// Rules for callers (the kernel): `room` before creating a process (it throws E_QUOTA_PROCESSES
// when the program or the tree is full), `admit` once the new process is wholly set up, `remove`
// when it has been completed. `handOver` moves a live child (and its subtree) to another
// supervisor. Nothing here ends a process: the kernel does, and asks `children` whom to end.
// Invariants: every live process is on the live list exactly once, newest first, and on its
// supervisor's list of children (a process the host started has no supervisor); a tree's root
// counts the live processes whose `root` it is, itself included; a program's census counts its
// live processes. A process's supervisor is never inside its own subtree.
import { KernelError } from './error.ts';
import { ExchangeHeap } from '../exheap/heap.ts';
import type { KernelLimits } from './limits.ts';
import type { Process } from './process.ts';
import type { ProcessStatus } from '../runtime/abi.ts';

/** One process as `kernel.ps()` lists it: the status's own row (runtime/abi.ts). */
export type ProcessInfo = ProcessStatus;

/** A program's live-process count, shared by its processes (held by the kernel's image record). */
export interface Census { live: number }

export class ProcessTable {
  /** The newest live process; the list runs to the oldest through `nextLive`. */
  private newest: Process | null = null;
  private count = 0;
  constructor(private readonly limits: KernelLimits) {}

  get size(): number { return this.count; }

  /** Throws unless one more process of `census`'s program may live under `parent`'s tree. */
  room(who: string, program: string, census: Census, parent: Process | null): void {
    if (census.live >= this.limits.processesPerProgram) {
      throw new KernelError('E_QUOTA_PROCESSES', `${who}: create(${program}): ${census.live} processes of ${program} are live, the most the system allows (limits.processesPerProgram)`);
    }
    if (parent !== null && parent.root.treeSize >= this.limits.processesPerTree) {
      throw new KernelError('E_QUOTA_PROCESSES', `${who}: create(${program}): the tree of ${parent.root.label} has ${parent.root.treeSize} live processes, the most the system allows (limits.processesPerTree)`);
    }
  }

  admit(p: Process, census: Census): void {
    p.nextLive = this.newest;
    if (this.newest !== null) this.newest.prevLive = p;
    this.newest = p;
    this.count++;
    p.census = census;
    census.live++;
    p.root.treeSize++;
    const s = p.supervisor;
    if (s !== null) linkChild(s, p);
  }

  /** Unlinks a completed process from every list it is on. */
  remove(p: Process): void {
    if (p.census === null) return; // never admitted, or removed already
    if (p.prevLive !== null) p.prevLive.nextLive = p.nextLive;
    else if (this.newest === p) this.newest = p.nextLive;
    if (p.nextLive !== null) p.nextLive.prevLive = p.prevLive;
    p.prevLive = p.nextLive = null;
    this.count--;
    p.census.live--;
    p.census = null;
    p.root.treeSize--;
    if (p.supervisor !== null) unlinkChild(p.supervisor, p);
  }

  /** Live processes, oldest first. */
  list(): Process[] {
    const out: Process[] = [];
    for (let p = this.newest; p !== null; p = p.nextLive) out.push(p);
    return out.reverse();
  }

  /** The live descendants of `p`, deepest last within each branch (parents before children). */
  descendants(p: Process): Process[] {
    const out: Process[] = [];
    const stack: Process[] = [p];
    for (let q = stack.pop(); q !== undefined; q = stack.pop()) {
      for (let c = q.firstChild; c !== null; c = c.nextSibling) { out.push(c); stack.push(c); }
    }
    return out;
  }

  /** Gives `child` (and everything below it) to `to` to answer for (null: the host). The tree
   * quota holds for `to`'s tree; a process handed to the host roots a tree of its own. */
  handOver(who: string, child: Process, to: Process | null): void {
    const moving = [child, ...this.descendants(child)];
    if (to !== null && moving.includes(to)) throw new KernelError('E_SUPERVISOR', `${who}: handOver(${child.label}): ${to.label} is inside the subtree being handed over`);
    const newRoot = to === null ? child : to.root;
    if (newRoot !== child && newRoot !== child.root && newRoot.treeSize + moving.length > this.limits.processesPerTree) {
      throw new KernelError('E_QUOTA_PROCESSES', `${who}: handOver(${child.label}): ${to?.label ?? 'the host'}'s tree has room for ${this.limits.processesPerTree - newRoot.treeSize} more processes, not ${moving.length}`);
    }
    // What the subtree reserves and holds beyond that moves to the new tree's heap account.
    let heap = 0;
    for (const q of moving) heap += ExchangeHeap.accounted(q);
    if (newRoot !== child && newRoot !== child.root && newRoot.accountUsed + heap > newRoot.accountCap) {
      throw new KernelError('E_HEAP_RESERVE', `${who}: handOver(${child.label}): its subtree holds ${heap} bytes of the exchange heap; ${to?.label ?? 'the host'}'s tree has room for ${newRoot.accountCap - newRoot.accountUsed}`);
    }
    if (child.supervisor !== null) unlinkChild(child.supervisor, child);
    child.supervisor = to;
    if (to !== null) linkChild(to, child);
    if (newRoot !== child.root) {
      const old = child.root;
      old.treeSize -= moving.length;
      old.accountUsed -= heap;
      for (const q of moving) q.root = newRoot;
      if (newRoot === child) { child.treeSize = moving.length; child.accountUsed = heap; }
      else { newRoot.treeSize += moving.length; newRoot.accountUsed += heap; }
    }
  }
}

function linkChild(s: Process, c: Process): void {
  c.prevSibling = null;
  c.nextSibling = s.firstChild;
  if (s.firstChild !== null) s.firstChild.prevSibling = c;
  s.firstChild = c;
}

function unlinkChild(s: Process, c: Process): void {
  if (c.prevSibling !== null) c.prevSibling.nextSibling = c.nextSibling;
  else if (s.firstChild === c) s.firstChild = c.nextSibling;
  if (c.nextSibling !== null) c.nextSibling.prevSibling = c.prevSibling;
  c.prevSibling = c.nextSibling = null;
}
