// Words: an array of int32 backed by a DataView.
// Why not an Int32Array: after SES lockdown freezes Object.prototype, V8 (Node 20) reads and
// writes typed-array elements about fifty times slower (1 ns → 47 ns), while DataView accesses
// keep their speed (see docs/design-notes.md §4). Kernel bookkeeping that is indexed on hot
// paths (the exchange heap's allocator) uses this instead.
// Rules for callers: indexes are not bounds-checked beyond what DataView does (it throws a
// RangeError outside the buffer).
export class Words {
  private readonly dv: DataView;
  readonly length: number;

  /** A fresh zeroed array of `length` words, or a view of `bytes` bytes of `buffer` from `byteOffset`. */
  constructor(lengthOrBuffer: number | ArrayBufferLike, fill = 0, byteOffset = 0, bytes?: number) {
    const buf = typeof lengthOrBuffer === 'number' ? new ArrayBuffer(lengthOrBuffer * 4) : lengthOrBuffer;
    this.dv = new DataView(buf, byteOffset, bytes ?? buf.byteLength - byteOffset);
    this.length = this.dv.byteLength >> 2;
    if (fill !== 0 && typeof lengthOrBuffer === 'number') this.fill(fill, 0, this.length);
  }

  get(i: number): number { return this.dv.getInt32(i << 2, true); }
  set(i: number, v: number): void { this.dv.setInt32(i << 2, v, true); }
  fill(v: number, from: number, to: number): void {
    for (let i = from; i < to; i++) this.dv.setInt32(i << 2, v, true);
  }
}
