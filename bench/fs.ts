// The storage benchmark (`sing bench fs`): the storage stack — a client SIP, the FAT file system
// SIP, the disk driver SIP and a host image file — next to Node's fs on the same host, side by
// side in one run, round by round:
//   - sequential read of a 64 MiB file in 64 KiB requests, against Node's fs.read of the same file
//     on the host with the same requests, and against mcopy reading it out of the same image;
//   - a WebFiles load (SPECweb99's file set, fs-files.ts): files per second, each file opened,
//     read to its end in 64 KiB requests and closed, against Node (fs/promises) on a host
//     directory holding the same files;
//   - sequential write of 64 MiB in 64 KiB requests to a new file, flushed at the end, against
//     Node's fs.write and fsync;
//   - for the record, the RAM disk SIP in place of the disk driver on a load it can hold (a 2 MiB
//     file read 32 times), next to the file-backed driver on the same load.
// Rules: every figure is a median of rounds measured in this run after one warm-up round, the
// Sing and the peer sides alternating (which goes first flips each round); the clients time their
// own loops (open to close), so process start-up is never measured; mcopy is timed by wall clock
// around the whole process, as a user sees it. The host files and the image live in the page
// cache for every side alike. Progress goes to stderr; the caller prints `fsTable(result)` or the
// JSON object.
// Files: fs-files.ts (the WebFiles set and its request stream), fs-peers.ts (Node's and mcopy's side).
// Invariants: the temporary directory (image, host files) is removed, the volumes unmounted and
// the kernel shut down on every path out of `runFs`, failure included; nothing waits without a
// deadline; a missing mcopy is reported (mcopySeqReadMBps null), never a failure.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, truncateSync, writeFileSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileImage } from '../src/install/compile.ts';
import { Kernel, type Spawned } from '../src/kernel/kernel.ts';
import { DiskSession } from '../src/cli/disk-session.ts';
import { FsClient } from '../src/cli/fs-client.ts';
import { FsResult } from './programs/fskit/contracts.ts';
import { mcopyCheck, mcopyReads, nodeSeqRead, nodeSeqWrite, nodeWebfiles, type Timed } from './fs-peers.ts';
import { buildHostSet, buildVolumeSet, CLASS_FREQUENCY, fileSet, firstBytesCheck, Progress, requestStream } from './fs-files.ts';
import { formatTable, median, progress } from './measure.ts';
import { deadline as waitFor } from './deadline.ts';

export interface FsOptions { readonly quick: boolean }

export interface FsResult {
  /** MB/s (10^6 bytes a second) reading the 64 MiB file through the SIPs. */
  readonly seqReadMBps: number;
  readonly nodeSeqReadMBps: number;
  /** null when mcopy is not installed or could not read the image (`mcopy` says why). */
  readonly mcopySeqReadMBps: number | null;
  readonly webfilesPerSec: number;
  readonly nodeWebfilesPerSec: number;
  readonly seqWriteMBps: number;
  readonly nodeSeqWriteMBps: number;
  /** The RAM disk's load (a 2 MiB file read 32 times) on the RAM disk ... */
  readonly ramdiskSeqReadMBps: number;
  /** ... and the same load through the file-backed disk driver. */
  readonly diskSmallSeqReadMBps: number;
  /** Sing over peer: the median of the rounds' own ratios (each round's figures ran side by side). */
  readonly ratios: {
    readonly seqReadOverNode: number;
    readonly seqReadOverMcopy: number | null;
    readonly webfilesOverNode: number;
    readonly seqWriteOverNode: number;
    readonly ramdiskOverDisk: number;
  };
  readonly targets: {
    readonly seqReadAtLeast0_8xNode: boolean;
    /** null without mcopy. */
    readonly seqReadFasterThanMcopy: boolean | null;
    readonly webfilesAtLeast0_5xNode: boolean;
    readonly seqWriteAtLeast0_5xNode: boolean;
  };
  /** mcopy's version line, or why there is no mcopy figure. */
  readonly mcopy: { readonly available: boolean; readonly note: string };
  readonly fileSet: {
    readonly dirs: number;
    readonly files: number;
    readonly bytes: number;
    /** Requests per round, and the bytes they read. */
    readonly requests: number;
    readonly requestBytes: number;
    /** Building the set on the host, and through the SIPs onto the image (flush included). */
    readonly hostBuildMs: number;
    readonly volumeBuildMs: number;
  };
  readonly image: { readonly bytes: number; readonly fatType: number; readonly clusterSize: number };
  readonly seqBytes: number;
  /** Passes over the file in one sequential-read sample (Sing, Node and mcopy alike). */
  readonly seqPasses: number;
  readonly chunk: number;
  readonly ramdisk: { readonly sizeKiB: number; readonly fileBytes: number; readonly passes: number };
  readonly rounds: number;
  readonly totalMs: number;
}

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
const SEQ_BYTES = 64 * MiB;
/** Passes over the 64 MiB file in one sample of the sequential read (one pass is ~60 ms: too
 * short a sample on a machine whose speed drifts). */
