// The exchange heap: owned blocks in one shared arena, moved between processes in O(1).
// Rules for callers: the kernel makes one heap per kernel and passes it to processes through the
// ABI; the channel layer moves blocks with `detach`/`adopt`; handles (handles.ts) are the only
// way programs touch block memory. Allocation zero-fills, so a block never shows a previous
// owner's bytes.
// Invariants: a Block record stands for one ownership period of a piece of memory: moving a
// block retires its record (`gone = 'moved'`) and carries a fresh one, as do split and free, so
// every handle made before is revoked in O(1) and keeps saying why. Every live record is on
// exactly one owner's list (linked through the records) or in transit inside a queued message
// (owner null); an owner's heapBytes/heapBlocks are the sums over its list; a region's memory
// returns to the allocator when its last part is freed.
import { SingError } from '../lib/error.ts';
import { harden } from '../lib/harden.ts';
import type { BlockKind, Layout } from '../contracts/exfield.ts';
import { Allocator } from './allocator.ts';
import { PAGE } from './pages.ts';

/** Whoever can own blocks: a process, or the kernel (which has no quota). */
export interface BlockOwner {
  readonly pid: number;
  readonly label: string;
  blockHead: Block | null;
  /** Bytes the owner's blocks hold (their sizes). */
  heapBytes: number;
  heapBlocks: number;
  /** Arena bytes the owner's blocks pin (slots and pages): what the quota bounds. */
  heapCharge: number;
  /** Most arena bytes this owner may allocate and hold; Infinity for the kernel. */
  readonly heapQuota: number;
  /** Trusted programs may take a raw view of their blocks (it cannot be revoked). */
  readonly trusted: boolean;
  violate(error: Error): void;
}

export class HeapError extends SingError {}
harden(HeapError);

/** The memory a block (or the parts a split made of it) stands in. */
export class Region {
  parts = 1;
  constructor(readonly offset: number) {}
}

export class Block {
  owner: BlockOwner | null = null;
  /** The arena bytes this record pins, charged to its owner (a fresh block: its allocation's
   * capacity, so a zero-byte or 17-byte block costs what it really takes). */
  charge: number;
  /** Null while this record is live; once retired, why (handles on it are revoked). */
  gone: 'moved' | 'freed' | 'split' | null = null;
  prevOwned: Block | null = null;
  nextOwned: Block | null = null;
  constructor(
    readonly heap: ExchangeHeap,
    readonly region: Region,
    readonly offset: number,
    readonly size: number,
    readonly kind: BlockKind,
    readonly layout: Layout | null,
    readonly count: number,
    charge: number,
  ) {
    this.charge = charge;
  }
}

export interface HeapStats {
  readonly capacity: number;
  /** Bytes in allocated pages and slab slots (including size-class slack). */
  readonly used: number;
  readonly free: number;
  /** Bytes that live blocks asked for. */
  readonly live: number;
  readonly blocks: number;
  /** 1 - largest free run / all free pages: 0 when all free memory is one run. */
  readonly fragmentation: number;
}

export class ExchangeHeap {
  readonly arena: SharedArrayBuffer;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  private readonly alloc: Allocator;
  private used = 0;
  private live = 0;
  private blocks = 0;

  constructor(bytes: number) {
    const size = Math.ceil(bytes / PAGE) * PAGE;
    this.arena = new SharedArrayBuffer(size);
    this.u8 = new Uint8Array(this.arena);
    this.dv = new DataView(this.arena);
    this.alloc = new Allocator(this.arena);
  }

