// File contents: chain navigation, reads, writes (with sparse growth zero-filled), truncation,
// and the sector extents behind a byte range for zero-copy transfers.
// Rules for callers: run under the volume's lock with a Node whose entry is a file. Write order
// (docs/storage.md): clusters are allocated and linked in phases PREP/LINK, file data goes
// straight to the device, and the short entry's size and first cluster are rewritten in COMMIT,
// so a flush writes data and chain before the entry that names them. On shrink the entry is
// rewritten in COMMIT, the chain ended at its new last cluster in CLEAN, and the cut tail
// released in FREE.
// Invariants: a file's size never passes its chain once both are on disk; bytes between the old
// size and a write past it read back as zeros; every walk is bounded by the cluster count.
import { clusterSector } from './boot.ts';
import { ORDER } from './cache.ts';
import { ATTR_ARCHIVE } from './dirent.ts';
import { FatError } from './errors.ts';
import { END } from './fat-table.ts';
import type { Node, VolState } from './state.ts';

export const MAX_FILE_SIZE = 0xffffffff;
/** Every 64th cluster of an open file's chain is remembered (Node.marks) as the walks pass it. */
const MARK_SHIFT = 6;
const MARK_MASK = (1 << MARK_SHIFT) - 1;
const AHEAD_BYTES = 4 * 1024 * 1024;
const CHUNK = 1024 * 1024;

/** Sectors behind part of a file: read or write `sectors` device sectors from `sector`, the file's bytes being [skip, skip+length) of them. */
export interface Extent {
  /** File offset of the first byte this extent covers. */
  readonly offset: number;
  /** First device sector. */
  readonly sector: number;
  /** Device sectors. */
  readonly sectors: number;
  /** Bytes of the first sector before the file's bytes begin. */
  readonly skip: number;
  /** File bytes in this extent. */
  readonly length: number;
}

interface Run { readonly byte: number; readonly sector: number; readonly bytes: number }

function what(node: Node): string { return `file ${node.dir.path === '/' ? '' : node.dir.path}/${node.entry.name}`; }

/** `clusterAt` answered without waiting, when the walk from the known position (at most 64
 * clusters) stays in cached FAT sectors; undefined otherwise (the caller walks with clusterAt). */
function clusterAtNow(st: VolState, node: Node, index: number): number | undefined {
  if (node.curIndex < 0 || node.curIndex > index || index - node.curIndex > MARK_MASK + 1) return undefined;
  const fat = st.core.fat;
  const w = what(node);
  let c = node.curCluster;
  for (let i = node.curIndex; i < index; i++) {
    const n = fat.nextCached(c, w);
    if (n === undefined) return undefined;
    if (n === END) throw new FatError('E_CORRUPT', `${w}: its chain ends after ${i + 1} clusters, short of the ${index + 1} its size needs`);
    c = n;
    if (((i + 1) & MARK_MASK) === 0 && node.marks.length === (i + 1) >>> MARK_SHIFT) node.marks.push(c);
  }
  node.curIndex = index;
  node.curCluster = c;
  return c;
}

/** The file's bytes or size are about to change: read-ahead windows (by generation) and the
 * small-file cache (by first cluster) let go of their copies. */
export function changed(st: VolState, node: Node): void {
  node.gen++;
  st.files.forget(node.entry.e.first);
}