const SEQ_PASSES = 4;
const SMALL_BYTES = 2 * MiB;
const SMALL_PASSES = 32;
const RAMDISK_KIB = 3072;
/** How long any one step may take before the run is declared stuck. */
const DEADLINE_MS = 180_000;
const PROGRAMS = ['fsread', 'fsweb', 'fswrite'];
const root = join(dirname(fileURLToPath(import.meta.url)), 'programs');
const SERVICES = fileURLToPath(new URL('../src/services', import.meta.url));


/** Awaits `p`, failing (rather than hanging) after `ms`. */
function deadline<T>(p: PromiseLike<T>, what: string, ms = DEADLINE_MS): Promise<T> { return waitFor('bench fs', p, what, ms); }


/** The 64 MiB file's bytes (and the 2 MiB one's: its first 2 MiB). */
function bigContent(): Uint8Array {
  const b = new Uint8Array(SEQ_BYTES);
  for (let o = 0; o < b.length; o++) b[o] = (o * 29 + (o >>> 9) * 3 + (o >>> 16)) & 0xff;
  return b;
}

function firstBytes(b: Uint8Array, chunk: number, passes = 1): number {
  let check = 0;
  for (let p = 0; p < passes; p++) for (let o = 0; o < b.length; o += chunk) check = (check + (b[o] as number)) % 1_000_000_007;
  return check;
}

const mbps = (t: Timed): number => t.bytes / (t.ns / 1e9) / 1e6;

/** Runs a benchmark client SIP to its Done; fails on Failed, a wrong exit or a deadline. */
async function client(k: Kernel, program: string, params: Record<string, string | number>, said: () => string): Promise<Timed> {
  const r = k.hostChannel(FsResult);
  const p = k.spawn(program, { params, endpoints: { result: r.exp } });
  const m = await deadline(r.imp.receive(), `${program}'s result`);
  const s = await deadline(p.join(), `${program}'s exit`);
  if (m.tag === 'Failed') throw new Error(`bench fs: ${program} failed: ${m.reason}`);
  if (m.tag !== 'Done' || s.state !== 'exited' || s.code !== 0) throw new Error(`bench fs: ${program} ended ${s.state} ${s.code}${said()}`);
  return { ns: m.ns, files: m.files, bytes: m.bytes, check: m.check };
}

/** Waits until `n` mount entries are served at `prefix`, failing if `p` ends first. */
async function mounted(k: Kernel, prefix: string, p: Spawned, said: () => string): Promise<void> {
  const t0 = Date.now();
  for (let i = 0; ; i++) {
    if (k.names.list().filter((e) => e.mount && e.path === prefix).length === 3) return;
    if (p.state !== 'running' && p.state !== 'created') throw new Error(`bench fs: the file system at ${prefix} ended before it mounted${said()}`);
    if (Date.now() - t0 > DEADLINE_MS) throw new Error(`bench fs: gave up waiting for ${prefix} to mount`);
    await new Promise((r) => setTimeout(r, i < 100 ? 1 : 10));
  }
}

