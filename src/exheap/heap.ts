// The exchange heap: owned blocks in one shared arena, moved between processes in O(1).
// Rules for callers: the kernel makes one heap per kernel and passes it to processes through the
// ABI; the channel layer moves blocks with `transferOut`/`adopt`; handles (handles.ts) are the only
// way programs touch block memory. Allocation zero-fills, so a block never shows a previous
// owner's bytes. The kernel reserves each process's quota (`reserveQuota`) when it creates it and
// gives it back (`releaseQuota`) when the process has ended and its blocks are freed.
// Invariants: a Block record stands for one ownership period of a piece of memory: moving a
// block retires its record (`gone = 'moved'`) and carries a fresh one, as do split and free, so
// every handle made before is revoked in O(1) and keeps saying why. Every live record is on
// exactly one owner's list (linked through the records) or in transit inside a queued message
// (owner null, `payer` the sender); an owner's heapBytes/heapBlocks are the sums over its list,
// its heapCharge that plus what it sent that has not been received yet; a region's memory
// returns to the allocator when its last part is freed.
// Quotas (quotas.ts): an owner may allocate while its charge stays within its quota. Reserved
// quotas and the charge held beyond reservations (the kernel's own blocks, processes that received
// more than their quota) never exceed the arena, so an allocation within a quota never finds the
// heap taken by someone else (only fragmentation can still refuse it); an owner's account (its
// process tree's) bounds what the tree sets aside and holds beyond that.
import { SingError } from '../lib/error.ts';
import { harden } from '../lib/harden.ts';
import { unmetered } from '../lib/metered-builtins.ts';
import type { BlockKind, Layout } from '../contracts/exfield.ts';
import { Allocator } from './allocator.ts';
import { PAGE } from './pages.ts';
import { accounted, Quotas } from './quotas.ts';

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
  /** Arena bytes set aside for this owner (its quota once reserved; 0 for the kernel). */
  heapReserved: number;
  /** The account its reservations and its charge beyond them count against, if any. */
  readonly heapAccount: HeapAccount | null;
  /** Trusted programs may take a raw view of their blocks (it cannot be revoked). */
  readonly trusted: boolean;
  violate(error: Error): void;
}

export class HeapError extends SingError {}
harden(HeapError);

/** What a group of owners (a process tree) has set aside and holds beyond that, and its cap. */
export interface HeapAccount { accountUsed: number; readonly accountCap: number; readonly label: string }

/** All the weight of a region: what its home holds when no part of it is in another domain. */
export const WHOLE = 2 ** 52;

/** The memory a block (or the parts a split made of it) stands in. `parts` counts the live parts
 * in this heap. Across protection domains a region is shared by weighted reference counting: the
 * parts that left carry weight out, and the home frees the memory only when it has no part left
 * and all the weight has come back (so no ordering between domains' messages matters). */
export class Region {
  parts = 1;
  weight = WHOLE;
  constructor(readonly offset: number, readonly home: number) {}
}

/** A block as it crosses to another domain over a shared arena: where it is, and the weight it
 * carries for its region. Plain data (it travels in a structured clone). */
export interface WireBlock {
  readonly home: number;
  readonly region: number;
  readonly offset: number;
  readonly size: number;
  readonly kind: BlockKind;
  readonly count: number;
  readonly weight: number;
}

/** Where a domain's heap lives in a shared arena. */
export interface Partition {
  readonly arena: SharedArrayBuffer;
  readonly base: number;
  readonly bytes: number;
  /** This heap's domain id: the `home` of the regions it allocates (0 for the root kernel). */
  readonly domain: number;
}

/** Frames of headroom the allocator's deepest path needs, with a margin (it keeps its state in
 * typed words behind method calls, several frames deep, and must not overflow halfway). */
const STACK_ROOM = 32;
function stackRoom(n: number): number { return n <= 0 ? 0 : stackRoom(n - 1) + 1; }

export class Block {
  owner: BlockOwner | null = null;
  /** While in transit: the sender, which stays charged for the block until it is received. */
  payer: BlockOwner | null = null;
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
  /** Bytes set aside for processes' quotas (and for protection domains' partitions). */
  readonly reserved: number;
  /** Bytes charged beyond reservations: the kernel's own blocks, and what processes hold over
   * their quotas. */
  readonly unreserved: number;
}

export class ExchangeHeap {
  readonly arena: SharedArrayBuffer;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  readonly domain: number;
  readonly base: number;
  private readonly alloc: Allocator;
  private used = 0;
  private live = 0;
  private blocks = 0;
  /** Quotas and partitions set aside, and charge held beyond them (see the header). */
  private readonly quotas: Quotas;
  /** Regions of other domains with parts here, by `home:offset`. */
  private readonly foreign = new Map<string, Region>();
  /** This heap's regions with weight out in other domains, by offset. */
  private readonly lent = new Map<number, Region>();
  /** Called when weight of another domain's region goes home (set by the domain layer). */
  onRelease: (home: number, region: number, weight: number) => void = () => {
    throw new HeapError('E_HEAP_DOMAIN', 'exchange heap: a block of another domain was freed, but this heap has no way to reach that domain');
  };

