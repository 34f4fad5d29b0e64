// Exchange-heap field types: blocks that move (not copy) when sent — Sing#'s `byte[] in ExHeap`,
// `rep struct` in ExHeap, vectors of scalars and of structs, and trees of those.
// Rules for callers: describe a record's layout with `exLayout({ x: 'i32', y: 'f64' })` (fixed-width
// fields, laid out in order at their natural alignment); a field may also be a pointer to another
// block, `exPtr(text)`, which makes the record the root of a tree (Sing#'s `char[] in ExHeap`
// inside a rep struct; `byte[][] in ExHeap` is a vector of one-pointer records, `exPointers`).
// Use `bytes`, `text`, `exArray(s)`, `exRecord(layout)` and `exVector(layout)` as message fields.
// The channel layer validates and moves such fields (like endpoints); the check here only says "a
// block handle is expected".
// Invariants: layouts and field types are frozen and registered as genuine. A pointer slot takes
// eight bytes of its record in the arena, which stay zero: the pointer itself lives in the kernel's
// record of the block (src/exheap/heap.ts), so no integer a program writes can become a pointer,
// and the quota that bounds the arena bytes also bounds the kernel's table of pointers.
import { INVALID, sealFieldType, type FieldType } from './field.ts';

/** The fixed-width scalars a block holds: Sing#'s byte/sbyte, short/ushort, int/uint, long/ulong
 * (i64/u64, bigint in TypeScript), float/double, bool and char (a UTF-16 code unit). */
export type Scalar = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'i64' | 'u64' | 'f32' | 'f64' | 'bool' | 'char';
const WIDTH: Readonly<Record<Scalar, number>> = { u8: 1, i8: 1, bool: 1, u16: 2, i16: 2, char: 2, u32: 4, i32: 4, f32: 4, i64: 8, u64: 8, f64: 8 };

/** A scalar's value in TypeScript. */
export type ScalarValue<S extends Scalar> = S extends 'bool' ? boolean : S extends 'i64' | 'u64' ? bigint : number;

/** A pointer field's type: a slot holding one block of `target`'s shape, or nothing. */
export interface Pointer<H = unknown> {
  readonly pointer: BlockSpec;
  readonly describe: string;
  readonly __handle?: H;
}

/** What a layout's fields may be: scalars and pointers to other blocks. */
export type FieldSpec = Scalar | Pointer;

export interface LayoutField { readonly name: string; readonly type: Scalar; readonly offset: number }
/** A pointer slot: `index` is its place among the record's pointers (the kernel keeps a record's
 * pointers in that order, vector element by element). */
export interface PointerField { readonly name: string; readonly target: BlockSpec; readonly index: number; readonly offset: number }
export interface Layout<F extends Record<string, FieldSpec> = Record<string, FieldSpec>> {
  /** The scalar fields. */
  readonly fields: readonly LayoutField[];
  readonly pointers: readonly PointerField[];
  /** Bytes per record, padded to the widest field's alignment. */
  readonly size: number;
  readonly describe: string;
  readonly byName: Readonly<Record<string, LayoutField>>;
  readonly pointerByName: Readonly<Record<string, PointerField>>;
  readonly __fields?: F;
}

type FieldsOf<L> = L extends Layout<infer F> ? F : never;
/** A layout's scalar fields and their TypeScript values. */
export type LayoutValues<L> = { [K in keyof FieldsOf<L> as FieldsOf<L>[K] extends Scalar ? K : never]: ScalarValue<FieldsOf<L>[K] & Scalar> };
/** A layout's pointer fields and the handle each holds. */
export type LayoutPointers<L> = { [K in keyof FieldsOf<L> as FieldsOf<L>[K] extends Pointer ? K : never]: FieldsOf<L>[K] extends Pointer<infer H> ? H : never };

const IDENT = /^[A-Za-z_]\w*$/;
const layouts = new WeakSet<object>();

export function isLayout(v: unknown): v is Layout {
  return typeof v === 'object' && v !== null && layouts.has(v);
}

const pointers = new WeakSet<object>();
const POINTER_WIDTH = 8;

function isPointer(v: unknown): v is Pointer {
  return typeof v === 'object' && v !== null && pointers.has(v);
}

