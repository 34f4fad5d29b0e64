// Format: the kernel's own rendering of program values as text (for the console), which never
// runs program code.
// What it reads: own data properties, through descriptors; a getter is shown as `[Getter]` and
// never called; a Proxy is recognised (util.types.isProxy) before anything else is asked of it,
// since even getPrototypeOf and ownKeys are traps, and shown as `[Proxy]`. Built-in objects
// (Map, Set, typed arrays, Date, RegExp, boxed primitives, buffers) are read with the engine's
// own methods, taken when this module loads and called directly, so a program cannot have
// replaced them (lockdown freezes them anyway) and they run no program code. Errors show their
// own `stack` (written by src/lib/stacks.ts, in the program view) or `Name: message`.
// Rules for callers: `formatArgs` renders console arguments as one line, at most `maxChars`
// characters of it kept; what it could not keep is counted (`total`), exactly when `exact`. Call
// it inside `asProgramView` (src/lib/stacks.ts) so that a stack it reads is the program's view.
// Invariants: depth, entries per container, nested string length and the number of values visited
// are bounded, and the walk stops once the line is full, so the work done is bounded by the
// limits, not by the value (except that listing an object's own keys is one engine call, as long
// as the object's key list). Top-level strings are counted, never copied whole. A RangeError
// (running out of stack) propagates; any other failure renders as a placeholder.
import { types } from 'node:util';
import { errorHeader } from '../lib/stacks.ts';

export interface FormatOptions {
  /** Characters of output kept; the rest is only counted. */
  readonly maxChars: number;
  /** Nesting shown below a top-level argument (default 4). */
  readonly depth?: number;
  /** Entries shown per array, object, map or set (default 100). */
  readonly entries?: number;
  /** Characters shown of a string inside a structure (default 1000). */
  readonly stringChars?: number;
  /** Values visited in all (default 10,000). */
  readonly nodes?: number;
}

export interface Formatted {
  /** The line, at most `maxChars` characters. */
  readonly text: string;
  /** How long the whole line is: exact when `exact`, otherwise a lower bound (the walk stopped
   * once the line was full). */
  readonly total: number;
  readonly exact: boolean;
}

type Fn = (...a: unknown[]) => unknown;

function getter(o: object, key: PropertyKey): Fn {
  const g = Object.getOwnPropertyDescriptor(o, key)?.get;
  if (g === undefined) throw new Error(`format: the engine has no getter ${String(key)}`);
  return g as Fn;
}
function method(o: object, key: PropertyKey): Fn {
  const m: unknown = Reflect.get(o, key); // lockdown may have made it an accessor returning the method
  if (typeof m !== 'function') throw new Error(`format: the engine has no method ${String(key)}`);
  return m as Fn;
}
const call = (f: Fn, self: unknown, ...args: unknown[]): unknown => Reflect.apply(f, self, args);

