// The FAT file system SIP: it binds a disk driver (any provider of sing/contracts/disk), mounts
// the FAT12/16/32 volume on it, and serves the volume's tree at a mount point (`/fs` by default):
// a bind of `/fs/a/b.txt` with File opens that file, with Directory opens that directory, and a
// bind of `/fs` itself with Volume gives the volume's statistics, flush and clean unmount.
// Rules for clients: see sing/contracts/fs. What a client may do is what the name service granted
// its bind from the client's manifest (`resources.files`): read-only opens for 'read'. A File bind
// never creates: create through the Directory. Parameters: `disk` (default /dev/disk0), `mount`
// (default /fs), `readOnly`; `mode` 'format' (with `fatType` 12/16/32 or 0 by size, and `label`),
// 'check' or 'repair' runs that one job over the disk and ends instead (tools.ts; `json` for one
// JSON line).
// Invariants: the volume is marked dirty on disk from mount to a clean unmount, which happens
// only on Unmount through Volume; a file system whose driver goes away ends with status 1 and
// leaves the volume dirty for the next mount to recover (docs/storage.md).
import { bool, defineProgram, i32, str, type Abi, type Exp, type Listener } from 'sing/runtime';
import { Directory, File, Volume } from 'sing/contracts/fs';
import { DiskClient } from './disk-client.ts';
import { serveDirectory } from './directory-server.ts';
import { attempt, serveFile, type Mounted } from './file-server.ts';
import { FatError } from './errors.ts';
import { checkDisk, formatDisk } from './tools.ts';
import { FatVolume } from './volume.ts';

/** Answers binds of files below the mount point: each opened file gets its own thread. */
async function acceptFiles(listener: Listener<typeof File>, m: Mounted, abi: Abi): Promise<void> {
  let l = listener;
  for (;;) {
    const c = await l.receive();
    if (c.tag === '$closed') return;
    const path = c.path === '' ? '/' : c.path;
    const write = c.access === 'write' && !m.vol.readOnly; // a read-only volume opens files for reading
    const f = await attempt(m, () => m.vol.open(path, { write }));
    if (!f.ok) { l = c.ep.send('Refuse', { reason: `${f.fault.code}: ${f.fault.reason}`, client: c.client }); continue; }
    abi.spawn(serveFile, c.client, m, abi, f.value);
    l = c.ep.send('Accept');
  }
}

/** Answers binds of directories at and below the mount point. */
async function acceptDirectories(listener: Listener<typeof Directory>, m: Mounted, abi: Abi): Promise<void> {
  let l = listener;
  for (;;) {
    const c = await l.receive();
    if (c.tag === '$closed') return;
    const path = c.path === '' ? '/' : c.path;
    const info = await attempt(m, () => m.vol.stat(path));
    if (!info.ok) { l = c.ep.send('Refuse', { reason: `${info.fault.code}: ${info.fault.reason}`, client: c.client }); continue; }
    if (!info.value.isDirectory) { l = c.ep.send('Refuse', { reason: `E_NOT_DIRECTORY: ${m.prefix}${path} is a file`, client: c.client }); continue; }
    abi.spawn(serveDirectory, c.client, m, abi, path, c.access === 'write');
    l = c.ep.send('Accept');
  }
}

/** One Volume conversation; `stop` is called once the volume is cleanly unmounted. */
async function serveVolume(client: Exp<typeof Volume>, m: Mounted, write: boolean, stop: () => void): Promise<void> {
  let at = client.send('Success');
  for (;;) {
    const r = await at.receive();
    switch (r.tag) {
      case 'GetStats': {
        const s = await attempt(m, () => m.vol.statfs());
        at = !s.ok ? r.ep.send('NakGetStats', s.fault) : r.ep.send('AckGetStats', {
          device: m.disk.path, fatType: s.value.type, label: s.value.label, clusterSize: s.value.clusterSize, clusters: s.value.clusters,
          freeClusters: s.value.freeClusters, readOnly: m.vol.readOnly, recovered: m.vol.recovery !== null,
        });
        break;
      }
      case 'Flush': {
        const f = await attempt(m, () => m.vol.flush());
        at = f.ok ? r.ep.send('AckFlush') : r.ep.send('NakFlush', f.fault);
        break;
      }
      case 'Unmount': {
        if (!write) { at = r.ep.send('NakUnmount', { code: 'E_DENIED', reason: `${m.prefix}: Unmount: this channel was granted read, not write` }); break; }
        const u = await attempt(m, () => m.vol.unmount());
        if (!u.ok) { at = r.ep.send('NakUnmount', u.fault); break; }
        r.ep.send('AckUnmount');
        stop();
        return;
      }
      case '$closed': return;
    }
  }
}

