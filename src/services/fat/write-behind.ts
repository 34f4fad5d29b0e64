// Write-behind: the volume keeps one run of sequentially written file bytes in memory and writes
// it as one transfer when it is full, when anything else happens on the volume, at flush and at
// unmount. A program writing a file in 64 KiB requests then pays the engine's allocation, chain
// and entry work once a megabyte, not once a request, as a page cache lets a Unix file system do.
// Rules for callers (volume.ts): `take` a write only inside the volume's queue; call `drain`
// before every other operation (so every reader, of any handle, sees every accepted byte) and
// before a flush; a write the drain could not place is reported to its file's next write, flush
// or close by `failureFor`, once, as a kernel reports a failed write-back at fsync.
// Invariants: at most one run, of at most LIMIT bytes, for one file; a drained run is written with
// the engine's own ordering (writeAt: data, then chain, then entry), so a crash loses at most
// bytes no flush acknowledged.
import { FatError } from './errors.ts';
import { changed, writeAt } from './files.ts';
import type { Node, VolState } from './state.ts';

const LIMIT = 4 * 1024 * 1024;
/** Writes larger than this go straight to the disk (they gain nothing from gathering). */
export const GATHER_MAX = 256 * 1024;

export class WriteBehind {
  private node: Node | null = null;
  private start = 0;
  private length = 0;
  private readonly data = new Uint8Array(LIMIT);
  private readonly failed = new Map<Node, FatError>();

  /** Gathers `data` at `offset` of `node` if it continues the run (or starts one); false when it
   * cannot (too big, or another file or place: drain first, then try again or write through). */
  take(st: VolState, node: Node, offset: number, data: Uint8Array): boolean {
    if (data.length > GATHER_MAX) return false;
    if (this.node === null) {
      this.node = node;
      this.start = offset;
      this.length = 0;
    } else if (this.node !== node || offset !== this.start + this.length || this.length + data.length > LIMIT) {
      return false;
    }
    this.data.set(data, this.length);
    this.length += data.length;
    changed(st, node);
    return true;
  }

  get full(): boolean { return this.length > LIMIT - GATHER_MAX; }
  get pending(): boolean { return this.node !== null; }

  /** Writes the run out. A failure is kept for the run's file (failureFor) and not thrown: the
   * operation that happened to drain it is not the one that wrote those bytes. */
  async drain(st: VolState): Promise<void> {
    const node = this.node;
    if (node === null) return;
    this.node = null;
    try {
      await writeAt(st, node, this.start, this.data.subarray(0, this.length));
    } catch (e) {
      if (!(e instanceof FatError)) throw e;
      this.failed.set(node, new FatError(e.code, `write-behind of ${this.length} bytes at ${this.start}: ${e.message}`, e.path === undefined ? {} : { path: e.path }));
    }
  }

  /** The failure a drained run of `node` met, if any (reported once). */
  failureFor(node: Node): FatError | undefined {
    const e = this.failed.get(node);
    if (e !== undefined) this.failed.delete(node);
    return e;
  }
}
