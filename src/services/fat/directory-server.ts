// The Directory conversation (sing/contracts/fs) over one directory of a mounted volume:
// enumerate, attributes, create, delete, rename, and open files and sub-directories, each opened
// one served by its own thread.
// Rules for callers: `serveDirectory` runs as a thread of the file system with a Directory
// endpoint in its Start state, the directory's path on the volume and whether the channel was
// granted write. It never throws: every failure is a Nak naming the path.
// Invariants: a channel reaches only its own directory and what lies below it — names are single
// names (Rename's may be relative paths below it), never '.', '..' or empty — and a channel granted
// read changes nothing and opens nothing for writing; an endpoint handed in to be opened goes back
// in the Nak when the open is refused.
import type { Abi, Exp, ExVector } from 'sing/runtime';
import { DirEntry, type Directory } from 'sing/contracts/fs';
import { FatError } from './errors.ts';
import { attempt, attributesOf, faultOf, serveFile, type Fault, type Mounted } from './file-server.ts';
import type { FileInfo } from './volume.ts';

/** Exchange-heap bytes an enumeration of `entries` may take (records and two text blocks each). */
function enumerationBytes(entries: readonly FileInfo[]): number {
  let n = 0;
  for (const e of entries) n += 64 + 2 * (e.name.length + e.shortName.length);
  return n;
}

/** The volume path of `name` below `dir`, or a refusal; `relative` admits 'a/b' below the directory. */
export function childPath(dir: string, name: string, relative: boolean): string {
  const parts = relative ? name.split('/') : [name];
  for (const p of parts) {
    if (p === '' || p === '.' || p === '..' || p.includes('/') || p.includes('\\') || p.includes('\0')) {
      throw new FatError('E_NAME', `${JSON.stringify(name)} is not a name inside ${dir}: names are single, non-empty, and not '.' or '..'${relative ? '' : ' (no /)'}`, { path: dir });
    }
  }
  return `${dir === '/' ? '' : dir}/${parts.join('/')}`;
}

function denied(m: Mounted, dir: string, what: string): Fault {
  return { code: 'E_DENIED', reason: `${m.prefix}${dir === '/' ? '' : dir}: ${what}: this directory channel was granted read, not write` };
}

/** Whether the enumeration fits in what the file system's quota has left (a refusal if not). */
function roomFor(abi: Abi, dir: string, list: readonly FileInfo[]): FatError | null {
  const need = enumerationBytes(list);
  const u = abi.heapUsage();
  return u.bytes + need > u.quota
    ? new FatError('E_TOO_BIG', `enumerate ${dir}: its ${list.length} entries need about ${need} bytes of exchange heap, more than the file system has free (${u.quota - u.bytes})`, { path: dir })
    : null;
}

function vectorOf(abi: Abi, n: number): ExVector<typeof DirEntry> | null {
  try {
    return abi.allocVector(DirEntry, n);
  } catch {
    return null;
  }
}

/** The enumeration as a vector of DirEntry records, their names in text blocks; null when the
 * heap has no free run large enough (E_HEAP_FULL) — nothing is left allocated then. */
function entriesOf(abi: Abi, list: readonly FileInfo[]): ExVector<typeof DirEntry> | null {
  const v = vectorOf(abi, list.length);
  if (v === null) return null;
  try {
    for (let i = 0; i < list.length; i++) {
      const e = list[i] as FileInfo;
      v.set(i, 'size', BigInt(e.size));
      v.set(i, 'modified', e.modified ?? 0);
      v.set(i, 'directory', e.isDirectory);
      v.set(i, 'readOnly', e.readOnly);
      v.set(i, 'hidden', e.hidden);
      v.put(i, 'name', abi.allocText(e.name));
      v.put(i, 'shortName', abi.allocText(e.shortName));
    }
  } catch {
    v.free();
    return null;
  }
  return v;
}

/** A change a directory channel asks for. */
interface Change {
  readonly tag: 'SetAttributes' | 'CreateFile' | 'CreateDirectory' | 'DeleteFile' | 'DeleteDirectory' | 'Rename';
  readonly name: string;
  readonly from?: string;
  readonly to?: string;
  readonly readOnly?: boolean;
  readonly hidden?: boolean;
  readonly system?: boolean;
  readonly archive?: boolean;
  readonly modified?: number;
}