  /** Allocates a zero-filled block for `owner`; the owner's quota bounds what it can hold. */
  allocate(owner: BlockOwner, size: number, kind: BlockKind, layout: Layout | null, count: number): Block {
    if (!Number.isInteger(size) || size < 0 || size > this.arena.byteLength) {
      const e = new HeapError('E_HEAP_SIZE', `${owner.label}: allocate(${String(size)}): a size is a whole number of bytes up to ${this.arena.byteLength}`);
      owner.violate(e);
      throw e;
    }
    const footprint = this.alloc.footprint(Math.max(1, size));
    if (owner.heapCharge + footprint > owner.heapQuota) {
      const e = new HeapError('E_QUOTA', `${owner.label}: allocate(${size}) takes ${footprint} bytes of the arena; it holds ${owner.heapCharge} of its exchange-heap quota of ${owner.heapQuota}`);
      owner.violate(e);
      throw e;
    }
    const offset = this.alloc.alloc(Math.max(1, size));
    if (offset < 0) throw new HeapError('E_HEAP_FULL', `${owner.label}: allocate(${size}): the exchange heap has no run of that size free`);
    this.u8.fill(0, offset, offset + Math.max(1, size));
    this.used += footprint;
    const b = new Block(this, new Region(offset), offset, size, kind, layout, count, footprint);
    this.live += size;
    this.blocks++;
    this.adopt(b, owner);
    return b;
  }

  /** Links a block in transit (or new) to its new owner. */
  adopt(b: Block, owner: BlockOwner): void {
    b.owner = owner;
    b.prevOwned = null;
    b.nextOwned = owner.blockHead;
    if (owner.blockHead !== null) owner.blockHead.prevOwned = b;
    owner.blockHead = b;
    owner.heapBytes += b.size;
    owner.heapCharge += b.charge;
    owner.heapBlocks++;
  }

  /** Moves a block out of its owner's hands: retires its record (revoking every handle on it)
   * and returns the fresh record that travels in the message. No byte is touched. */
  transferOut(b: Block): Block {
    this.detach(b, 'moved');
    return new Block(this, b.region, b.offset, b.size, b.kind, b.layout, b.count, b.charge);
  }

  /** Takes a block from its owner (to move it, free it or split it) and retires the record. */
  private detach(b: Block, why: 'moved' | 'freed' | 'split'): void {
    const o = b.owner;
    if (o !== null) {
      if (b.prevOwned !== null) b.prevOwned.nextOwned = b.nextOwned;
      else o.blockHead = b.nextOwned;
      if (b.nextOwned !== null) b.nextOwned.prevOwned = b.prevOwned;
      b.prevOwned = b.nextOwned = null;
      o.heapBytes -= b.size;
      o.heapCharge -= b.charge;
      o.heapBlocks--;
      b.owner = null;
    }
    b.gone = why;
  }

  /** Frees a block (owned or in transit): its memory returns when its region has no other part. */
  free(b: Block): void {
    if (b.gone !== null) return;
    this.detach(b, 'freed');
    this.live -= b.size;
    this.blocks--;
    const r = b.region;
    if (--r.parts === 0) {
      this.used -= this.alloc.capacityOf(r.offset);
      this.alloc.free(r.offset);
    }
  }

  /** Cuts a byte block in two at `at` without copying; both parts stay with the owner. */
  split(b: Block, at: number): [Block, Block] {
    const owner = b.owner as BlockOwner;
    this.detach(b, 'split');
    // the charge is shared so that the parts together still pin what the whole did
    const head = new Block(this, b.region, b.offset, at, 'bytes', null, at, Math.min(at, b.charge));
    const tail = new Block(this, b.region, b.offset + at, b.size - at, 'bytes', null, b.size - at, b.charge - head.charge);
    b.region.parts++;
    this.blocks++;
    this.adopt(head, owner);
    this.adopt(tail, owner);
    return [head, tail];
  }

  /** Frees every block an owner holds (its death). */
  freeAll(owner: BlockOwner): void {
    while (owner.blockHead !== null) this.free(owner.blockHead);
  }

  /** Returns slabs kept empty for reuse to the page allocator (before measuring fragmentation). */
  trim(): void { this.alloc.trim(); }

  stats(): HeapStats {
    this.alloc.trim(); // a kept empty slab is free memory, and must count as such
    const pages = this.alloc.pages;
    const freePages = pages.freePages;
    const free = freePages * PAGE;
    return {
      capacity: this.arena.byteLength,
      used: this.used,
      free,
      live: this.live,
      blocks: this.blocks,
      fragmentation: freePages === 0 ? 0 : 1 - pages.largestFreeRun() / freePages,
    };
  }
}
