// Allocator: where exchange-heap blocks live in the arena. Small blocks (up to 2 KiB) come from
// size-class slabs, one page each; large ones are page-granular runs from Pages.
// Rules for callers: `alloc(size)` returns a byte offset into the arena or -1 when it is full;
// `free(offset)` takes back exactly an offset `alloc` returned (the heap above checks that, and
// refuses double frees, before calling). `capacityOf(offset)` is the usable size there.
// Invariants: a slab page has slabClass[page] >= 0, its free slots linked through their first four
// bytes (only the kernel sees freed memory: handles to it are revoked); a slab with free slots is
// on its class's partial list; an empty slab goes back to Pages at once.
import { PAGE, Pages } from './pages.ts';

export const CLASSES = [16, 32, 64, 128, 256, 512, 1024, 2048] as const;
const MAX_SMALL = 2048;

export class Allocator {
  readonly pages: Pages;
  readonly bytes: number;
  private readonly words: Int32Array;
  private readonly slabClass: Int8Array;
  private readonly slabUsed: Int32Array;
  private readonly slabFree: Int32Array;   // byte offset of the first free slot, or -1
  private readonly slabNext: Int32Array;   // partial-list links, by page
  private readonly slabPrev: Int32Array;
  private readonly partial: Int32Array;    // head page of each class's partial list
  private readonly runPages: Int32Array;   // for a large block's first page: its page count

  constructor(readonly arena: SharedArrayBuffer) {
    if (arena.byteLength % PAGE !== 0 || arena.byteLength === 0) throw new RangeError(`Allocator: the arena must be a whole number of ${PAGE}-byte pages`);
    const n = arena.byteLength / PAGE;
    this.bytes = arena.byteLength;
    this.pages = new Pages(n);
    this.words = new Int32Array(arena);
    this.slabClass = new Int8Array(n).fill(-1);
    this.slabUsed = new Int32Array(n);
    this.slabFree = new Int32Array(n).fill(-1);
    this.slabNext = new Int32Array(n).fill(-1);
    this.slabPrev = new Int32Array(n).fill(-1);
    this.partial = new Int32Array(CLASSES.length).fill(-1);
    this.runPages = new Int32Array(n);
  }

  static classOf(size: number): number {
    let c = 0;
    while ((CLASSES[c] as number) < size) c++;
    return c;
  }

  alloc(size: number): number {
    if (size <= MAX_SMALL) return this.allocSmall(Allocator.classOf(Math.max(1, size)));
    const n = Math.ceil(size / PAGE);
    const p = this.pages.alloc(n);
    if (p < 0) return -1;
    this.runPages[p] = n;
    return p * PAGE;
  }

  capacityOf(offset: number): number {
    const page = (offset / PAGE) | 0;
    const c = this.slabClass[page] as number;
    return c >= 0 ? (CLASSES[c] as number) : (this.runPages[page] as number) * PAGE;
  }

  free(offset: number): void {
    const page = (offset / PAGE) | 0;
    const c = this.slabClass[page] as number;
    if (c < 0) {
      this.runPages[page] = 0;
      this.pages.free(page);
      return;
    }
    // push the slot on its slab's free list; a slab that was full becomes partial again
    this.words[offset >> 2] = this.slabFree[page] as number;
    this.slabFree[page] = offset;
    const used = (this.slabUsed[page] as number) - 1;
    this.slabUsed[page] = used;
    if (used === 0) {
      this.unlinkPartial(c, page);
      this.slabClass[page] = -1;
      this.slabFree[page] = -1;
      this.pages.free(page);
    } else if (used === PAGE / (CLASSES[c] as number) - 1) {
      this.linkPartial(c, page);
    }
  }

  private allocSmall(c: number): number {
    let page = this.partial[c] as number;
    if (page < 0) {
      page = this.pages.alloc(1);
      if (page < 0) return -1;
      this.newSlab(c, page);
    }
    const offset = this.slabFree[page] as number;
    this.slabFree[page] = this.words[offset >> 2] as number;
    const used = (this.slabUsed[page] as number) + 1;
    this.slabUsed[page] = used;
    if (this.slabFree[page] === -1) this.unlinkPartial(c, page);
    return offset;
  }

  private newSlab(c: number, page: number): void {
    const size = CLASSES[c] as number;
    const base = page * PAGE;
    // thread the free list through the slots, first slot first
    for (let off = base; off < base + PAGE; off += size) this.words[off >> 2] = off + size < base + PAGE ? off + size : -1;
    this.slabClass[page] = c;
    this.slabUsed[page] = 0;
    this.slabFree[page] = base;
    this.linkPartial(c, page);
  }

  private linkPartial(c: number, page: number): void {
    const h = this.partial[c] as number;
    this.slabNext[page] = h;
    this.slabPrev[page] = -1;
    if (h >= 0) this.slabPrev[h] = page;
    this.partial[c] = page;
  }

  private unlinkPartial(c: number, page: number): void {
    const n = this.slabNext[page] as number;
    const pr = this.slabPrev[page] as number;
    if (pr >= 0) this.slabNext[pr] = n;
    else if (this.partial[c] === page) this.partial[c] = n;
    else return; // not on the list
    if (n >= 0) this.slabPrev[n] = pr;
    this.slabNext[page] = -1;
    this.slabPrev[page] = -1;
  }
}
