// Field types: the typed values a message or a program parameter may carry.
// Rules for callers: build field types only with the constructors here (i32, str, record, ...);
// each carries its TypeScript type (for inference), a run-time `check`, and a `copy` used when a
// value crosses a channel, so the receiver never shares a mutable object with the sender.
// Invariants: field types are frozen; `check` never throws and never calls into the value's own
// code (no getters run: records are read with own data properties only).
declare const typeOf: unique symbol;

export type FieldKind = 'i32' | 'u32' | 'f64' | 'bool' | 'str' | 'enum' | 'record' | 'array' | 'endpoint';

export interface FieldType<T> {
  readonly kind: FieldKind;
  /** A stable description, used in messages and in contract fingerprints. */
  readonly describe: string;
  readonly check: (v: unknown) => boolean;
  /** Null when the value is a primitive and needs no copy. (Method-typed: bivariant in T, so a
   * FieldType<string> is a FieldType<unknown>.) */
  readonly copy: { copy(v: T): T }['copy'] | null;
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
  return sealFieldType({ kind, describe, check, copy: null });
}

export const i32: FieldType<number> = scalar('i32', 'i32', (v) => typeof v === 'number' && (v | 0) === v);
export const u32: FieldType<number> = scalar('u32', 'u32', (v) => typeof v === 'number' && v >>> 0 === v);
export const f64: FieldType<number> = scalar('f64', 'f64', (v) => typeof v === 'number');
export const bool: FieldType<boolean> = scalar('bool', 'bool', (v) => typeof v === 'boolean');
export const str: FieldType<string> = scalar('str', 'str', (v) => typeof v === 'string');

export function enumOf<const V extends readonly [string, ...string[]]>(...values: V): FieldType<V[number]> {
  const set = new Set<unknown>(values);
  return scalar('enum', `enum(${values.join('|')})`, (v) => set.has(v));
}

/** A value record (Sing#'s `rep struct`): copied field by field when sent. */
export function record<const F extends FieldMap>(fields: F): FieldType<Payload<F>> {
  const names = Object.keys(fields);
  const types = names.map((n) => fields[n] as FieldType<unknown>);
  for (const t of types) {
    if (!isFieldType(t)) throw new TypeError('record: every field must be a Sing field type (i32, str, record(...), ...)');
    if (t.kind === 'endpoint') throw new TypeError('record: endpoints may only be top-level message fields');
  }
  const check = (v: unknown): boolean => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
    for (let i = 0; i < names.length; i++) {
      const d = Object.getOwnPropertyDescriptor(v, names[i] as string);
      if (d === undefined || !('value' in d) || !(types[i] as FieldType<unknown>).check(d.value)) return false;
    }
    return true;
  };
  const copy = (v: Payload<F>): Payload<F> => {
    const out: Record<string, unknown> = {};
    const src = v as Record<string, unknown>;
    for (let i = 0; i < names.length; i++) {
      const n = names[i] as string;
      const t = types[i] as FieldType<unknown>;
      out[n] = t.copy === null ? src[n] : t.copy(src[n]);
    }
    return out as Payload<F>;
  };
  const describe = `{${names.map((n, i) => `${n}:${(types[i] as FieldType<unknown>).describe}`).join(',')}}`;
  return sealFieldType({ kind: 'record' as const, describe, check, copy });
}

/** A value array of scalars or records: copied element by element when sent. */
export function array<T>(element: FieldType<T>, maxLength = 65536): FieldType<T[]> {
  if (!isFieldType(element)) throw new TypeError('array: the element must be a Sing field type');
  if (element.kind === 'endpoint') throw new TypeError('array: endpoints may only be top-level message fields');
  const check = (v: unknown): boolean => {
    if (!Array.isArray(v) || v.length > maxLength) return false;
    for (let i = 0; i < v.length; i++) {
      const d = Object.getOwnPropertyDescriptor(v, i);
      if (d === undefined || !('value' in d) || !element.check(d.value)) return false;
    }
    return true;
  };
  const ecopy = element.copy;
  const copy = (v: T[]): T[] => (ecopy === null ? v.slice() : v.map((x) => ecopy(x)));
  return sealFieldType({ kind: 'array' as const, describe: `${element.describe}[${maxLength}]`, check, copy });
}

/** Describes why `v` does not fit `t`, for error messages. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  return typeof v === 'object' ? 'an object' : typeof v;
}
