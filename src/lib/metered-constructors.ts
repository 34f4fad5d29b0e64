// Metered constructors: stand-ins for the constructors whose one call can allocate without bound
// (ArrayBuffer, the typed arrays, Array), given to images as their globals (image.ts binds them).
// Replacing the constructors realm-wide would invalidate V8's species protectors and slow every
// array and typed-array operation, so programs get stand-ins instead: same prototype (so
// `instanceof` and `x.constructor.prototype` behave), statics inherited or forwarded, and each
// call priced before it runs (metered-builtins.ts's `report`). Buffers made outside the heap are
// counted against the caller until collected (`noteBuffer`: large ones each, small ones sampled).
// Rules for callers: `meteredGlobals()` once per realm, after `installMeteredBuiltins`; the caller
// hardens what it returns.
// Invariants: a stand-in passes its arguments through unchanged (`arguments` as given) and returns
// what the original returns; an instance's `constructor` still names the original (a program
// comparing `x.constructor === Array` sees false: documented in docs/design-notes.md §13).
import { types } from 'node:util';
import { BIG, metering, noteBuffer, report, sizeOf } from './metered-builtins.ts';

type Ctor = new (...a: unknown[]) => object;
interface Priced { units: number; bytes: number; buffer: boolean }

const ReflectApply = Reflect.apply;
const ReflectConstruct = Reflect.construct;
const typedBuffer = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype) as object, 'buffer')?.get as (this: unknown) => ArrayBuffer;

/** A stand-in for a constructor that requires `new`: prices the call, then constructs the
 * original (a subclass's `super(...)` comes here too, with its own new.target). */
function meteredCtor(C: Ctor, price: (args: IArguments) => Priced, what: string): Ctor {
  function Metered(this: unknown): object {
    if (new.target === undefined) throw new TypeError(`Constructor ${what} requires 'new'`);
    let b: Priced | null = null;
    if (metering()) {
      // eslint-disable-next-line prefer-rest-params -- priced from the arguments exactly as given
      b = price(arguments);
      if (b.units >= BIG || b.bytes >= BIG) report(b.units, b.bytes, what);
    }
    // eslint-disable-next-line prefer-rest-params -- pass the arguments exactly as given
    const o = ReflectConstruct(C, arguments, new.target === Metered ? C : new.target) as object;
    if (b !== null && b.buffer) {
      const buf = types.isAnyArrayBuffer(o) ? o : types.isTypedArray(o) ? ReflectApply(typedBuffer, o, []) : null;
      if (buf !== null) noteBuffer(buf, b.bytes);
    }
    return o;
  }
  return dressed(Metered, C);
}

/** Gives a stand-in the original's name, length and prototype, and its statics by inheritance. */
function dressed(Metered: (...a: never[]) => unknown, C: Ctor): Ctor {
  Object.defineProperty(Metered, 'name', { value: C.name });
  Object.defineProperty(Metered, 'length', { value: C.length });
  Object.defineProperty(Metered, 'prototype', { value: C.prototype, writable: false });
  Object.setPrototypeOf(Metered, C);
  return Metered as unknown as Ctor;
}

/** `Array(n)` and `new Array(n)`: V8 makes the holes of a large one at once (2^25 of them are
 * 256 MiB, in one call), so a length of BIG or more is charged its memory first. */
function meteredArray(): Ctor {
  const A = Array as unknown as Ctor;
  function Array_(this: unknown): object {
    // eslint-disable-next-line prefer-rest-params -- priced from the arguments exactly as given
    const args = arguments;
    const n: unknown = args[0];
    if (args.length === 1 && typeof n === 'number' && n >= BIG) report(n / 8, n * 8, 'Array');
    return ReflectConstruct(A, args, new.target === undefined || new.target === Array_ ? A : new.target) as object;
  }
  const Metered = dressed(Array_, A);
  // Array.from and Array.of construct `this` when it is a constructor other than Array: called on
  // the stand-in, forward them to Array (else they would take the engine's slow path).
  for (const k of ['from', 'of', 'fromAsync']) {
    const f = (Array as unknown as Record<string, unknown>)[k];
    if (typeof f !== 'function') continue;
    const forward = {
      [k](this: unknown): unknown {
        // eslint-disable-next-line prefer-rest-params -- pass the arguments exactly as given
        return ReflectApply(f, this === Metered ? Array : this, arguments);
      },
    }[k];
    if (forward === undefined) continue;
    Object.defineProperty(forward, 'length', { value: f.length });
    Object.defineProperty(Metered, k, { value: forward, writable: true, configurable: true });
  }
  Object.defineProperty(Metered, 'isArray', { value: Array.isArray, writable: true, configurable: true });
  return Metered;
}

const TYPED = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];

let globals: Readonly<Record<string, unknown>> | null = null;

/** Metered stand-ins for the constructors an image may name, by global name (made once; the
 * caller hardens them). */
export function meteredGlobals(): Readonly<Record<string, unknown>> {
  if (globals !== null) return globals;
  const out: Record<string, unknown> = { Array: meteredArray() };
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
