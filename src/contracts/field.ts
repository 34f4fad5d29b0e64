// Field types: the typed values a message or a program parameter may carry.
// Rules for callers: build field types only with the constructors here (i32, str, record, ...);
// each carries its TypeScript type (for inference), `check` and `take`. `take(v)` validates and,
// for records and arrays, copies in one pass — each property is read exactly once, as an own data
// property — so the receiver never shares a mutable object with the sender and a value cannot
// change between check and copy. It returns INVALID for anything that does not fit.
// Invariants: field types are frozen and registered (contracts refuse forged ones); `check` and
// `take` never throw and never run the value's own code: no getters are invoked, and Proxies are
// refused before any of their traps can run.
import { types } from 'node:util';

declare const typeOf: unique symbol;

export type FieldKind = 'i32' | 'u32' | 'f64' | 'bool' | 'str' | 'enum' | 'record' | 'array' | 'endpoint' | 'block';

/** What `take` returns for a value that does not fit. */
export const INVALID: unique symbol = Symbol('invalid');

export interface FieldType<T> {
  readonly kind: FieldKind;
  /** A stable description, used in messages and in contract fingerprints. */
  readonly describe: string;
  readonly check: (v: unknown) => boolean;
  /** The value to deliver (a fresh copy for records and arrays), or INVALID. Method-typed, so
   * that a FieldType<string> is a FieldType<unknown>. */
  readonly take: { take(v: unknown): T | typeof INVALID }['take'];
  readonly [typeOf]?: T;
}

export type Infer<F> = F extends FieldType<infer T> ? T : never;
export type FieldMap = { readonly [name: string]: FieldType<unknown> };
export type Payload<F extends FieldMap> = { -readonly [K in keyof F]: Infer<F[K]> };

const genuine = new WeakSet<object>();

/** Registers a field type made by trusted code; contracts accept only registered ones, so a
 * program cannot forge a field type whose `check` lets a foreign object across a channel. */
export function sealFieldType<F extends object>(t: F): F {
  Object.freeze(t);
  genuine.add(t);
  return t;
}

export function isFieldType(v: unknown): v is FieldType<unknown> {
  return typeof v === 'object' && v !== null && genuine.has(v);
}

function scalar<T>(kind: FieldKind, describe: string, check: (v: unknown) => boolean): FieldType<T> {
  const take = (v: unknown): T | typeof INVALID => (check(v) ? (v as T) : INVALID);
  return sealFieldType({ kind, describe, check, take });
}

export const i32: FieldType<number> = scalar('i32', 'i32', (v) => typeof v === 'number' && (v | 0) === v);
export const u32: FieldType<number> = scalar('u32', 'u32', (v) => typeof v === 'number' && v >>> 0 === v);
export const f64: FieldType<number> = scalar('f64', 'f64', (v) => typeof v === 'number');
export const bool: FieldType<boolean> = scalar('bool', 'bool', (v) => typeof v === 'boolean');
export const str: FieldType<string> = scalar('str', 'str', (v) => typeof v === 'string');

export function enumOf<const V extends readonly [string, ...string[]]>(...values: V): FieldType<V[number]> {
  if (values.length === 0 || values.some((v) => typeof v !== 'string')) throw new TypeError('enumOf: give one or more strings');
  const set = new Set<unknown>(values);
  return scalar('enum', `enum(${JSON.stringify(values)})`, (v) => set.has(v));
}

/** Reads an own data property without running the object's code (Proxies are refused before). */
function ownData(o: object, key: string | number): { value: unknown } | undefined {
  const d = Object.getOwnPropertyDescriptor(o, key);
  return d !== undefined && 'value' in d ? { value: d.value as unknown } : undefined;
}

function plainObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !types.isProxy(v) && !Array.isArray(v);
}

/** A value record (Sing#'s `rep struct`): copied field by field when sent. */
export function record<const F extends FieldMap>(fields: F): FieldType<Payload<F>> {
  const names = Object.keys(fields);
  const fts = names.map((n) => fields[n] as FieldType<unknown>);
  for (const t of fts) {
    if (!isFieldType(t)) throw new TypeError('record: every field must be a Sing field type (i32, str, record(...), ...)');
    if (t.kind === 'endpoint' || t.kind === 'block') throw new TypeError('record: endpoints and exchange-heap blocks may only be top-level message fields');
  }
  const take = (v: unknown): Payload<F> | typeof INVALID => {
    if (!plainObject(v)) return INVALID;
    const out: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) {
      const n = names[i] as string;
      const d = ownData(v, n);
      if (d === undefined) return INVALID;
      const x = (fts[i] as FieldType<unknown>).take(d.value);
      if (x === INVALID) return INVALID;
      out[n] = x;
    }
    return out as Payload<F>;
  };
  const describe = `{${names.map((n, i) => `${n}:${(fts[i] as FieldType<unknown>).describe}`).join(',')}}`;
  return sealFieldType({ kind: 'record' as const, describe, check: (v: unknown) => take(v) !== INVALID, take });
}

/** A value array of scalars or records: copied element by element when sent. */
export function array<T>(element: FieldType<T>, maxLength = 65536): FieldType<T[]> {
  if (!isFieldType(element)) throw new TypeError('array: the element must be a Sing field type');
  if (element.kind === 'endpoint' || element.kind === 'block') throw new TypeError('array: endpoints and exchange-heap blocks may only be top-level message fields');
  const take = (v: unknown): T[] | typeof INVALID => {
    if (typeof v !== 'object' || v === null || types.isProxy(v) || !Array.isArray(v)) return INVALID;
    const len = ownData(v, 'length')?.value;
    if (typeof len !== 'number' || len > maxLength) return INVALID;
    const out: T[] = [];
    for (let i = 0; i < len; i++) {
      const d = ownData(v, i);
      if (d === undefined) return INVALID;
      const x = element.take(d.value);
      if (x === INVALID) return INVALID;
      out.push(x);
    }
    return out;
  };
  return sealFieldType({ kind: 'array' as const, describe: `${element.describe}[${maxLength}]`, check: (v: unknown) => take(v) !== INVALID, take });
}

/** Describes a value for error messages, without running its code. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object' && types.isProxy(v)) return 'a Proxy';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  return typeof v === 'object' ? 'an object' : typeof v;
}
