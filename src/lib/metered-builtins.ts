// Metered builtins: the engine's own loops, charged before they run.
// A builtin such as `Array.prototype.fill` or `String.prototype.repeat` does its whole work in
// one call, with no check of the program's inside it: on a large input it could hold the kernel
// for seconds or allocate gigabytes before any check saw it. `installMeteredBuiltins` (called
// once, by ensureLockdown, before SES freezes the intrinsics) replaces each such method on its
// shared prototype with a wrapper that, when the input is large (BIG elements or characters or
// more), first reports the work (`units`, about one check's worth each) and the memory it is
// about to allocate (`bytes`) to the meter the kernel installed (`setBuiltinMeter`); the meter
// charges the running process, which may end it before the work starts. Results whose size is
// not known in advance (replace, split, join) are reported after, before the program sees them.
// Constructors cannot be replaced realm-wide without costing V8's fast paths (the species
// protectors), so `meteredGlobals` gives images metered stand-ins for the buffer constructors
// they name (ArrayBuffer and the typed arrays), whose bytes live outside the heap where no
// sampling sees them: each buffer made through them is reported with its size (`bufferMeter`),
// and the kernel counts it until it is collected. (`new Array(n)` needs none: a large one is
// sparse until something fills it, and filling is metered.)
// Rules for callers: install before lockdown, once per realm; the meter must not throw except to
// end the running process; host code pays one length read per call and is never charged (the
// kernel's meter asks the stack whether a program made the call).
// Invariants: a wrapper passes its arguments through unchanged (`arguments` as given, so absent
// and undefined stay distinct), returns what the original returns, and keeps its name and length.
import { types } from 'node:util';

/** Inputs at least this large are reported; smaller ones cost a length read. */
export const BIG = 4096;

/** What a wrapper reports: `units` of work (checks' worth), `bytes` about to be allocated, and
 * the builtin's name for messages. */
export type BuiltinMeter = (units: number, bytes: number, what: string) => void;
/** What a metered constructor reports about a buffer it made outside the heap. */
export type BufferMeter = (buffer: ArrayBuffer | SharedArrayBuffer, bytes: number) => void;

const callOf = Function.prototype.call;
const typedProto = Object.getPrototypeOf(Uint8Array.prototype) as Record<string, (...a: unknown[]) => unknown>;

/** The typed-array methods as they were before metering, for kernel code (the exchange heap's
 * arena): no wrapper frame on the kernel's paths, and no stack capture for its large arena. */
export const unmetered = Object.freeze({
  fill: callOf.bind(typedProto['fill'] as (...a: unknown[]) => unknown) as (self: Uint8Array, v: number, start: number, end: number) => Uint8Array,
  slice: callOf.bind(typedProto['slice'] as (...a: unknown[]) => unknown) as (self: Uint8Array, start: number, end: number) => Uint8Array,
  set: callOf.bind(typedProto['set'] as (...a: unknown[]) => unknown) as (self: Uint8Array, src: ArrayLike<number>, at: number) => void,
  copyWithin: callOf.bind(typedProto['copyWithin'] as (...a: unknown[]) => unknown) as (self: Uint8Array, target: number, start: number, end: number) => Uint8Array,
});

let meter: BuiltinMeter | null = null;
let bufferMeter: BufferMeter | null = null;
let installed = false;

/** Sets the function every metered builtin reports to (the kernel's, once). */
export function setBuiltinMeter(m: BuiltinMeter, b: BufferMeter): void {
  meter = m;
  bufferMeter = b;
}

const ReflectApply = Reflect.apply;
const log2 = Math.log2;
const typedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
const typedLength = Object.getOwnPropertyDescriptor(typedArrayProto, 'length')?.get as (this: unknown) => number;
const typedBuffer = Object.getOwnPropertyDescriptor(typedArrayProto, 'buffer')?.get as (this: unknown) => ArrayBuffer;

/** The length a builtin will see: exact for strings, arrays and typed arrays; for any other
 * array-like, its `length` read once (an accessor that lies the second time is not caught here;
 * the watchdog is the bound for that). */