/** The `index`th cluster of the file's chain (0-based). */
async function clusterAt(st: VolState, node: Node, index: number): Promise<number> {
  const fat = st.core.fat;
  let i = 0;
  let c = node.entry.e.first;
  if (node.curIndex >= 0 && node.curIndex <= index) { i = node.curIndex; c = node.curCluster; }
  // A backward seek starts from the nearest mark at or before `index` rather than from the chain's head.
  if (node.marks.length === 0 && node.entry.e.first !== 0) node.marks.push(node.entry.e.first);
  const mark = Math.min(index >>> MARK_SHIFT, node.marks.length - 1);
  if (mark >= 0 && mark << MARK_SHIFT > i) { i = mark << MARK_SHIFT; c = node.marks[mark] as number; }
  if (!fat.isCluster(c)) throw new FatError('E_CORRUPT', `${what(node)}: its first cluster ${c} is outside clusters 2..${fat.g.maxCluster}`);
  let steps = 0;
  const w = what(node);
  while (i < index) {
    const n = fat.nextCached(c, w) ?? await fat.next(c, w);
    if (n === END) throw new FatError('E_CORRUPT', `${w}: its chain ends after ${i + 1} clusters, short of the ${index + 1} its size needs`);
    c = n;
    i++;
    if ((i & MARK_MASK) === 0 && node.marks.length === i >>> MARK_SHIFT) node.marks.push(c);
    if (++steps > fat.g.clusterCount) throw new FatError('E_LOOP', `${what(node)}: its cluster chain loops`);
    if ((steps & 63) === 0) await st.core.pause();
  }
  node.curIndex = i;
  node.curCluster = c;
  return c;
}

/**
 * Walks the file's chain once before its first use: it must cover the size, inside the volume,
 * without meeting a cluster twice. Afterwards the engine's own changes keep it so.
 */
export async function checkChain(st: VolState, node: Node): Promise<void> {
  if (node.checked) return;
  const fat = st.core.fat;
  const e = node.entry.e;
  const cs = st.core.g.clusterSize;
  const needed = Math.ceil(e.size / cs);
  if (needed > fat.g.clusterCount) throw new FatError('E_CORRUPT', `${what(node)}: its size ${e.size} passes the volume's ${fat.g.clusterCount * cs} bytes of clusters`);
  if (needed > 0 && e.first === 0) throw new FatError('E_CORRUPT', `${what(node)}: its size is ${e.size} but it has no clusters`);
  if (needed > 0) {
    if (!fat.isCluster(e.first)) throw new FatError('E_CORRUPT', `${what(node)}: its first cluster ${e.first} is outside clusters 2..${fat.g.maxCluster}`);
    const seen = new Set<number>([e.first]);
    const w = what(node);
    let c = e.first;
    node.marks = [c];
    for (let i = 1; i < needed; i++) {
      const n = fat.nextCached(c, w) ?? await fat.next(c, w);
      if (n === END) throw new FatError('E_CORRUPT', `${what(node)}: its chain ends after ${i} clusters, short of the ${needed} its size of ${e.size} bytes needs`);
      if (seen.has(n)) throw new FatError('E_LOOP', `${what(node)}: its cluster chain loops back to cluster ${n} after ${i} clusters`);
      seen.add(n);
      c = n;
      if ((i & MARK_MASK) === 0) node.marks.push(c);
      if ((i & 63) === 0) await st.core.pause();
    }
    node.curIndex = needed - 1;
    node.curCluster = c;
  }
  node.checked = true;
}

/** The tail when it is known without a walk. */
function knownTail(node: Node): { index: number; cluster: number } | undefined {
  if (node.entry.e.first === 0) return { index: -1, cluster: 0 };
  return node.tailIndex >= 0 ? { index: node.tailIndex, cluster: node.tailCluster } : undefined;
}

/** The chain's last cluster and its index (-1 for an empty file). */
async function tailOf(st: VolState, node: Node): Promise<{ index: number; cluster: number }> {
  if (node.entry.e.first === 0) return { index: -1, cluster: 0 };
  if (node.tailIndex >= 0) return { index: node.tailIndex, cluster: node.tailCluster };
  const fat = st.core.fat;
  const start = Math.max(0, node.curIndex);
  let i = start;
  let c = await clusterAt(st, node, start);
  const seen = new Set<number>([c]);
  const w = what(node);
  for (;;) {
    const n = fat.nextCached(c, w) ?? await fat.next(c, w);
    if (n === END) break;
    if (seen.has(n)) throw new FatError('E_LOOP', `${what(node)}: its cluster chain loops back to cluster ${n}`);
    seen.add(n);
    if ((seen.size & 63) === 0) await st.core.pause();
    c = n;
    i++;
  }
  node.tailIndex = i;
  node.tailCluster = c;
  return { index: i, cluster: c };
}

