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
// Constructors are metered apart, as stand-ins given to images (metered-constructors.ts). Buffers
// made outside the heap, where no heap sampling sees them, are counted against the caller until
// collected (`noteBuffer`: each large one, and small ones by sampling).
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
  subarray: callOf.bind(typedProto['subarray'] as (...a: unknown[]) => unknown) as (self: Uint8Array, start: number, end: number) => Uint8Array,
});

let meter: BuiltinMeter | null = null;
let bufferMeter: BufferMeter | null = null;
let installed = false;

/** True once a meter is set: pricing is worth computing. */
export function metering(): boolean { return meter !== null; }

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
const typedByteLength = Object.getOwnPropertyDescriptor(typedArrayProto, 'byteLength')?.get as (this: unknown) => number;

/** The length a builtin will see: exact for strings, arrays and typed arrays; for any other
 * array-like, its `length` read once (an accessor that lies the second time is not caught here;
 * the watchdog is the bound for that). Small, for the engine to inline into every wrapper. */
function lengthOf(x: unknown): number {
  if (typeof x === 'string') return x.length;
  if (typeof x !== 'object' || x === null) return 0;
  return Array.isArray(x) ? readLength(x) : otherLength(x);
}

/** An array's length, or a Proxy's (whose trap is program code, with checks of its own). */
function readLength(x: object): number {
  try {
    const n = (x as { length?: unknown }).length;
    return typeof n === 'number' && n > 0 ? Math.min(n, Number.MAX_SAFE_INTEGER) : 0;
  } catch {
    return 0;
  }
}

function otherLength(x: object): number {
  if (types.isTypedArray(x)) return ReflectApply(typedLength, x, []);
  return readLength(x);
}

/** Reports `units` of work and `bytes` about to be allocated to the meter (if one is set). */
export function report(units: number, bytes: number, what: string): void {
  if (meter !== null) meter(units, bytes, what);
}

/** Buffers of this many bytes or fewer live inside V8's heap (its typed_array_max_size_in_heap),
 * where the heap meter's sampling already sees them. */
const ON_HEAP_BYTES = 64;
/** Mean bytes of small buffers (under BIG) between two that are counted. */
export const BUFFER_SAMPLE_BYTES = 64 * 1024;
const random = Math.random;
const ln = Math.log;
let smallBytes = 0;
let nextSmall = drawSmall();
/** Exponentially distributed, as V8's own sampler draws its intervals: no program can tell which
 * small buffer will stand for the others, so none can keep exactly the uncounted ones. */
function drawSmall(): number { return -ln(1 - random()) * BUFFER_SAMPLE_BYTES; }

/** Counts a buffer just made outside the heap: one of BIG bytes or more as itself; smaller ones
 * by sampling (one in about BUFFER_SAMPLE_BYTES stands for every small byte made since the last,
 * and is counted until it is collected), so that a small buffer costs a counter add. */
export function noteBuffer(buffer: ArrayBuffer | SharedArrayBuffer, bytes: number): void {
  if (bufferMeter === null || bytes <= ON_HEAP_BYTES) return;
  if (bytes >= BIG) { bufferMeter(buffer, bytes); return; }
  smallBytes += bytes;
  if (smallBytes < nextSmall) return;
  const counted = smallBytes;
  smallBytes = 0;
  nextSmall = drawSmall();
  bufferMeter(buffer, counted);
}

