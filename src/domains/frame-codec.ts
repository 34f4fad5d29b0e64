// The frame codec: how a mux frame becomes bytes for the fast pipes (a shared-memory ring between
// a worker domain and its parent, a socket pair to a child process) and back.
// Rules for callers: `encode` takes the values a frame may hold — undefined, null, booleans,
// numbers, strings, arrays, plain objects and Uint8Arrays — and throws a FrameError for anything
// else (a function, a Map, a SharedArrayBuffer: those cross only in a worker's first message).
// The bytes it returns are the encoder's scratch, valid until its next `encode`: copy or write
// them out at once. `decode` reads bytes the other side sent as untrusted input: malformed bytes,
// a value nested deeper than MAX_DEPTH, or bytes left over throw a FrameError, never something else.
// Invariants: decode(encode(v)) equals v, -0 and NaN included; a decoded Uint8Array is a copy,
// never a view of the source (a ring reuses its memory at once); a key "__proto__" is an own
// property of the decoded object, as structured clone would make it, never its prototype.
// Bytes are written and read through a DataView: SES lockdown makes a typed array's element
// accesses many times slower (docs/design-notes.md §4), and DataView's are not touched.
// Why not a library: msgpackr packs a small frame in about the time this takes, but turns -0 into
// 0 and hands back binary fields as views of its input; docs/domains.md has the measurements.
import { SingError } from '../lib/error.ts';

export class FrameError extends SingError {
  constructor(message: string) { super('E_FRAME', message); }
}

/** The largest frame either pipe accepts (a process domain's images travel in its first frame). */
export const MAX_FRAME = 256 * 1024 * 1024;

/** How deep a decoded value may nest: a frame's payloads are contract fields, a few levels deep. */
export const MAX_DEPTH = 64;

const enum T { Undef = 0, Null = 1, False = 2, True = 3, Int = 4, F64 = 5, Str = 6, Arr = 7, Obj = 8, Bytes = 9 }

const utf8 = new TextEncoder();
const text = new TextDecoder('utf-8', { fatal: true });

export class FrameEncoder {
  #buf = new Uint8Array(4096);
  #view = new DataView(this.#buf.buffer);
  #at = 0;

  /** The bytes of `v`, in the encoder's scratch (see the header). */
  encode(v: unknown): Uint8Array {
    this.#at = 0;
    this.#value(v, 0);
    return this.#buf.subarray(0, this.#at);
  }

  /** The same bytes after a 4-byte little-endian length (a stream's framing), in the scratch. */
  encodeWithLength(v: unknown): Uint8Array {
    this.#at = 4;
    this.#value(v, 0);
    this.#view.setUint32(0, this.#at - 4, true);
    return this.#buf.subarray(0, this.#at);
  }

  #room(n: number): void {
    const need = this.#at + n;
    if (need <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#at));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  #u32(n: number): void {
    this.#room(4);
    this.#view.setUint32(this.#at, n, true);
    this.#at += 4;
  }