/** The file system's parameters for the RAM disk (every one must be given). */
function ramFat(disk: string, mode: string): Record<string, string | number | boolean> {
  return { disk, mount: '/rfs', readOnly: false, mode, fatType: 0, label: '', json: false };
}

interface RamDisk { readonly disk: Spawned; readonly fat: Spawned | null; readonly fs: FsClient }

/** The RAM disk SIP, formatted FAT by the file system SIP and mounted at /rfs. */
async function startRamDisk(k: Kernel, said: () => string, hold: (r: RamDisk) => void): Promise<RamDisk> {
  const disk = k.spawn('ramdisk', { params: { name: 'ramdisk0', sizeKiB: RAMDISK_KIB } });
  const fs = new FsClient(k, '/rfs');
  hold({ disk, fat: null, fs });
  const t0 = Date.now();
  while (disk.names().length === 0) {
    if (disk.state !== 'running' && disk.state !== 'created') throw new Error(`bench fs: the RAM disk ended before it was up${said()}`);
    if (Date.now() - t0 > DEADLINE_MS) throw new Error('bench fs: gave up waiting for the RAM disk');
    await new Promise((r) => setTimeout(r, 1));
  }
  const dev = disk.names()[0] as string;
  const fmt = k.spawn('fat', { params: ramFat(dev, 'format') });
  const st = await deadline(fmt.join(), 'formatting the RAM disk');
  if (st.state !== 'exited' || st.code !== 0) throw new Error(`bench fs: formatting the RAM disk ended ${st.state} ${st.code}${said()}`);
  const fat = k.spawn('fat', { params: ramFat(dev, 'mount') });
  const r = { disk, fat, fs };
  hold(r);
  await mounted(k, '/rfs', fat, said);
  return r;
}

async function stopRamDisk(r: RamDisk): Promise<void> {
  try {
    if (r.fat !== null && r.fat.state === 'running') {
      await deadline(r.fs.unmount(), 'unmounting the RAM disk', 30_000);
      await deadline(r.fat.join(), 'the RAM disk\'s file system to end', 30_000);
    }
  } finally {
    r.fat?.stop();
    r.disk.stop();
  }
}

/** One measured step of a round: its key, and how to run it. */
interface Step { readonly key: string; readonly run: () => Promise<Timed>; readonly after?: () => Promise<void> }

