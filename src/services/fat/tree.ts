// The namespace operations: create, mkdir, delete, rename, attributes and times.
// Rules for callers: run under the volume's lock. Names are checked (names.ts) before anything is
// written. Rename replaces an existing target the way POSIX does (a file over a file, a directory
// over an empty directory) and keeps the target's spelling and slots; see docs/storage.md for
// its write order: the new name is written marked (COMMIT), the old one removed after it (CLEAN),
// the mark cleared and any replaced chain released last (FREE).
// Invariants: an open file is never deleted or replaced (E_BUSY); a directory is deleted only when
// empty and never moved into itself; the root is never removed, renamed or re-attributed.
import { ORDER } from './cache.ts';
import { ATTR_ARCHIVE, ATTR_DIR, ATTR_READ_ONLY, ATTR_SETTABLE, NT_RENAME_PENDING, type ShortEntry } from './dirent.ts';
import { Directory, type Entry } from './directory.ts';
import { FatError } from './errors.ts';
import { toFat } from './fat-time.ts';
import { checkLongName } from './names.ts';
import type { VolState } from './state.ts';

function checkName(name: string, path: string): void {
  const why = checkLongName(name);
  if (why !== null) throw new FatError('E_NAME', `${path}: ${why}`, { path });
}

function fresh(st: VolState, attr: number, first: number): Omit<ShortEntry, 'sfn'> {
  const s = st.stamp();
  return { attr, ntres: 0, ctimeTenths: s.tenths, ctime: s.time, cdate: s.date, adate: s.date, hiWord: 0, mtime: s.time, mdate: s.date, first, size: 0 };
}

/** Creates an empty file named `name` in `parent` (the caller checked it does not exist). */
export async function createFile(st: VolState, parent: Directory, name: string, path: string): Promise<Entry> {
  checkName(name, path);
  return parent.add(name, fresh(st, ATTR_ARCHIVE, 0));
}

export async function mkdir(st: VolState, path: string): Promise<void> {
  const r = await st.parentOf(path);
  checkName(r.name, r.path);
  if (r.parent.find(r.name) !== undefined) throw new FatError('E_EXISTS', `mkdir ${r.path}: it exists already`, { path: r.path });
  const fat = st.core.fat;
  const [c] = await fat.allocate(1, fat.nextFree - 1, `mkdir ${r.path}`);
  if (c === undefined) throw new FatError('E_INTERNAL', `mkdir ${r.path}: no cluster came back`);
  const fields = fresh(st, ATTR_DIR, c);
  await Directory.initCluster(st.core, c, r.parent.first, fields);
  try {
    await r.parent.add(r.name, fields);
  } catch (e) {
    await fat.release([c]); // the parent could not take the entry (full): nothing names the cluster
    throw e;
  }
}

/** Deletes a file (`kind` 'file'), an empty directory ('dir'), or either ('any'). */
export async function remove(st: VolState, path: string, kind: 'file' | 'dir' | 'any'): Promise<void> {
  const r = await st.lookup(path);
  if (r.entry === null || r.parent === null) throw new FatError('E_INVALID', 'the root directory cannot be removed', { path: '/' });
  const e = r.entry;
  const fat = st.core.fat;
  if ((e.e.attr & ATTR_DIR) !== 0) {
    if (kind === 'file') throw new FatError('E_IS_DIRECTORY', `${r.path} is a directory`, { path: r.path });
    const d = await st.subdir(r.parent, e, r.path);
    if (!d.isEmpty()) throw new FatError('E_NOT_EMPTY', `${r.path}: the directory is not empty${d.problems.some((p) => p.kind !== 'orphan-lfn') ? ' (it holds entries fsck reports as invalid)' : ''}`, { path: r.path });
    if (d.pins > 0) throw new FatError('E_BUSY', `${r.path}: files inside it are open`, { path: r.path });
    await r.parent.remove(e, ORDER.COMMIT);
    await fat.release(d.clusters);
    st.dropDir(d.first);
    return;
  }
  if (kind === 'dir') throw new FatError('E_NOT_DIRECTORY', `${r.path} is a file, not a directory`, { path: r.path });
  if (st.nodes.has(`${r.parent.first}:${e.slot}`)) throw new FatError('E_BUSY', `${r.path}: the file is open`, { path: r.path });
  if ((e.e.attr & ATTR_READ_ONLY) !== 0) throw new FatError('E_ACCESS', `${r.path}: the file is read-only (clear the attribute first)`, { path: r.path });
  const chain = await fat.chain(e.e.first, fat.g.clusterCount, `file ${r.path}`);
  await r.parent.remove(e, ORDER.COMMIT);
  await fat.release(chain);
}

