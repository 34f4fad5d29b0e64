// FatVolume: a mounted FAT12/16/32 volume with long names, and its whole public API.
// Rules for callers: `FatVolume.mount(dev, { clock })`, then path operations ('/'-separated,
// case-insensitive, case-preserving) and handle operations on files opened with `open`; end with
// `unmount()`. Calls may overlap: they run one at a time in call order. Every call rejects only
// with FatError. Changes reach the disk at `flush()`, at `unmount()`, and when enough metadata is
// waiting; a write is durable once a flush after it has resolved.
// Invariants: a read-write mount marks the volume dirty on disk before changing anything and
// clears the mark only at an unmount after which nothing failed; mounting a dirty volume read-write
// runs the checker with repairs first (docs/storage.md).
import { parseBoot, FSINFO_LEAD, FSINFO_STRUCT, FSINFO_TRAIL, type FatType, type Geometry } from './boot.ts';
import { ORDER, SectorCache } from './cache.ts';
import { setDirty } from './dirty.ts';
import { checkVolume, type FsckReport } from './check.ts';
import { pacer, type Core } from './core.ts';
import { VolumeIO, SECTOR_SIZES, type SectorDevice } from './device.ts';
import { ATTR_ARCHIVE, ATTR_DIR, ATTR_HIDDEN, ATTR_READ_ONLY, ATTR_SYSTEM } from './dirent.ts';
import type { Entry } from './directory.ts';
import { FatError, guarded } from './errors.ts';
import { FatTable } from './fat-table.ts';
import { fromFat } from './fat-time.ts';
import { commitWrite, extentsOf, MAX_FILE_SIZE, prepareWrite, readData, trimExcess, truncate, writeAt, type Extent } from './files.ts';
import { le32 } from './le.ts';
import { shortText } from './names.ts';
import { Node, VolState } from './state.ts';
import { createFile, mkdir, remove, rename, setAttributes, setTimes, type Attributes, type Times } from './tree.ts';
import { WriteBehind } from './write-behind.ts';
import { SMALL_FILE } from './file-cache.ts';

export interface MountOptions {
  /** Milliseconds since the Unix epoch (the engine has no clock of its own). */
  readonly clock: () => number;
  readonly readOnly?: boolean;
  /** Clean metadata sectors kept in memory (default 2048). */
  readonly cacheSectors?: number;
  /** Dirty metadata sectors that trigger a flush after an operation (default 512). */
  readonly dirtyLimit?: number;
  /** How the caller yields its turn; the engine calls it when a long walk has run 8 ms of `clock` (default: never). */
  readonly pause?: () => PromiseLike<void>;
}

export interface FileInfo {
  readonly name: string;
  readonly shortName: string;
  readonly isDirectory: boolean;
  readonly size: number;
  readonly attributes: number;
  readonly readOnly: boolean;
  readonly hidden: boolean;
  readonly system: boolean;
  readonly archive: boolean;
  /** Milliseconds since the epoch (UTC), or null when the entry holds no valid time. */
  readonly created: number | null;
  readonly modified: number | null;
  readonly accessed: number | null;
}

export interface OpenOptions {
  readonly create?: boolean;
  readonly exclusive?: boolean;
  readonly truncate?: boolean;
  readonly write?: boolean;
}

export interface VolumeStats {
  readonly type: FatType;
  readonly label: string;
  readonly volumeId: number;
  readonly clusterSize: number;
  readonly clusters: number;
  readonly freeClusters: number;
}

/** A hold on the volume for one direct transfer (`FatVolume.lease`). */
export interface Lease {
  readonly extents: readonly Extent[];
  /** For a small file, its bytes from the small-file cache (copy them; `extents` is empty). */
  readonly cached: Uint8Array | null;
  /** The file's generation when the extents were taken (see `generation`). */
  readonly generation: number;
  /** Lets the volume go; `ok` says the transfer went well. Resolves to the bytes covered. */
  end(ok: boolean): Promise<number>;
}