export async function runFs(opts: FsOptions): Promise<FsResult> {
  const q = opts.quick;
  const rounds = q ? 5 : 9;
  const requests = q ? 5000 : 20_000;
  const dirs = 140;
  const t0 = Date.now();
  const files = fileSet(dirs);
  const setBytes = files.reduce((a, f) => a + f.size, 0);
  // The image: FAT32, room for the set, the two sequential files, the written one and slack.
  const imageBytes = Math.ceil((setBytes + 3 * SEQ_BYTES + 256 * MiB) / (64 * MiB)) * 64 * MiB;
  // The image is sparse, but filled to about the set's size; the host holds the set again.
  const needed = 2 * setBytes + 4 * SEQ_BYTES + 256 * MiB;
  const st = statfsSync(tmpdir());
  if (st.bavail * st.bsize < needed) {
    throw new Error(`bench fs: ${tmpdir()} has ${(st.bavail * st.bsize / MiB).toFixed(0)} MiB free; the image and the host copy of the file set need about ${(needed / MiB).toFixed(0)} MiB (set TMPDIR elsewhere)`);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'sing-bench-fs-'));
  let bar: Progress | null = null;
  // Interrupted: the gigabyte or two of temporary files go with the process.
  const interrupted = (sig: NodeJS.Signals): void => {
    (bar as Progress | null)?.abandon();
    rmSync(tmp, { recursive: true, force: true });
    process.stderr.write(`\nsing: bench fs: ${sig}; removed ${tmp}\n`);
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const lines: string[] = [];
  const said = (): string => (lines.length === 0 ? '' : `; the SIPs said: ${lines.slice(-5).join(' | ')}`);
  const k = new Kernel({ console: (l) => { lines.push(`${l.program}: ${l.text}`); if (lines.length > 200) lines.splice(0, 100); } });
  let session: DiskSession | null = null;
  let ram: RamDisk | null = null;
  try {
    progress('fs: compiling the benchmark clients and the RAM disk');
    const images = await Promise.all([
      ...PROGRAMS.map((n) => compileImage(n, { root, entry: `${n}/main.ts` })),
      compileImage('ramdisk', { root: SERVICES, entry: 'ramdisk/main.ts' }),
    ]);
    for (const img of images) k.install(img);

    const image = join(tmp, 'bench.img');
    writeFileSync(image, '');
    truncateSync(image, imageBytes);
    progress(`fs: formatting a ${imageBytes / MiB} MiB image through the file system SIP`);
    const fmt = await deadline(DiskSession.run(image, 'format', { label: 'SINGBENCH' }), 'formatting the image');
    if (fmt.status !== 0) throw new Error(`bench fs: format failed: ${fmt.lines.join('; ')}`);
    session = await deadline(DiskSession.mount(image, { kernel: k }), 'mounting the image');
    const sfs = session.fs;

    // The sequential files, on the volume (flushed) and on the host.
    const big = bigContent();
    const small = big.subarray(0, SMALL_BYTES);
    progress('fs: writing the 64 MiB and 2 MiB files (volume and host)');
    await deadline(sfs.writeFile('/big.bin', big), 'writing /big.bin');
    await deadline(sfs.writeFile('/small.bin', small), 'writing /small.bin');
    await sfs.mkdir('/bench');
    const host = join(tmp, 'host');
    const hostBig = join(tmp, 'big.bin');
    const hostSmall = join(tmp, 'small.bin');
    writeFileSync(hostBig, big);
    writeFileSync(hostSmall, small);

    // The WebFiles set: on the host, then through the SIPs.
    bar = new Progress('fs: WebFiles set on the host', files.length, 'files');
    const h0 = Date.now();
    const hostBar = bar;
    await deadline(buildHostSet(host, files, (n) => { if ((n & 63) === 0) hostBar.update(n); }), 'building the host set');
    const hostBuildMs = Date.now() - h0;
    bar.stop();
    bar = new Progress('fs: WebFiles set through the SIPs', files.length, 'files');
    const v0 = Date.now();
    const volumeBar = bar;
    await deadline(buildVolumeSet(k, '/fs', files, CHUNK, (n) => { if ((n & 15) === 0) volumeBar.update(n); }), 'building the set on the volume');
    await deadline(sfs.flush(), 'flushing the volume');
    const volumeBuildMs = Date.now() - v0;
    bar.stop();
    progress(`fs: the set is ${files.length} files, ${(setBytes / MiB).toFixed(0)} MiB: ${(hostBuildMs / 1e3).toFixed(1)} s on the host, ${(volumeBuildMs / 1e3).toFixed(1)} s through the SIPs`);

    const stream = requestStream(dirs, requests, 14);
    const streamBytes = stream.reduce((a, f) => a + f.size, 0);
    const streamCheck = firstBytesCheck(stream, CHUNK);
    await deadline(sfs.writeFile('/bench/requests.txt', new TextEncoder().encode(stream.map((f) => `/fs${f.path}\n`).join(''))), 'writing the request list');
    const stats = await sfs.stats();
    // The host's own write-back of what was just written is done before anything is timed.
    spawnSync('sync', { stdio: 'ignore' });

    const mcopy = mcopyCheck(image, '/big.bin', big);
    progress(`fs: ${mcopy.note}`);

    progress(`fs: starting the RAM disk (${RAMDISK_KIB} KiB) at /rfs`);
    const rd = await startRamDisk(k, said, (r) => { ram = r; });
    await deadline(rd.fs.writeFile('/small.bin', small), 'writing the RAM disk\'s file');

    const bigCheck = firstBytes(big, CHUNK, SEQ_PASSES);
    const smallCheck = firstBytes(small, CHUNK, SMALL_PASSES);
    const expect = (what: string, t: Timed, bytes: number, check: number | null): Timed => {
      if (t.bytes !== bytes || (check !== null && t.check !== check)) {
        throw new Error(`bench fs: ${what} read ${t.bytes} bytes (check ${t.check}), expected ${bytes} (check ${String(check)})`);
      }
      return t;
    };
    const hostW = join(tmp, 'write.bin');
    const pairs: (readonly [Step, Step | null, Step | null])[] = [
      [
        { key: 'seqRead', run: async () => expect('the SIP sequential read', await client(k, 'fsread', { path: '/fs/big.bin', chunk: CHUNK, repeat: SEQ_PASSES }, said), SEQ_PASSES * SEQ_BYTES, bigCheck) },
        { key: 'nodeSeqRead', run: async () => expect('Node\'s sequential read', await nodeSeqRead(hostBig, CHUNK, SEQ_PASSES), SEQ_PASSES * SEQ_BYTES, bigCheck) },
        mcopy.available ? { key: 'mcopySeqRead', run: () => mcopyReads(image, '/big.bin', SEQ_BYTES, SEQ_PASSES) } : null,
      ],
      [
        { key: 'webfiles', run: async () => expect('the SIP WebFiles client', await client(k, 'fsweb', { list: '/fs/bench/requests.txt', chunk: CHUNK }, said), streamBytes, streamCheck) },
        { key: 'nodeWebfiles', run: async () => expect('Node\'s WebFiles client', await nodeWebfiles(host, stream, CHUNK), streamBytes, streamCheck) },
        null,
      ],
      [
        { key: 'seqWrite', run: () => client(k, 'fswrite', { dir: '/fs/bench', name: 'write.bin', size: SEQ_BYTES, chunk: CHUNK }, said), after: async () => { await sfs.unlink('/bench/write.bin'); await sfs.flush(); } },
        { key: 'nodeSeqWrite', run: () => nodeSeqWrite(hostW, SEQ_BYTES, CHUNK), after: () => unlink(hostW) },
        null,
      ],
      [
        { key: 'ramdiskSeqRead', run: async () => expect('the RAM disk read', await client(k, 'fsread', { path: '/rfs/small.bin', chunk: CHUNK, repeat: SMALL_PASSES }, said), SMALL_BYTES * SMALL_PASSES, smallCheck) },
        { key: 'diskSmallSeqRead', run: async () => expect('the file-backed read of the RAM disk\'s load', await client(k, 'fsread', { path: '/fs/small.bin', chunk: CHUNK, repeat: SMALL_PASSES }, said), SMALL_BYTES * SMALL_PASSES, smallCheck) },
        null,
      ],
    ];
    const samples: Record<string, number[]> = {};
    const total = (rounds + 1) * pairs.reduce((a, p) => a + p.filter((s) => s !== null).length, 0);
    bar = new Progress(`fs: measuring, a warm-up round and ${rounds} rounds`, total, 'runs', false);
    let done = 0;
    for (let round = 0; round <= rounds; round++) {
      for (const pair of pairs) {
        const steps = pair.filter((s): s is Step => s !== null);
        if (round % 2 === 1) steps.reverse();
        for (const s of steps) {
          const t = await s.run();
          if (s.after !== undefined) await s.after();
          const figure = s.key.toLowerCase().includes('webfiles') ? (t.files / (t.ns / 1e9)) : mbps(t);
          if (round > 0) (samples[s.key] ??= []).push(figure);
          bar.update(++done);
          if (!process.stderr.isTTY) progress(`  ${round === 0 ? 'warm-up' : `round ${round}/${rounds}`} ${s.key}: ${figure.toFixed(1)} ${s.key.toLowerCase().includes('webfiles') ? 'files/s' : 'MB/s'}`);
        }
      }
    }
    bar.stop();

    const m = (key: string): number => median(samples[key] ?? []);
    // Each round's Sing figure over the same round's peer figure (they ran next to each other);
    // the median of those, which a drift of the machine's speed across rounds does not skew.
    const paired = (a: string, b: string): number => {
      const x = samples[a] ?? [];
      const y = samples[b] ?? [];
      return median(x.map((v, i) => v / (y[i] ?? Number.NaN)));
    };
    const seqReadMBps = m('seqRead');
    const nodeSeqReadMBps = m('nodeSeqRead');
    const mcopySeqReadMBps = mcopy.available ? m('mcopySeqRead') : null;
    const webfilesPerSec = m('webfiles');
    const nodeWebfilesPerSec = m('nodeWebfiles');
    const seqWriteMBps = m('seqWrite');
    const nodeSeqWriteMBps = m('nodeSeqWrite');
    const ramdiskSeqReadMBps = m('ramdiskSeqRead');
    const diskSmallSeqReadMBps = m('diskSmallSeqRead');
    const ratios = {
      seqReadOverNode: paired('seqRead', 'nodeSeqRead'),
      seqReadOverMcopy: mcopy.available ? paired('seqRead', 'mcopySeqRead') : null,
      webfilesOverNode: paired('webfiles', 'nodeWebfiles'),
      seqWriteOverNode: paired('seqWrite', 'nodeSeqWrite'),
      ramdiskOverDisk: paired('ramdiskSeqRead', 'diskSmallSeqRead'),
    };
    return {
      seqReadMBps, nodeSeqReadMBps, mcopySeqReadMBps, webfilesPerSec, nodeWebfilesPerSec, seqWriteMBps, nodeSeqWriteMBps, ramdiskSeqReadMBps, diskSmallSeqReadMBps,
      ratios,
      targets: {
        seqReadAtLeast0_8xNode: ratios.seqReadOverNode >= 0.8,
        seqReadFasterThanMcopy: ratios.seqReadOverMcopy === null ? null : ratios.seqReadOverMcopy > 1,
        webfilesAtLeast0_5xNode: ratios.webfilesOverNode >= 0.5,
        seqWriteAtLeast0_5xNode: ratios.seqWriteOverNode >= 0.5,
      },
      mcopy,
      fileSet: { dirs, files: files.length, bytes: setBytes, requests, requestBytes: streamBytes, hostBuildMs, volumeBuildMs },
      image: { bytes: imageBytes, fatType: stats.fatType, clusterSize: stats.clusterSize },
      seqBytes: SEQ_BYTES,
      seqPasses: SEQ_PASSES,
      chunk: CHUNK,
      ramdisk: { sizeKiB: RAMDISK_KIB, fileBytes: SMALL_BYTES, passes: SMALL_PASSES },
      rounds,
      totalMs: Date.now() - t0,
    };
  } finally {
    (bar as Progress | null)?.abandon();
    const r = ram as RamDisk | null;
    if (r !== null) await stopRamDisk(r).catch((e: unknown) => { progress(`fs: stopping the RAM disk: ${e instanceof Error ? e.message : String(e)}`); });
    if (session !== null) await deadline(session.close(), 'unmounting the image', 60_000).catch((e: unknown) => { progress(`fs: unmounting: ${e instanceof Error ? e.message : String(e)}`); });
    k.shutdown();
    rmSync(tmp, { recursive: true, force: true });
    // A Ctrl-C that cut off a SIP's code reaches the handler a turn later (the kernel's watchdog
    // forwards it with setImmediate): it still says why the run ended, and exits 130.
    setImmediate(() => { process.off('SIGINT', interrupted); process.off('SIGTERM', interrupted); });
  }
}

