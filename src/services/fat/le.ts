// Little-endian field access on byte arrays, and small byte helpers.
// Rules for callers: offsets are the caller's to check; these read and write exactly the bytes named.
// Invariants: no allocation except where a function returns a new array.
export function u8(b: Uint8Array, o: number): number { return b[o] ?? 0; }
export function u16(b: Uint8Array, o: number): number { return (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8); }
export function u32(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16)) + (b[o + 3] ?? 0) * 0x1000000;
}
export function put16(b: Uint8Array, o: number, v: number): void { b[o] = v & 0xff; b[o + 1] = (v >>> 8) & 0xff; }
export function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff; b[o + 1] = (v >>> 8) & 0xff; b[o + 2] = (v >>> 16) & 0xff; b[o + 3] = (v >>> 24) & 0xff;
}
export function isPowerOfTwo(n: number): boolean { return n > 0 && (n & (n - 1)) === 0; }
export function le32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  put32(b, 0, v);
  return b;
}
