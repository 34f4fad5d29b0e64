// Carriers: how moved fields cross one domain connection. Both make link ports on the connection's
// mux and kernel-held channels for endpoints; they differ in blocks.
// - SharedCarrier (worker domains): the two heaps are partitions of one SharedArrayBuffer, so a
//   block crosses as a WireBlock (where it is, and a share of its region's weight) and is never
//   copied; the memory is freed by its home once every part everywhere is freed (heap.ts).
// - CopyCarrier (process domains): the arena is not shared, so the bytes are copied into the
//   message and the block is freed on the sending side; the receiver allocates its own.
// Rules for callers: one carrier per side of a connection, made with that side's kernel and mux;
// `ledger` hooks (parent side only) see every block that crosses, for the domain's death.
// A tree of blocks crosses whole: its wire form nests the blocks its pointer slots hold, slot by
// slot, and every block of it is checked against the layout the contract gives before any is taken.
// Invariants: every block handed to blockOut is gone from this heap's owners afterwards; every
// block blockIn returns is owned by the kernel owner (the link sends it on at once); a wire block
// never received is given back exactly once (dropBlock).
import { openChannel } from '../channels/index.ts';
import type { CompiledContract } from '../contracts/compiler.ts';
import { pointerSlots, pointerTarget, type BlockKind, type BlockSpec, type Layout } from '../contracts/exfield.ts';
import { blockOfHandle, handleFor } from '../exheap/handles.ts';
import type { Block, WireBlock } from '../exheap/heap.ts';
import type { Kernel } from '../kernel/index.ts';
import { LinkError, type Carrier, type Port } from './link.ts';
import type { Mux } from './mux.ts';
import { unmetered } from '../lib/metered-builtins.ts';

/** What the parent learns of blocks crossing a connection (see router.ts). */
export interface Ledger {
  into(w: WireBlock): void;
  outOf(w: WireBlock): void;
}

function isRec(v: unknown): v is Record<string, unknown> { return typeof v === 'object' && v !== null; }

abstract class MuxCarrier implements Carrier {
  constructor(protected readonly kernel: Kernel, protected readonly mux: Mux) {}
  open(): { readonly id: number; readonly port: Port } { return this.mux.open(); }
  adopt(id: number): Port { return this.mux.port(id); }
  channel(cc: CompiledContract, state: number): [never, never] {
    return openChannel(cc, this.kernel.owner, this.kernel.owner, state) as unknown as [never, never];
  }

  protected blockOf(h: unknown): NonNullable<ReturnType<typeof blockOfHandle>> {
    const b = blockOfHandle(h);
    if (b === undefined || b === null || b.gone !== null || b.owner !== this.kernel.owner) throw new LinkError('E_LINK_WIRE', 'a block to send across is not a live block the kernel holds');
    return b;
  }

  abstract blockOut(h: unknown): unknown;
  abstract blockIn(w: unknown, spec: BlockSpec): unknown;
  abstract dropBlock(w: unknown): void;
}

const KINDS: readonly BlockKind[] = ['bytes', 'record', 'vector', 'array'];

function eachWire(w: WireBlock, f: (w: WireBlock) => void): void {
  f(w);
  for (const k of w.kids ?? []) if (k !== null) eachWire(k, f);
}

/** A wire block and its subtree, checked against `spec` (its kind only, when `spec.layout` is
 * unknown, as for a block being dropped). */
function wireTree(w: unknown, spec: BlockSpec, arena: number): WireBlock {
  const b = wireBlock(w, spec, arena);
  const kids = (w as Record<string, unknown>)['kids'];
  if (kids === undefined) {
    if (pointerSlots(spec.layout, b.count) !== 0) throw new LinkError('E_LINK_WIRE', `a ${spec.kind} block from the other domain lacks its pointer slots`);
    return b;
  }
  if (!Array.isArray(kids) || (spec.layout !== null && kids.length !== pointerSlots(spec.layout, b.count))) throw new LinkError('E_LINK_WIRE', `a ${spec.kind} block from the other domain has the wrong number of pointer slots`);
  const layout = spec.layout;
  const out = kids.map((k: unknown, i) => {
    if (k === null) return null;
    const ks: BlockSpec = layout !== null ? pointerTarget(layout, i) : { kind: isRec(k) ? k['kind'] as BlockKind : 'bytes', layout: null };
    if (!KINDS.includes(ks.kind)) throw new LinkError('E_LINK_WIRE', 'a block from the other domain holds something that is not a block');
    return wireTree(k, ks, arena);
  });
  return { ...b, kids: out };
}

