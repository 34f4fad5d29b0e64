// Pages: the exchange heap's page allocator over one arena (a SharedArrayBuffer, so a later worker
// protection domain can map the same memory).
// Rules for callers: `alloc(n)` returns the first page of a run of n free pages, or -1; `free`
// takes back exactly a run that `alloc` returned. Free runs are coalesced with their neighbours at
// once, so fragmentation is only ever between live runs.
// Invariants: a free run of length L starting at page p has runLen[p] = runLen[p+L-1] = L and is
// on the free list (first-fit, in address order); a used run has runLen[p] = -L at its first page.
// All bookkeeping lives in Words (DataView-backed: see src/lib/words.ts).
import { Words } from '../lib/words.ts';

export const PAGE = 4096;

export class Pages {
  readonly count: number;
  private readonly runLen: Words;
  private readonly nextFree: Words;
  private readonly prevFree: Words;
  private head = -1;
  freePages: number;

  constructor(count: number) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`Pages: count must be a positive integer, got ${count}`);
    this.count = count;
    this.runLen = new Words(count);
    this.nextFree = new Words(count, -1);
    this.prevFree = new Words(count, -1);
    this.freePages = count;
    this.insertFree(0, count);
  }

  private insertFree(p: number, len: number): void {
    this.runLen.set(p, len);
    this.runLen.set(p + len - 1, len);
    // address-ordered list: find the first free run after p
    let prev = -1;
    let cur = this.head;
    while (cur !== -1 && cur < p) { prev = cur; cur = this.nextFree.get(cur); }
    this.nextFree.set(p, cur);
    this.prevFree.set(p, prev);
    if (cur !== -1) this.prevFree.set(cur, p);
    if (prev === -1) this.head = p;
    else this.nextFree.set(prev, p);
  }

  private unlinkFree(p: number): void {
    const n = this.nextFree.get(p);
    const pr = this.prevFree.get(p);
    if (pr === -1) this.head = n;
    else this.nextFree.set(pr, n);
    if (n !== -1) this.prevFree.set(n, pr);
    this.nextFree.set(p, -1);
    this.prevFree.set(p, -1);
  }

  /** First page of a run of `n` pages, or -1 when no free run is long enough. */
  alloc(n: number): number {
    for (let p = this.head; p !== -1; p = this.nextFree.get(p)) {
      const len = this.runLen.get(p);
      if (len < n) continue;
      this.unlinkFree(p);
      if (len > n) this.insertFree(p + n, len - n);
      this.runLen.set(p, -n);
      if (n > 1) this.runLen.set(p + n - 1, 0);
      this.freePages -= n;
      return p;
    }
    return -1;
  }

  free(p: number): void {
    const used = this.runLen.get(p);
    if (!(used < 0)) throw new Error(`Pages: page ${p} does not start a used run`);
    let start = p;
    let len = -used;
    this.freePages += len;
    // Only boundary words are ever read (a run's first and last page), so only the boundaries
    // that become interior are cleared: clearing the whole merged run made a free cost as much
    // as the largest free run next to it.
    this.runLen.set(p, 0);
    // coalesce with the free run before and after
    if (start > 0) {
      const before = this.runLen.get(start - 1);
      if (before > 0 && this.isFreeStart(start - before)) {
        this.unlinkFree(start - before);
        this.runLen.set(start - before, 0);
        this.runLen.set(start - 1, 0);
        start -= before;
        len += before;
      }
    }
    const after = start + len;
    if (after < this.count && this.isFreeStart(after)) {
      const alen = this.runLen.get(after);
      this.unlinkFree(after);
      this.runLen.set(after, 0);
      this.runLen.set(after + alen - 1, 0);
      len += alen;
    }
    this.insertFree(start, len);
  }

  /** True when page p starts a free run (it is on the free list). */
  private isFreeStart(p: number): boolean {
    return this.runLen.get(p) > 0 && (this.prevFree.get(p) !== -1 || this.head === p);
  }

  /** The longest free run, in pages (for fragmentation figures). */
  largestFreeRun(): number {
    let best = 0;
    for (let p = this.head; p !== -1; p = this.nextFree.get(p)) best = Math.max(best, this.runLen.get(p));
    return best;
  }
}