/** Makes the chain at least `needed` clusters long (new clusters in PREP, the link in LINK). */
async function ensureClusters(st: VolState, node: Node, needed: number, ahead = false): Promise<void> {
  const t = knownTail(node) ?? await tailOf(st, node);
  const have = t.index + 1;
  if (have >= needed) return;
  const fat = st.core.fat;
  // A file growing by writes gets as many clusters again as it has (up to 1 MiB) beyond what
  // this write needs, while the volume has them to spare: a sequential writer then allocates
  // once a megabyte, not once a write. The excess is freed at close (trimExcess), and a dirty
  // mount's check frees it after a crash (a chain longer than its size is harmless).
  const spare = ahead ? Math.max(0, Math.min(have, Math.floor(AHEAD_BYTES / st.core.g.clusterSize), fat.available - (needed - have))) : 0;
  const fresh = await fat.allocate(needed - have + spare, t.index >= 0 ? t.cluster : fat.nextFree - 1, what(node));
  needed += spare;
  const g = st.core.g;
  for (const c of fresh) st.core.cache.forget(clusterSector(g, c), g.sectorsPerCluster);
  if (t.index < 0) {
    node.entry.e.first = fresh[0] as number;
  } else {
    await fat.set(t.cluster, fresh[0] as number, ORDER.LINK);
  }
  node.tailIndex = needed - 1;
  node.tailCluster = fresh[fresh.length - 1] as number;
}

/** Contiguous runs of clusters covering file bytes [from, to) (to > from, inside the chain). */
async function runsOf(st: VolState, node: Node, from: number, to: number): Promise<Run[]> {
  const g = st.core.g;
  const cs = g.clusterSize;
  const first = Math.floor(from / cs);
  const last = Math.ceil(to / cs) - 1;
  const out: Run[] = [];
  const fat = st.core.fat;
  const w = what(node);
  let c = clusterAtNow(st, node, first) ?? await clusterAt(st, node, first);
  let run = { byte: first * cs, sector: clusterSector(g, c), bytes: cs };
  let prev = c;
  for (let i = first + 1; i <= last; i++) {
    const n = fat.nextCached(c, w) ?? await fat.next(c, w);
    if (n === END) throw new FatError('E_CORRUPT', `${w}: its chain ends after ${i} clusters, short of the ${last + 1} its size needs`);
    c = n;
    node.curIndex = i;
    node.curCluster = c;
    if ((i & MARK_MASK) === 0 && node.marks.length === i >>> MARK_SHIFT) node.marks.push(c);
    if (c === prev + 1 && run.bytes < CHUNK) run.bytes += cs;
    else { out.push(run); run = { byte: i * cs, sector: clusterSector(g, c), bytes: cs }; }
    prev = c;
  }
  out.push(run);
  return out;
}

/** The part of run `r` that bytes [offset, end) cover: the bytes [lo, hi), the sectors [s0, s1)
 * of the run that hold them, and the file offset `at` where sector s0 starts. */
function windowOf(r: { readonly byte: number; readonly bytes: number }, offset: number, end: number, bps: number): { lo: number; hi: number; s0: number; s1: number; at: number } {
  const lo = Math.max(offset, r.byte);
  const hi = Math.min(end, r.byte + r.bytes);
  const s0 = Math.floor((lo - r.byte) / bps);
  const s1 = Math.ceil((hi - r.byte) / bps);
  return { lo, hi, s0, s1, at: r.byte + s0 * bps };
}

/** Reads file bytes [offset, offset+length) clipped to its size. */
export async function readData(st: VolState, node: Node, offset: number, length: number): Promise<Uint8Array> {
  if (!node.checked) await checkChain(st, node);
  const size = node.entry.e.size;
  const end = Math.min(size, offset + length);
  if (offset >= end) return new Uint8Array(0);
  const out = new Uint8Array(end - offset);
  const bps = st.core.g.bytesPerSector;
  for (const r of await runsOf(st, node, offset, end)) {
    const { lo, hi, s0, s1, at } = windowOf(r, offset, end, bps);
    const data = await st.io.read(r.sector + s0, s1 - s0);
    out.set(data.subarray(lo - at, hi - at), lo - offset);
  }
  return out;
}