function wireBlock(w: unknown, spec: BlockSpec, arena: number): WireBlock {
  if (!isRec(w)) throw new LinkError('E_LINK_WIRE', 'a block from the other domain is not a block');
  const n = (k: string): number => {
    const v = w[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new LinkError('E_LINK_WIRE', `a block from the other domain has a bad ${k}`);
    return v;
  };
  const b: WireBlock = { home: n('home'), region: n('region'), offset: n('offset'), size: n('size'), kind: w['kind'] as BlockKind, count: n('count'), weight: n('weight') };
  if (b.kind !== spec.kind || b.offset + b.size > arena || b.weight === 0) throw new LinkError('E_LINK_WIRE', `a block from the other domain is not a ${spec.kind} block inside the arena`);
  return b;
}

export class SharedCarrier extends MuxCarrier {
  constructor(kernel: Kernel, mux: Mux, private readonly ledger: Ledger | null = null) { super(kernel, mux); }

  blockOut(h: unknown): WireBlock {
    const w = this.kernel.heap.sendAcross(this.blockOf(h));
    const ledger = this.ledger;
    if (ledger !== null) eachWire(w, (x) => { ledger.into(x); });
    return w;
  }

  blockIn(w: unknown, spec: BlockSpec): unknown {
    const b = wireTree(w, spec, this.kernel.heap.arena.byteLength);
    const ledger = this.ledger;
    if (ledger !== null) eachWire(b, (x) => { ledger.outOf(x); });
    return handleFor(this.kernel.heap.receiveAcross(b, spec.layout, this.kernel.owner), this.kernel.owner);
  }

  dropBlock(w: unknown): void {
    if (!isRec(w) || typeof w['kind'] !== 'string' || !KINDS.includes(w['kind'] as BlockKind)) return;
    const b = wireTree(w, { kind: w['kind'] as BlockKind, layout: null }, this.kernel.heap.arena.byteLength);
    const ledger = this.ledger;
    if (ledger !== null) eachWire(b, (x) => { ledger.outOf(x); });
    this.kernel.heap.dropAcross(b);
  }
}

/** A block copied across: its bytes and shape, and the blocks its pointer slots hold. */
interface CopiedBlock { readonly kind: BlockKind; readonly count: number; readonly bytes: Uint8Array; readonly kids?: (CopiedBlock | null)[] }

function copyTree(u8: Uint8Array, b: Block): CopiedBlock {
  const out = { kind: b.kind, count: b.count, bytes: unmetered.slice(u8, b.offset, b.offset + b.size) };
  return b.kids === null ? out : { ...out, kids: b.kids.map((k) => (k === null ? null : copyTree(u8, k))) };
}

export class CopyCarrier extends MuxCarrier {
  blockOut(h: unknown): CopiedBlock {
    const b = this.blockOf(h);
    const heap = this.kernel.heap;
    const out = copyTree(heap.u8, b);
    heap.free(b); // the whole tree
    return out;
  }

  blockIn(w: unknown, spec: BlockSpec): unknown {
    // Check the whole tree's shape first: nothing is allocated for a copy that is refused.
    this.checkCopy(w, spec);
    return handleFor(this.copyIn(w as CopiedBlock, spec), this.kernel.owner);
  }

  private copyIn(w: CopiedBlock, spec: BlockSpec): Block {
    const heap = this.kernel.heap;
    const b = heap.allocate(this.kernel.owner, w.bytes.length, spec.kind, spec.layout, spec.kind === 'bytes' ? w.bytes.length : w.count);
    unmetered.set(heap.u8, w.bytes, b.offset);
    try {
      w.kids?.forEach((k, i) => { if (k !== null) heap.store(b, i, this.copyIn(k, pointerTarget(spec.layout as Layout, i))); });
    } catch (e) {
      heap.free(b); // and what of the tree was already copied in
      throw e;
    }
    return b;
  }

  private checkCopy(w: unknown, spec: BlockSpec): void {
    if (!isRec(w) || !(w['bytes'] instanceof Uint8Array) || w['kind'] !== spec.kind || typeof w['count'] !== 'number' || !Number.isSafeInteger(w['count']) || w['count'] < 0) {
      throw new LinkError('E_LINK_WIRE', `a block from the other domain is not a ${spec.kind} block`);
    }
    const bytes = w['bytes'];
    const width = spec.layout === null ? 1 : bytes.length / Math.max(1, w['count']);
    if (spec.layout !== null && (!Number.isInteger(width) || (spec.kind === 'record' && w['count'] !== 1))) throw new LinkError('E_LINK_WIRE', `a ${spec.kind} block from the other domain has a size its count does not divide`);
    const kids = w['kids'];
    const slots = pointerSlots(spec.layout, w['count']);
    if (kids === undefined && slots === 0) return;
    if (!Array.isArray(kids) || kids.length !== slots) throw new LinkError('E_LINK_WIRE', `a ${spec.kind} block from the other domain has the wrong number of pointer slots`);
    kids.forEach((k: unknown, i) => { if (k !== null) this.checkCopy(k, pointerTarget(spec.layout as Layout, i)); });
  }

  dropBlock(): void { /* a copy: the sender freed its block already */ }
}
