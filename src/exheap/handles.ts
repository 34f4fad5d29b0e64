// Block handles: what programs hold for exchange-heap blocks — byte vectors (Bytes), records
// (ExRecord), vectors of records (ExVector) and of scalars (ExArray, ExText).
// Rules for callers: only the kernel and the channel layer make handles (`handleFor`); programs
// cannot construct one. Every access checks that the handle's block record is still live (not
// moved, split or freed since): a stale handle is a violation that ends its holder — "used
// after move" or "used after free". Reads and writes copy between program values and the arena;
// no view of arena memory reaches a program, except `raw()` for a trusted one.
// Trees: a record's pointer fields are reached only through put/take/open, which check the kernel's
// record of the block; a handle on a block inside a tree (from `open`) is lent, so it may not free,
// split, send or store it.
// Invariants: a handle is revoked exactly when its block record retires; views share the record.
import { fitsSpec, type Bytes, type ExRecord, type ExText, type ExVector, type Layout, type LayoutField, type PointerField, type Scalar } from '../contracts/exfield.ts';
import { types } from 'node:util';
import { harden } from '../lib/harden.ts';
import { unmetered } from '../lib/metered-builtins.ts';
import { ExchangeHeap, HeapError, type Block, type BlockOwner } from './heap.ts';

const TOKEN: unique symbol = Symbol('block');
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function stale(b: Block, owner: BlockOwner, what: string): never {
  const why = b.gone === 'freed' ? 'used after free (or freed twice)' : b.gone === 'split' ? 'used after split' : 'used after move';
  const e = new HeapError(b.gone === 'freed' ? 'E_FREED' : 'E_MOVED', `${owner.label}: ${what} on an exchange-heap block: ${why}; a handle is revoked when its block is sent, split or freed`);
  owner.violate(e);
  throw e;
}

/** Refuses to free or split a block inside a tree: it is its root's to free. */
function loose(b: Block, owner: BlockOwner, what: string): void {
  if (b.parent === null) return;
  const e = new HeapError('E_IN_TREE', `${owner.label}: ${what} on an exchange-heap block inside a tree: it is freed and moved with the root of its tree; take it out of its field first`);
  owner.violate(e);
  throw e;
}

function range(len: number, start: number | undefined, end: number | undefined, what: string): [number, number] {
  const s = start ?? 0;
  const e = end ?? len;
  if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e > len || s > e) throw new RangeError(`${what}: range [${String(start)}, ${String(end)}) is not within [0, ${len})`);
  return [s, e];
}

let blockOf: (h: unknown) => Block | undefined;
let wholeOf: (h: unknown) => boolean;

export class BytesHandle implements Bytes {
  readonly #b: Block;
  readonly #owner: BlockOwner;
  readonly #start: number;
  readonly #len: number;

