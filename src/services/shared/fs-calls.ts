// Conversations with the file system over its contracts, for the shell's file commands and the
// tools (ls, cat, wc)
// (sing/contracts/fs): a path in the namespace (`/fs/www/index.html`) is bound with File or
// Directory, the request is made, and the channel closed. Nothing here reaches the kernel but
// through `abi.bind`; the file system judges every request against the shell's manifest claims.
// Rules for callers: paths are absolute namespace paths; every failure throws an Error whose
// message names the path and the file system's code and reason.
// Invariants: each call leaves no channel open and no block held, on success or failure.
import type { Abi, Bytes, Imp } from 'sing/runtime';
import { Directory, File, Volume } from 'sing/contracts/fs';

type FileReady = Imp<typeof File, 'Ready'>;
type DirReady = Imp<typeof Directory, 'Ready'>;

const CHUNK = 16 * 1024;

export interface Listed { readonly name: string; readonly size: number; readonly directory: boolean }

function parentOf(path: string): { dir: string; name: string } {
  const i = path.lastIndexOf('/');
  return { dir: i <= 0 ? '/' : path.slice(0, i), name: path.slice(i + 1) };
}

// Two openers, not one generic: the verifier refuses the cast a generic one would need to give
// the endpoint back in its state.
async function openDir(abi: Abi, path: string): Promise<DirReady> {
  const ch = abi.channel(Directory);
  const b = await abi.bind(path, ch.exp);
  if (!b.ok) { ch.imp.close(); throw new Error(`${path}: ${b.reason}`); }
  const m = await ch.imp.receive();
  if (m.tag !== 'Success') throw new Error(`${path}: the file system went away`);
  return m.ep;
}

async function openFile(abi: Abi, path: string): Promise<FileReady> {
  const ch = abi.channel(File);
  const b = await abi.bind(path, ch.exp);
  if (!b.ok) { ch.imp.close(); throw new Error(`${path}: ${b.reason}`); }
  const m = await ch.imp.receive();
  if (m.tag !== 'Success') throw new Error(`${path}: the file system went away`);
  return m.ep;
}