// The engine's own methods, taken now (see the header).
const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
const typedLength = getter(TypedArrayProto, 'length');
const typedTag = getter(TypedArrayProto, Symbol.toStringTag);
const mapSize = getter(Map.prototype, 'size');
const mapEntries = method(Map.prototype, 'entries');
const mapNext = method(Object.getPrototypeOf(new Map().entries()) as object, 'next');
const setSize = getter(Set.prototype, 'size');
const setValues = method(Set.prototype, 'values');
const setNext = method(Object.getPrototypeOf(new Set().values()) as object, 'next');
const bufferLength = getter(ArrayBuffer.prototype, 'byteLength');
const sharedLength = getter(SharedArrayBuffer.prototype, 'byteLength');
const viewLength = getter(DataView.prototype, 'byteLength');
const dateTime = method(Date.prototype, 'getTime');
const dateIso = method(Date.prototype, 'toISOString');
const regexpSource = getter(RegExp.prototype, 'source');
const REGEXP_FLAGS: readonly (readonly [string, Fn])[] = ([
  ['d', 'hasIndices'], ['g', 'global'], ['i', 'ignoreCase'], ['m', 'multiline'], ['s', 'dotAll'], ['u', 'unicode'], ['v', 'unicodeSets'], ['y', 'sticky'],
] as const).flatMap(([flag, key]) => (Object.getOwnPropertyDescriptor(RegExp.prototype, key)?.get === undefined ? [] : [[flag, getter(RegExp.prototype, key)] as const]));
const symbolDescription = getter(Symbol.prototype, 'description');
const fnSource = method(Function.prototype, 'toString');
const BOXED: readonly (readonly [(v: unknown) => boolean, string, Fn])[] = [
  [types.isNumberObject, 'Number', method(Number.prototype, 'valueOf')],
  [types.isStringObject, 'String', method(String.prototype, 'valueOf')],
  [types.isBooleanObject, 'Boolean', method(Boolean.prototype, 'valueOf')],
  [types.isBigIntObject, 'BigInt', method(BigInt.prototype, 'valueOf')],
  [types.isSymbolObject, 'Symbol', method(Symbol.prototype, 'valueOf')],
];
/** Bigints past this many bits are not written out (converting one costs more than linear time). */
const BIGINT_BITS = 4096;
const BIGINT_LIMIT = 1n << BigInt(BIGINT_BITS);
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Output that keeps at most `cap` characters and counts the rest. */
class Out {
  readonly #parts: string[] = [];
  #kept = 0;
  total = 0;
  exact = true;
  constructor(readonly cap: number) {}
  get full(): boolean { return this.#kept >= this.cap; }
  add(s: string): void {
    this.total += s.length;
    const room = this.cap - this.#kept;
    if (room <= 0 || s.length === 0) return;
    const piece = s.length <= room ? s : s.slice(0, room);
    this.#parts.push(piece);
    this.#kept += piece.length;
  }
  text(): string { return this.#parts.join(''); }
}

interface Walk {
  readonly out: Out;
  readonly depth: number;
  readonly entries: number;
  readonly stringChars: number;
  nodes: number;
  readonly seen: object[];
}

function walk(opts: FormatOptions): Walk {
  return { out: new Out(opts.maxChars), depth: opts.depth ?? 4, entries: opts.entries ?? 100, stringChars: opts.stringChars ?? 1000, nodes: opts.nodes ?? 10_000, seen: [] };
}

function result(w: Walk): Formatted {
  return { text: w.out.text(), total: w.out.total, exact: w.out.exact };
}

/** Console arguments as one line: top-level strings as they are, other values rendered, joined
 * by spaces (see the header). */
export function formatArgs(args: readonly unknown[], opts: FormatOptions): Formatted {
  const w = walk(opts);
  for (let i = 0; i < args.length; i++) {
    if (i > 0) w.out.add(' ');
    const a = args[i];
    if (typeof a === 'string') { w.out.add(a); continue; }
    try {
      value(a, w, 0);
    } catch (e) {
      if (e instanceof RangeError) throw e; // out of stack: the caller's to handle
      w.out.add('[value not shown: it could not be read]');
    }
  }
  return result(w);
}

/** One value rendered as it would appear inside a structure (strings quoted). */
export function formatValue(v: unknown, opts: FormatOptions): Formatted {
  const w = walk(opts);
  value(v, w, 0);
  return result(w);
}

function value(v: unknown, w: Walk, depth: number): void {
  const out = w.out;
  if (out.full) { out.exact = false; return; }
  if (--w.nodes < 0) { out.add('...'); return; }
  switch (typeof v) {
    case 'string': quoted(v, w); return;
    case 'number': out.add(Object.is(v, -0) ? '-0' : `${v}`); return;
    case 'bigint': out.add(bigintText(v)); return;
    case 'boolean': out.add(v ? 'true' : 'false'); return;
    case 'undefined': out.add('undefined'); return;
    case 'symbol': symbolText(v, w); return;
    case 'function': functionText(v as Fn, w); return;
    case 'object':
      if (v === null) { out.add('null'); return; }
      objectText(v, w, depth);
  }
}

function bigintText(n: bigint): string {
  const big = n < 0n ? -n >= BIGINT_LIMIT : n >= BIGINT_LIMIT;
  return big ? `[BigInt: more than ${BIGINT_BITS} bits]` : `${n}n`;
}

/** A string inside a structure: single-quoted, escaped, cut at `stringChars`. */
function quoted(s: string, w: Walk): void {
  const shown = s.length <= w.stringChars ? s : s.slice(0, w.stringChars);
  w.out.add(`'${escape(shown)}'`);
  if (shown.length < s.length) w.out.add(`... ${s.length - shown.length} more characters`);
}

function escape(s: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let e: string | undefined;
    if (c === 0x27) e = "\\'";
    else if (c === 0x5c) e = '\\\\';
    else if (c === 0x0a) e = '\\n';
    else if (c === 0x0d) e = '\\r';
    else if (c === 0x09) e = '\\t';
    else if (c < 0x20 || c === 0x7f) e = `\\x${c.toString(16).padStart(2, '0')}`;
    if (e === undefined) continue;
    out += s.slice(from, i) + e;
    from = i + 1;
  }
  return from === 0 ? s : out + s.slice(from);
}

function symbolText(sym: symbol, w: Walk): void {
  const d = call(symbolDescription, sym);
  if (typeof d !== 'string') { w.out.add('Symbol()'); return; }
  w.out.add('Symbol(');
  const shown = d.length <= w.stringChars ? d : d.slice(0, w.stringChars);
  w.out.add(shown);
  if (shown.length < d.length) w.out.add(`... ${d.length - shown.length} more characters`);
  w.out.add(')');
}

function functionText(f: Fn, w: Walk): void {
  if (types.isProxy(f)) { w.out.add('[Proxy]'); return; }
  const name = ownData(f, 'name');
  const named = typeof name === 'string' && name !== '' ? name : undefined;
  const src = call(fnSource, f);
  if (typeof src === 'string' && src.startsWith('class') && /^class[\s{]/.test(src.slice(0, 6))) {
    w.out.add(named === undefined ? '[class (anonymous)]' : `[class ${named}]`);
    return;
  }
  const kind = types.isAsyncFunction(f) ? (types.isGeneratorFunction(f) ? 'AsyncGeneratorFunction' : 'AsyncFunction')
    : types.isGeneratorFunction(f) ? 'GeneratorFunction' : 'Function';
  w.out.add(named === undefined ? `[${kind} (anonymous)]` : `[${kind}: ${named}]`);
}

/** The value of an own data property, or undefined (for an accessor or no property). */
function ownData(o: object, key: PropertyKey): unknown {
  const d = Object.getOwnPropertyDescriptor(o, key);
  return d !== undefined && 'value' in d ? d.value : undefined;
}

function objectText(o: object, w: Walk, depth: number): void {
  const out = w.out;
  if (types.isProxy(o)) { out.add('[Proxy]'); return; }
  if (w.seen.includes(o)) { out.add('[Circular]'); return; }
  if (types.isNativeError(o)) { errorText(o, w, depth); return; }
  if (types.isModuleNamespaceObject(o)) { out.add('[Module]'); return; }
  if (types.isDate(o)) { out.add(dateText(o)); return; }
  if (types.isRegExp(o)) { out.add(regexpText(o)); return; }
  for (const [is, name, valueOf] of BOXED) {
    if (!is(o)) continue;
    out.add(`[${name}: `);
    value(call(valueOf, o), w, depth + 1);
    out.add(']');
    return;
  }
  if (types.isPromise(o)) { out.add('Promise { <state not shown> }'); return; }
  if (types.isWeakMap(o)) { out.add('WeakMap { <items unknown> }'); return; }
  if (types.isWeakSet(o)) { out.add('WeakSet { <items unknown> }'); return; }
  if (types.isArrayBuffer(o)) { out.add(`ArrayBuffer { byteLength: ${String(call(bufferLength, o))} }`); return; }
  if (types.isSharedArrayBuffer(o)) { out.add(`SharedArrayBuffer { byteLength: ${String(call(sharedLength, o))} }`); return; }
  if (types.isDataView(o)) { out.add(`DataView { byteLength: ${String(call(viewLength, o))} }`); return; }

  const array = Array.isArray(o);
  const typed = !array && types.isTypedArray(o);
  const map = !array && !typed && types.isMap(o);
  const set = !array && !typed && !map && types.isSet(o);
  if (depth >= w.depth) {
    out.add(array ? '[Array]' : typed ? `[${String(call(typedTag, o))}]` : map ? '[Map]' : set ? '[Set]' : `[${className(o) ?? 'Object'}]`);
    return;
  }
  w.seen.push(o);
  try {
    if (array) arrayText(o, w, depth);
    else if (typed) typedText(o, w, depth);
    else if (map) collectionText(o, w, depth, 'Map', mapSize, mapEntries, mapNext);
    else if (set) collectionText(o, w, depth, 'Set', setSize, setValues, setNext);
    else plainText(o, w, depth);
  } finally {
    w.seen.pop();
  }
}

function dateText(d: object): string {
  const t = call(dateTime, d);
  return typeof t === 'number' && Number.isFinite(t) ? String(call(dateIso, d)) : 'Invalid Date';
}

function regexpText(r: object): string {
  let flags = '';
  for (const [flag, get] of REGEXP_FLAGS) if (call(get, r) === true) flags += flag;
  return `/${String(call(regexpSource, r))}/${flags}`;
}

function errorText(e: object, w: Walk, depth: number): void {
  const out = w.out;
  if (depth >= w.depth) { out.add(`[${errorHeader(e)}]`); return; }
  const stack = ownData(e, 'stack');
  out.add(typeof stack === 'string' && stack !== '' ? stack : errorHeader(e));
  // Own enumerable data besides the usual three (a SingError's `code`, say).
  const keys = Reflect.ownKeys(e).filter((k) => k !== 'stack' && k !== 'message' && k !== 'name');
  if (keys.length === 0) return;
  w.seen.push(e);
  try {
    entriesText(e, keys, w, depth, ' {', '}', false);
  } finally {
    w.seen.pop();
  }
}

/** The name of the class `o` was made by, read from its prototype's own data `constructor`
 * and that constructor's own data `name`; null prototype and Object.prototype give none. */
function className(o: object): string | undefined {
  let p = Object.getPrototypeOf(o) as object | null;
  for (let i = 0; p !== null && p !== Object.prototype && i < 64; i++) {
    if (types.isProxy(p)) return undefined;
    const c = ownData(p, 'constructor');
    if (typeof c === 'function' && !types.isProxy(c)) {
      const n = ownData(c, 'name');
      if (typeof n === 'string' && n !== '') return n;
    }
    p = Object.getPrototypeOf(p) as object | null;
  }
  return undefined;
}

/** True when a container should stop listing: the line is full (the count becomes a lower
 * bound), or the values-visited budget is spent (the rest is summarised as "more"). */
function stopped(w: Walk): boolean {
  if (w.out.full) { w.out.exact = false; return true; }
  return w.nodes <= 0;
}

function more(n: number, what: string): string {
  return `... ${n} more ${what}${n === 1 ? '' : 's'}`;
}

function arrayText(a: object, w: Walk, depth: number): void {
  const out = w.out;
  const len = ownData(a, 'length');
  const n = typeof len === 'number' ? len : 0;
  if (n === 0) { out.add('[]'); return; }
  out.add('[ ');
  let holes = 0;
  let first = true;
  const sep = (): void => { if (!first) out.add(', '); first = false; };
  const flushHoles = (): void => {
    if (holes === 0) return;
    sep();
    out.add(`<${holes} empty item${holes === 1 ? '' : 's'}>`);
    holes = 0;
  };
  let i = 0;
  for (; i < Math.min(n, w.entries) && !stopped(w); i++) {
    const d = Object.getOwnPropertyDescriptor(a, i);
    if (d === undefined) { holes++; continue; }
    flushHoles();
    sep();
    propertyValue(d, w, depth);
  }
  if (out.full) return;
  flushHoles();
  if (n > i) { sep(); out.add(more(n - i, 'item')); }
  out.add(' ]');
}

function typedText(t: object, w: Walk, depth: number): void {
  const out = w.out;
  const n = call(typedLength, t) as number;
  out.add(`${String(call(typedTag, t))}(${n}) [`);
  let i = 0;
  for (; i < Math.min(n, w.entries) && !stopped(w); i++) {
    out.add(i === 0 ? ' ' : ', ');
    value((t as Record<number, unknown>)[i], w, depth + 1); // an integer index on a typed array reads its memory, nothing else
  }
  if (out.full) return;
  if (n > i) out.add(`${i === 0 ? ' ' : ', '}${more(n - i, 'item')}`);
  out.add(n === 0 ? ']' : ' ]');
}

function collectionText(c: object, w: Walk, depth: number, kind: 'Map' | 'Set', size: Fn, iterate: Fn, next: Fn): void {
  const out = w.out;
  const n = call(size, c) as number;
  out.add(`${kind}(${n}) {`);
  const it = call(iterate, c);
  let i = 0;
  for (; i < Math.min(n, w.entries) && !stopped(w); i++) {
    const step = call(next, it) as { done: boolean; value: unknown };
    if (step.done) break;
    out.add(i === 0 ? ' ' : ', ');
    if (kind === 'Map') {
      const pair = step.value as readonly unknown[]; // made by the engine: plain indices, no iterator
      value(pair[0], w, depth + 1);
      out.add(' => ');
      value(pair[1], w, depth + 1);
    } else {
      value(step.value, w, depth + 1);
    }
  }
  if (out.full) return;
  if (n > i) out.add(`${i === 0 ? ' ' : ', '}${more(n - i, 'item')}`);
  out.add(n === 0 ? '}' : ' }');
}

function plainText(o: object, w: Walk, depth: number): void {
  const proto = Object.getPrototypeOf(o) as object | null;
  const name = proto === null ? '[Object: null prototype]' : className(o);
  const keys = Reflect.ownKeys(o);
  if (name !== undefined) w.out.add(`${name} `);
  entriesText(o, keys, w, depth, '{', '}', true);
}

/** `{ key: value, ... }` over the enumerable ones of `keys`. */
function entriesText(o: object, keys: readonly PropertyKey[], w: Walk, depth: number, open: string, close: string, emptyBraces: boolean): void {
  const out = w.out;
  let shown = 0;
  let i = 0;
  for (; i < keys.length && shown < w.entries && !stopped(w); i++) {
    const k = keys[i] as PropertyKey;
    const d = Object.getOwnPropertyDescriptor(o, k);
    if (d === undefined || d.enumerable !== true) continue;
    out.add(shown === 0 ? `${open} ` : ', ');
    shown++;
    keyText(k, w);
    out.add(': ');
    propertyValue(d, w, depth);
  }
  if (out.full) return;
  const rest = keys.length - i;
  if (rest > 0) { out.add(shown === 0 ? `${open} ` : ', '); shown++; out.add(more(rest, 'key')); }
  if (shown > 0) out.add(` ${close}`);
  else if (emptyBraces) out.add(`${open}${close}`);
}

function keyText(k: PropertyKey, w: Walk): void {
  if (typeof k === 'symbol') { w.out.add('['); symbolText(k, w); w.out.add(']'); return; }
  const s = String(k);
  if (s.length <= w.stringChars && IDENTIFIER.test(s)) w.out.add(s);
  else quoted(s, w);
}

function propertyValue(d: PropertyDescriptor, w: Walk, depth: number): void {
  if ('value' in d) { value(d.value, w, depth + 1); return; }
  w.out.add(d.get !== undefined ? (d.set !== undefined ? '[Getter/Setter]' : '[Getter]') : '[Setter]');
}