export function exLayout<const F extends Record<string, FieldSpec>>(fields: F): Layout<F> {
  const out: LayoutField[] = [];
  const ptrs: PointerField[] = [];
  const parts: string[] = [];
  let offset = 0;
  let align = 1;
  for (const name of Object.keys(fields)) {
    const type = fields[name] as FieldSpec;
    if (!IDENT.test(name) || name === '__proto__') throw new TypeError(`exLayout: field name ${JSON.stringify(name)} must be an identifier`);
    const w = typeof type === 'string' ? WIDTH[type] : isPointer(type) ? POINTER_WIDTH : undefined;
    if (w === undefined) throw new TypeError(`exLayout: field ${name}: ${String(type)} is not one of ${Object.keys(WIDTH).join(', ')} or a pointer made by exPtr()`);
    offset = Math.ceil(offset / w) * w;
    if (typeof type === 'string') {
      out.push(Object.freeze({ name, type, offset }));
      parts.push(`${name}:${type}@${offset}`);
    } else {
      ptrs.push(Object.freeze({ name, target: (type as Pointer).pointer, index: ptrs.length, offset }));
      parts.push(`${name}:${(type as Pointer).describe}@${offset}`);
    }
    offset += w;
    align = Math.max(align, w);
  }
  if (parts.length === 0) throw new TypeError('exLayout: a layout needs at least one field');
  const size = Math.ceil(offset / align) * align;
  const byName = Object.freeze(Object.assign(Object.create(null) as Record<string, LayoutField>, Object.fromEntries(out.map((f) => [f.name, f]))));
  const pointerByName = Object.freeze(Object.assign(Object.create(null) as Record<string, PointerField>, Object.fromEntries(ptrs.map((f) => [f.name, f]))));
  const layout = Object.freeze({ fields: Object.freeze(out), pointers: Object.freeze(ptrs), size, describe: `{${parts.join(',')}}/${size}`, byName, pointerByName });
  layouts.add(layout);
  return layout as Layout<F>;
}

/** How many pointer slots a block of `count` elements laid out by `layout` has (element by
 * element, `layout.pointers` in order). */
export function pointerSlots(layout: Layout | null, count: number): number {
  return layout === null ? 0 : count * layout.pointers.length;
}

/** What pointer slot `slot` of a block laid out by `layout` holds. */
export function pointerTarget(layout: Layout, slot: number): BlockSpec {
  const ptrs = layout.pointers;
  return (ptrs[slot % ptrs.length] as PointerField).target;
}

/** Whether a block of `kind` and `layout` is what `spec` asks for (layouts compare by shape). */
export function fitsSpec(kind: BlockKind, layout: Layout | null, spec: BlockSpec): boolean {
  return kind === spec.kind && (spec.layout === null || (layout !== null && layout.describe === spec.layout.describe));
}

/** A pointer field to a block of `target`'s shape (`exPtr(text)` is Sing#'s `char[] in ExHeap`
 * field inside a rep struct). Every pointer may be empty (null), as every Sing# pointer could. */
export function exPtr<H>(target: FieldType<H> & { readonly block: BlockSpec }): Pointer<H> {
  const spec = (target as { readonly block?: unknown }).block;
  if (typeof spec !== 'object' || spec === null) throw new TypeError('exPtr: give an exchange-heap field type (bytes, text, exArray, exRecord, exVector)');
  const p = Object.freeze({ pointer: spec as BlockSpec, describe: `*${target.describe}` });
  pointers.add(p);
  return p as Pointer<H>;
}

export type BlockKind = 'bytes' | 'record' | 'vector' | 'array';

/** What a block-typed message field expects. */
export interface BlockSpec { readonly kind: BlockKind; readonly layout: Layout | null }

/** The handle types programs hold (implemented in src/exheap/handles.ts). */
export interface Bytes {
  readonly length: number;
  get(i: number): number;
  set(i: number, v: number): void;
  /** Copies bytes [start, end) out of the exchange heap. */
  read(start?: number, end?: number): Uint8Array;
  /** Copies bytes [start, end) into `dst` at `at` (a program's own array, reused: nothing is
   * allocated); returns the number of bytes copied. */
  readInto(dst: Uint8Array, start?: number, end?: number, at?: number): number;
  /** Copies `src` into the block at `at`. */
  write(src: ArrayLike<number>, at?: number): void;
  readText(start?: number, end?: number): string;
  /** Encodes `s` as UTF-8 at `at`; returns the bytes written (throws if it does not fit). */
  writeText(s: string, at?: number): number;
  /** A window on [start, end) of the same block, revoked with it. */
  view(start: number, end?: number): Bytes;
  /** Copies bytes [start, end) of `src` (another byte block or view the caller holds) into this
   * block at `at`, inside the exchange heap (no copy through a program's memory); returns the
   * number of bytes copied. */
  copyFrom(src: Bytes, start?: number, end?: number, at?: number): number;
  /** Cuts the block in two at `at`, without copying: returns [head, tail]; this handle is revoked. */
  split(at: number): [Bytes, Bytes];
  free(): void;
  /** The block's memory itself, for a trusted program only (E_PRIVILEGE otherwise): it cannot be
   * revoked, so a trusted program must not keep it past the block's life with it. */
  raw(): Uint8Array;
}
/** A record in the exchange heap. Its pointer fields make it the root of a tree: `put` moves a
 * block into a field (the handle given is revoked), `take` moves it out again (Sing#'s
 * expose/unexpose, ending with the field null), `open` lends a handle on the block where it stands
 * (it may read and write it, never free, split, send or store it, and it is revoked when the block
 * moves). Freeing or sending the record frees or moves the whole tree. */
