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
// Trees: a record's pointer slots (block.ts) hold other blocks. Every block of a tree is on its
// root's owner's list (so charges and deaths need nothing new); storing and taking renew the moved
// block's record, sending renews every record of the tree (O(blocks), no byte touched), freeing the
// root frees the tree, and a block is in at most one slot because only a root can be stored and
// storing it retires the record that was a root.
import { unmetered } from '../lib/metered-builtins.ts';
import { pointerSlots, pointerTarget, type BlockKind, type Layout } from '../contracts/exfield.ts';
import { Block, HeapError, Region, WHOLE, type BlockOwner, type Partition, type WireBlock } from './block.ts';
import { Allocator } from './allocator.ts';
import { PAGE } from './pages.ts';
import { accounted, Quotas } from './quotas.ts';

export { Block, HeapError, Region, WHOLE, type BlockOwner, type HeapAccount, type Partition, type WireBlock } from './block.ts';

/** Frames of headroom the allocator's deepest path needs, with a margin (it keeps its state in
 * typed words behind method calls, several frames deep, and must not overflow halfway). */
const STACK_ROOM = 32;
function stackRoom(n: number): number { return n <= 0 ? 0 : stackRoom(n - 1) + 1; }

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

/** Zeros for `zero`: a plain (unshared) buffer, never written. */
const ZEROS = new Uint8Array(64 * 1024);

/** Zeroes [from, to) of the arena. V8 fills shared memory a byte at a time, while `set` from a
 * zeroed plain buffer copies in bulk (64 KiB: about 41 µs against 7 µs on this machine), so
 * larger blocks are zeroed by copying. */