/** An open file. */
export class FatFile {
  readonly path: string;
  readonly writable: boolean;
  closed = false;
  /** @internal */ readonly node: Node;
  constructor(path: string, node: Node, writable: boolean) {
    this.path = path;
    this.node = node;
    this.writable = writable;
  }
}

const SERIOUS = new Set(['E_IO', 'E_INTERNAL', 'E_CORRUPT', 'E_LOOP']);

function info(e: Entry): FileInfo {
  const a = e.e.attr;
  return {
    name: e.name,
    shortName: shortText(e.e.sfn),
    isDirectory: (a & ATTR_DIR) !== 0,
    size: (a & ATTR_DIR) !== 0 ? 0 : e.e.size,
    attributes: a,
    readOnly: (a & ATTR_READ_ONLY) !== 0,
    hidden: (a & ATTR_HIDDEN) !== 0,
    system: (a & ATTR_SYSTEM) !== 0,
    archive: (a & ATTR_ARCHIVE) !== 0,
    created: fromFat(e.e.cdate, e.e.ctime, e.e.ctimeTenths),
    modified: fromFat(e.e.mdate, e.e.mtime),
    accessed: fromFat(e.e.adate),
  };
}

const ROOT_INFO: FileInfo = {
  name: '/', shortName: '', isDirectory: true, size: 0, attributes: ATTR_DIR, readOnly: false, hidden: false, system: false, archive: false,
  created: null, modified: null, accessed: null,
};

export class FatVolume {
  private readonly st: VolState;
  private readonly dirtyLimit: number;
  private queue: Promise<unknown> = Promise.resolve();
  private mounted = true;
  private fsInfoWritten = '';
  private readonly behind = new WriteBehind();
  /** What recovery found and repaired when the volume was mounted dirty (null when it was clean). */
  readonly recovery: FsckReport | null;

  private constructor(st: VolState, dirtyLimit: number, recovery: FsckReport | null) {
    this.st = st;
    this.dirtyLimit = dirtyLimit;
    this.recovery = recovery;
  }

  get geometry(): Geometry { return this.st.core.g; }
  get type(): FatType { return this.st.core.g.type; }
  get readOnly(): boolean { return this.st.readOnly; }

  static async mount(dev: SectorDevice, opts: MountOptions): Promise<FatVolume> {
    return guarded('mount', undefined, async () => {
      if (typeof opts.clock !== 'function') throw new FatError('E_INVALID', 'mount: a clock() function is required');
      const { core, io, dirty } = await openCore(dev, opts.readOnly ?? false, opts);
      const st = new VolState(core, io, io.readOnly);
      let recovery: FsckReport | null = null;
      if (!io.readOnly) {
        if (dirty) recovery = await checkVolume(core, io, { repair: true, dirty, clearDirty: false });
        if (core.fat.freeCount < 0) await core.fat.countFree();
        await setDirty(core, true);
        await core.cache.flush();
      }
      return new FatVolume(st, opts.dirtyLimit ?? 512, recovery);
    });
  }

  /** Runs an operation alone, in call order; serious failures leave the volume marked dirty. */
  private run<T>(op: string, path: string | undefined, mutating: boolean, fn: () => Promise<T>, gathers = false): Promise<T> {
    const p = this.queue.then(() => guarded(op, path, async () => {
      if (!this.mounted) throw new FatError('E_UNMOUNTED', `${op}: the volume is unmounted`);
      if (mutating && this.st.readOnly) throw new FatError('E_READ_ONLY', `${op}${path === undefined ? '' : ` ${path}`}: the volume is mounted read-only`, path === undefined ? {} : { path });
      try {
        // Everything but a gathering write first writes the gathered run out (write-behind.ts).
        if (!gathers && this.behind.pending) await this.behind.drain(this.st);
        const out = await fn();
        if (mutating && this.st.core.cache.dirtyCount > this.dirtyLimit) await this.flushNow();
        return out;
      } catch (e) {
        if (e instanceof FatError && SERIOUS.has(e.code)) this.st.damaged = true;
        throw e;
      }
    }));
    this.queue = p.then(() => undefined, () => undefined);
    return p;
  }