  /** A heap over a fresh arena of `bytes`, or over a partition of a shared one. */
  constructor(bytes: number | Partition) {
    if (typeof bytes === 'number') {
      this.arena = new SharedArrayBuffer(Math.ceil(bytes / PAGE) * PAGE);
      this.base = 0;
      this.domain = 0;
      this.alloc = new Allocator(this.arena);
    } else {
      this.arena = bytes.arena;
      this.base = bytes.base;
      this.domain = bytes.domain;
      this.alloc = new Allocator(bytes.arena, bytes.base, bytes.bytes);
    }
    this.u8 = new Uint8Array(this.arena);
    this.dv = new DataView(this.arena);
    this.quotas = new Quotas(this.alloc.bytes);
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
    if (!this.quotas.fits(owner, footprint)) {
      throw new HeapError('E_HEAP_FULL', `${owner.label}: allocate(${size}): the exchange heap has ${this.quotas.room()} bytes that no quota reserves, and ${owner.heapQuota === Infinity ? 'the kernel has no reservation' : `this needs ${footprint} beyond the owner's reservation of ${owner.heapReserved}`}`);
    }
    stackRoom(STACK_ROOM); // a stack overflow here, before the allocator changes anything
    const local = this.alloc.alloc(Math.max(1, size));
    if (local < 0) throw new HeapError('E_HEAP_FULL', `${owner.label}: allocate(${size}): the exchange heap has no run of that size free (it is fragmented)`);
    const offset = this.base + local;
    let b: Block;
    try {
      unmetered.fill(this.u8, 0, offset, offset + Math.max(1, size)); // the arena: never metered (metered-builtins.ts)
      b = new Block(this, new Region(offset, this.domain), offset, size, kind, layout, count, footprint);
    } catch (e) {
      // A stack overflow between taking the run and making its record: give the run back (the
      // catch runs at this frame's depth, where taking it just fitted).
      this.alloc.free(local);
      throw e;
    }
    this.used += footprint;
    this.live += size;
    this.blocks++;
    try {
      this.adopt(b, owner);
    } catch (e) {
      if (b.owner === null) this.free(b); // never linked: nobody else can reach it
      throw e;
    }
    return b;
  }

  /** Links a block in transit (or new) to its new owner, which is charged for it from now on
   * (a block in transit stops being its sender's charge). False when the new owner goes over its
   * quota and the heap has no unreserved room for the excess: the caller must end that owner
   * (its blocks, this one included, are freed with it). */
  adopt(b: Block, owner: BlockOwner): boolean {
    b.owner = owner;
    b.prevOwned = null;
    b.nextOwned = owner.blockHead;
    if (owner.blockHead !== null) owner.blockHead.prevOwned = b;
    owner.blockHead = b;
    owner.heapBytes += b.size;
    owner.heapBlocks++;
    const payer = b.payer;
    if (payer === null) { this.quotas.charge(owner, b.charge); return true; }
    b.payer = null;
    this.quotas.charge(payer, -b.charge);
    const ok = owner.heapCharge + b.charge <= owner.heapQuota || this.quotas.fits(owner, b.charge);
    this.quotas.charge(owner, b.charge);
    return ok;
  }

  /** Moves a block out of its owner's hands: retires its record (revoking every handle on it)
   * and returns the fresh record that travels in the message, still charged to the sender until
   * it is received. No byte is touched. */
  transferOut(b: Block): Block {
    // The new record first: a stack overflow making it leaves the block where it was.
    const t = new Block(this, b.region, b.offset, b.size, b.kind, b.layout, b.count, b.charge);
    const sender = b.owner;
    t.payer = sender ?? b.payer;
    this.detach(b, 'moved', true); // with keepCharge, plain stores only
    return t;
  }

  /** Takes a block from its owner (to move it, free it or split it) and retires the record; its
   * charge goes too unless `keepCharge` (a move within the heap: the sender pays until receipt). */
  private detach(b: Block, why: 'moved' | 'freed' | 'split', keepCharge = false): void {
    const o = b.owner;
    if (o !== null) {
      if (b.prevOwned !== null) b.prevOwned.nextOwned = b.nextOwned;
      else o.blockHead = b.nextOwned;
      if (b.nextOwned !== null) b.nextOwned.prevOwned = b.prevOwned;
      b.prevOwned = b.nextOwned = null;
      o.heapBytes -= b.size;
      o.heapBlocks--;
      b.owner = null;
      if (!keepCharge) this.quotas.charge(o, -b.charge);
    } else if (b.payer !== null && !keepCharge) {
      this.quotas.charge(b.payer, -b.charge);
      b.payer = null;
    }
    b.gone = why;
  }

  /** Sets aside `bytes` of the arena for `o` (its quota), or throws E_HEAP_RESERVE. */
  reserveQuota(o: BlockOwner, bytes: number): void { this.quotas.reserve(o, bytes); }

  /** Gives back everything set aside for `o` (it has ended; what it still pays for in transit
   * stays charged, now beyond any reservation, until received or dropped). */
  releaseQuota(o: BlockOwner): void { this.quotas.release(o); }

  /** What `o` counts against its account: its reservation and its charge beyond it. */
  static accounted(o: BlockOwner): number { return accounted(o); }

  /** Frees a block (owned or in transit): its memory returns when its region has no other part. */
  free(b: Block): void {
    if (b.gone !== null) return;
    this.detach(b, 'freed'); // uncharges its owner, or its sender while in transit
    this.live -= b.size;
    this.blocks--;
    const r = b.region;
    if (--r.parts === 0) this.emptied(r);
  }

  /** A region with no part left here: free it, keep it for the weight still out, or send this
   * heap's weight home. */
  private emptied(r: Region): void {
    if (r.home !== this.domain) {
      this.foreign.delete(`${r.home}:${r.offset}`);
      if (r.weight > 0) this.onRelease(r.home, r.offset, r.weight);
      r.weight = 0;
    } else if (r.weight === WHOLE) {
      this.lent.delete(r.offset);
      this.used -= this.alloc.capacityOf(r.offset - this.base);
      this.alloc.free(r.offset - this.base);
    } else {
      this.lent.set(r.offset, r);
    }
  }

  /** Moves a block to another domain over the shared arena: retires its record (as a move does)
   * and returns what travels, with a share of its region's weight. No byte is touched, unless the
   * region's weight can no longer be halved (after some fifty splits and crossings of one
   * lineage), when the block is copied into a region of its own first. */
  sendAcross(b: Block): WireBlock {
    let r = b.region;
    if (r.parts > 1 && r.weight < 2) b = this.copyOut(b);
    r = b.region;
    const weight = r.parts === 1 ? r.weight : Math.floor(r.weight / 2);
    this.detach(b, 'moved');
    this.live -= b.size;
    this.blocks--;
    r.weight -= weight;
    if (r.home === this.domain) this.lent.set(r.offset, r);
    if (--r.parts === 0) this.emptied(r);
    return { home: r.home, region: r.offset, offset: b.offset, size: b.size, kind: b.kind, count: b.count, weight };
  }

  private copyOut(b: Block): Block {
    const owner = b.owner as BlockOwner;
    const c = this.allocate(owner, b.size, b.kind, b.layout, b.count);
    unmetered.copyWithin(this.u8, c.offset, b.offset, b.offset + b.size);
    this.free(b);
    return c;
  }

  /** Takes a block another domain sent over the shared arena, for `owner`. */
  receiveAcross(w: WireBlock, layout: Layout | null, owner: BlockOwner): Block {
    let r: Region | undefined;
    if (w.home === this.domain) {
      r = this.lent.get(w.region);
      if (r === undefined) throw new HeapError('E_HEAP_DOMAIN', `exchange heap: a block came home to region ${w.region}, which has no weight out`);
    } else {
      const key = `${w.home}:${w.region}`;
      r = this.foreign.get(key);
      if (r === undefined) {
        r = new Region(w.region, w.home);
        r.parts = 0;
        r.weight = 0;
        this.foreign.set(key, r);
      }
    }
    r.parts++;
    r.weight += w.weight;
    if (r.home === this.domain && r.weight === WHOLE) this.lent.delete(r.offset);
    const b = new Block(this, r, w.offset, w.size, w.kind, layout, w.count, w.size);
    this.live += b.size;
    this.blocks++;
    this.adopt(b, owner);
    return b;
  }

  /** A block that crossed to this heap but will never be received (its channel closed first):
   * its weight goes home. */
  dropAcross(w: WireBlock): void {
    if (w.home === this.domain) this.released(w.region, w.weight);
    else this.onRelease(w.home, w.region, w.weight);
  }

  /** Weight of one of this heap's regions came home from another domain (a part freed there). */
  released(region: number, weight: number): void {
    const r = this.lent.get(region);
    if (r === undefined) throw new HeapError('E_HEAP_DOMAIN', `exchange heap: weight came home to region ${region}, which has none out`);
    r.weight += weight;
    if (r.parts === 0 && r.weight === WHOLE) this.emptied(r);
  }

  /** Reserves a page-aligned run of this heap's arena for another domain's heap. */
  reserve(bytes: number): number {
    const size = Math.max(Math.ceil(bytes / PAGE) * PAGE, 2 * PAGE); // over the slab limit: page-aligned
    if (this.quotas.room() < size) throw new HeapError('E_HEAP_FULL', `exchange heap: ${this.quotas.room()} bytes are neither reserved nor in use: too few for a domain's partition of ${size}`);
    const local = this.alloc.alloc(size);
    if (local < 0) throw new HeapError('E_HEAP_FULL', `exchange heap: no run of ${size} bytes free for a domain's partition`);
    const cap = this.alloc.capacityOf(local);
    this.used += cap;
    this.quotas.reserved += cap;
    return this.base + local;
  }

  /** Returns a partition `reserve` made. */
  unreserve(base: number): void {
    const cap = this.alloc.capacityOf(base - this.base);
    this.used -= cap;
    this.quotas.reserved -= cap;
    this.alloc.free(base - this.base);
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
      reserved: this.quotas.reserved,
      unreserved: this.quotas.unreserved,
    };
  }
}
