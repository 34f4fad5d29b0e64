// Allocator: where exchange-heap blocks live in the arena. Small blocks (up to 2 KiB) come from
// size-class slabs, one page each; large ones are page-granular runs from Pages.
// Rules for callers: `alloc(size)` returns a byte offset into the arena or -1 when it is full;
// `free(offset)` takes back exactly an offset `alloc` returned (the heap above checks that, and
// refuses double frees, before calling). `capacityOf(offset)` is the usable size there.
// Invariants: a slab page has slabClass[page] >= 0; its never-used slots lie from slabBump to the
// page's end, its freed slots are linked through their first four bytes (only the kernel sees
// freed memory: handles to it are revoked); a slab with a free slot is on its class's partial
// list. An empty slab goes back to Pages, except the last one of its class, which is kept so that
// a steady alloc/free of one size does not make and unmake a slab each time (`trim` returns it).
import { Words } from '../lib/words.ts';
import { PAGE, Pages } from './pages.ts';

/** The size classes: class c holds blocks of 16 << c bytes (computed, not looked up: see
 * src/lib/words.ts on why kernel hot paths avoid array reads). */
export const CLASSES = [16, 32, 64, 128, 256, 512, 1024, 2048] as const;
const MAX_SMALL = 2048;

export class Allocator {
  readonly pages: Pages;
  readonly bytes: number;
  private readonly words: Words;          // the arena, for the free-slot links
  private readonly slabClass: Words;
  private readonly slabUsed: Words;
  private readonly slabFree: Words;       // byte offset of the first freed slot, or -1
  private readonly slabBump: Words;       // byte offset of the first never-used slot, or -1
  private readonly slabNext: Words;       // partial-list links, by page
  private readonly slabPrev: Words;
  private readonly partial: Words;        // head page of each class's partial list
  private readonly runPages: Words;       // for a large block's first page: its page count

  /** Manages `bytes` bytes of `arena` from `base` (a partition, for a protection domain; by default
   * all of it). Offsets in and out are relative to `base`. */
  constructor(readonly arena: SharedArrayBuffer, base = 0, bytes = arena.byteLength - base) {
    if (bytes % PAGE !== 0 || bytes === 0 || base % PAGE !== 0 || base < 0 || base + bytes > arena.byteLength) throw new RangeError(`Allocator: a partition is a whole number of ${PAGE}-byte pages inside the arena`);
    const n = bytes / PAGE;
    this.bytes = bytes;
    this.pages = new Pages(n);
    this.words = new Words(arena, 0, base, bytes);
    this.slabClass = new Words(n, -1);
    this.slabUsed = new Words(n);
    this.slabFree = new Words(n, -1);
    this.slabBump = new Words(n, -1);
    this.slabNext = new Words(n, -1);
    this.slabPrev = new Words(n, -1);
    this.partial = new Words(CLASSES.length, -1);
    this.runPages = new Words(n);
  }

  static classOf(size: number): number {
    let c = 0;
    while ((16 << c) < size) c++;
    return c;
  }

  alloc(size: number): number {
    if (size <= MAX_SMALL) return this.allocSmall(Allocator.classOf(Math.max(1, size)));
    const n = Math.ceil(size / PAGE);
    const p = this.pages.alloc(n);
    if (p < 0) return -1;
    this.runPages.set(p, n);
    return p * PAGE;
  }

  /** What an allocation of `size` bytes takes from the arena (its slot or its pages). */
  footprint(size: number): number {
    return size <= MAX_SMALL ? 16 << Allocator.classOf(Math.max(1, size)) : Math.ceil(size / PAGE) * PAGE;
  }

  capacityOf(offset: number): number {
    const page = (offset / PAGE) | 0;
    const c = this.slabClass.get(page);
    return c >= 0 ? (16 << c) : this.runPages.get(page) * PAGE;
  }

  free(offset: number): void {
    const page = (offset / PAGE) | 0;
    const c = this.slabClass.get(page);
    if (c < 0) {
      this.runPages.set(page, 0);
      this.pages.free(page);
      return;
    }
    // push the slot on its slab's free list; a slab that was full becomes partial again
    this.words.set(offset >> 2, this.slabFree.get(page));
    this.slabFree.set(page, offset);
    const used = this.slabUsed.get(page) - 1;
    this.slabUsed.set(page, used);
    if (used === PAGE / (16 << c) - 1) this.linkPartial(c, page);
    if (used === 0 && (this.partial.get(c) !== page || this.slabNext.get(page) !== -1)) this.releaseSlab(c, page);
  }

  private releaseSlab(c: number, page: number): void {
    this.unlinkPartial(c, page);
    this.slabClass.set(page, -1);
    this.slabFree.set(page, -1);
    this.slabBump.set(page, -1);
    this.pages.free(page);
  }

  /** Returns the empty slabs kept for reuse to the page allocator. */
  trim(): void {
    for (let c = 0; c < CLASSES.length; c++) {
      for (let page = this.partial.get(c); page >= 0;) {
        const next = this.slabNext.get(page);
        if (this.slabUsed.get(page) === 0) this.releaseSlab(c, page);
        page = next;
      }
    }
  }

  private allocSmall(c: number): number {
    let page = this.partial.get(c);
    if (page < 0) {
      page = this.pages.alloc(1);
      if (page < 0) return -1;
      this.newSlab(c, page);
    }
    let offset = this.slabFree.get(page);
    if (offset >= 0) {
      this.slabFree.set(page, this.words.get(offset >> 2));
    } else {
      offset = this.slabBump.get(page);
      const next = offset + (16 << c);
      this.slabBump.set(page, next < (page + 1) * PAGE ? next : -1);
    }
    this.slabUsed.set(page, this.slabUsed.get(page) + 1);
    if (this.slabFree.get(page) === -1 && this.slabBump.get(page) === -1) this.unlinkPartial(c, page);
    return offset;
  }

  private newSlab(c: number, page: number): void {
    this.slabClass.set(page, c);
    this.slabUsed.set(page, 0);
    this.slabFree.set(page, -1);
    this.slabBump.set(page, page * PAGE);
    this.linkPartial(c, page);
  }

  private linkPartial(c: number, page: number): void {
    const h = this.partial.get(c);
    this.slabNext.set(page, h);
    this.slabPrev.set(page, -1);
    if (h >= 0) this.slabPrev.set(h, page);
    this.partial.set(c, page);
  }

  private unlinkPartial(c: number, page: number): void {
    const n = this.slabNext.get(page);
    const pr = this.slabPrev.get(page);
    if (pr >= 0) this.slabNext.set(pr, n);
    else if (this.partial.get(c) === page) this.partial.set(c, n);
    else return; // not on the list
    if (n >= 0) this.slabPrev.set(n, pr);
    this.slabNext.set(page, -1);
    this.slabPrev.set(page, -1);
  }
}