function lengthOf(x: unknown): number {
  if (typeof x === 'string') return x.length;
  if (typeof x !== 'object' || x === null) return 0;
  if (types.isTypedArray(x)) return ReflectApply(typedLength, x, []);
  if (Array.isArray(x) && !types.isProxy(x)) return x.length;
  let n: unknown;
  try { n = (x as { length?: unknown }).length; } catch { return 0; }
  return typeof n === 'number' && n > 0 ? Math.min(n, Number.MAX_SAFE_INTEGER) : 0;
}

function report(units: number, bytes: number, what: string): void {
  if (meter !== null) meter(units, bytes, what);
}

/** How a method's work is priced: from its receiver's length `n` and its first arguments. */
type Price = (n: number, self: unknown, a: unknown, b: unknown, c: unknown) => number;
/** Bytes a method is about to allocate (same inputs). */
type Bytes = Price;
/** Bytes of a result, reported after the call. */
type After = (r: unknown) => number;

const linear: Price = (n) => n;
/** A price times `k`: a unit is about a nanosecond of the engine's work, and some builtins do
 * much more than that per element (measured roughly on the development machine). */
const times = (k: number, p: Price): Price => (n, s, a, b, c) => k * p(n, s, a, b, c);
/** The length of [start, end) of `n` elements as a builtin clamps it (relative indices). */
function span(n: number, start: unknown, end: unknown): number {
  const at = (x: unknown, dflt: number): number => {
    if (x === undefined) return dflt;
    const v = typeof x === 'number' ? Math.trunc(x) : Number.NaN;
    if (Number.isNaN(v)) return 0;
    return v < 0 ? Math.max(n + v, 0) : Math.min(v, n);
  };
  return Math.max(at(end, n) - at(start, 0), 0);
}
/** fill(value, start, end) and copyWithin(target, start, end): the range after the first argument. */
const rangeAfterFirst: Price = (n, _s, _a, b, c) => span(n, b, c);
/** slice(start, end): its range. */
const rangeFromFirst: Price = (n, _s, a, b) => span(n, a, b);
const nLogN: Price = (n) => n * Math.max(1, log2(n));
const none: Bytes = () => 0;
const words: Bytes = (n) => n * 8;
const stringBytes: After = (r) => (typeof r === 'string' ? r.length : 0);
const arrayBytes: After = (r) => (Array.isArray(r) ? r.length * 8 : 0);

function meterMethod(holder: object, name: string, price: Price, bytes: Bytes, after: After | null): void {
  const original = (holder as Record<string, unknown>)[name];
  if (typeof original !== 'function') return;
  const what = `${nameOf(holder)}.${name}`;
  const wrapped = after === null
    ? {
      [name](this: unknown, a?: unknown, b?: unknown, c?: unknown): unknown {
        const n = lengthOf(this);
        if (n >= BIG && meter !== null) {
          const units = price(n, this, a, b, c);
          if (units >= BIG) report(units, bytes(n, this, a, b, c), what);
        }
        // eslint-disable-next-line prefer-rest-params -- pass the arguments exactly as given
        return ReflectApply(original, this, arguments);
      },
    }[name]
    : {
      [name](this: unknown, a?: unknown, b?: unknown, c?: unknown): unknown {
        const n = lengthOf(this);
        const big = n >= BIG && meter !== null && price(n, this, a, b, c) >= BIG;
        if (big) report(price(n, this, a, b, c), bytes(n, this, a, b, c), what);
        // eslint-disable-next-line prefer-rest-params -- pass the arguments exactly as given
        const r: unknown = ReflectApply(original, this, arguments);
        if (big) { const out = after(r); if (out >= BIG) report(0, out, what); }
        return r;
      },
    }[name];
  if (wrapped === undefined) return;
  Object.defineProperty(wrapped, 'length', { value: (original as () => unknown).length });
  Object.defineProperty(holder, name, { value: wrapped });
}