/** Counts the buffer of a typed array a builtin returned (slice, map, TextEncoder's encode...). */
function noteTypedResult(r: unknown): void {
  if (bufferMeter !== null && types.isTypedArray(r)) noteBuffer(ReflectApply(typedBuffer, r, []), ReflectApply(typedByteLength, r, []));
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

function meterMethod(holder: object, name: string, price: Price, bytes: Bytes, after: After | null, typedResult = false): void {
  const original = (holder as Record<string, unknown>)[name];
  if (typeof original !== 'function') return;
  const what = `${nameOf(holder)}.${name}`;
  // Inline, a wrapper reads its receiver's length and nothing else; pricing and reporting are out
  // of line (gate, gated, which look at `meter`), and the length test is not nested in any other
  // test: then the engine knows the receiver's shape at the original call and still reduces it
  // (Array map, filter, forEach... with their callbacks inlined). A wrapper without that (a test
  // of `meter` around the length read was enough) costs a small `map` five times its time.
  const gate = (self: unknown, n: number, a: unknown, b: unknown, c: unknown): void => {
    if (meter === null) return;
    const units = price(n, self, a, b, c);
    if (units >= BIG) report(units, bytes(n, self, a, b, c), what);
  };
  const gated = (self: unknown, n: number, args: IArguments): unknown => {
    const units = meter === null ? 0 : price(n, self, args[0], args[1], args[2]);
    const big = units >= BIG;
    if (big) report(units, bytes(n, self, args[0], args[1], args[2]), what);
    const r: unknown = ReflectApply(original, self, args);
    if (big && after !== null) { const out = after(r); if (out >= BIG) report(0, out, what); }
    return r;
  };
  const wrapped = typedResult
    ? {
      [name](this: unknown, a?: unknown, b?: unknown, c?: unknown): unknown {
        const n = lengthOf(this);
        if (n >= BIG) gate(this, n, a, b, c);
        // eslint-disable-next-line prefer-rest-params -- pass the arguments exactly as given
        const r: unknown = ReflectApply(original, this, arguments);
        noteTypedResult(r);
        return r;
      },
    }[name]
    : after === null
    ? {
      [name](this: unknown, a?: unknown, b?: unknown, c?: unknown): unknown {
        const n = lengthOf(this);
        if (n >= BIG) gate(this, n, a, b, c);
        // eslint-disable-next-line prefer-rest-params -- pass the arguments exactly as given
        return ReflectApply(original, this, arguments);
      },
    }[name]
    : {
      [name](this: unknown): unknown {
        const n = lengthOf(this);
        // eslint-disable-next-line prefer-rest-params -- pass the arguments exactly as given
        if (n >= BIG) return gated(this, n, arguments);
        // eslint-disable-next-line prefer-rest-params -- pass the arguments exactly as given
        return ReflectApply(original, this, arguments);
      },
    }[name];
  if (wrapped === undefined) return;
  Object.defineProperty(wrapped, 'length', { value: (original as () => unknown).length });
  Object.defineProperty(holder, name, { value: wrapped });
}

/** A function whose work depends on more than its receiver's length (concat, flat, Object.assign,
 * RegExp test): `work(self, args)` is the number of elements it will handle, priced `k` units and
 * `perByte` bytes each, always computed (these are not the small hot calls the inline length test
 * is for). */
function meterWhole(holder: object, name: string, work: (self: unknown, args: IArguments) => number, k: number, perByte: number, after: After | null): void {
  const original = (holder as Record<string, unknown>)[name];
  if (typeof original !== 'function') return;
  const what = `${nameOf(holder)}.${name}`;
  const wrapped = {
    [name](this: unknown): unknown {
      // eslint-disable-next-line prefer-rest-params -- priced from the arguments exactly as given
      const n = meter === null ? 0 : work(this, arguments);
      const big = n * k >= BIG;
      if (big) report(n * k, n * perByte, what);
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

/** concat: the receiver and every argument. */
function concatWork(self: unknown, args: IArguments): number {
  let n = lengthOf(self);
  for (let i = 0; i < args.length; i++) n += lengthOf(args[i]);
  return n;
}

/** Stop sizing a flat here: that much is over any budget already. */
const FLAT_SCAN_CAP = 2 ** 28;

/** flat(depth): the elements of the result, counted without making it. The count walks only the
 * arrays above the deepest level (the deepest contribute their lengths), so it costs at most what
 * the flat will, and it stops at FLAT_SCAN_CAP. A receiver of BIG elements or more is charged
 * for its length before the walk starts (a sparse one of 2^32 - 1 is refused, not walked). */
function flatWork(self: unknown, args: IArguments): number {
  const d = args[0] === undefined ? 1 : Math.trunc(Number(args[0]));
  const n = lengthOf(self);
  if (n >= BIG) report(n, 0, 'Array.prototype.flat');
  let total = 0;
  const walk = (a: unknown, depth: number): void => {
    const len = lengthOf(a);
    if (depth <= 0 || !Array.isArray(a) || types.isProxy(a)) { total += len; return; }
    for (let i = 0; i < len && total < FLAT_SCAN_CAP; i++) {
      const e: unknown = (a as unknown[])[i];
      if (Array.isArray(e) && !types.isProxy(e)) walk(e, depth - 1);
      else total++;
    }
  };
  walk(self, Number.isNaN(d) ? 0 : d);
  return total;
}

/** Object.assign(target, ...sources): the sources' own properties. */
function assignWork(_self: unknown, args: IArguments): number {
  let n = 0;
  for (let i = 1; i < args.length; i++) n += exactSize(args[i], false);
  return n;
}

/** A static function priced from its first argument's length (Array.from, JSON.parse). */
function meterStatic(holder: object, name: string, price: (a: unknown) => number, bytes: (a: unknown) => number, after: After | null, typedResult = false): void {
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
      if (typedResult) noteTypedResult(r);
      return r;
    },
  }[name];
  if (wrapped === undefined) return;
  Object.defineProperty(wrapped, 'length', { value: (original as () => unknown).length });
  Object.defineProperty(holder, name, { value: wrapped });
}

function nameOf(holder: object): string {
  if (holder === JSON) return 'JSON';
  if (holder === Reflect) return 'Reflect';
  if (holder === Promise) return 'Promise';
  if (holder === Object.getPrototypeOf(Uint8Array)) return 'TypedArray';
  if (holder === Array) return 'Array';
  if (holder === Object) return 'Object';
  const c = (holder as { constructor?: { name?: unknown } }).constructor;
  return typeof c?.name === 'string' ? `${c.name === 'Object' ? 'TypedArray' : c.name}.prototype` : 'builtin';
}

/** The size of what a spread copies, read without running any program code (no getter, no
 * trap): strings, arrays (not Proxies), typed arrays, Maps and Sets by their intrinsic getters;
 * 0 for anything else (an iterator that program code drives has checks of its own). Without
 * `collections`, Maps and Sets count 0 (an object spread copies no entry of theirs). */
export function exactSize(x: unknown, collections = true): number {
  if (typeof x === 'string') return x.length;
  if (typeof x !== 'object' || x === null) return 0;
  if (Array.isArray(x)) return types.isProxy(x) ? 0 : x.length;
  if (types.isTypedArray(x)) return ReflectApply(typedLength, x, []);
  if (!collections) return 0;
  if (types.isMap(x)) return ReflectApply(mapSize, x, []);
  if (types.isSet(x)) return ReflectApply(setSize, x, []);
  return 0;
}
const mapSize = Object.getOwnPropertyDescriptor(Map.prototype, 'size')?.get as (this: unknown) => number;
const setSize = Object.getOwnPropertyDescriptor(Set.prototype, 'size')?.get as (this: unknown) => number;

/** The size of an iterable a builtin (or a spread) will walk in the engine: arrays, typed arrays, strings,
 * Maps and Sets (anything else is walked through program code, which has checks of its own). */
export function sizeOf(x: unknown): number {
  if (typeof x === 'object' && x !== null && !Array.isArray(x) && (types.isMap(x) || types.isSet(x))) return (x as Map<unknown, unknown>).size;
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
  for (const m of ['splice', 'toReversed', 'toSpliced', 'with', 'flatMap']) meterMethod(A, m, linear, none, arrayBytes);
  // Their results can dwarf a short receiver: priced from everything they will copy.
  meterWhole(A, 'concat', concatWork, 1, 8, null);
  meterWhole(A, 'flat', flatWork, 1, 8, null);

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
  meterMethod(T, 'toSorted', nLogN, (n, self) => n * bytesPerElement(self), null, true);
  // These make a new buffer outside the heap: it is counted against the caller like a metered
  // constructor's, whatever its size.
  meterMethod(T, 'slice', rangeFromFirst, (n, self, a, b) => span(n, a, b) * bytesPerElement(self), null, true);
  for (const m of ['map', 'filter', 'toReversed', 'with']) meterMethod(T, m, linear, (n, self) => n * bytesPerElement(self), null, true);
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
  meterStatic(Object, 'fromEntries', sizeOf, (a) => sizeOf(a) * 16, null);
  // Sized without running program code (the kernel's console formatter calls these on programs'
  // values, Proxies included): arrays, strings and typed arrays by their lengths. An array's
  // names are its indices made strings, about 16 ns each (measured).
  meterStatic(Object, 'keys', (a) => 16 * exactSize(a, false), (a) => exactSize(a, false) * 16, null);
  meterStatic(Object, 'values', (a) => exactSize(a, false), (a) => exactSize(a, false) * 8, null);
  meterStatic(Object, 'entries', (a) => 16 * exactSize(a, false), (a) => exactSize(a, false) * 48, null);
  meterStatic(Object, 'getOwnPropertyNames', (a) => 16 * exactSize(a, false), (a) => exactSize(a, false) * 16, null);
  meterStatic(Object, 'getOwnPropertyDescriptors', (a) => 4 * exactSize(a, false), (a) => exactSize(a, false) * 96, null);
  meterStatic(Reflect, 'ownKeys', (a) => 16 * exactSize(a, false), (a) => exactSize(a, false) * 16, null);
  meterWhole(Object, 'assign', assignWork, 4, 16, null);
  // Each value gets a promise, a reaction and its resolving functions, and the reactions run
  // later as microtasks, outside any turn: the whole cost is charged when the call is made.
  for (const m of ['all', 'allSettled', 'any', 'race']) meterStatic(Promise, m, (a) => 300 * sizeOf(a), (a) => sizeOf(a) * 200, null);
  // %TypedArray%.from makes a buffer outside the heap, sized by its source.
  const TA = Object.getPrototypeOf(Uint8Array) as object;
  meterStatic(TA, 'from', (a) => sizeOf(a), () => 0, null, true);
  // RegExp test scans its argument; only `test`: replacing `exec` (or the symbol methods) would
  // take every regex operation off V8's fast paths (split and replace 15-30x slower, measured).
  meterWhole(RegExp.prototype, 'test', (_self, args) => (typeof args[0] === 'string' ? args[0].length : 0), 2, 0, null);
  const te = globalThis.TextEncoder?.prototype as object | undefined;
  if (te !== undefined) {
    // encode's work is its argument's length (the receiver is the encoder).
    const encode = (te as { encode: (...a: unknown[]) => unknown }).encode;
    Object.defineProperty(te, 'encode', {
      value: {
        encode(this: unknown, s?: unknown): unknown {
          if (meter !== null && typeof s === 'string' && s.length >= BIG) report(s.length, s.length * 3, 'TextEncoder.prototype.encode');
          // eslint-disable-next-line prefer-rest-params -- pass the arguments exactly as given
          const r: unknown = ReflectApply(encode, this, arguments);
          noteTypedResult(r);
          return r;
        },
      }.encode,
    });
  }
}

function bytesPerElement(x: unknown): number {
  const b = (x as { BYTES_PER_ELEMENT?: unknown } | null)?.BYTES_PER_ELEMENT;
  return typeof b === 'number' ? b : 8;
}
