// The File conversation (sing/contracts/fs) over one open FatFile, and the transfers behind Read
// and Write: whole sectors go straight between the image and the client's own buffer (the disk
// driver reads into it or writes out of it), partial sectors through one sector copied here.
// Rules for callers: `serveFile` runs as a thread of the file system with a File endpoint in its
// Start state and a file the volume opened for it; it closes the file when the client says Close
// or goes away. It never throws: every failure is answered as a Nak naming the path.
// Invariants: a client's buffer always goes back to it (Ack or Nak) unless the disk driver died
// holding it, in which case the client's channel is closed; the volume is held (its queue) for
// the whole of a transfer, so no other call can move the file's clusters meanwhile.
import type { Abi, Bytes, Exp } from 'sing/runtime';
import type { File } from 'sing/contracts/fs';
import { DiskError, type DiskClient, type Lent } from './disk-client.ts';
import { FatError } from './errors.ts';
import type { Extent } from './files.ts';
import { GATHER_MAX } from './write-behind.ts';
import { fill, windowBlock, WINDOW, type Fill } from './read-ahead.ts';
import type { FatFile, FatVolume, FileInfo } from './volume.ts';

/** What every server thread of one mounted volume shares. */
export interface Mounted {
  readonly vol: FatVolume;
  readonly disk: DiskClient;
  /** The mount point, for messages ('/fs'). */
  readonly prefix: string;
}

export interface Fault { readonly code: string; readonly reason: string }

/** Any failure in the words of a Nak: the engine's and the driver's codes pass through. */
export function faultOf(m: Mounted, e: unknown): Fault {
  if (e instanceof FatError || e instanceof DiskError) return { code: e.code, reason: `${m.prefix}: ${e.message}` };
  return { code: 'E_INTERNAL', reason: `${m.prefix}: unexpected failure in the file system: ${e instanceof Error ? e.message : String(e)}` };
}

/** A FileInfo as the contracts' Attributes (a time the entry does not hold reads 0). */
export function attributesOf(i: FileInfo): { size: number; directory: boolean; readOnly: boolean; hidden: boolean; system: boolean; archive: boolean; created: number; modified: number; accessed: number } {
  return {
    size: i.size, directory: i.isDirectory, readOnly: i.readOnly, hidden: i.hidden, system: i.system, archive: i.archive,
    created: i.created ?? 0, modified: i.modified ?? 0, accessed: i.accessed ?? 0,
  };
}

/** Why a transfer of `length` bytes at `bufOffset` of a `size`-byte buffer, at `fileOffset`, is refused. */
function badRange(size: number, bufOffset: number, fileOffset: number, length: number): string | null {
  if (![bufOffset, fileOffset, length].every((n) => Number.isSafeInteger(n) && n >= 0)) {
    return `bufOffset ${bufOffset}, fileOffset ${fileOffset} and length ${length} must be whole numbers, not negative`;
  }
  if (bufOffset + length > size) return `${length} bytes at ${bufOffset} do not fit in the ${size}-byte buffer`;
  return null;
}

interface Piece { readonly sector: number; readonly sectors: number; readonly from: number; readonly bytes: number; readonly whole: boolean; readonly slack: number }

/**
 * The pieces of an extent: a partial first sector, whole sectors, a partial last sector. With
 * `room` (bytes of the buffer free after the extent's), a read's last partial sector that starts
 * on a sector boundary is read whole into the buffer instead, joined to the whole sectors before
 * it, and its `slack` (the bytes past the file's) is zeroed afterwards: one transfer for a small
 * file instead of two, and nothing of the disk beyond the file shown to the client.
 */
function piecesOf(e: Extent, ss: number, room: number): Piece[] {
  const out: Piece[] = [];
  let done = 0;
  let sector = e.sector;
  if (e.skip !== 0 || (e.length < ss && ss - e.length > room)) {
    const n = Math.min(ss - e.skip, e.length);
    out.push({ sector, sectors: 1, from: 0, bytes: n, whole: false, slack: 0 });
    done = n;
    sector++;
  }
  let whole = Math.floor((e.length - done) / ss);
  const tail = e.length - done - whole * ss;
  const slack = tail > 0 && ss - tail <= room ? ss - tail : 0;
  if (slack > 0) whole++;
  if (whole > 0) {
    out.push({ sector, sectors: whole, from: done, bytes: whole * ss, whole: true, slack });
    done += whole * ss - slack;
    sector += whole;
  }
  if (done < e.length) out.push({ sector, sectors: 1, from: done, bytes: e.length - done, whole: false, slack: 0 });
  return out;
}

const ZEROS = new Uint8Array(4096);

