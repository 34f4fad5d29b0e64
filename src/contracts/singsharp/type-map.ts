// How Sing# names map to Sing's: scalar argument types, the scalars of exchange-heap layouts, the
// types that cannot cross a channel, and argument names that collide with a message's own
// properties. Tables only; lower-types.ts applies them with the file's enums and structs in hand.
// Mapping decisions (docs/contracts.md, section 5.2, has the whole table):
// - argument scalars: int→i32, uint→u32, long/ulong/float/double (and UIntPtr/IntPtr)→f64 (64-bit
//   integers lose precision above 2^53), bool→bool, byte/sbyte/short/ushort/char→i32 (range not
//   narrowed). `string`, `object` and `decimal` are not exchangeable and are rejected.
// - in a block: byte→u8, sbyte→i8, short→i16, ushort→u16, char→char, int→i32, uint→u32,
//   long→i64, ulong→u64 (UIntPtr/IntPtr too), float→f32, double→f64, bool→bool; an enum by its
//   base type.
// - an argument named tag, ep, then or constructor gets an underscore appended (fieldName).
import { bool, f64, i32, u32, type FieldType } from '../field.ts';
import type { Scalar } from '../exfield.ts';
import type { TypeExpr } from './parser.ts';

export const RESERVED_FIELDS: ReadonlySet<string> = new Set(['tag', 'ep', 'then', '__proto__', 'constructor']);

/** An argument's name as a Sing message field: one that collides with the properties every
 * received message has (`tag`, `ep`) or with names no field may take (`then`, `constructor`)
 * gets an underscore appended, more while that is another argument's name (`tag` -> `tag_`).
 * docs/design-notes.md §15; `sing contract import` writes the same names. */
export function fieldName(name: string, declared: ReadonlySet<string>): string {
  if (!RESERVED_FIELDS.has(name)) return name;
  let out = `${name}_`;
  while (declared.has(out)) out += '_';
  return out;
}

/** A scalar argument's field type and its TypeScript source. */
export const SCALAR_FIELD: Readonly<Record<string, [FieldType<unknown>, string]>> = {
  int: [i32, 'i32'], uint: [u32, 'u32'], long: [f64, 'f64'], ulong: [f64, 'f64'], float: [f64, 'f64'], double: [f64, 'f64'],
  bool: [bool, 'bool'], byte: [i32, 'i32'], sbyte: [i32, 'i32'], short: [i32, 'i32'], ushort: [i32, 'i32'], char: [i32, 'i32'],
  // Pointer-sized integers (64-bit, as the RDK's x64 build had them).
  UIntPtr: [f64, 'f64'], IntPtr: [f64, 'f64'],
};

/** A scalar's layout in an exchange-heap block. */
export const LAYOUT_SCALAR: Readonly<Record<string, Scalar>> = {
  byte: 'u8', sbyte: 'i8', short: 'i16', ushort: 'u16', char: 'char', int: 'i32', uint: 'u32', long: 'i64', ulong: 'u64',
  float: 'f32', double: 'f64', bool: 'bool', UIntPtr: 'u64', IntPtr: 'i64',
};

export const NOT_EXCHANGEABLE: ReadonlySet<string> = new Set(['string', 'object', 'decimal', 'String', 'Object']);

/** A type as the source wrote it, for diagnostics. */
export function describeType(t: TypeExpr): string {
  switch (t.kind) {
    case 'named': return t.name;
    case 'other': return t.text;
    case 'exheap': return `${t.elem}${t.suffix.join('')} in ExHeap`;
    case 'endpoint': return `${t.contract}.${t.side === 'imp' ? 'Imp' : 'Exp'}${t.state === '' ? '' : `:${t.state}`}`;
  }
}