export async function rename(st: VolState, from: string, to: string): Promise<void> {
  const src = await st.lookup(from);
  if (src.entry === null || src.parent === null) throw new FatError('E_INVALID', 'the root directory cannot be renamed', { path: '/' });
  const dst = await st.parentOf(to);
  checkName(dst.name, dst.path);
  const srcDir = src.parent;
  const srcEntry = src.entry;
  // Renamed again before the last rename's mark left the disk: flush first, or a cut could leave
  // three entries (two marked) naming one file, and no way to tell the newest.
  if (srcDir.markPending(srcEntry)) await st.core.cache.flush();
  const isDir = (srcEntry.e.attr & ATTR_DIR) !== 0;
  if (isDir && dst.trail.some((d) => d.first === srcEntry.e.first)) {
    throw new FatError('E_INVALID', `rename ${src.path} to ${dst.path}: a directory cannot move inside itself`, { path: src.path });
  }
  const target = dst.parent.find(dst.name);
  if (target === srcEntry) {
    if (target.name === dst.name) return;
  } else if (target !== undefined) {
    return replace(st, src.path, srcDir, srcEntry, dst.path, dst.parent, target);
  }
  const fields = { ...srcEntry.e, ntres: srcEntry.e.ntres | NT_RENAME_PENDING };
  srcDir.detach(srcEntry);
  let moved: Entry;
  try {
    moved = await dst.parent.add(dst.name, fields, ORDER.COMMIT, srcDir === dst.parent ? srcEntry.e.sfn : null);
  } catch (e) {
    srcDir.reattach(srcEntry);
    throw e;
  }
  await srcDir.remove(srcEntry, ORDER.CLEAN);
  if (isDir && srcDir !== dst.parent) {
    const d = await st.dir(srcEntry.e.first, dst.path);
    await d.setDotDot(dst.parent.isRoot ? 0 : dst.parent.first, ORDER.CLEAN);
  }
  await dst.parent.clearMark(moved);
  rekey(st, srcDir, srcEntry, dst.parent, moved);
}