  private async flushNow(): Promise<void> {
    if (this.st.readOnly) return;
    const core = this.st.core;
    const g = core.g;
    if (g.type === 32 && g.fsInfoSector !== 0) {
      const sig = `${core.fat.freeCount}/${core.fat.nextFree}`;
      if (sig !== this.fsInfoWritten) {
        const s = g.fsInfoSector;
        await core.cache.update(s, 0, le32(FSINFO_LEAD), ORDER.FREE);
        await core.cache.update(s, 484, new Uint8Array([...le32(FSINFO_STRUCT), ...le32(core.fat.freeCount), ...le32(core.fat.nextFree)]), ORDER.FREE);
        await core.cache.update(s, 508, le32(FSINFO_TRAIL), ORDER.FREE);
        this.fsInfoWritten = sig;
      }
    }
    await core.cache.flush();
    await this.st.io.flush();
  }

  flush(): Promise<void> { return this.run('flush', undefined, false, () => this.flushNow()); }

  /** `flush`, then any failure of an earlier accepted write to `file` that was gathered and
   * written behind (E_NO_SPACE, E_IO): the moment a writer learns it, as at fsync. */
  flushFile(file: FatFile): Promise<void> {
    return this.run('flush', file.path, false, async () => {
      const node = this.live(file, 'flush', false);
      await this.flushNow();
      const failed = this.behind.failureFor(node);
      if (failed !== undefined) throw failed;
    });
  }

  unmount(): Promise<void> {
    return this.run('unmount', undefined, false, async () => {
      if (!this.st.readOnly) {
        for (const n of this.st.nodes.values()) {
          try {
            await trimExcess(this.st, n);
          } catch (e) {
            if (!(e instanceof FatError)) throw e;
            this.st.damaged = true; // the next mount's check frees what could not be trimmed
          }
        }
        await this.flushNow();
        if (!this.st.damaged) {
          await setDirty(this.st.core, false);
          await this.st.core.cache.flush();
        }
      }
      this.mounted = false;
    });
  }

  stat(path: string): Promise<FileInfo> {
    return this.run('stat', path, false, async () => {
      const r = await this.st.lookup(path);
      return r.entry === null ? { ...ROOT_INFO } : info(r.entry);
    });
  }

  readdir(path: string): Promise<FileInfo[]> {
    return this.run('readdir', path, false, async () => (await this.st.dirAt(path)).list().map(info));
  }

  mkdir(path: string): Promise<void> { return this.run('mkdir', path, true, () => mkdir(this.st, path)); }
  rmdir(path: string): Promise<void> { return this.run('rmdir', path, true, () => remove(this.st, path, 'dir')); }
  unlink(path: string): Promise<void> { return this.run('unlink', path, true, () => remove(this.st, path, 'file')); }
  /** Deletes a file or an empty directory. */
  remove(path: string): Promise<void> { return this.run('remove', path, true, () => remove(this.st, path, 'any')); }
  /** Renames; an existing target is replaced (file over file, directory over empty directory). */
  rename(from: string, to: string): Promise<void> { return this.run('rename', from, true, () => rename(this.st, from, to)); }
  setAttributes(path: string, a: Attributes): Promise<void> { return this.run('setAttributes', path, true, () => setAttributes(this.st, path, a)); }
  setTimes(path: string, t: Times): Promise<void> { return this.run('setTimes', path, true, () => setTimes(this.st, path, t)); }

