// The state of a mounted volume that the operation modules share: the core, open nodes, the
// directory cache, and path resolution.
// Rules for callers: everything here runs under the volume's lock (one operation at a time).
// A Node is an open file; its Entry is the single copy of the short entry's fields, rewritten to
// disk through its Directory. Directories holding open nodes, or slots and names released since
// the last flush, stay in memory (their index is the only record of what may not be reused yet).
// Invariants: a node's key is its directory's first cluster and its short entry's slot; rename
// re-keys it; paths are '/'-separated, components never '.', '..' or empty.
import type { Core } from './core.ts';
import { FileCache } from './file-cache.ts';
import type { VolumeIO } from './device.ts';
import { ATTR_DIR } from './dirent.ts';
import { Directory, type Entry } from './directory.ts';
import { FatError } from './errors.ts';
import { toFat, type FatStamp } from './fat-time.ts';

export class Node {
  dir: Directory;
  entry: Entry;
  refs = 0;
  /** A chain position known to be right: cluster `curCluster` is the file's `curIndex`th (from 0). */
  curIndex = -1;
  curCluster = 0;
  /** The chain's last cluster and its index, when known. */
  tailIndex = -1;
  tailCluster = 0;
  /** True once the chain was walked and found long enough for the size, without loops. */
  checked = false;
  /** marks[j] is the chain's cluster number j*64, for the j walked so far (files.ts). */
  marks: number[] = [];
  /** Grows with every change of the file's bytes or size (read-ahead copies compare it). */
  gen = 0;
  constructor(dir: Directory, entry: Entry) {
    this.dir = dir;
    this.entry = entry;
  }
  get key(): string { return nodeKey(this.dir, this.entry); }
  forgetChain(): void { this.curIndex = -1; this.curCluster = 0; this.tailIndex = -1; this.tailCluster = 0; this.marks = []; }
}

export function nodeKey(dir: Directory, entry: Entry): string { return `${dir.first}:${entry.slot}`; }

/** Parsed directories kept: at most this many, holding at most DIR_SLOTS slots together (a web
 * server's few hundred small directories stay, a few huge ones do not crowd out memory). */
const DIR_CACHE = 1024;
const DIR_SLOTS = 1 << 18;

export class VolState {
  readonly core: Core;
  readonly io: VolumeIO;
  readonly readOnly: boolean;
  readonly rootFirst: number;
  readonly nodes = new Map<string, Node>();
  private readonly dirs = new Map<number, Directory>();
  /** Set when an operation failed half-way or met corruption: the volume stays marked dirty. */
  damaged = false;

  /** Small files' bytes recently read (file-cache.ts). */
  readonly files = new FileCache(16 * 1024 * 1024);
  constructor(core: Core, io: VolumeIO, readOnly: boolean) {
    this.core = core;
    this.io = io;
    this.readOnly = readOnly;
    this.rootFirst = core.g.type === 32 ? core.g.rootCluster : 0;
    core.fat.onRelease = (c) => { this.files.forget(c); };
  }

  stamp(): FatStamp { return toFat(this.core.clock()); }

  /** The directory starting at cluster `first` (0: the fixed root), loaded once and cached. */
  async dir(first: number, path: string): Promise<Directory> {
    const hit = this.dirs.get(first);
    if (hit !== undefined) {
      this.dirs.delete(first);
      this.dirs.set(first, hit);
      hit.path = path;
      return hit;
    }
    const d = await Directory.load(this.core, first, path);
    this.dirs.set(first, d);
    let slots = 0;
    for (const v of this.dirs.values()) slots += v.size;
    if (this.dirs.size > DIR_CACHE || slots > DIR_SLOTS) {
      for (const [k, v] of this.dirs) {
        if (this.dirs.size <= DIR_CACHE && slots <= DIR_SLOTS) break;
        if (v.pins === 0 && !v.pending && k !== this.rootFirst && v !== d) {
          this.dirs.delete(k);
          slots -= v.size;
        }
      }
    }
    return d;
  }

  dropDir(first: number): void { this.dirs.delete(first); }

  root(): Promise<Directory> { return this.dir(this.rootFirst, '/'); }

  /** The directory an entry names (it must be one). */
  async subdir(parent: Directory, entry: Entry, path: string): Promise<Directory> {
    if ((entry.e.attr & ATTR_DIR) === 0) throw new FatError('E_NOT_DIRECTORY', `${path} is a file, not a directory`, { path });
    const first = entry.e.first;
    if (first === 0 || first === this.rootFirst || first === parent.first || !this.core.fat.isCluster(first)) {
      throw new FatError('E_CORRUPT', `directory ${path}: its entry names cluster ${first}, which cannot start a subdirectory`, { path });
    }
    return this.dir(first, path);
  }

  /** Resolves `path` to its parent directory and final name; `trail` lists the directories passed. */
  async parentOf(path: string): Promise<{ parent: Directory; name: string; trail: Directory[]; path: string }> {
    const parts = splitPath(path);
    if (parts.length === 0) throw new FatError('E_INVALID', `'${path}' names the root directory, which has no parent`, { path });
    let d = await this.root();
    const trail = [d];
    let at = '';
    for (let i = 0; i < parts.length - 1; i++) {
      const name = parts[i] as string;
      at += `/${name}`;
      const e = d.find(name);
      if (e === undefined) throw new FatError('E_NOT_FOUND', `${at}: no such directory (looking up ${path})`, { path: at });
      d = await this.subdir(d, e, at);
      trail.push(d);
    }
    return { parent: d, name: parts[parts.length - 1] as string, trail, path: `/${parts.join('/')}` };
  }

  /** Resolves `path` to its entry (null for the root) and the directory holding it. */
  async lookup(path: string): Promise<{ parent: Directory | null; entry: Entry | null; path: string }> {
    if (splitPath(path).length === 0) return { parent: null, entry: null, path: '/' };
    const r = await this.parentOf(path);
    const entry = r.parent.find(r.name);
    if (entry === undefined) throw new FatError('E_NOT_FOUND', `${r.path}: no such file or directory`, { path: r.path });
    return { parent: r.parent, entry, path: r.path };
  }

  /** The directory at `path` (the root for '/'). */
  async dirAt(path: string): Promise<Directory> {
    const r = await this.lookup(path);
    if (r.entry === null || r.parent === null) return this.root();
    return this.subdir(r.parent, r.entry, r.path);
  }

  node(dir: Directory, entry: Entry): Node {
    const k = nodeKey(dir, entry);
    let n = this.nodes.get(k);
    if (n === undefined) {
      n = new Node(dir, entry);
      this.nodes.set(k, n);
    }
    return n;
  }
}

/** The components of a path; throws E_INVALID for '.', '..' or a path that is not a string. */
export function splitPath(path: string): string[] {
  if (typeof path !== 'string') throw new FatError('E_INVALID', `a path is a string, not ${typeof path}`);
  const parts = path.split('/').filter((p) => p !== '');
  for (const p of parts) {
    if (p === '.' || p === '..') throw new FatError('E_INVALID', `path '${path}': '.' and '..' are not allowed as components`, { path });
  }
  return parts;
}
