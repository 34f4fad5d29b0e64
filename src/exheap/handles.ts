// Block handles: what programs hold for exchange-heap blocks — byte vectors (Bytes), records
// (ExRecord) and vectors of records (ExVector).
// Rules for callers: only the kernel and the channel layer make handles (`handleFor`); programs
// cannot construct one. Every access checks that the handle's block record is still live (not
// moved, split or freed since): a stale handle is a violation that ends its holder — "used
// after move" or "used after free". Reads and writes copy between program values and the arena;
// no view of arena memory reaches a program, except `raw()` for a trusted one.
// Invariants: a handle is revoked exactly when its block record retires; views share the record.
import type { Bytes, ExRecord, ExVector, Layout, LayoutField } from '../contracts/exfield.ts';
import { types } from 'node:util';
import { harden } from '../lib/harden.ts';
import { unmetered } from '../lib/metered-builtins.ts';
import { HeapError, type Block, type BlockOwner } from './heap.ts';

const TOKEN: unique symbol = Symbol('block');
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function stale(b: Block, owner: BlockOwner, what: string): never {
  const why = b.gone === 'freed' ? 'used after free (or freed twice)' : b.gone === 'split' ? 'used after split' : 'used after move';
  const e = new HeapError(b.gone === 'freed' ? 'E_FREED' : 'E_MOVED', `${owner.label}: ${what} on an exchange-heap block: ${why}; a handle is revoked when its block is sent, split or freed`);
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

  view(start: number, end?: number): Bytes {
    this.#at('view');
    const [s, e] = range(this.#len, start, end, 'Bytes.view');
    return new BytesHandle(TOKEN, this.#b, this.#owner, this.#start + s, e - s);
  }

  split(at: number): [Bytes, Bytes] {
    this.#at('split');
    const b = this.#b;
    if (this.#start !== 0 || this.#len !== b.size) throw new HeapError('E_SPLIT_VIEW', `${this.#owner.label}: split on a view; split the whole block`);
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

function readField(b: Block, at: number, f: LayoutField): number | boolean {
  const dv = b.heap.dv;
  switch (f.type) {
    case 'u8': return dv.getUint8(at);
    case 'i8': return dv.getInt8(at);
    case 'bool': return dv.getUint8(at) !== 0;
    case 'u16': return dv.getUint16(at, true);
    case 'i16': return dv.getInt16(at, true);
    case 'u32': return dv.getUint32(at, true);
    case 'i32': return dv.getInt32(at, true);
    case 'f32': return dv.getFloat32(at, true);
    case 'f64': return dv.getFloat64(at, true);
  }
}

function writeField(b: Block, at: number, f: LayoutField, v: unknown): void {
  const dv = b.heap.dv;
  if (f.type === 'bool') {
    if (typeof v !== 'boolean') throw new TypeError(`field ${f.name} is bool, got ${typeof v}`);
    dv.setUint8(at, v ? 1 : 0);
    return;
  }
  if (typeof v !== 'number') throw new TypeError(`field ${f.name} is ${f.type}, got ${typeof v}`);
  switch (f.type) {
    case 'u8': dv.setUint8(at, v); return;
    case 'i8': dv.setInt8(at, v); return;
    case 'u16': dv.setUint16(at, v, true); return;
    case 'i16': dv.setInt16(at, v, true); return;
    case 'u32': dv.setUint32(at, v, true); return;
    case 'i32': dv.setInt32(at, v, true); return;
    case 'f32': dv.setFloat32(at, v, true); return;
    case 'f64': dv.setFloat64(at, v, true); return;
  }
}

function fieldOf(layout: Layout, name: string): LayoutField {
  const f = typeof name === 'string' ? layout.byName[name] : undefined;
  if (f === undefined) throw new TypeError(`no field ${String(name)} in ${layout.describe}`);
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
    return readField(this.#b, base + i * layout.size + fieldOf(layout, name).offset, fieldOf(layout, name)) as never;
  }

  set(a: number | string, b: unknown, c?: unknown): void {
    const base = this.#base('set');
    const vector = this.#b.kind === 'vector';
    const [i, name] = this.#index(a, vector ? b as string : undefined);
    const layout = this.#b.layout as Layout;
    const f = fieldOf(layout, name);
    writeField(this.#b, base + i * layout.size + f.offset, f, vector ? c : b);
  }

  #index(a: number | string, b: string | undefined): [number, string] {
    if (this.#b.kind === 'record') return [0, a as string];
    const i = a as number;
    if (!Number.isInteger(i) || i < 0 || i >= this.#b.count) throw new RangeError(`ExVector: index ${String(a)} outside [0, ${this.#b.count})`);
    return [i, b as string];
  }

  free(): void {
    this.#base('free');
    this.#b.heap.free(this.#b);
  }
}
harden(RecordsHandle);

/** A fresh handle on `b` for its current owner. */
export function handleFor(b: Block, owner: BlockOwner): Bytes | RecordsHandle {
  return b.kind === 'bytes' ? new BytesHandle(TOKEN, b, owner, 0, b.size) : new RecordsHandle(TOKEN, b, owner);
}

/** The block a genuine handle stands for; undefined for anything that is not a block handle. */
export function blockOfHandle(h: unknown): Block | undefined {
  return blockOf(h) ?? recordBlockOf(h);
}

/** False for a byte view that does not cover its whole block (such a window cannot be sent);
 * `blockOfHandle` must have said `h` is a handle. */
export function isWholeHandle(h: unknown): boolean {
  return blockOf(h) !== undefined ? wholeOf(h) : true;
}