  open(path: string, opts: OpenOptions = {}): Promise<FatFile> {
    const writable = opts.write === true || opts.create === true || opts.truncate === true;
    return this.run('open', path, writable, async () => {
      const r = await this.st.parentOf(path);
      let entry = r.parent.find(r.name);
      if (entry !== undefined) {
        if (opts.create === true && opts.exclusive === true) throw new FatError('E_EXISTS', `open ${r.path}: it exists already`, { path: r.path });
        if ((entry.e.attr & ATTR_DIR) !== 0) throw new FatError('E_IS_DIRECTORY', `open ${r.path}: it is a directory`, { path: r.path });
        if (writable && (entry.e.attr & ATTR_READ_ONLY) !== 0) throw new FatError('E_ACCESS', `open ${r.path}: the file is read-only`, { path: r.path });
      } else {
        if (opts.create !== true) throw new FatError('E_NOT_FOUND', `open ${r.path}: no such file`, { path: r.path });
        entry = await createFile(this.st, r.parent, r.name, r.path);
      }
      const node = this.st.node(r.parent, entry);
      if (node.refs === 0) r.parent.pins++;
      node.refs++;
      const file = new FatFile(r.path, node, writable);
      if (opts.truncate === true && (entry.e.size !== 0 || entry.e.first !== 0)) await truncate(this.st, node, 0);
      return file;
    });
  }

  private live(file: FatFile, op: string, write: boolean): Node {
    if (!(file instanceof FatFile)) throw new FatError('E_INVALID', `${op}: not a file handle of this volume`);
    if (file.closed) throw new FatError('E_CLOSED', `${op} ${file.path}: the file was closed`, { path: file.path });
    if (this.st.nodes.get(file.node.key) !== file.node) throw new FatError('E_INVALID', `${op} ${file.path}: not a file handle of this volume`, { path: file.path });
    if (write && !file.writable) throw new FatError('E_ACCESS', `${op} ${file.path}: the file was opened without write`, { path: file.path });
    if (write && (file.node.entry.e.attr & ATTR_READ_ONLY) !== 0) throw new FatError('E_ACCESS', `${op} ${file.path}: the file is read-only`, { path: file.path });
    return file.node;
  }

  /** Closes the handle; a gathered write to the file that could not be placed is reported here
   * if no write or flush reported it first. */
  close(file: FatFile): Promise<void> {
    return this.run('close', file.path, false, async () => {
      const node = this.live(file, 'close', false);
      file.closed = true;
      node.refs--;
      const failed = this.behind.failureFor(node);
      if (node.refs === 0) {
        try {
          if (!this.st.readOnly) await trimExcess(this.st, node);
        } finally {
          this.st.nodes.delete(node.key);
          node.dir.pins--;
        }
      }
      if (failed !== undefined) throw failed;
    });
  }

