// Read-ahead for sequential readers: while a client works through a file in order, the file
// server fills a window of the next bytes (one disk transfer of WINDOW bytes into a block of its
// own) and answers the following requests by copying from it inside the exchange heap, so the
// host's disk latency overlaps the client's work instead of adding to every request.
// Rules for callers: `fill` never throws; a Fill with no bytes means "read directly instead".
// A window is served only while the file's generation is the one it was filled at (any write or
// truncation changes it), so a reader never sees bytes older than an acknowledged write.
// Invariants: a window is one block of WINDOW bytes owned by the file server's thread; windows are
// taken only while the file system's quota keeps RESERVE bytes free for its own transfers.
import type { Abi, Bytes } from 'sing/runtime';
import { attempt, transfer, type Mounted } from './file-server.ts';
import type { FatFile } from './volume.ts';

export const WINDOW = 1024 * 1024;
const RESERVE = 1024 * 1024;

/** A window's outcome: its block, the file bytes [start, start+bytes) it holds, at generation gen. */
export interface Fill { readonly buf: Bytes | null; readonly start: number; readonly bytes: number; readonly gen: number }

/** A block for a window, or null when the quota cannot spare one. */
export function windowBlock(abi: Abi): Bytes | null {
  const u = abi.heapUsage();
  if (u.quota - u.bytes < WINDOW + RESERVE) return null;
  try {
    return abi.alloc(WINDOW);
  } catch {
    return null;
  }
}

/** Reads file bytes [start, start + buf.length) into `buf` under a lease of the volume. */
export async function fill(m: Mounted, file: FatFile, start: number, buf: Bytes): Promise<Fill> {
  const length = buf.length;
  const lease = await attempt(m, () => m.vol.lease(file, start, length, false));
  if (!lease.ok) return { buf, start, bytes: 0, gen: -1 };
  const cached = lease.value.cached;
  if (cached !== null) {
    buf.write(cached, 0);
    const ended = await attempt(m, () => lease.value.end(true));
    return { buf, start, bytes: ended.ok ? ended.value : 0, gen: lease.value.generation };
  }
  const moved = await transfer(m, false, lease.value.extents, buf, 0, start, length);
  const ended = await attempt(m, () => lease.value.end(moved.error === null));
  return { buf: moved.buf, start, bytes: moved.error === null && ended.ok ? ended.value : 0, gen: lease.value.generation };
}