function zero(u8: Uint8Array, from: number, to: number): void {
  if (to - from <= 512) { unmetered.fill(u8, 0, from, to); return; }
  for (let at = from; at < to; at += ZEROS.length) unmetered.set(u8, unmetered.subarray(ZEROS, 0, Math.min(ZEROS.length, to - at)), at);
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
      zero(this.u8, offset, offset + Math.max(1, size)); // the arena: never metered (metered-builtins.ts)
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
    const slots = pointerSlots(layout, count);
    if (slots > 0) b.kids = new Array<Block | null>(slots).fill(null);
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
    // A tree's blocks all have the root's payer (transferOut made them so): its charge moves once.
    const payer = b.payer;
    const charge = this.link(b, owner);
    if (payer === null) { this.quotas.charge(owner, charge); return true; }
    this.quotas.charge(payer, -charge);
    const ok = owner.heapCharge + charge <= owner.heapQuota || this.quotas.fits(owner, charge);
    this.quotas.charge(owner, charge);
    return ok;
  }

  /** Puts `b` and its subtree on `owner`'s list (no longer in transit); returns their charge.
   * Recursion: a tree is as deep as its layout's nesting, which a contract fixes. */
  private link(b: Block, owner: BlockOwner): number {
    b.owner = owner;
    b.payer = null;
    b.prevOwned = null;
    b.nextOwned = owner.blockHead;
    if (owner.blockHead !== null) owner.blockHead.prevOwned = b;
    owner.blockHead = b;
    owner.heapBytes += b.size;
    owner.heapBlocks++;
    let charge = b.charge;
    const kids = b.kids;
    if (kids !== null) {
      for (let i = 0; i < kids.length; i++) {
        const k = kids[i];
        if (k !== null && k !== undefined) charge += this.link(k, owner);
      }
    }
    return charge;
  }

  /** Moves a block out of its owner's hands: retires its record (revoking every handle on it)
   * and returns the fresh record that travels in the message, still charged to the sender until
   * it is received. No byte is touched. */
  transferOut(b: Block): Block {
    if (b.kids !== null) stackRoom(STACK_ROOM); // headroom for a tree's walk, checked first
    return this.transferNode(b);
  }

  /** A block's move out, and its subtree's: every record renewed, in transit, the sender paying. */
  private transferNode(b: Block): Block {
    // The new record first: a stack overflow making it leaves the block where it was.
    const t = b.successor();
    t.payer = b.owner ?? b.payer;
    const kids = b.kids;
    t.kids = kids;
    b.kids = null;
    this.detach(b, 'moved', true); // with keepCharge, plain stores only
    if (kids !== null) {
      for (let i = 0; i < kids.length; i++) {
        const k = kids[i];
        if (k === undefined || k === null) continue;
        const c = this.transferNode(k);
        c.parent = t;
        c.slot = i;
        kids[i] = c;
      }
    }
    return t;
  }

  /** Moves the root block `child` into slot `slot` of `parent` (the handles layer has checked
   * both are live, have one owner, that the slot is empty and that `child` is not `parent`'s
   * root): the child's record is renewed, so the handle it was stored through is revoked. */
  store(parent: Block, slot: number, child: Block): void {
    const kids = parent.kids as (Block | null)[];
    const c = this.renew(child);
    c.parent = parent;
    c.slot = slot;
    kids[slot] = c;
  }

  /** Moves the block in slot `slot` of `parent` out to its owner as a root; null if empty. */
  take(parent: Block, slot: number): Block | null {
    const kids = parent.kids as (Block | null)[];
    const k = kids[slot] ?? null;
    if (k === null) return null;
    kids[slot] = null;
    k.parent = null;
    return this.renew(k);
  }

  /** A fresh record for an owned block, in its place (same owner, charge, slot and subtree). */
  private renew(b: Block): Block {
    const n = b.successor();
    const o = b.owner as BlockOwner;
    n.owner = o;
    n.prevOwned = b.prevOwned;
    n.nextOwned = b.nextOwned;
    if (b.prevOwned !== null) b.prevOwned.nextOwned = n;
    else o.blockHead = n;
    if (b.nextOwned !== null) b.nextOwned.prevOwned = n;
    b.owner = b.prevOwned = b.nextOwned = null;
    n.kids = b.kids;
    b.kids = null;
    for (const k of n.kids ?? []) if (k !== null) k.parent = n;
    n.parent = b.parent;
    n.slot = b.slot;
    if (n.parent !== null) (n.parent.kids as (Block | null)[])[n.slot] = n;
    b.parent = null;
    b.gone = 'moved';
    return n;
  }

  /** The root of the tree `b` stands in. */
  static rootOf(b: Block): Block {
    let r = b;
    while (r.parent !== null) r = r.parent;
    return r;
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
    if (b.parent !== null) {
      (b.parent.kids as (Block | null)[])[b.slot] = null;
      b.parent = null;
    }
    if (b.kids !== null) stackRoom(STACK_ROOM);
    this.freeTree(b);
  }

  /** Frees `b` and its subtree (as deep as its layout's nesting). */
  private freeTree(b: Block): void {
    const kids = b.kids;
    b.kids = null;
    if (kids !== null) {
      for (const k of kids) if (k !== null) { k.parent = null; this.freeTree(k); }
    }
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
    const kids = b.kids;
    b.kids = null;
    b.parent = null;
    const w = this.sendOneAcross(b);
    if (kids === null) return w;
    return { ...w, kids: kids.map((k) => (k === null ? null : this.sendAcross(k))) };
  }

  private sendOneAcross(b: Block): WireBlock {
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
    const b = this.receiveOneAcross(w, layout, owner);
    if (layout === null || layout.pointers.length === 0) return b;
    if (w.kids === undefined) { b.kids = new Array<Block | null>(pointerSlots(layout, w.count)).fill(null); return b; }
    const kids = w.kids.map((k, i) => {
      if (k === null) return null;
      const c = this.receiveAcross(k, pointerTarget(layout, i).layout, owner);
      c.parent = b;
      c.slot = i;
      return c;
    });
    b.kids = kids;
    return b;
  }

  private receiveOneAcross(w: WireBlock, layout: Layout | null, owner: BlockOwner): Block {
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
    for (const k of w.kids ?? []) if (k !== null) this.dropAcross(k);
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