  read(file: FatFile, offset: number, length: number): Promise<Uint8Array> {
    return this.run('read', file.path, false, async () => {
      const node = this.live(file, 'read', false);
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
        throw new FatError('E_INVALID', `read ${file.path}: offset ${offset} and length ${length} must be whole numbers, not negative`, { path: file.path });
      }
      const out = await readData(this.st, node, offset, length);
      const today = this.st.stamp().date;
      if (!this.st.readOnly && node.entry.e.adate !== today) {
        node.entry.e.adate = today;
        await node.dir.rewrite(node.entry, ORDER.COMMIT);
      }
      return out;
    });
  }

  /** Writes `data` at `offset`. A write of at most GATHER_MAX bytes that continues the last one
   * is gathered in memory and written behind (write-behind.ts): every reader sees it at once, a
   * flush makes it durable, and a failure to place it is reported by the file's next write, flush
   * or close. */
  write(file: FatFile, offset: number, data: Uint8Array): Promise<void> {
    return this.run('write', file.path, true, async () => {
      const node = this.live(file, 'write', true);
      const failed = this.behind.failureFor(node);
      if (failed !== undefined) throw failed;
      if (!Number.isSafeInteger(offset) || offset < 0 || offset + data.length > MAX_FILE_SIZE || data.length === 0) {
        await writeAt(this.st, node, offset, data); // refuses (or, for no bytes, does nothing) with the engine's own words
        return;
      }
      if (!this.behind.take(this.st, node, offset, data)) {
        if (this.behind.pending) await this.behind.drain(this.st);
        if (!this.behind.take(this.st, node, offset, data)) { await writeAt(this.st, node, offset, data); return; }
      }
      if (this.behind.full) await this.behind.drain(this.st);
    }, true);
  }

  truncate(file: FatFile, size: number): Promise<void> {
    return this.run('truncate', file.path, true, () => truncate(this.st, this.live(file, 'truncate', true), size));
  }

  fileInfo(file: FatFile): Promise<FileInfo> {
    return this.run('fileInfo', file.path, false, () => Promise.resolve(info(this.live(file, 'fileInfo', false).entry)));
  }

  /** The device sectors behind file bytes [offset, offset+length) (clipped to the file's size). */
  extents(file: FatFile, offset: number, length: number): Promise<Extent[]> {
    return this.run('extents', file.path, false, () => extentsOf(this.st, this.live(file, 'extents', false), offset, length));
  }

  /**
   * Allocates clusters for a write of [offset, offset+length) (zero-filling any gap after the
   * current size) and returns the device sectors to write; the caller writes them (keeping the
   * bytes of partial first and last sectors) and then calls `commitWrite`.
   */
  prepareWrite(file: FatFile, offset: number, length: number): Promise<Extent[]> {
    return this.run('prepareWrite', file.path, true, () => prepareWrite(this.st, this.live(file, 'prepareWrite', true), offset, length));
  }

  /** Makes a prepared write visible: the size grows to `end` if it is larger. */
  commitWrite(file: FatFile, end: number): Promise<void> {
    return this.run('commitWrite', file.path, true, () => commitWrite(this.st, this.live(file, 'commitWrite', true), end));
  }

  /** A number that changes whenever the file's bytes or size change (a copy of its bytes taken
   * at generation g is still right while this says g). */
  generation(file: FatFile): number { return file.node.gen; }

  /** The file's size now, without waiting for the volume. */
  sizeOf(file: FatFile): number { return file.node.entry.e.size; }

  /** A small file's bytes [offset, offset+length) (clipped to its size) from the small-file cache,
   * read whole into it on a miss; null for a file too large (or empty) to keep there. */
  private async small(node: Node, offset: number, length: number): Promise<Uint8Array | null> {
    const e = node.entry.e;
    if (e.size === 0 || e.size > SMALL_FILE || !Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) return null;
    let data = this.st.files.get(e.first, e.size);
    if (data === undefined) {
      data = await readData(this.st, node, 0, e.size);
      this.st.files.put(e.first, data);
    }
    return data.subarray(Math.min(offset, e.size), Math.min(offset + length, e.size));
  }

  /**
   * Holds the volume for one transfer that moves file bytes [offset, offset+length) straight
   * between the device and a caller's buffer: resolves to the extents (a read's clipped to the
   * size; a write's allocated, as `prepareWrite` does) and keeps every other call waiting until
   * `end(ok)`, which for a write that went well commits the new size (`commitWrite`) and resolves
   * to the bytes covered. The caller must call `end` exactly once, whatever happened.
   */
  lease(file: FatFile, offset: number, length: number, write: boolean): Promise<Lease> {
    return new Promise<Lease>((resolve, reject) => {
      let release: (ok: boolean) => void = () => undefined;
      const released = new Promise<boolean>((r) => { release = r; });
      const done = this.run(write ? 'write' : 'read', file.path, write, async () => {
        const node = this.live(file, write ? 'write' : 'read', write);
        const cached = write ? null : await this.small(node, offset, length);
        const extents = write ? await prepareWrite(this.st, node, offset, length) : cached !== null ? [] : await extentsOf(this.st, node, offset, length);
        resolve({ extents, cached, generation: node.gen, end: (ok) => { release(ok); return done; } });
        if (!(await released)) return 0;
        const bytes = cached !== null ? cached.length : extents.reduce((n, e) => n + e.length, 0);
        if (write) {
          if (length > 0) await commitWrite(this.st, node, offset + length);
        } else if (!this.st.readOnly && bytes > 0 && node.entry.e.adate !== this.st.stamp().date) {
          node.entry.e.adate = this.st.stamp().date;
          if (!node.dir.rewriteNow(node.entry, ORDER.COMMIT)) await node.dir.rewrite(node.entry, ORDER.COMMIT);
        }
        return bytes;
      });
      done.catch(reject);
    });
  }

  async readFile(path: string): Promise<Uint8Array> {
    const f = await this.open(path);
    try {
      return await this.read(f, 0, (await this.fileInfo(f)).size);
    } finally {
      await this.close(f);
    }
  }

  async writeFile(path: string, data: Uint8Array): Promise<void> {
    const f = await this.open(path, { create: true, truncate: true, write: true });
    try {
      await this.write(f, 0, data);
    } finally {
      await this.close(f);
    }
  }

  statfs(): Promise<VolumeStats> {
    return this.run('statfs', undefined, false, async () => {
      const g = this.st.core.g;
      const fat = this.st.core.fat;
      if (fat.freeCount < 0) await fat.countFree();
      return { type: g.type, label: g.label, volumeId: g.volumeId, clusterSize: g.clusterSize, clusters: g.clusterCount, freeClusters: fat.freeCount };
    });
  }
}