  #str(s: string): void {
    const n = s.length;
    this.#room(5 + n * 3);
    const v = this.#view;
    let at = this.#at + 5;
    let i = 0;
    if (n <= 32) { // short ASCII (keys, tags) byte by byte; the rest through the platform's encoder
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        v.setUint8(at++, c);
      }
    }
    if (i < n) at += utf8.encodeInto(i === 0 ? s : s.slice(i), this.#buf.subarray(at)).written;
    v.setUint8(this.#at, T.Str);
    v.setUint32(this.#at + 1, at - this.#at - 5, true);
    this.#at = at;
  }

  #value(v: unknown, depth: number): void {
    if (depth > MAX_DEPTH) throw new FrameError(`a frame nests deeper than ${MAX_DEPTH} levels`);
    switch (typeof v) {
      case 'undefined': this.#tag(T.Undef); return;
      case 'boolean': this.#tag(v ? T.True : T.False); return;
      case 'string': this.#str(v); return;
      case 'number':
        if ((v | 0) === v && !Object.is(v, -0)) {
          this.#room(5);
          this.#view.setUint8(this.#at, T.Int);
          this.#view.setInt32(this.#at + 1, v, true);
          this.#at += 5;
        } else {
          this.#room(9);
          this.#view.setUint8(this.#at, T.F64);
          this.#view.setFloat64(this.#at + 1, v, true);
          this.#at += 9;
        }
        return;
      case 'object':
        if (v === null) { this.#tag(T.Null); return; }
        if (Array.isArray(v)) {
          this.#tag(T.Arr);
          this.#u32(v.length);
          for (let i = 0; i < v.length; i++) this.#value(v[i], depth + 1);
          return;
        }
        if (v instanceof Uint8Array) {
          this.#tag(T.Bytes);
          this.#u32(v.length);
          this.#room(v.length);
          this.#buf.set(v, this.#at);
          this.#at += v.length;
          return;
        }
        if (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null) {
          const keys = Object.keys(v);
          this.#tag(T.Obj);
          this.#u32(keys.length);
          for (const k of keys) { this.#str(k); this.#value((v as Record<string, unknown>)[k], depth + 1); }
          return;
        }
        throw new FrameError(`a frame holds a ${v.constructor?.name ?? 'object'}, which only plain data may be`);
      default:
        throw new FrameError(`a frame holds a ${typeof v}, which only plain data may be`);
    }
  }

  #tag(t: T): void {
    this.#room(1);
    this.#view.setUint8(this.#at++, t);
  }
}

/** The value `bytes` encode (see the header for what is refused). */
export function decode(bytes: Uint8Array): unknown {
  const r = new Reader(bytes);
  const v = r.value(0);
  if (r.at !== bytes.length) throw new FrameError(`a frame has ${bytes.length - r.at} bytes after its value`);
  return v;
}

class Reader {
  at = 0;
  readonly #b: Uint8Array;
  readonly #view: DataView;
  constructor(b: Uint8Array) {
    this.#b = b;
    this.#view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  #need(n: number): void {
    if (this.at + n > this.#b.length) throw new FrameError(`a frame ends in the middle of a value (at byte ${this.at})`);
  }

  #u32(): number {
    this.#need(4);
    const n = this.#view.getUint32(this.at, true);
    this.at += 4;
    return n;
  }

  #str(): string {
    const n = this.#u32();
    this.#need(n);
    const start = this.at;
    this.at += n;
    if (n <= 32) {
      const v = this.#view;
      let s = '';
      for (let i = start; i < start + n; i++) {
        const c = v.getUint8(i);
        if (c >= 0x80) return this.#utf8(start, n);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return this.#utf8(start, n);
  }

  #utf8(start: number, n: number): string {
    try { return text.decode(this.#b.subarray(start, start + n)); } catch { throw new FrameError(`a frame holds a string that is not UTF-8 (at byte ${start})`); }
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) throw new FrameError(`a frame nests deeper than ${MAX_DEPTH} levels`);
    this.#need(1);
    const t = this.#view.getUint8(this.at++);
    switch (t) {
      case T.Undef: return undefined;
      case T.Null: return null;
      case T.False: return false;
      case T.True: return true;
      case T.Int: { this.#need(4); const n = this.#view.getInt32(this.at, true); this.at += 4; return n; }
      case T.F64: { this.#need(8); const n = this.#view.getFloat64(this.at, true); this.at += 8; return n; }
      case T.Str: return this.#str();
      case T.Arr: {
        const n = this.#u32();
        this.#need(n); // each element takes at least a byte: a forged length cannot allocate
        const a: unknown[] = [];
        for (let i = 0; i < n; i++) a.push(this.value(depth + 1));
        return a;
      }
      case T.Obj: {
        const n = this.#u32();
        this.#need(n * 6); // a key (tag and length) and a value at least
        const o: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          this.#need(1);
          if (this.#view.getUint8(this.at++) !== T.Str) throw new FrameError(`a frame has an object key that is not a string (at byte ${this.at - 1})`);
          const k = this.#str();
          const v = this.value(depth + 1);
          if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
          else o[k] = v;
        }
        return o;
      }
      case T.Bytes: {
        const n = this.#u32();
        this.#need(n);
        const out = this.#b.slice(this.at, this.at + n);
        this.at += n;
        return out;
      }
      default: throw new FrameError(`a frame has an unknown value tag ${t} (at byte ${this.at - 1})`);
    }
  }
}