/** Writes `data` at `offset` into clusters the chain already has (no size change). */
async function writeData(st: VolState, node: Node, offset: number, data: Uint8Array): Promise<void> {
  if (data.length === 0) return;
  const end = offset + data.length;
  const bps = st.core.g.bytesPerSector;
  for (const r of await runsOf(st, node, offset, end)) {
    const { lo, hi, s0, s1, at } = windowOf(r, offset, end, bps);
    const sector = r.sector + s0;
    if (lo === at && hi === r.byte + s1 * bps) {
      await st.io.write(sector, data.subarray(lo - offset, hi - offset));
      continue;
    }
    const buf = new Uint8Array((s1 - s0) * bps);
    if (lo !== at) buf.set(await st.io.read(sector, 1), 0);
    if (hi !== r.byte + s1 * bps && (s1 - s0 > 1 || lo === at)) buf.set(await st.io.read(sector + s1 - s0 - 1, 1), (s1 - s0 - 1) * bps);
    buf.set(data.subarray(lo - offset, hi - offset), lo - at);
    await st.io.write(sector, buf);
  }
}

async function zeroRange(st: VolState, node: Node, from: number, to: number): Promise<void> {
  const zero = new Uint8Array(Math.min(CHUNK, Math.max(0, to - from)));
  for (let at = from; at < to; at += CHUNK) {
    const n = Math.min(CHUNK, to - at);
    await writeData(st, node, at, n === zero.length ? zero : zero.subarray(0, n));
  }
}

function touch(st: VolState, node: Node): void {
  const s = st.stamp();
  node.entry.e.mtime = s.time;
  node.entry.e.mdate = s.date;
  node.entry.e.adate = s.date;
  node.entry.e.attr |= ATTR_ARCHIVE;
}

function checkRange(node: Node, offset: number, length: number, op: string): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new FatError('E_INVALID', `${op} ${what(node)}: offset ${offset} and length ${length} must be whole numbers, not negative`);
  }
  if (offset + length > MAX_FILE_SIZE) throw new FatError('E_TOO_BIG', `${op} ${what(node)}: ${length} bytes at ${offset} pass FAT's file size limit of ${MAX_FILE_SIZE} bytes`);
}

/** Allocates what [offset, offset+length) needs and zero-fills any gap after the old size. */
async function grow(st: VolState, node: Node, offset: number, length: number): Promise<void> {
  const cs = st.core.g.clusterSize;
  const end = offset + length;
  await ensureClusters(st, node, Math.ceil(end / cs), length > 0);
  const size = node.entry.e.size;
  if (offset > size) await zeroRange(st, node, size, offset);
}

export async function writeAt(st: VolState, node: Node, offset: number, data: Uint8Array): Promise<void> {
  if (!node.checked) await checkChain(st, node);
  checkRange(node, offset, data.length, 'write');
  if (data.length === 0) return;
  changed(st, node);
  await grow(st, node, offset, data.length);
  await writeData(st, node, offset, data);
  const e = node.entry.e;
  if (offset + data.length > e.size) e.size = offset + data.length;
  touch(st, node);
  if (!node.dir.rewriteNow(node.entry, ORDER.COMMIT)) await node.dir.rewrite(node.entry, ORDER.COMMIT);
}

export async function truncate(st: VolState, node: Node, size: number): Promise<void> {
  if (!node.checked) await checkChain(st, node);
  checkRange(node, size, 0, 'truncate');
  changed(st, node);
  const e = node.entry.e;
  if (size > e.size) {
    await grow(st, node, size, 0);
    e.size = size;
  } else if (size < e.size || (size === 0 && e.first !== 0)) {
    await shrinkTo(st, node, size);
  }
  touch(st, node);
  if (!node.dir.rewriteNow(node.entry, ORDER.COMMIT)) await node.dir.rewrite(node.entry, ORDER.COMMIT);
}

