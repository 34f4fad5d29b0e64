// Block records and what crosses with them: the kernel's bookkeeping for one piece of
// exchange-heap memory, owned by one process (or the kernel) at a time.
// Rules for callers: only the heap (heap.ts) makes, links and retires records; everyone else reads
// them (handles check `gone`, the channel layer checks `owner` and `parent`).
// Invariants: a record stands for one ownership period (heap.ts's header); a block inside a tree
// has `parent` set and is the `kids[slot]` of that parent and nothing else's, and has the owner of
// its root; the pointers live only here (`kids`), never in arena bytes a program can write.
import { SingError } from '../lib/error.ts';
import { harden } from '../lib/harden.ts';
import type { BlockKind, Layout } from '../contracts/exfield.ts';
import type { ExchangeHeap } from './heap.ts';

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
  /** The blocks its pointer slots hold, slot by slot (absent when it has no pointers). */
  readonly kids?: readonly (WireBlock | null)[];
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
  /** The block whose pointer holds this one (null for a root), and which of its slots. */
  parent: Block | null = null;
  slot = 0;
  /** This block's pointer slots (element by element, `layout.pointers` in order), or null when its
   * layout has none. */
  kids: (Block | null)[] | null = null;
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

  /** A fresh record for the same memory, shape and charge: the next ownership period's. */
  successor(): Block {
    return new Block(this.heap, this.region, this.offset, this.size, this.kind, this.layout, this.count, this.charge);
  }
}