/** The entries of a directory, sorted by name. */
export async function list(abi: Abi, path: string): Promise<Listed[]> {
  const d = await openDir(abi, path);
  const m = await d.send('Enumerate').receive();
  if (m.tag === '$closed') throw new Error(`${path}: the file system went away`);
  if (m.tag === 'NakOp') { m.ep.send('Close').close(); throw new Error(`${path}: ${m.code}: ${m.reason}`); }
  m.ep.send('Close').close();
  const v = m.entries;
  const out: Listed[] = [];
  for (let i = 0; i < v.length; i++) {
    const name = v.open(i, 'name')?.readString() ?? '';
    out.push({ name, size: Number(v.get(i, 'size')), directory: v.get(i, 'directory') === true });
  }
  v.free();
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Whether `path` is a directory (false: a file; throws when it is neither). */
export async function isDirectory(abi: Abi, path: string): Promise<boolean> {
  if (path === '/' || !path.includes('/', 1)) {
    // A mount point or the namespace's top: a directory if the file system serves it as one.
    const d = await openDir(abi, path);
    d.send('Close').close();
    return true;
  }
  const { dir, name } = parentOf(path);
  const d = await openDir(abi, dir);
  const m = await d.send('GetAttributes', { name }).receive();
  if (m.tag === '$closed') throw new Error(`${path}: the file system went away`);
  m.ep.send('Close').close();
  if (m.tag === 'NakOp') throw new Error(`${path}: ${m.code}: ${m.reason}`);
  return m.attributes.directory;
}

/** How many of `n` bytes end on a whole UTF-8 character, given their last (up to) three bytes in
 * `tail` (a character cut by the end of a read is left for the next one). */
function wholeCharacters(tail: Uint8Array, n: number): number {
  for (let back = 1; back <= tail.length; back++) {
    const c = tail[tail.length - back] ?? 0;
    if ((c & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return len > back ? n - back : n;
  }
  return n;
}

/** A file's bytes as text. */
export async function readText(abi: Abi, path: string): Promise<string> {
  let text = '';
  await readPieces(abi, path, (piece) => { text += piece; return true; });
  return text;
}

/** Reads a file a piece at a time, each piece whole UTF-8 characters, giving each to `take` until
 * it says false (stop) or the file ends. */
export async function readPieces(abi: Abi, path: string, take: (text: string) => boolean | Promise<boolean>): Promise<void> {
  let ep: FileReady = await openFile(abi, path);
  let buf: Bytes = abi.alloc(CHUNK);
  let offset = 0;
  for (;;) {
    const m = await ep.send('Read', { buf, bufOffset: 0, fileOffset: offset, length: CHUNK }).receive();
    if (m.tag === '$closed') throw new Error(`${path}: the file system went away`);
    if (m.tag === 'NakRead') {
      m.buf.free();
      m.ep.send('Close').close();
      throw new Error(`${path}: ${m.code}: ${m.reason}`);
    }
    const n = m.bytesRead;
    const whole = n < CHUNK ? n : wholeCharacters(m.buf.read(Math.max(0, n - 3), n), n);
    const more = await take(m.buf.readText(0, whole));
    ep = m.ep;
    buf = m.buf;
    offset += whole;
    if (n < CHUNK || !more) break;
  }
  buf.free();
  ep.send('Close').close();
}

/** One Directory operation on `path`'s parent. */
async function op(abi: Abi, path: string, tag: 'CreateDirectory' | 'CreateFile' | 'DeleteFile' | 'DeleteDirectory', quietIf = ''): Promise<void> {
  const { dir, name } = parentOf(path);
  const d = await openDir(abi, dir);
  const m = await d.send(tag, { name }).receive();
  if (m.tag === '$closed') throw new Error(`${path}: the file system went away`);
  m.ep.send('Close').close();
  if (m.tag === 'NakOp' && m.code !== quietIf) throw new Error(`${path}: ${m.code}: ${m.reason}`);
}

export function makeDirectory(abi: Abi, path: string): Promise<void> { return op(abi, path, 'CreateDirectory'); }

/** Deletes a file or an empty directory. */
export async function remove(abi: Abi, path: string): Promise<void> {
  await op(abi, path, (await isDirectory(abi, path)) ? 'DeleteDirectory' : 'DeleteFile');
}

/** Renames `from` to `to`, which must lie below `from`'s directory (FAT renames within a tree). */
export async function rename(abi: Abi, from: string, to: string): Promise<void> {
  const a = parentOf(from);
  const base = a.dir === '/' ? '' : a.dir;
  if (!to.startsWith(`${base}/`)) throw new Error(`mv ${from} ${to}: the target must lie below ${a.dir}`);
  const d = await openDir(abi, a.dir);
  const m = await d.send('Rename', { from: a.name, to: to.slice(base.length + 1) }).receive();
  if (m.tag === '$closed') throw new Error(`${from}: the file system went away`);
  m.ep.send('Close').close();
  if (m.tag === 'NakOp') throw new Error(`${from}: ${m.code}: ${m.reason}`);
}

/** Writes `text` to a file, created if need be: replacing what it held, or after it (`append`).
 * Returns the bytes written. */
export async function writeText(abi: Abi, path: string, text: string, append: boolean): Promise<number> {
  await op(abi, path, 'CreateFile', 'E_EXISTS');
  let ep: FileReady = await openFile(abi, path);
  let offset = 0;
  if (append) {
    const a = await ep.send('GetAttributes').receive();
    if (a.tag === '$closed') throw new Error(`${path}: the file system went away`);
    if (a.tag === 'NakGetAttributes') { a.ep.send('Close').close(); throw new Error(`${path}: ${a.code}: ${a.reason}`); }
    offset = a.attributes.size;
    ep = a.ep;
  } else {
    const t = await ep.send('Truncate', { size: 0 }).receive();
    if (t.tag === '$closed') throw new Error(`${path}: the file system went away`);
    if (t.tag === 'NakTruncate') { t.ep.send('Close').close(); throw new Error(`${path}: ${t.code}: ${t.reason}`); }
    ep = t.ep;
  }
  let buf: Bytes = abi.alloc(CHUNK);
  const step = Math.floor(CHUNK / 3); // UTF-8 takes at most 3 bytes a UTF-16 unit
  let total = 0;
  for (let at = 0; at < text.length; at += step) {
    const n = buf.writeText(text.slice(at, at + step), 0);
    const m = await ep.send('Write', { buf, bufOffset: 0, fileOffset: offset, length: n }).receive();
    if (m.tag === '$closed') throw new Error(`${path}: the file system went away`);
    if (m.tag === 'NakWrite') {
      m.buf.free();
      m.ep.send('Close').close();
      throw new Error(`${path}: ${m.code}: ${m.reason}`);
    }
    ep = m.ep;
    buf = m.buf;
    offset += n;
    total += n;
  }
  buf.free();
  const fl = await ep.send('Flush').receive();
  if (fl.tag === '$closed') throw new Error(`${path}: the file system went away`);
  fl.ep.send('Close').close();
  if (fl.tag === 'NakFlush') throw new Error(`${path}: ${fl.code}: ${fl.reason}`);
  return total;
}

export interface VolumeStats { readonly device: string; readonly label: string; readonly bytes: number; readonly free: number; readonly readOnly: boolean }

/** The mounted volume's statistics (Volume, bound at the mount point). */
export async function volumeStats(abi: Abi, mount: string): Promise<VolumeStats> {
  const ch = abi.channel(Volume);
  const b = await abi.bind(mount, ch.exp);
  if (!b.ok) { ch.imp.close(); throw new Error(`${mount}: ${b.reason}`); }
  const hello = await ch.imp.receive();
  if (hello.tag !== 'Success') throw new Error(`${mount}: the file system went away`);
  const m = await hello.ep.send('GetStats').receive();
  if (m.tag === '$closed') throw new Error(`${mount}: the file system went away`);
  m.ep.close();
  if (m.tag === 'NakGetStats') throw new Error(`${mount}: ${m.code}: ${m.reason}`);
  return { device: m.device, label: m.label, bytes: m.clusters * m.clusterSize, free: m.freeClusters * m.clusterSize, readOnly: m.readOnly };
}