/** A static function priced from its first argument's length (Array.from, JSON.parse). */
function meterStatic(holder: object, name: string, price: (a: unknown) => number, bytes: (a: unknown) => number, after: After | null): void {
  const original = (holder as Record<string, unknown>)[name];
  if (typeof original !== 'function') return;
  const what = `${nameOf(holder)}.${name}`;
  const wrapped = {
    [name](this: unknown, a?: unknown): unknown {
      const units = meter === null ? 0 : price(a);
      const big = units >= BIG;
      if (big) report(units, bytes(a), what);
      // eslint-disable-next-line prefer-rest-params -- pass the arguments exactly as given
      const r: unknown = ReflectApply(original, this, arguments);
      if (big && after !== null) { const out = after(r); if (out >= BIG) report(0, out, what); }
      return r;
    },
  }[name];
  if (wrapped === undefined) return;
  Object.defineProperty(wrapped, 'length', { value: (original as () => unknown).length });
  Object.defineProperty(holder, name, { value: wrapped });
}

function nameOf(holder: object): string {
  if (holder === JSON) return 'JSON';
  if (holder === Array) return 'Array';
  if (holder === Object) return 'Object';
  const c = (holder as { constructor?: { name?: unknown } }).constructor;
  return typeof c?.name === 'string' ? `${c.name === 'Object' ? 'TypedArray' : c.name}.prototype` : 'builtin';
}

/** The size of an iterable a builtin will walk in the engine: arrays, typed arrays, strings,
 * Maps and Sets (anything else is walked through program code, which has checks of its own). */
function sizeOf(x: unknown): number {
  if (types.isMap(x) || types.isSet(x)) return (x as Map<unknown, unknown>).size;
  return lengthOf(x);
}