async function replace(st: VolState, fromPath: string, srcDir: Directory, srcEntry: Entry, toPath: string, dstDir: Directory, target: Entry): Promise<void> {
  const srcIsDir = (srcEntry.e.attr & ATTR_DIR) !== 0;
  const dstIsDir = (target.e.attr & ATTR_DIR) !== 0;
  if (srcIsDir && !dstIsDir) throw new FatError('E_NOT_DIRECTORY', `rename ${fromPath} to ${toPath}: a directory cannot replace a file`, { path: toPath });
  if (!srcIsDir && dstIsDir) throw new FatError('E_IS_DIRECTORY', `rename ${fromPath} to ${toPath}: a file cannot replace a directory`, { path: toPath });
  const fat = st.core.fat;
  let released: number[];
  if (dstIsDir) {
    const d = await st.subdir(dstDir, target, toPath);
    if (!d.isEmpty()) throw new FatError('E_NOT_EMPTY', `rename ${fromPath} to ${toPath}: the target directory is not empty`, { path: toPath });
    if (d.pins > 0) throw new FatError('E_BUSY', `rename ${fromPath} to ${toPath}: files inside the target are open`, { path: toPath });
    released = d.clusters;
    st.dropDir(d.first);
  } else {
    if (st.nodes.has(`${dstDir.first}:${target.slot}`)) throw new FatError('E_BUSY', `rename ${fromPath} to ${toPath}: the target file is open`, { path: toPath });
    if ((target.e.attr & ATTR_READ_ONLY) !== 0) throw new FatError('E_ACCESS', `rename ${fromPath} to ${toPath}: the target file is read-only`, { path: toPath });
    released = await fat.chain(target.e.first, fat.g.clusterCount, `file ${toPath}`);
  }
  const s = srcEntry.e;
  target.e = { ...s, sfn: target.e.sfn, ntres: (target.e.ntres & 0x18) | NT_RENAME_PENDING };
  await dstDir.rewrite(target, ORDER.COMMIT);
  await srcDir.remove(srcEntry, ORDER.CLEAN);
  if (srcIsDir && srcDir !== dstDir) {
    const d = await st.dir(s.first, toPath);
    await d.setDotDot(dstDir.isRoot ? 0 : dstDir.first, ORDER.CLEAN);
  }
  await dstDir.clearMark(target);
  await fat.release(released);
  rekey(st, srcDir, srcEntry, dstDir, target);
}

/** Moves an open node from its old entry to its new one. */
function rekey(st: VolState, oldDir: Directory, oldEntry: Entry, newDir: Directory, newEntry: Entry): void {
  const k = `${oldDir.first}:${oldEntry.slot}`;
  const n = st.nodes.get(k);
  if (n === undefined) return;
  st.nodes.delete(k);
  oldDir.pins--;
  newDir.pins++;
  n.dir = newDir;
  n.entry = newEntry;
  st.nodes.set(n.key, n);
}

export interface Attributes { readonly readOnly?: boolean; readonly hidden?: boolean; readonly system?: boolean; readonly archive?: boolean }

export async function setAttributes(st: VolState, path: string, a: Attributes): Promise<void> {
  const r = await st.lookup(path);
  if (r.entry === null || r.parent === null) throw new FatError('E_INVALID', 'the root directory has no attributes', { path: '/' });
  let attr = r.entry.e.attr;
  const bit = (on: boolean | undefined, mask: number): void => { if (on === true) attr |= mask; else if (on === false) attr &= ~mask; };
  bit(a.readOnly, ATTR_READ_ONLY);
  bit(a.hidden, 0x02);
  bit(a.system, 0x04);
  bit(a.archive, ATTR_ARCHIVE);
  r.entry.e.attr = (r.entry.e.attr & ~ATTR_SETTABLE) | (attr & ATTR_SETTABLE);
  await r.parent.rewrite(r.entry, ORDER.COMMIT);
}

export interface Times { readonly created?: number; readonly modified?: number; readonly accessed?: number }

export async function setTimes(st: VolState, path: string, t: Times): Promise<void> {
  const r = await st.lookup(path);
  if (r.entry === null || r.parent === null) throw new FatError('E_INVALID', 'the root directory has no times', { path: '/' });
  for (const k of ['created', 'modified', 'accessed'] as const) {
    const v: unknown = t[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) throw new FatError('E_INVALID', `${r.path}: time '${k}' must be a finite number of milliseconds`, { path: r.path });
  }
  const e = r.entry.e;
  if (t.created !== undefined) { const s = toFat(t.created); e.cdate = s.date; e.ctime = s.time; e.ctimeTenths = s.tenths; }
  if (t.modified !== undefined) { const s = toFat(t.modified); e.mdate = s.date; e.mtime = s.time; }
  if (t.accessed !== undefined) e.adate = toFat(t.accessed).date;
  await r.parent.rewrite(r.entry, ORDER.COMMIT);
}