  static {
    blockOf = (h) => (typeof h === 'object' && h !== null && #b in h ? (h as BytesHandle).#b : undefined);
    // a view stands for its block only when it covers all of it: a window cannot be sent
    wholeOf = (h) => (h as BytesHandle).#start === 0 && (h as BytesHandle).#len === (h as BytesHandle).#b.size;
  }

  constructor(token: typeof TOKEN, b: Block, owner: BlockOwner, start: number, len: number) {
    if (token !== TOKEN) throw new TypeError('Bytes: block handles cannot be constructed; allocate with abi.alloc');
    this.#b = b;
    this.#owner = owner;
    this.#start = start;
    this.#len = len;
    Object.freeze(this);
  }

  #at(what: string): number {
    const b = this.#b;
    if (b.gone !== null) stale(b, this.#owner, what);
    return b.offset + this.#start;
  }

  get length(): number { this.#at('length'); return this.#len; }

  get(i: number): number {
    const base = this.#at('get');
    if (!(i >= 0 && i < this.#len) || !Number.isInteger(i)) throw new RangeError(`Bytes.get(${String(i)}): index outside [0, ${this.#len})`);
    return this.#b.heap.dv.getUint8(base + i);
  }

  set(i: number, v: number): void {
    const base = this.#at('set');
    if (!(i >= 0 && i < this.#len) || !Number.isInteger(i)) throw new RangeError(`Bytes.set(${String(i)}): index outside [0, ${this.#len})`);
    if (typeof v !== 'number') throw new TypeError(`Bytes.set: a byte is a number, got ${typeof v}`);
    this.#b.heap.dv.setUint8(base + i, v);
  }

  read(start?: number, end?: number): Uint8Array {
    const base = this.#at('read');
    const [s, e] = range(this.#len, start, end, 'Bytes.read');
    return unmetered.slice(this.#b.heap.u8, base + s, base + e);
  }

  readInto(dst: Uint8Array, start?: number, end?: number, at = 0): number {
    if (!types.isUint8Array(dst)) throw new TypeError('Bytes.readInto: the target must be a Uint8Array');
    const base = this.#at('readInto');
    const [s, e] = range(this.#len, start, end, 'Bytes.readInto');
    if (!Number.isInteger(at) || at < 0 || at + (e - s) > dst.length) throw new RangeError(`Bytes.readInto: ${e - s} bytes at ${String(at)} do not fit in the ${dst.length}-byte target`);
    unmetered.set(dst, unmetered.subarray(this.#b.heap.u8, base + s, base + e), at);
    return e - s;
  }

  write(src: ArrayLike<number>, at = 0): void {
    // Read the source first (its getters are the program's code, and could move or free this
    // block); only then check the block and copy in, with nothing of the program's in between.
    const bytes = types.isUint8Array(src) ? src : Uint8Array.from(src as ArrayLike<number>, (x) => Number(x));
    const base = this.#at('write');
    range(this.#len, at, at + bytes.length, 'Bytes.write');
    unmetered.set(this.#b.heap.u8, bytes, base + at);
  }

  readText(start?: number, end?: number): string {
    return decoder.decode(this.read(start, end));
  }

  writeText(s: string, at = 0): number {
    const bytes = encoder.encode(String(s));
    this.write(bytes, at);
    return bytes.length;
  }

  copyFrom(src: Bytes, start?: number, end?: number, at = 0): number {
    const sb = blockOf(src);
    if (sb === undefined) throw new TypeError('Bytes.copyFrom: the source must be a byte block handle');
    const from = (src as BytesHandle).#at('copyFrom (source)');
    const [s, e] = range((src as BytesHandle).#len, start, end, 'Bytes.copyFrom (source)');
    const base = this.#at('copyFrom');
    range(this.#len, at, at + (e - s), 'Bytes.copyFrom');
    unmetered.copyWithin(this.#b.heap.u8, base + at, from + s, from + e);
    return e - s;
  }

  view(start: number, end?: number): Bytes {
    this.#at('view');
    const [s, e] = range(this.#len, start, end, 'Bytes.view');
    return new BytesHandle(TOKEN, this.#b, this.#owner, this.#start + s, e - s);
  }

  split(at: number): [Bytes, Bytes] {
    this.#at('split');
    const b = this.#b;
    if (this.#start !== 0 || this.#len !== b.size) throw new HeapError('E_SPLIT_VIEW', `${this.#owner.label}: split on a view; split the whole block`);
    loose(b, this.#owner, 'split');
    if (!Number.isInteger(at) || at < 0 || at > b.size) throw new RangeError(`Bytes.split(${String(at)}): the cut must be within [0, ${b.size}]`);
    const [h, t] = b.heap.split(b, at);
    return [new BytesHandle(TOKEN, h, this.#owner, 0, h.size), new BytesHandle(TOKEN, t, this.#owner, 0, t.size)];
  }

  free(): void {
    this.#at('free');
    const b = this.#b;
    if (this.#start !== 0 || this.#len !== b.size) {
      throw new HeapError('E_FREE_VIEW', `${this.#owner.label}: free() on a view of bytes [${this.#start}, ${this.#start + this.#len}) of a ${b.size}-byte block: a view cannot free the block it looks into; free the whole block (or split it first)`);
    }
    loose(b, this.#owner, 'free()');
    b.heap.free(b);
  }

  /** The block's memory itself, for trusted programs only: it cannot be revoked. */
  raw(): Uint8Array {
    const base = this.#at('raw');
    if (!this.#owner.trusted) {
      const e = new HeapError('E_PRIVILEGE', `${this.#owner.label}: raw(): only a trusted program may see exchange-heap memory directly`);
      this.#owner.violate(e);
      throw e;
    }
    return new Uint8Array(this.#b.heap.arena, base, this.#len);
  }
}
harden(BytesHandle);

function readScalar(dv: DataView, at: number, type: Scalar): number | boolean | bigint {
  switch (type) {
    case 'u8': return dv.getUint8(at);
    case 'i8': return dv.getInt8(at);
    case 'bool': return dv.getUint8(at) !== 0;
    case 'u16': case 'char': return dv.getUint16(at, true);
    case 'i16': return dv.getInt16(at, true);
    case 'u32': return dv.getUint32(at, true);
    case 'i32': return dv.getInt32(at, true);
    case 'i64': return dv.getBigInt64(at, true);
    case 'u64': return dv.getBigUint64(at, true);
    case 'f32': return dv.getFloat32(at, true);
    case 'f64': return dv.getFloat64(at, true);
  }
}

/** Writes one scalar; a value of the wrong type, or a wide integer out of its range, is refused
 * (narrower numbers wrap as DataView's setters do, as Sing#'s casts did). */
function writeScalar(dv: DataView, at: number, type: Scalar, v: unknown, what: string): void {
  if (type === 'bool') {
    if (typeof v !== 'boolean') throw new TypeError(`${what} is bool, got ${typeof v}`);
    dv.setUint8(at, v ? 1 : 0);
    return;
  }
  if (type === 'i64' || type === 'u64') {
    if (typeof v !== 'bigint') throw new TypeError(`${what} is ${type}, a bigint, got ${typeof v}`);
    if ((type === 'i64' ? BigInt.asIntN(64, v) : BigInt.asUintN(64, v)) !== v) throw new RangeError(`${what}: ${v} is outside the range of ${type}`);
    if (type === 'i64') dv.setBigInt64(at, v, true);
    else dv.setBigUint64(at, v, true);
    return;
  }
  if (typeof v !== 'number') throw new TypeError(`${what} is ${type}, got ${typeof v}`);
  switch (type) {
    case 'u8': dv.setUint8(at, v); return;
    case 'i8': dv.setInt8(at, v); return;
    case 'u16': case 'char': dv.setUint16(at, v, true); return;
    case 'i16': dv.setInt16(at, v, true); return;
    case 'u32': dv.setUint32(at, v, true); return;
    case 'i32': dv.setInt32(at, v, true); return;
    case 'f32': dv.setFloat32(at, v, true); return;
    case 'f64': dv.setFloat64(at, v, true); return;
  }
}

function fieldOf(layout: Layout, name: string): LayoutField {
  const f = typeof name === 'string' ? layout.byName[name] : undefined;
  if (f === undefined) throw new TypeError(`no scalar field ${String(name)} in ${layout.describe}${typeof name === 'string' && layout.pointerByName[name] !== undefined ? ': it is a pointer; use take, put or open' : ''}`);
  return f;
}

function pointerOf(layout: Layout, name: string): PointerField {
  const f = typeof name === 'string' ? layout.pointerByName[name] : undefined;
  if (f === undefined) throw new TypeError(`no pointer field ${String(name)} in ${layout.describe}`);
  return f;
}

let recordBlockOf: (h: unknown) => Block | undefined;

/** A record or a vector of records in the exchange heap. */
export class RecordsHandle implements ExRecord<Layout>, ExVector<Layout> {
  readonly #b: Block;
  readonly #owner: BlockOwner;

  static {
    recordBlockOf = (h) => (typeof h === 'object' && h !== null && #b in h ? (h as RecordsHandle).#b : undefined);
  }

  constructor(token: typeof TOKEN, b: Block, owner: BlockOwner) {
    if (token !== TOKEN) throw new TypeError('ExRecord: block handles cannot be constructed; allocate with abi.allocRecord');
    this.#b = b;
    this.#owner = owner;
    Object.freeze(this);
  }

  #base(what: string): number {
    const b = this.#b;
    if (b.gone !== null) stale(b, this.#owner, what);
    return b.offset;
  }

  get length(): number { this.#base('length'); return this.#b.count; }

  get(a: number | string, b?: string): never {
    const base = this.#base('get');
    const [i, name] = this.#index(a, b);
    const layout = this.#b.layout as Layout;
    const f = fieldOf(layout, name);
    return readScalar(this.#b.heap.dv, base + i * layout.size + f.offset, f.type) as never;
  }

  set(a: number | string, b: unknown, c?: unknown): void {
    const base = this.#base('set');
    const vector = this.#b.kind === 'vector';
    const [i, name] = this.#index(a, vector ? b as string : undefined);
    const layout = this.#b.layout as Layout;
    const f = fieldOf(layout, name);
    writeScalar(this.#b.heap.dv, base + i * layout.size + f.offset, f.type, vector ? c : b, `field ${f.name}`);
  }

  #index(a: number | string, b: string | undefined): [number, string] {
    if (this.#b.kind === 'record') return [0, a as string];
    const i = a as number;
    if (!Number.isInteger(i) || i < 0 || i >= this.#b.count) throw new RangeError(`ExVector: index ${String(a)} outside [0, ${this.#b.count})`);
    return [i, b as string];
  }

  /** The pointer slot named by (index, field) or (field): its number among the block's kids. */
  #slot(what: string, a: number | string, b: string | undefined): [PointerField, number] {
    this.#base(what);
    const [i, name] = this.#index(a, this.#b.kind === 'vector' ? b : undefined);
    const layout = this.#b.layout as Layout;
    const f = pointerOf(layout, name);
    return [f, i * layout.pointers.length + f.index];
  }

  take(a: number | string, b?: string): never {
    const [, slot] = this.#slot('take', a, b);
    const k = this.#b.heap.take(this.#b, slot);
    return (k === null ? null : handleFor(k, this.#owner)) as never;
  }

  open(a: number | string, b?: string): never {
    const [, slot] = this.#slot('open', a, b);
    const k = (this.#b.kids as (Block | null)[])[slot] ?? null;
    return (k === null ? null : handleFor(k, this.#owner)) as never;
  }

  put(a: number | string, b: unknown, c?: unknown): void {
    const vector = this.#b.kind === 'vector';
    const [f, slot] = this.#slot('put', a, vector ? b as string : undefined);
    const h = vector ? c : b;
    const kb = blockOfHandle(h);
    const where = `${this.#owner.label}: put into field ${f.name}`;
    if (kb === undefined) throw new TypeError(`${where}: expected an exchange-heap block handle, got ${h === null ? 'null' : typeof h}`);
    if (kb.gone !== null) stale(kb, this.#owner, 'put');
    const parent = this.#b;
    loose(kb, this.#owner, 'put');
    if (ExchangeHeap.rootOf(parent) === kb) throw new HeapError('E_CYCLE', `${where}: the block is the root of the tree it would be stored in; a block cannot hold itself`);
    if (!isWholeHandle(h)) throw new HeapError('E_STORE_VIEW', `${where}: a view cannot be stored; store the whole block`);
    const spec = f.target;
    if (!fitsSpec(kb.kind, kb.layout, spec)) {
      throw new HeapError('E_STORE_TYPE', `${where}: the field holds ${spec.kind}${spec.layout === null ? '' : ` ${spec.layout.describe}`} blocks, not a ${kb.kind} block${kb.layout === null ? '' : ` ${kb.layout.describe}`}`);
    }
    if (kb.owner !== parent.owner) throw new HeapError('E_STORE_OWNER', `${where}: the block is not the owner's`);
    if (((parent.kids as (Block | null)[])[slot] ?? null) !== null) throw new HeapError('E_SLOT_FULL', `${where}: the field already holds a block; take it out (or free the tree) first`);
    parent.heap.store(parent, slot, kb);
  }

  free(): void {
    this.#base('free');
    loose(this.#b, this.#owner, 'free()');
    this.#b.heap.free(this.#b);
  }
}
harden(RecordsHandle);

let arrayBlockOf: (h: unknown) => Block | undefined;

/** A vector of scalars (`int[] in ExHeap`), and text (`char[] in ExHeap`): elements are read and
 * written one at a time or copied in and out; no host string or array is kept inside. */
export class ArrayHandle implements ExText {
  readonly #b: Block;
  readonly #owner: BlockOwner;
  readonly #type: Scalar;
  readonly #width: number;

  static {
    arrayBlockOf = (h) => (typeof h === 'object' && h !== null && #b in h ? (h as ArrayHandle).#b : undefined);
  }

  constructor(token: typeof TOKEN, b: Block, owner: BlockOwner) {
    if (token !== TOKEN) throw new TypeError('ExArray: block handles cannot be constructed; allocate with abi.allocArray');
    this.#b = b;
    this.#owner = owner;
    const f = (b.layout as Layout).fields[0] as LayoutField;
    this.#type = f.type;
    this.#width = (b.layout as Layout).size;
    Object.freeze(this);
  }

  #base(what: string): number {
    const b = this.#b;
    if (b.gone !== null) stale(b, this.#owner, what);
    return b.offset;
  }

  #index(i: number, what: string): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.#b.count) throw new RangeError(`ExArray.${what}(${String(i)}): index outside [0, ${this.#b.count})`);
    return i;
  }

  get element(): 'char' { this.#base('element'); return this.#type as 'char'; }
  get length(): number { this.#base('length'); return this.#b.count; }

  get(i: number): number {
    const base = this.#base('get');
    return readScalar(this.#b.heap.dv, base + this.#index(i, 'get') * this.#width, this.#type) as number;
  }

  set(i: number, v: number): void {
    const base = this.#base('set');
    writeScalar(this.#b.heap.dv, base + this.#index(i, 'set') * this.#width, this.#type, v, `ExArray<${this.#type}> element ${String(i)}`);
  }

  read(start?: number, end?: number): number[] {
    const base = this.#base('read');
    const [s, e] = range(this.#b.count, start, end, 'ExArray.read');
    const dv = this.#b.heap.dv;
    const out: number[] = [];
    for (let i = s; i < e; i++) out.push(readScalar(dv, base + i * this.#width, this.#type) as number);
    return out;
  }

  write(src: ArrayLike<number>, at = 0): void {
    const base = this.#base('write');
    const n = src.length;
    if (!Number.isInteger(at) || at < 0 || at + n > this.#b.count) throw new RangeError(`ExArray.write: ${n} elements at ${String(at)} do not fit in ${this.#b.count}`);
    const dv = this.#b.heap.dv;
    for (let i = 0; i < n; i++) writeScalar(dv, base + (at + i) * this.#width, this.#type, src[i], `ExArray<${this.#type}> element ${at + i}`);
  }

  #text(what: string): number {
    const base = this.#base(what);
    if (this.#type !== 'char') throw new TypeError(`ExArray.${what}: only char[] in ExHeap holds text; this holds ${this.#type}`);
    return base;
  }

  readString(start?: number, end?: number): string {
    const base = this.#text('readString');
    const [s, e] = range(this.#b.count, start, end, 'ExText.readString');
    const dv = this.#b.heap.dv;
    // In slices, so that no argument list grows with the text.
    let out = '';
    const units: number[] = [];
    for (let i = s; i < e; i++) {
      units.push(dv.getUint16(base + i * 2, true));
      if (units.length === 4096) { out += String.fromCharCode(...units); units.length = 0; }
    }
    return out + String.fromCharCode(...units);
  }

  writeString(str: string, at = 0): number {
    const base = this.#text('writeString');
    if (typeof str !== 'string') throw new TypeError(`ExText.writeString: expected a string, got ${typeof str}`);
    if (!Number.isInteger(at) || at < 0 || at + str.length > this.#b.count) throw new RangeError(`ExText.writeString: ${str.length} code units at ${String(at)} do not fit in ${this.#b.count}`);
    const dv = this.#b.heap.dv;
    for (let i = 0; i < str.length; i++) dv.setUint16(base + (at + i) * 2, str.charCodeAt(i), true);
    return str.length;
  }

  free(): void {
    this.#base('free');
    loose(this.#b, this.#owner, 'free()');
    this.#b.heap.free(this.#b);
  }
}
harden(ArrayHandle);

/** A fresh handle on `b` for its current owner. */
export function handleFor(b: Block, owner: BlockOwner): Bytes | RecordsHandle | ArrayHandle {
  if (b.kind === 'bytes') return new BytesHandle(TOKEN, b, owner, 0, b.size);
  return b.kind === 'array' ? new ArrayHandle(TOKEN, b, owner) : new RecordsHandle(TOKEN, b, owner);
}

/** The block a genuine handle stands for; undefined for anything that is not a block handle. */
export function blockOfHandle(h: unknown): Block | undefined {
  return blockOf(h) ?? recordBlockOf(h) ?? arrayBlockOf(h);
}

/** False for a byte view that does not cover its whole block (such a window cannot be sent);
 * `blockOfHandle` must have said `h` is a handle. */
export function isWholeHandle(h: unknown): boolean {
  return blockOf(h) !== undefined ? wholeOf(h) : true;
}
