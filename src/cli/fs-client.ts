// FsClient: the host's side of the file-system contracts (sing/contracts/fs), for commands, tests
// and benchmarks that drive a mounted volume from outside the SIPs. Every call binds the path it
// needs through the kernel's name service, talks the contract, and closes its channel.
// Rules for callers: paths are '/'-separated below the mount point ('/www/index.html'; '/' is the
// volume's root); data moves in exchange-heap blocks the host allocates (`chunk` bytes a request);
// failures reject with FsError, whose code is the file system's (E_NOT_FOUND, E_EXISTS, ...) and
// whose message names the path.
// Invariants: each call leaves no channel open and no block allocated, on success or failure.
import type { Kernel } from '../kernel/kernel.ts';
import type { Bytes } from '../contracts/exfield.ts';
import type { Imp } from '../contracts/view.ts';
import { Directory, File, Volume } from '../contracts/lib/fs.ts';
import { SingError } from '../lib/error.ts';

export class FsError extends SingError {
  readonly path: string;
  constructor(code: string, path: string, message: string) {
    super(code, message);
    this.path = path;
  }
}

export interface Entry {
  readonly name: string;
  readonly shortName: string;
  readonly size: number;
  readonly directory: boolean;
  readonly readOnly: boolean;
  readonly hidden: boolean;
  /** Milliseconds since the epoch, 0 when the entry holds no time. */
  readonly modified: number;
}

export interface Stats {
  readonly device: string;
  readonly fatType: number;
  readonly label: string;
  readonly clusterSize: number;
  readonly clusters: number;
  readonly freeClusters: number;
  readonly readOnly: boolean;
  readonly recovered: boolean;
}

export interface Attributes {
  readonly size: number;
  readonly directory: boolean;
  readonly readOnly: boolean;
  readonly hidden: boolean;
  readonly system: boolean;
  readonly archive: boolean;
  readonly created: number;
  readonly modified: number;
  readonly accessed: number;
}

type FileReady = Imp<typeof File, 'Ready'>;
type DirReady = Imp<typeof Directory, 'Ready'>;

/** A failed bind as an FsError: a mount's refusal ("/fs/x refused: E_NOT_FOUND: why") gives its
 * own code and reason; otherwise the name service's. */
function bindError(path: string, code: string, reason: string): FsError {
  const m = /refused: (E_[A-Z_]+): (.*)$/s.exec(reason);
  return m === null ? new FsError(code, path, reason) : new FsError(m[1] as string, path, m[2] as string);
}

/** Splits '/a/b/c' into ('/a/b', 'c'); the root has no parent. */
export function splitPath(path: string): { dir: string; name: string } {
  const clean = normalize(path);
  const i = clean.lastIndexOf('/');
  return { dir: i <= 0 ? '/' : clean.slice(0, i), name: clean.slice(i + 1) };
}

/** '/'-led, no trailing or doubled slash. */
export function normalize(path: string): string {
  const parts = path.split('/').filter((p) => p !== '');
  return `/${parts.join('/')}`;
}

export class FsClient {
  readonly #k: Kernel;
  readonly prefix: string;
  readonly chunk: number;

  constructor(kernel: Kernel, prefix = '/fs', chunk = 64 * 1024) {
    this.#k = kernel;
    this.prefix = prefix;
    this.chunk = chunk;
  }