/** One partial sector: read it, then copy into the buffer or patch it from the buffer and write it back. */
async function partial(m: Mounted, write: boolean, sector: number, skip: number, bytes: number, buf: Bytes, at: number): Promise<Lent> {
  try {
    const data = await m.disk.read(sector, 1);
    if (write) {
      data.set(buf.read(at, at + bytes), skip);
      await m.disk.write(sector, data);
    } else {
      buf.write(data.subarray(skip, skip + bytes), at);
    }
    return { buf, error: null };
  } catch (e) {
    return { buf, error: e instanceof DiskError ? e : new DiskError('E_IO', e instanceof Error ? e.message : String(e)) };
  }
}

/**
 * Moves the extents' bytes between the device and `buf` (file byte `fileOffset` at `bufOffset`;
 * nothing outside the `length` bytes there is touched):
 * whole sectors lent to the driver, partial ones copied. Never throws; the buffer comes back
 * (null when the driver died holding it) with the first failure.
 */
export async function transfer(m: Mounted, write: boolean, extents: readonly Extent[], buf: Bytes, bufOffset: number, fileOffset: number, length: number): Promise<Lent> {
  let b = buf;
  const ss = m.disk.sectorSize;
  for (const e of extents) {
    const end = bufOffset + (e.offset - fileOffset) + e.length;
    for (const p of piecesOf(e, ss, write ? 0 : bufOffset + length - end)) {
      const at = bufOffset + (e.offset - fileOffset) + p.from;
      const r: Lent = p.whole
        ? (write ? await m.disk.writeFrom(p.sector, p.sectors, b, at) : await m.disk.readInto(p.sector, p.sectors, b, at))
        : await partial(m, write, p.sector, p.from === 0 ? e.skip : 0, p.bytes, b, at);
      if (r.buf === null || r.error !== null) return r;
      b = r.buf;
      if (p.slack > 0) b.write(ZEROS.subarray(0, p.slack), at + p.bytes - p.slack);
    }
  }
  return { buf: b, error: null };
}

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly fault: Fault };

/** Runs `fn`, turning a failure into the Fault a Nak carries. */
export async function attempt<T>(m: Mounted, fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    return { ok: false, fault: faultOf(m, e) };
  }
}

/** A Read or Write: the volume held for the transfer, the buffer lent to the driver, and back. */
async function readOrWrite(m: Mounted, file: FatFile, write: boolean, buf: Bytes, bufOffset: number, fileOffset: number, length: number): Promise<{ buf: Bytes | null; done: number; fault: Fault | null }> {
  const bad = badRange(buf.length, bufOffset, fileOffset, length);
  if (bad !== null) return { buf, done: 0, fault: { code: 'E_RANGE', reason: `${m.prefix}${file.path}: ${write ? 'Write' : 'Read'}: ${bad}` } };
  const lease = await attempt(m, () => m.vol.lease(file, fileOffset, length, write));
  if (!lease.ok) return { buf, done: 0, fault: lease.fault };
  const cached = lease.value.cached;
  if (cached !== null) {
    buf.write(cached, bufOffset);
    const ended = await attempt(m, () => lease.value.end(true));
    return ended.ok ? { buf, done: ended.value, fault: null } : { buf, done: 0, fault: ended.fault };
  }
  const moved = await transfer(m, write, lease.value.extents, buf, bufOffset, fileOffset, length);
  const ended = await attempt(m, () => lease.value.end(moved.error === null));
  if (moved.error !== null) return { buf: moved.buf, done: 0, fault: faultOf(m, new FatError('E_IO', `${file.path}: ${moved.error.code}: ${moved.error.message}`)) };
  if (!ended.ok) return { buf: moved.buf, done: 0, fault: ended.fault };
  return { buf: moved.buf, done: ended.value, fault: null };
}

