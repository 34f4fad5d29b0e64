// Exchange-heap field types: blocks that move (not copy) when sent — Sing#'s `byte[] in ExHeap`,
// `rep struct` in ExHeap, and vectors of those.
// Rules for callers: describe a record's layout with `exLayout({ x: 'i32', y: 'f64' })` (fixed-width
// fields, laid out in order at their natural alignment); use `bytes`, `exRecord(layout)` and
// `exVector(layout)` as message fields. The channel layer validates and moves such fields (like
// endpoints); the check here only says "a block handle is expected".
// Invariants: layouts and field types are frozen and registered as genuine.
import { INVALID, sealFieldType, type FieldType } from './field.ts';

/** The fixed-width scalars a block holds: Sing#'s byte/sbyte, short/ushort, int/uint, long/ulong
 * (i64/u64, bigint in TypeScript), float/double, bool and char (a UTF-16 code unit). */
export type Scalar = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'i64' | 'u64' | 'f32' | 'f64' | 'bool' | 'char';
const WIDTH: Readonly<Record<Scalar, number>> = { u8: 1, i8: 1, bool: 1, u16: 2, i16: 2, char: 2, u32: 4, i32: 4, f32: 4, i64: 8, u64: 8, f64: 8 };

/** A scalar's value in TypeScript. */
export type ScalarValue<S extends Scalar> = S extends 'bool' ? boolean : S extends 'i64' | 'u64' ? bigint : number;

export interface LayoutField { readonly name: string; readonly type: Scalar; readonly offset: number }
export interface Layout<F extends Record<string, Scalar> = Record<string, Scalar>> {
  readonly fields: readonly LayoutField[];
  /** Bytes per record, padded to the widest field's alignment. */
  readonly size: number;
  readonly describe: string;
  readonly byName: Readonly<Record<string, LayoutField>>;
  readonly __fields?: F;
}

export type LayoutValues<L> = L extends Layout<infer F> ? { [K in keyof F]: ScalarValue<F[K]> } : never;

const IDENT = /^[A-Za-z_]\w*$/;
const layouts = new WeakSet<object>();

export function isLayout(v: unknown): v is Layout {
  return typeof v === 'object' && v !== null && layouts.has(v);
}

export function exLayout<const F extends Record<string, Scalar>>(fields: F): Layout<F> {
  const out: LayoutField[] = [];
  let offset = 0;
  let align = 1;
  for (const name of Object.keys(fields)) {
    const type = fields[name] as Scalar;
    if (!IDENT.test(name) || name === '__proto__') throw new TypeError(`exLayout: field name ${JSON.stringify(name)} must be an identifier`);
    const w = WIDTH[type];
    if (w === undefined) throw new TypeError(`exLayout: field ${name}: ${String(type)} is not one of ${Object.keys(WIDTH).join(', ')}`);
    offset = Math.ceil(offset / w) * w;
    out.push(Object.freeze({ name, type, offset }));
    offset += w;
    align = Math.max(align, w);
  }
  if (out.length === 0) throw new TypeError('exLayout: a layout needs at least one field');
  const size = Math.ceil(offset / align) * align;
  const byName = Object.freeze(Object.assign(Object.create(null) as Record<string, LayoutField>, Object.fromEntries(out.map((f) => [f.name, f]))));
  const layout = Object.freeze({ fields: Object.freeze(out), size, describe: `{${out.map((f) => `${f.name}:${f.type}@${f.offset}`).join(',')}}/${size}`, byName });
  layouts.add(layout);
  return layout as Layout<F>;
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
  /** Copies `src` into the block at `at`. */
  write(src: ArrayLike<number>, at?: number): void;
  readText(start?: number, end?: number): string;
  /** Encodes `s` as UTF-8 at `at`; returns the bytes written (throws if it does not fit). */
  writeText(s: string, at?: number): number;
  /** A window on [start, end) of the same block, revoked with it. */
  view(start: number, end?: number): Bytes;
  /** Cuts the block in two at `at`, without copying: returns [head, tail]; this handle is revoked. */
  split(at: number): [Bytes, Bytes];
  free(): void;
}
export interface ExRecord<L extends Layout> {
  get<K extends keyof LayoutValues<L> & string>(field: K): LayoutValues<L>[K];
  set<K extends keyof LayoutValues<L> & string>(field: K, v: LayoutValues<L>[K]): void;
  free(): void;
}
export interface ExVector<L extends Layout> {
  readonly length: number;
  get<K extends keyof LayoutValues<L> & string>(i: number, field: K): LayoutValues<L>[K];
  set<K extends keyof LayoutValues<L> & string>(i: number, field: K, v: LayoutValues<L>[K]): void;
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

/** `char[] in ExHeap`: text in the exchange heap. */
export const text: FieldType<ExText> & { readonly block: BlockSpec } = exArray('char');