/** Cuts the chain to what `size` needs: the entry first (COMMIT), then the new end (CLEAN), then the cut tail (FREE). */
async function shrinkTo(st: VolState, node: Node, size: number): Promise<void> {
  const fat = st.core.fat;
  const e = node.entry.e;
  const keep = Math.ceil(size / st.core.g.clusterSize);
  let cut: number[] = [];
  if (e.first !== 0) {
    const from = keep === 0 ? e.first : await fat.next(await clusterAt(st, node, keep - 1), what(node));
    if (from !== END) cut = await fat.chain(from, fat.g.clusterCount, what(node));
    const lastKept = keep === 0 ? 0 : await clusterAt(st, node, keep - 1);
    e.size = size;
    if (keep === 0) e.first = 0;
    if (!node.dir.rewriteNow(node.entry, ORDER.COMMIT)) await node.dir.rewrite(node.entry, ORDER.COMMIT);
    if (lastKept !== 0 && cut.length > 0) await fat.set(lastKept, END, ORDER.CLEAN);
    await fat.release(cut);
    node.forgetChain();
    if (lastKept !== 0) { node.tailIndex = keep - 1; node.tailCluster = lastKept; }
  } else {
    e.size = size;
  }
}

/** Frees clusters past what the size needs (left by prepareWrite without a commit). */
export async function trimExcess(st: VolState, node: Node): Promise<void> {
  // Only growth finds the tail, so a file whose tail is unknown was never grown here: nothing to trim
  // (an excess left on disk by a crash is the dirty mount's to free), and no walk to pay at close.
  if (node.tailIndex < 0) return;
  if (!node.checked) await checkChain(st, node);
  const e = node.entry.e;
  if (e.first === 0) return;
  const t = knownTail(node) ?? await tailOf(st, node);
  if (t.index + 1 > Math.ceil(e.size / st.core.g.clusterSize)) await shrinkTo(st, node, e.size);
}

/** The device extents behind file bytes [offset, offset+length), clipped to the size unless `beyond`. */
export async function extentsOf(st: VolState, node: Node, offset: number, length: number, beyond = false): Promise<Extent[]> {
  if (!node.checked) await checkChain(st, node);
  checkRange(node, offset, length, 'extents');
  const end = beyond ? offset + length : Math.min(node.entry.e.size, offset + length);
  if (offset >= end) return [];
  const dss = st.io.dev.sectorSize;
  const out: Extent[] = [];
  for (const r of await runsOf(st, node, offset, end)) {
    const lo = Math.max(offset, r.byte);
    const hi = Math.min(end, r.byte + r.bytes);
    const devFirst = st.io.deviceSector(r.sector) + Math.floor((lo - r.byte) / dss);
    const skip = (lo - r.byte) % dss;
    const devEnd = st.io.deviceSector(r.sector) + Math.ceil((hi - r.byte) / dss);
    out.push({ offset: lo, sector: devFirst, sectors: devEnd - devFirst, skip, length: hi - lo });
  }
  return out;
}

/** Allocates for a write of [offset, offset+length) and returns its extents; commit with `commitWrite`. */
export async function prepareWrite(st: VolState, node: Node, offset: number, length: number): Promise<Extent[]> {
  if (!node.checked) await checkChain(st, node);
  checkRange(node, offset, length, 'prepareWrite');
  if (length === 0) return [];
  changed(st, node);
  await grow(st, node, offset, length);
  if (!node.dir.rewriteNow(node.entry, ORDER.COMMIT)) await node.dir.rewrite(node.entry, ORDER.COMMIT);
  return extentsOf(st, node, offset, length, true);
}

/** After the caller wrote prepared extents: the size grows to `end` (if larger) and times are set. */
export async function commitWrite(st: VolState, node: Node, end: number): Promise<void> {
  if (!node.checked) await checkChain(st, node);
  checkRange(node, end, 0, 'commitWrite');
  const t = knownTail(node) ?? await tailOf(st, node);
  const have = (t.index + 1) * st.core.g.clusterSize;
  if (end > have) throw new FatError('E_INVALID', `commitWrite ${what(node)}: ${end} bytes pass the ${have} bytes prepared`);
  if (end > node.entry.e.size) node.entry.e.size = end;
  changed(st, node);
  touch(st, node);
  if (!node.dir.rewriteNow(node.entry, ORDER.COMMIT)) await node.dir.rewrite(node.entry, ORDER.COMMIT);
}
