// FileCache: the whole bytes of small files recently read, so that a file served again costs no
// disk transfer (a web server's pages and images are read far more often than written). Entries
// are keyed by the file's first cluster, its identity on the volume, and checked against its size.
// Rules for callers: `get` and `put` inside the volume's queue; every change of a file's bytes or
// size calls `forget(first)` (files.ts, the write-behind), and every cluster the FAT releases is
// forgotten too (a freed first cluster may start another file).
// Invariants: at most `capacity` bytes held; an entry is a copy, never shared with a caller that
// could change it (callers copy out of it).
export const SMALL_FILE = 64 * 1024;

export class FileCache {
  private readonly entries = new Map<number, Uint8Array>();
  private bytes = 0;
  hits = 0;
  misses = 0;
  constructor(private readonly capacity: number) {}

  /** The bytes of the file starting at cluster `first`, if cached at `size`. */
  get(first: number, size: number): Uint8Array | undefined {
    const e = this.entries.get(first);
    if (e === undefined || e.length !== size) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(first);
    this.entries.set(first, e);
    return e;
  }

  put(first: number, data: Uint8Array): void {
    if (first < 2 || data.length > SMALL_FILE || data.length > this.capacity) return;
    this.forget(first);
    this.entries.set(first, data);
    this.bytes += data.length;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.capacity) break;
      this.entries.delete(k);
      this.bytes -= v.length;
    }
  }

  forget(first: number): void {
    const e = this.entries.get(first);
    if (e === undefined) return;
    this.entries.delete(first);
    this.bytes -= e.length;
  }
}