  #full(path: string): string {
    const p = normalize(path);
    return p === '/' ? this.prefix : `${this.prefix}${p}`;
  }

  /** Binds `path` below the mount with contract `c` (the mount point itself for Volume) and
   * waits for the file system's Success. */
  async #open<C extends typeof File | typeof Directory | typeof Volume>(c: C, path: string): Promise<Imp<C, 'Ready'>> {
    const ch = this.#k.hostChannel(c);
    const r = await this.#k.names.bind(this.#k.owner, this.#full(path), ch.exp);
    if (!r.ok) { ch.imp.close(); throw bindError(path, r.code, r.reason); }
    const m = await ch.imp.receive();
    if (m.tag !== 'Success') throw this.#gone(path);
    return m.ep as Imp<C, 'Ready'>;
  }

  #bindFile(path: string): Promise<FileReady> { return this.#open(File, path); }
  #bindDir(path: string): Promise<DirReady> { return this.#open(Directory, path); }
  #volume(): Promise<Imp<typeof Volume, 'Ready'>> { return this.#open(Volume, '/'); }

  #gone(path: string): FsError { return new FsError('E_IO', path, `${this.#full(path)}: the file system went away`); }

  /** Runs a Directory request on the directory `dir` and closes it. */
  async #inDir<T>(dir: string, fn: (d: DirReady) => Promise<{ ep: DirReady | null; value: T }>): Promise<T> {
    const d = await this.#bindDir(dir);
    const r = await fn(d);
    if (r.ep !== null) r.ep.send('Close');
    return r.value;
  }

  async list(path: string): Promise<Entry[]> {
    const d = await this.#bindDir(path);
    const m = await d.send('Enumerate').receive();
    if (m.tag === '$closed') throw this.#gone(path);
    m.ep.send('Close');
    if (m.tag === 'NakOp') throw new FsError(m.code, path, m.reason);
    const v = m.entries;
    const out: Entry[] = [];
    for (let i = 0; i < v.length; i++) {
      out.push({
        name: v.open(i, 'name')?.readString() ?? '',
        shortName: v.open(i, 'shortName')?.readString() ?? '',
        size: Number(v.get(i, 'size')),
        directory: v.get(i, 'directory'),
        readOnly: v.get(i, 'readOnly'),
        hidden: v.get(i, 'hidden'),
        modified: v.get(i, 'modified'),
      });
    }
    v.free();
    return out;
  }

  async stat(path: string): Promise<Attributes> {
    const p = normalize(path);
    const { dir, name } = p === '/' ? { dir: '/', name: '' } : splitPath(p);
    return this.#inDir(dir, async (d) => {
      const m = await d.send('GetAttributes', { name }).receive();
      if (m.tag === '$closed') throw this.#gone(path);
      if (m.tag === 'NakOp') { m.ep.send('Close'); throw new FsError(m.code, path, m.reason); }
      return { ep: m.ep, value: { ...m.attributes } };
    });
  }

  /** One Directory operation on `path`'s parent. */
  async #op(path: string, tag: 'CreateDirectory' | 'CreateFile' | 'DeleteFile' | 'DeleteDirectory'): Promise<void> {
    const { dir, name } = splitPath(path);
    if (name === '') throw new FsError('E_INVALID', path, `${this.prefix}: the root directory cannot be created or deleted`);
    await this.#inDir(dir, async (d) => {
      const m = await d.send(tag, { name }).receive();
      if (m.tag === '$closed') throw this.#gone(path);
      if (m.tag === 'NakOp') { m.ep.send('Close'); throw new FsError(m.code, path, m.reason); }
      return { ep: m.ep, value: undefined };
    });
  }

  mkdir(path: string): Promise<void> { return this.#op(path, 'CreateDirectory'); }
  createFile(path: string): Promise<void> { return this.#op(path, 'CreateFile'); }
  unlink(path: string): Promise<void> { return this.#op(path, 'DeleteFile'); }
  rmdir(path: string): Promise<void> { return this.#op(path, 'DeleteDirectory'); }

  /** Deletes a file or an empty directory. */
  async remove(path: string): Promise<void> {
    if ((await this.stat(path)).directory) await this.rmdir(path);
    else await this.unlink(path);
  }

  /** Renames within one directory's subtree: `to` is relative to `from`'s directory when it has no leading '/'. */
  async rename(from: string, to: string): Promise<void> {
    const a = splitPath(from);
    const target = to.startsWith('/') ? normalize(to) : normalize(`${a.dir}/${to}`);
    const base = a.dir === '/' ? '' : a.dir;
    if (!target.startsWith(`${base}/`)) throw new FsError('E_INVALID', from, `${this.prefix}${normalize(from)}: rename to ${target}: the target must lie below ${a.dir}`);
    await this.#inDir(a.dir, async (d) => {
      const m = await d.send('Rename', { from: a.name, to: target.slice(base.length + 1) }).receive();
      if (m.tag === '$closed') throw this.#gone(from);
      if (m.tag === 'NakOp') { m.ep.send('Close'); throw new FsError(m.code, from, m.reason); }
      return { ep: m.ep, value: undefined };
    });
  }

  /** Reads a whole file; `sink` gets each chunk in order (the whole file is returned when there is none). */
  async readFile(path: string, sink?: (chunk: Uint8Array) => void | Promise<void>): Promise<Uint8Array> {
    // `f` and `buf` are null while they travel: a failure then leaves nothing of ours to close.
    let f: FileReady | null = await this.#bindFile(path);
    let buf: Bytes | null = this.#k.hostAlloc(this.chunk);
    const parts: Uint8Array[] = [];
    let offset = 0;
    try {
      for (;;) {
        const ep: FileReady | null = f;
        const b: Bytes | null = buf;
        if (ep === null || b === null) throw this.#gone(path);
        f = null;
        buf = null;
        const m = await ep.send('Read', { buf: b, bufOffset: 0, fileOffset: offset, length: this.chunk }).receive();
        if (m.tag === '$closed') throw this.#gone(path);
        f = m.ep;
        buf = m.buf;
        if (m.tag === 'NakRead') throw new FsError(m.code, path, m.reason);
        if (m.bytesRead === 0) break;
        const bytes = m.buf.read(0, m.bytesRead);
        if (sink !== undefined) await sink(bytes);
        else parts.push(bytes);
        offset += m.bytesRead;
        if (m.bytesRead < this.chunk) break;
      }
    } finally {
      buf?.free();
      f?.send('Close');
    }
    return concat(parts, offset);
  }

  /** Creates or replaces a file with `data` (or the chunks `data` yields), then flushes it. */
  async writeFile(path: string, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<number> {
    try {
      await this.createFile(path);
    } catch (e) {
      if (!(e instanceof FsError && e.code === 'E_EXISTS')) throw e;
    }
    let f: FileReady | null = await this.#bindFile(path);
    let buf: Bytes | null = this.#k.hostAlloc(this.chunk);
    let offset = 0;
    try {
      const ep0: FileReady = f;
      f = null;
      const t = await ep0.send('Truncate', { size: 0 }).receive();
      if (t.tag === '$closed') throw this.#gone(path);
      f = t.ep;
      if (t.tag === 'NakTruncate') throw new FsError(t.code, path, t.reason);
      const pieces = data instanceof Uint8Array ? slices(data, this.chunk) : data;
      for await (const piece of pieces) {
        for (let at = 0; at < piece.length; at += this.chunk) {
          const part = piece.subarray(at, at + this.chunk);
          const ep: FileReady | null = f;
          const b: Bytes | null = buf;
          if (ep === null || b === null) throw this.#gone(path);
          f = null;
          buf = null;
          b.write(part, 0);
          const m = await ep.send('Write', { buf: b, bufOffset: 0, fileOffset: offset, length: part.length }).receive();
          if (m.tag === '$closed') throw this.#gone(path);
          f = m.ep;
          buf = m.buf;
          if (m.tag === 'NakWrite') throw new FsError(m.code, path, m.reason);
          offset += part.length;
        }
      }
      const ep1: FileReady | null = f;
      if (ep1 === null) throw this.#gone(path);
      f = null;
      const fl = await ep1.send('Flush').receive();
      if (fl.tag === '$closed') throw this.#gone(path);
      f = fl.ep;
      if (fl.tag === 'NakFlush') throw new FsError(fl.code, path, fl.reason);
    } finally {
      buf?.free();
      f?.send('Close');
    }
    return offset;
  }

  async stats(): Promise<Stats> {
    const v = await this.#volume();
    const m = await v.send('GetStats').receive();
    if (m.tag === '$closed') throw this.#gone('/');
    if (m.tag === 'NakGetStats') { m.ep.close(); throw new FsError(m.code, '/', m.reason); }
    m.ep.close();
    const { ep: _ep, tag: _tag, ...s } = m;
    return s;
  }

  async flush(): Promise<void> {
    const v = await this.#volume();
    const m = await v.send('Flush').receive();
    if (m.tag === '$closed') throw this.#gone('/');
    m.ep.close();
    if (m.tag === 'NakFlush') throw new FsError(m.code, '/', m.reason);
  }

  /** Unmounts cleanly; the file system ends afterwards. */
  async unmount(): Promise<void> {
    const v = await this.#volume();
    const m = await v.send('Unmount').receive();
    if (m.tag === '$closed') throw this.#gone('/');
    if (m.tag === 'NakUnmount') { m.ep.close(); throw new FsError(m.code, '/', m.reason); }
  }
}

function* slices(data: Uint8Array, n: number): Generator<Uint8Array> {
  for (let at = 0; at < data.length; at += n) yield data.subarray(at, at + n);
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