/** Answers binds of the mount point itself with Volume. */
async function acceptVolume(listener: Listener<typeof Volume>, m: Mounted, abi: Abi, stop: () => void): Promise<void> {
  let l = listener;
  for (;;) {
    const c = await l.receive();
    if (c.tag === '$closed') return;
    if (c.path !== '') {
      l = c.ep.send('Refuse', { reason: `E_NOT_FOUND: ${m.prefix}${c.path}: the Volume contract is served at ${m.prefix} itself`, client: c.client });
      continue;
    }
    abi.spawn(serveVolume, c.client, m, c.access === 'write', stop);
    l = c.ep.send('Accept');
  }
}

export default defineProgram({
  name: 'fat',
  version: '1.0.0',
  category: 'service',
  parameters: { disk: str, mount: str, readOnly: bool, mode: str, fatType: i32, label: str, json: bool },
  resources: { exchangeHeap: '4MiB' },
  console: true,
  async main({ abi, params, console }) {
    const diskPath = params.disk === '' ? '/dev/disk0' : params.disk;
    const prefix = params.mount === '' ? '/fs' : params.mount;
    let disk: DiskClient;
    try {
      disk = await DiskClient.connect(abi, diskPath);
    } catch (e) {
      console.error(`fat ${prefix}: cannot reach the disk ${diskPath}: ${e instanceof Error ? e.message : String(e)}`);
      return 1;
    }
    if (params.mode !== '' && params.mode !== 'mount') {
      const tool = { clock: () => abi.time(), pause: () => abi.yield(), json: params.json };
      const status = params.mode === 'format' ? await formatDisk(disk, params.fatType, params.label, tool, console)
        : params.mode === 'check' || params.mode === 'repair' ? await checkDisk(disk, params.mode === 'repair', tool, console)
          : -1;
      if (status < 0) console.error(`fat: mode must be mount, format, check or repair, got ${JSON.stringify(params.mode)}`);
      disk.close();
      return status < 0 ? 2 : status;
    }
    let vol: FatVolume;
    try {
      vol = await FatVolume.mount(disk, { clock: () => abi.time(), pause: () => abi.yield(), readOnly: params.readOnly });
    } catch (e) {
      console.error(`fat ${prefix}: cannot mount ${diskPath}: ${e instanceof FatError ? `${e.code}: ` : ''}${e instanceof Error ? e.message : String(e)}`);
      disk.close();
      return 1;
    }
    const m: Mounted = { vol, disk, prefix };
    if (vol.recovery !== null) {
      console.log(`fat ${prefix}: ${diskPath} was not unmounted cleanly; recovery found ${vol.recovery.problems.length} problems and repaired them`);
    }
    let stopped = (): void => undefined;
    const unmounted = new Promise<number>((resolve) => { stopped = () => resolve(0); });
    abi.spawn(acceptFiles, abi.mount(prefix, File), m, abi);
    abi.spawn(acceptDirectories, abi.mount(prefix, Directory), m, abi);
    abi.spawn(acceptVolume, abi.mount(prefix, Volume), m, abi, stopped);
    const s = await vol.statfs();
    console.log(`fat ${prefix}: mounted FAT${s.type} ${diskPath} (${s.clusters} clusters of ${s.clusterSize} bytes, ${s.freeClusters} free)${vol.readOnly ? ' read-only' : ''}`);
    const code = await Promise.race([unmounted, disk.lost.then(() => 1)]);
    disk.close();
    console.log(code === 0 ? `fat ${prefix}: unmounted cleanly` : `fat ${prefix}: the disk ${diskPath} went away; the volume stays marked dirty`);
    return code;
  },
});