/** The result as a text table with its notes. */
export function fsTable(t: FsResult): string {
  const f = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));
  const x = (r: number): string => `${r.toFixed(2)}x`;
  const met = (b: boolean | null): string => (b === null ? '-' : b ? 'yes' : 'NO');
  const table = formatTable([
    { measure: 'sequential read, 64 MiB in 64 KiB requests', sing: `${f(t.seqReadMBps)} MB/s`, peer: `${f(t.nodeSeqReadMBps)} MB/s Node fs.read`, ratio: x(t.ratios.seqReadOverNode), target: '>= 0.8x', met: met(t.targets.seqReadAtLeast0_8xNode) },
    {
      measure: '  the same, against mcopy from the image', sing: `${f(t.seqReadMBps)} MB/s`,
      peer: t.mcopySeqReadMBps === null ? 'no mcopy (see below)' : `${f(t.mcopySeqReadMBps)} MB/s mcopy`,
      ratio: t.ratios.seqReadOverMcopy === null ? '-' : x(t.ratios.seqReadOverMcopy), target: '> 1x', met: met(t.targets.seqReadFasterThanMcopy),
    },
    { measure: 'WebFiles (SPECweb99 set), files/s', sing: `${f(t.webfilesPerSec)} /s`, peer: `${f(t.nodeWebfilesPerSec)} /s Node fs/promises`, ratio: x(t.ratios.webfilesOverNode), target: '>= 0.5x', met: met(t.targets.webfilesAtLeast0_5xNode) },
    { measure: 'sequential write, 64 MiB + flush', sing: `${f(t.seqWriteMBps)} MB/s`, peer: `${f(t.nodeSeqWriteMBps)} MB/s Node fs.write + fsync`, ratio: x(t.ratios.seqWriteOverNode), target: '>= 0.5x', met: met(t.targets.seqWriteAtLeast0_5xNode) },
    { measure: 'RAM disk, 2 MiB read 32 times', sing: `${f(t.ramdiskSeqReadMBps)} MB/s`, peer: `${f(t.diskSmallSeqReadMBps)} MB/s file-backed driver`, ratio: x(t.ratios.ramdiskOverDisk), target: '(record)', met: '-' },
  ]);
  const fs = t.fileSet;
  const avg = fs.requestBytes / fs.requests;
  return `${table}\n\n`
    + `sing: a client SIP -> the FAT file system SIP -> the disk driver SIP -> a ${t.image.bytes / MiB} MiB FAT${t.image.fatType} image (${t.image.clusterSize}-byte clusters) on the host;\n`
    + `the clients time their own loops, open to close. MB = 10^6 bytes. Medians of ${t.rounds} rounds after a warm-up round, Sing and peer alternating;\n`
    + 'a ratio is the median of the rounds\' own ratios (Sing / peer of the same round). A sequential-read sample reads the file '
    + `${t.seqPasses} times over.\n`
    + 'the image and the host files are in the page cache for every side (the write figures include the fsync to the device).\n'
    + `mcopy: ${t.mcopy.available ? `${t.mcopy.note}, mcopy -i IMAGE ::/big.bin /dev/null, wall clock of the whole process` : t.mcopy.note}.\n`
    + `WebFiles: ${fs.dirs} directories x 36 files = ${fs.files} files, ${(fs.bytes / MiB).toFixed(0)} MiB (classes 0-3 at full size), built in ${(fs.hostBuildMs / 1e3).toFixed(1)} s on the host`
    + ` and ${(fs.volumeBuildMs / 1e3).toFixed(1)} s through the SIPs;\n`
    + `${fs.requests} requests a round (classes ${CLASS_FREQUENCY.map((c) => `${(c * 100).toFixed(0)}%`).join('/')}, directories Zipf, files within a class Zipf from the middle size; seeded), `
    + `${(avg / 1024).toFixed(1)} KiB a request on average; each file opened, read in 64 KiB requests and closed.\n`
    + `RAM disk: the RAM disk SIP holds at most ${t.ramdisk.sizeKiB / 1024} MiB under its default 4 MiB exchange-heap quota, so its load is a ${t.ramdisk.fileBytes / MiB} MiB file read ${t.ramdisk.passes} times`
    + ' (64 MiB in all) by the same client, beside the file-backed driver on the same load.\n'
    + `total ${(t.totalMs / 1e3).toFixed(0)} s.\n`;
}