/** Reads and judges the boot sector and builds the parts of a volume; says whether it is marked dirty. */
export async function openCore(dev: SectorDevice, readOnly: boolean, opts: { clock?: () => number; cacheSectors?: number; pause?: () => PromiseLike<void> }): Promise<{ core: Core; io: VolumeIO; dirty: boolean }> {
  if (typeof dev !== 'object' || dev === null || typeof dev.read !== 'function') throw new FatError('E_INVALID', 'mount: not a SectorDevice');
  if (!SECTOR_SIZES.includes(dev.sectorSize)) throw new FatError('E_INVALID', `mount: the device's sector size ${dev.sectorSize} is not 512, 1024, 2048 or 4096`);
  if (!Number.isSafeInteger(dev.sectorCount) || dev.sectorCount < 1) throw new FatError('E_INVALID', `mount: the device's sector count ${dev.sectorCount} is not a positive whole number`);
  const probe = new VolumeIO(dev, dev.sectorSize, 1, true);
  const sector0 = await probe.read(0, 1);
  const g = parseBoot(sector0, dev);
  const io = new VolumeIO(dev, g.bytesPerSector, g.totalSectors, readOnly);
  const pause = pacer(opts.pause, opts.clock ?? (() => 0));
  let core: Core | null = null;
  const mirrors: number[] = [];
  if (g.mirrored) for (let k = 1; k < g.numFats; k++) mirrors.push(k * g.fatSectors);
  const fatLo = g.reservedSectors + g.activeFat * g.fatSectors;
  const cache = new SectorCache(io, {
    capacity: opts.cacheSectors ?? 2048,
    mirrorsOf: (s) => (s >= fatLo && s < fatLo + g.fatSectors ? mirrors : []),
    onFlushed: () => {
      if (core === null) return;
      core.fat.flushed();
      core.flushGen++;
    },
  });
  const fat = new FatTable(g, cache, pause);
  core = { g, cache, fat, pause, clock: opts.clock ?? (() => 0), flushGen: 0 };
  const boot = await cache.read(0);
  let dirty = ((boot[g.stateOffset] ?? 0) & 1) !== 0;
  if (g.type === 16) dirty ||= ((await fat.raw(1)) & 0x8000) === 0;
  if (g.type === 32) dirty ||= ((await fat.raw(1)) & 0x08000000) === 0;
  return { core, io, dirty };
}