/** A change the directory channel asks for (write access checked by the caller). */
async function change(m: Mounted, dir: string, r: Change): Promise<void> {
  const name = r.name;
  switch (r.tag) {
    case 'SetAttributes': {
      const path = childPath(dir, name, false);
      await m.vol.setAttributes(path, { readOnly: r.readOnly === true, hidden: r.hidden === true, system: r.system === true, archive: r.archive === true });
      if (r.modified !== undefined && r.modified !== 0) await m.vol.setTimes(path, { modified: r.modified });
      return;
    }
    case 'CreateFile': await m.vol.close(await m.vol.open(childPath(dir, name, false), { create: true, exclusive: true, write: true })); return;
    case 'CreateDirectory': await m.vol.mkdir(childPath(dir, name, false)); return;
    case 'DeleteFile': await m.vol.unlink(childPath(dir, name, false)); return;
    case 'DeleteDirectory': await m.vol.rmdir(childPath(dir, name, false)); return;
    default: await m.vol.rename(childPath(dir, r.from ?? '', true), childPath(dir, r.to ?? '', true));
  }
}

/** Serves one directory until Close or the client goes away. */
export async function serveDirectory(client: Exp<typeof Directory>, m: Mounted, abi: Abi, dir: string, write: boolean): Promise<void> {
  let at = client.send('Success');
  for (;;) {
    const r = await at.receive();
    switch (r.tag) {
      case 'Enumerate': {
        const list = await attempt(m, () => m.vol.readdir(dir));
        if (!list.ok) { at = r.ep.send('NakOp', list.fault); break; }
        const full = roomFor(abi, dir, list.value);
        if (full !== null) { at = r.ep.send('NakOp', faultOf(m, full)); break; }
        const v = entriesOf(abi, list.value);
        if (v === null) { at = r.ep.send('NakOp', { code: 'E_NO_MEMORY', reason: `${m.prefix}${dir}: Enumerate: the exchange heap has no free run for ${list.value.length} entries` }); break; }
        at = r.ep.send('AckEnumerate', { entries: v });
        break;
      }
      case 'GetAttributes': {
        const name = r.name;
        const a = await attempt(m, () => m.vol.stat(name === '' ? dir : childPath(dir, name, false)));
        at = a.ok ? r.ep.send('AckGetAttributes', { attributes: attributesOf(a.value) }) : r.ep.send('NakOp', a.fault);
        break;
      }
      case 'SetAttributes': case 'CreateFile': case 'CreateDirectory': case 'DeleteFile': case 'DeleteDirectory': case 'Rename': {
        if (!write) { at = r.ep.send('NakOp', denied(m, dir, r.tag)); break; }
        const request: Change = r.tag === 'Rename' ? { tag: r.tag, name: '', from: r.from, to: r.to }
          : r.tag === 'SetAttributes' ? { tag: r.tag, name: r.name, readOnly: r.readOnly, hidden: r.hidden, system: r.system, archive: r.archive, modified: r.modified }
            : { tag: r.tag, name: r.name };
        const c = await attempt(m, () => change(m, dir, request));
        at = c.ok ? r.ep.send('AckOp') : r.ep.send('NakOp', c.fault);
        break;
      }
      case 'OpenFile': {
        const name = r.name;
        const writing = r.write;
        if (writing && !write) { at = r.ep.send('NakOpenFile', { ...denied(m, dir, `OpenFile ${name} for writing`), file: r.file }); break; }
        const f = await attempt(m, () => m.vol.open(childPath(dir, name, false), { write: writing }));
        if (!f.ok) { at = r.ep.send('NakOpenFile', { ...f.fault, file: r.file }); break; }
        abi.spawn(serveFile, r.file, m, abi, f.value);
        at = r.ep.send('AckOpenFile');
        break;
      }
      case 'OpenDirectory': {
        const name = r.name;
        const d = await attempt(m, async () => {
          const path = childPath(dir, name, false);
          if (!(await m.vol.stat(path)).isDirectory) throw new FatError('E_NOT_DIRECTORY', `open directory ${path}: it is a file`, { path });
          return path;
        });
        if (!d.ok) { at = r.ep.send('NakOpenDirectory', { ...d.fault, dir: r.dir }); break; }
        abi.spawn(serveDirectory, r.dir, m, abi, d.value, write);
        at = r.ep.send('AckOpenDirectory');
        break;
      }
      case 'Close': r.ep.send('AckClose'); return;
      case '$closed': return;
    }
  }
}