export interface ExRecord<L extends Layout> {
  get<K extends keyof LayoutValues<L> & string>(field: K): LayoutValues<L>[K];
  set<K extends keyof LayoutValues<L> & string>(field: K, v: LayoutValues<L>[K]): void;
  take<K extends keyof LayoutPointers<L> & string>(field: K): LayoutPointers<L>[K] | null;
  put<K extends keyof LayoutPointers<L> & string>(field: K, block: LayoutPointers<L>[K]): void;
  open<K extends keyof LayoutPointers<L> & string>(field: K): LayoutPointers<L>[K] | null;
  free(): void;
}
/** A vector of records, element by element as ExRecord. */
export interface ExVector<L extends Layout> {
  readonly length: number;
  get<K extends keyof LayoutValues<L> & string>(i: number, field: K): LayoutValues<L>[K];
  set<K extends keyof LayoutValues<L> & string>(i: number, field: K, v: LayoutValues<L>[K]): void;
  take<K extends keyof LayoutPointers<L> & string>(i: number, field: K): LayoutPointers<L>[K] | null;
  put<K extends keyof LayoutPointers<L> & string>(i: number, field: K, block: LayoutPointers<L>[K]): void;
  open<K extends keyof LayoutPointers<L> & string>(i: number, field: K): LayoutPointers<L>[K] | null;
  free(): void;
}

/** A vector of one scalar in the exchange heap (Sing#'s `int[] in ExHeap`, `long[]`, `bool[]`...). */
export interface ExArray<S extends Scalar> {
  readonly length: number;
  /** The scalar type of its elements. */
  readonly element: S;
  get(i: number): ScalarValue<S>;
  set(i: number, v: ScalarValue<S>): void;
  /** Copies elements [start, end) out of the exchange heap. */
  read(start?: number, end?: number): ScalarValue<S>[];
  /** Copies `src` into the block from element `at`. */
  write(src: ArrayLike<ScalarValue<S>>, at?: number): void;
  free(): void;
}

/** `char[] in ExHeap`, Singularity's string: UTF-16 code units, no host string kept inside. */
export interface ExText extends ExArray<'char'> {
  /** Decodes code units [start, end) (a lone surrogate stays one). */
  readString(start?: number, end?: number): string;
  /** Writes `s`'s code units from `at`; returns how many (throws if they do not fit). */
  writeString(s: string, at?: number): number;
}

function blockField<T>(spec: BlockSpec, describe: string): FieldType<T> & { readonly block: BlockSpec } {
  return sealFieldType({ kind: 'block' as const, describe, check: () => false, take: () => INVALID, block: Object.freeze(spec) });
}

/** A byte vector in the exchange heap (`byte[] in ExHeap`). */
export const bytes: FieldType<Bytes> & { readonly block: BlockSpec } = blockField({ kind: 'bytes', layout: null }, 'exbytes');

export function exRecord<L extends Layout>(layout: L): FieldType<ExRecord<L>> & { readonly block: BlockSpec } {
  if (!isLayout(layout)) throw new TypeError('exRecord: give a layout made by exLayout()');
  return blockField({ kind: 'record', layout }, `exrecord${layout.describe}`);
}

export function exVector<L extends Layout>(layout: L): FieldType<ExVector<L>> & { readonly block: BlockSpec } {
  if (!isLayout(layout)) throw new TypeError('exVector: give a layout made by exLayout()');
  return blockField({ kind: 'vector', layout }, `exvector${layout.describe}`);
}

const arrays = new Map<Scalar, FieldType<ExArray<Scalar>> & { readonly block: BlockSpec }>();

/** The one-field layout an array's elements are laid out by. */
export function elementLayout(s: Scalar): Layout {
  return exLayout({ value: s });
}

/** A vector of scalars in the exchange heap (`int[] in ExHeap` is `exArray('i32')`). */
export function exArray<S extends Scalar>(s: S): FieldType<S extends 'char' ? ExText : ExArray<S>> & { readonly block: BlockSpec } {
  if (!Object.hasOwn(WIDTH, s)) throw new TypeError(`exArray: ${String(s)} is not one of ${Object.keys(WIDTH).join(', ')}`);
  let f = arrays.get(s);
  if (f === undefined) {
    f = blockField<ExArray<Scalar>>({ kind: 'array', layout: elementLayout(s) }, `exarray<${s}>`);
    arrays.set(s, f);
  }
  return f as never;
}

/** A vector of pointers (`byte[][] in ExHeap`, `char[][] in ExHeap`): records of one pointer
 * field, `value`. */
export function exPointers<H>(target: FieldType<H> & { readonly block: BlockSpec }): FieldType<ExVector<Layout<{ value: Pointer<H> }>>> & { readonly block: BlockSpec } {
  return exVector(exLayout({ value: exPtr(target) }));
}

/** `char[] in ExHeap`: text in the exchange heap. */
export const text: FieldType<ExText> & { readonly block: BlockSpec } = exArray('char');