/** Serves one open file until Close or the client goes away. */
export async function serveFile(client: Exp<typeof File>, m: Mounted, abi: Abi, file: FatFile): Promise<void> {
  let at = client.send('Success');
  // Read-ahead (read-ahead.ts): `win` holds file bytes [winStart, winStart+winBytes) at
  // generation winGen; `ahead` fills the next window; `next` is where a sequential reader goes on.
  let win: Bytes | null = null;
  let winStart = 0;
  let winBytes = 0;
  let winGen = -1;
  let ahead: Promise<Fill> | null = null;
  let next = -1;
  let scratch: Uint8Array | null = null;
  for (;;) {
    const r = await at.receive();
    if (ahead !== null && (r.tag !== 'Read' || r.fileOffset >= winStart + winBytes)) {
      // The window being filled lands and takes the current one's place. A reader that passed the
      // current window has the old block start filling the window after at once; anything else
      // lets it go (a write then leaves the landed window stale by generation).
      const f = await ahead;
      ahead = null;
      const old: Bytes | null = win;
      win = f.buf;
      winStart = f.start;
      winBytes = f.bytes;
      winGen = f.gen;
      if (old !== null) {
        if (r.tag === 'Read' && winBytes > 0 && winStart + winBytes < m.vol.sizeOf(file)) ahead = fill(m, file, winStart + winBytes, old);
        else old.free();
      }
    }
    switch (r.tag) {
      case 'Read': {
        const sequential = r.fileOffset === next;
        next = r.fileOffset + r.length;
        const end = Math.min(r.fileOffset + r.length, m.vol.sizeOf(file));
        if (win !== null && winGen === m.vol.generation(file) && r.fileOffset >= winStart && end > r.fileOffset && end <= winStart + winBytes
          && badRange(r.buf.length, r.bufOffset, r.fileOffset, r.length) === null) {
          r.buf.copyFrom(win, r.fileOffset - winStart, end - winStart, r.bufOffset);
          if (ahead === null && winStart + winBytes < m.vol.sizeOf(file) && end + WINDOW / 2 > winStart + winBytes) {
            const block = windowBlock(abi);
            if (block !== null) ahead = fill(m, file, winStart + winBytes, block);
          }
          at = r.ep.send('AckRead', { buf: r.buf, bytesRead: end - r.fileOffset });
          break;
        }
        if (sequential && ahead === null && end < m.vol.sizeOf(file) && r.length <= WINDOW) {
          const block = win ?? windowBlock(abi);
          win = null;
          if (block !== null) ahead = fill(m, file, end, block);
        }
        const x = await readOrWrite(m, file, false, r.buf, r.bufOffset, r.fileOffset, r.length);
        const back = x.buf;
        if (back === null) { if (win !== null) win.free(); r.ep.close(); return; } // the driver died holding the buffer
        at = x.fault === null ? r.ep.send('AckRead', { buf: back, bytesRead: x.done }) : r.ep.send('NakRead', { buf: back, code: x.fault.code, reason: x.fault.reason });
        break;
      }
      case 'Write': {
        if (r.length <= GATHER_MAX && badRange(r.buf.length, r.bufOffset, r.fileOffset, r.length) === null) {
          // A small write is copied out (into this thread's own scratch array: a fresh array
          // per request would be garbage the kernel's memory meter collects for) and gathered by
          // the volume's write-behind; the buffer goes straight back.
          scratch ??= new Uint8Array(GATHER_MAX);
          const data = scratch.subarray(0, r.buf.readInto(scratch, r.bufOffset, r.bufOffset + r.length, 0));
          const w = await attempt(m, () => m.vol.write(file, r.fileOffset, data));
          at = w.ok ? r.ep.send('AckWrite', { buf: r.buf, bytesWritten: r.length }) : r.ep.send('NakWrite', { buf: r.buf, code: w.fault.code, reason: w.fault.reason });
          break;
        }
        const x = await readOrWrite(m, file, true, r.buf, r.bufOffset, r.fileOffset, r.length);
        const back = x.buf;
        if (back === null) { if (win !== null) win.free(); r.ep.close(); return; } // the driver died holding the buffer
        at = x.fault === null ? r.ep.send('AckWrite', { buf: back, bytesWritten: x.done }) : r.ep.send('NakWrite', { buf: back, code: x.fault.code, reason: x.fault.reason });
        break;
      }
      case 'GetAttributes': {
        const a = await attempt(m, () => m.vol.fileInfo(file));
        at = a.ok ? r.ep.send('AckGetAttributes', { attributes: attributesOf(a.value) }) : r.ep.send('NakGetAttributes', a.fault);
        break;
      }
      case 'Truncate': {
        const t = await attempt(m, () => m.vol.truncate(file, r.size));
        at = t.ok ? r.ep.send('AckTruncate') : r.ep.send('NakTruncate', t.fault);
        break;
      }
      case 'Flush': {
        const f = await attempt(m, () => m.vol.flushFile(file));
        at = f.ok ? r.ep.send('AckFlush') : r.ep.send('NakFlush', f.fault);
        break;
      }
      case 'Close': {
        if (win !== null) win.free();
        await attempt(m, () => m.vol.close(file));
        r.ep.send('AckClose');
        return;
      }
      case '$closed': {
        if (win !== null) win.free();
        await attempt(m, () => m.vol.close(file)); // an unmounted or damaged volume: no one left to tell
        return;
      }
    }
  }
}
