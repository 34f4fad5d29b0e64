// Pages: the exchange heap's page allocator over one arena (a SharedArrayBuffer, so a later worker
// protection domain can map the same memory).
// Rules for callers: `alloc(n)` returns the first page of a run of n free pages, or -1; `free`
// takes back exactly a run that `alloc` returned. Free runs are coalesced with their neighbours at
// once, so fragmentation is only ever between live runs.
// Invariants: a free run of length L starting at page p has runLen[p] = runLen[p+L-1] = L and is
// on the free list (first-fit, in address order); a used run has runLen[p] = -L at its first page.
// All bookkeeping lives in typed arrays (no JS arrays: see docs/design-notes.md §4).
export const PAGE = 4096;

export class Pages {
  readonly count: number;
  private readonly runLen: Int32Array;
  private readonly nextFree: Int32Array;
  private readonly prevFree: Int32Array;
  private head = -1;
  freePages: number;

  constructor(count: number) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`Pages: count must be a positive integer, got ${count}`);
    this.count = count;
    this.runLen = new Int32Array(count);
    this.nextFree = new Int32Array(count).fill(-1);
    this.prevFree = new Int32Array(count).fill(-1);
    this.freePages = count;
    this.insertFree(0, count);
  }

  private insertFree(p: number, len: number): void {
    this.runLen[p] = len;
    this.runLen[p + len - 1] = len;
    // address-ordered list: find the first free run after p
    let prev = -1;
    let cur = this.head;
    while (cur !== -1 && cur < p) { prev = cur; cur = this.nextFree[cur] as number; }
    this.nextFree[p] = cur;
    this.prevFree[p] = prev;
    if (cur !== -1) this.prevFree[cur] = p;
    if (prev === -1) this.head = p;
    else this.nextFree[prev] = p;
  }

  private unlinkFree(p: number): void {
    const n = this.nextFree[p] as number;
    const pr = this.prevFree[p] as number;
    if (pr === -1) this.head = n;
    else this.nextFree[pr] = n;
    if (n !== -1) this.prevFree[n] = pr;
    this.nextFree[p] = -1;
    this.prevFree[p] = -1;
  }

  /** First page of a run of `n` pages, or -1 when no free run is long enough. */
  alloc(n: number): number {
    for (let p = this.head; p !== -1; p = this.nextFree[p] as number) {
      const len = this.runLen[p] as number;
      if (len < n) continue;
      this.unlinkFree(p);
      if (len > n) this.insertFree(p + n, len - n);
      this.runLen[p] = -n;
      if (n > 1) this.runLen[p + n - 1] = 0;
      this.freePages -= n;
      return p;
    }
    return -1;
  }

  free(p: number): void {
    const used = this.runLen[p] as number;
    if (!(used < 0)) throw new Error(`Pages: page ${p} does not start a used run`);
    let start = p;
    let len = -used;
    this.freePages += len;
    // coalesce with the free run before and after
    if (start > 0) {
      const before = this.runLen[start - 1] as number;
      if (before > 0 && this.isFreeStart(start - before)) {
        this.unlinkFree(start - before);
        start -= before;
        len += before;
      }
    }
    const after = start + len;
    if (after < this.count && this.isFreeStart(after)) {
      const alen = this.runLen[after] as number;
      this.unlinkFree(after);
      len += alen;
    }
    this.runLen.fill(0, start, start + len);
    this.insertFree(start, len);
  }

  /** True when page p starts a free run (it is on the free list). */
  private isFreeStart(p: number): boolean {
    return (this.runLen[p] as number) > 0 && (this.prevFree[p] !== -1 || this.head === p);
  }

  /** The longest free run, in pages (for fragmentation figures). */
  largestFreeRun(): number {
    let best = 0;
    for (let p = this.head; p !== -1; p = this.nextFree[p] as number) best = Math.max(best, this.runLen[p] as number);
    return best;
  }
}