/** Replaces the heavy builtins on the shared prototypes. Idempotent; before lockdown only. */
export function installMeteredBuiltins(): void {
  if (installed) return;
  installed = true;
  const A = Array.prototype;
  for (const m of ['indexOf', 'lastIndexOf', 'includes', 'reverse', 'forEach', 'map', 'filter', 'some', 'every',
    'find', 'findIndex', 'findLast', 'findLastIndex', 'reduce', 'reduceRight']) {
    meterMethod(A, m, linear, m === 'map' || m === 'filter' ? words : none, null);
  }
  meterMethod(A, 'copyWithin', rangeAfterFirst, none, null);
  meterMethod(A, 'fill', rangeAfterFirst, (n, s, a, b, c) => rangeAfterFirst(n, s, a, b, c) * 8, null);
  meterMethod(A, 'join', times(8, linear), (n, _s, sep) => n * (typeof sep === 'string' ? sep.length + 1 : 2), stringBytes);
  meterMethod(A, 'sort', times(4, nLogN), words, null);
  meterMethod(A, 'toSorted', times(4, nLogN), words, null);
  meterMethod(A, 'slice', rangeFromFirst, none, arrayBytes);
  for (const m of ['splice', 'toReversed', 'toSpliced', 'with', 'concat', 'flat', 'flatMap']) meterMethod(A, m, linear, none, arrayBytes);

  const S = String.prototype;
  // repeat's work is its result, not its receiver: price it even for a short receiver.
  const repeat = S.repeat;
  Object.defineProperty(S, 'repeat', {
    value: {
      repeat(this: unknown, count?: unknown): unknown {
        if (meter !== null && typeof this === 'string' && typeof count === 'number' && count > 0) {
          const out = this.length * count;
          if (out >= BIG) report(out, out, 'String.prototype.repeat');
        }
        // eslint-disable-next-line prefer-rest-params -- pass the arguments exactly as given
        return ReflectApply(repeat, this, arguments);
      },
    }.repeat,
  });
  for (const m of ['padStart', 'padEnd']) {
    const original = (S as unknown as Record<string, (...a: unknown[]) => unknown>)[m] as (...a: unknown[]) => unknown;
    const what = `String.prototype.${m}`;
    Object.defineProperty(S, m, {
      value: {
        [m](this: unknown, target?: unknown): unknown {
          if (meter !== null && typeof target === 'number' && target >= BIG) report(target, target, what);
          // eslint-disable-next-line prefer-rest-params -- pass the arguments exactly as given
          return ReflectApply(original, this, arguments);
        },
      }[m],
    });
    Object.defineProperty(S[m as 'padStart'], 'length', { value: original.length });
  }
  for (const m of ['indexOf', 'lastIndexOf', 'includes', 'startsWith', 'endsWith', 'search', 'localeCompare', 'trim', 'trimStart', 'trimEnd']) {
    meterMethod(S, m, linear, none, null);
  }
  for (const m of ['replace', 'replaceAll', 'normalize', 'toUpperCase', 'toLowerCase', 'toLocaleUpperCase', 'toLocaleLowerCase', 'concat', 'match']) {
    meterMethod(S, m, m === 'concat' ? linear : times(16, linear), none, (r) => (typeof r === 'string' ? r.length : arrayBytes(r)));
  }
  meterMethod(S, 'split', times(16, linear), none, (r) => (Array.isArray(r) ? r.length * 24 : 0));

  const T = typedArrayProto;
  for (const m of ['indexOf', 'lastIndexOf', 'includes', 'reverse', 'forEach', 'some', 'every', 'find', 'findIndex',
    'findLast', 'findLastIndex', 'reduce', 'reduceRight']) {
    meterMethod(T, m, linear, none, null);
  }
  meterMethod(T, 'copyWithin', rangeAfterFirst, none, null);
  meterMethod(T, 'fill', rangeAfterFirst, none, null);
  meterMethod(T, 'join', linear, (n) => n * 2, stringBytes);
  meterMethod(T, 'sort', nLogN, none, null);
  meterMethod(T, 'toSorted', nLogN, (n, self) => n * bytesPerElement(self), null);
  meterMethod(T, 'slice', rangeFromFirst, (n, self, a, b) => span(n, a, b) * bytesPerElement(self), null);
  for (const m of ['map', 'filter', 'toReversed', 'with']) meterMethod(T, m, linear, (n, self) => n * bytesPerElement(self), null);
  // `set`'s work is its source's length, whatever the target's: price it even for a short target.
  const set = (T as { set: (...a: unknown[]) => unknown }).set;
  Object.defineProperty(T, 'set', {
    value: {
      set(this: unknown, src?: unknown): unknown {
        if (meter !== null) { const n = lengthOf(src); if (n >= BIG) report(n, 0, 'TypedArray.prototype.set'); }
        // eslint-disable-next-line prefer-rest-params -- pass the arguments exactly as given
        return ReflectApply(set, this, arguments);
      },
    }.set,
  });

  meterStatic(JSON, 'parse', (a) => (typeof a === 'string' ? 8 * a.length : 0), (a) => (typeof a === 'string' ? a.length * 2 : 0), null);
  meterStatic(JSON, 'stringify', (a) => 16 * sizeOf(a), () => 0, stringBytes);
  meterStatic(Array, 'from', (a) => 4 * sizeOf(a), (a) => sizeOf(a) * 8, null);
  meterStatic(Object, 'keys', (a) => lengthOf(a), (a) => lengthOf(a) * 16, null);
  meterStatic(Object, 'values', (a) => lengthOf(a), (a) => lengthOf(a) * 8, null);
  meterStatic(Object, 'entries', (a) => lengthOf(a), (a) => lengthOf(a) * 48, null);
  meterStatic(Object, 'fromEntries', sizeOf, (a) => sizeOf(a) * 16, null);
  const te = globalThis.TextEncoder?.prototype as object | undefined;
  if (te !== undefined) {
    // encode's work is its argument's length (the receiver is the encoder).
    const encode = (te as { encode: (...a: unknown[]) => unknown }).encode;
    Object.defineProperty(te, 'encode', {
      value: {
        encode(this: unknown, s?: unknown): unknown {
          if (meter !== null && typeof s === 'string' && s.length >= BIG) report(s.length, s.length * 3, 'TextEncoder.prototype.encode');
          // eslint-disable-next-line prefer-rest-params -- pass the arguments exactly as given
          return ReflectApply(encode, this, arguments);
        },
      }.encode,
    });
  }
}

function bytesPerElement(x: unknown): number {
  const b = (x as { BYTES_PER_ELEMENT?: unknown } | null)?.BYTES_PER_ELEMENT;
  return typeof b === 'number' ? b : 8;
}

// ---- Constructors, as bound globals --------------------------------------------------------

type Ctor = new (...a: unknown[]) => object;

/** A stand-in for a constructor: prices the call, then constructs the original (a subclass's
 * `super(...)` comes here too, with its own new.target). Same prototype, so `instanceof` and
 * statics behave as the original's; `constructor` on instances still names the original. */
function meteredCtor(C: Ctor, price: (args: IArguments) => { units: number; bytes: number; buffer: boolean }, what: string): Ctor {
  function Metered(this: unknown): object {
    if (new.target === undefined) throw new TypeError(`Constructor ${what} requires 'new'`);
    let b: { units: number; bytes: number; buffer: boolean } | null = null;
    if (meter !== null) {
      // eslint-disable-next-line prefer-rest-params -- priced from the arguments exactly as given
      b = price(arguments);
      if (b.units >= BIG || b.bytes >= BIG) report(b.units, b.bytes, what);
    }
    // eslint-disable-next-line prefer-rest-params -- pass the arguments exactly as given
    const o = Reflect.construct(C, arguments, new.target === Metered ? C : new.target) as object;
    if (b !== null && b.buffer && b.bytes >= BIG && bufferMeter !== null) {
      const buf = types.isAnyArrayBuffer(o) ? o : types.isTypedArray(o) ? ReflectApply(typedBuffer, o, []) : null;
      if (buf !== null) bufferMeter(buf, b.bytes);
    }
    return o;
  }
  Object.defineProperty(Metered, 'name', { value: C.name });
  Object.defineProperty(Metered, 'length', { value: C.length });
  Object.defineProperty(Metered, 'prototype', { value: C.prototype, writable: false });
  Object.setPrototypeOf(Metered, C);
  return Metered as unknown as Ctor;
}

const TYPED = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];

let globals: Readonly<Record<string, unknown>> | null = null;

/** Metered stand-ins for the constructors an image may name, by global name (made once; the
 * caller hardens them). */
export function meteredGlobals(): Readonly<Record<string, unknown>> {
  if (globals !== null) return globals;
  const out: Record<string, unknown> = {};
  for (const name of ['ArrayBuffer', 'SharedArrayBuffer']) {
    const C = (globalThis as Record<string, unknown>)[name] as Ctor | undefined;
    if (C === undefined) continue;
    out[name] = meteredCtor(C, (args) => {
      const n = typeof args[0] === 'number' ? args[0] : 0;
      const max = typeof args[1] === 'object' && args[1] !== null ? (args[1] as { maxByteLength?: unknown }).maxByteLength : undefined;
      const bytes = typeof max === 'number' && max > n ? max : n;
      return { units: bytes / 64, bytes, buffer: true };
    }, name);
  }
  for (const name of TYPED) {
    const C = (globalThis as Record<string, unknown>)[name] as (Ctor & { BYTES_PER_ELEMENT: number }) | undefined;
    if (C === undefined) continue;
    out[name] = meteredCtor(C, (args) => {
      const a = args[0];
      if (typeof a === 'number') return { units: a, bytes: a * C.BYTES_PER_ELEMENT, buffer: true };
      if (types.isAnyArrayBuffer(a)) return { units: 0, bytes: 0, buffer: false };
      const n = sizeOf(a);
      return { units: n, bytes: n * C.BYTES_PER_ELEMENT, buffer: true };
    }, name);
  }
  globals = Object.freeze(out);
  return globals;
}
