// The web benchmark (`sing bench web`): Sing's web server (the network service, the web server and
// the file system SIPs over a FAT image, src/cli/web-session.ts) against Node's `http` plus `fs`
// serving the same files from a host directory, loaded by autocannon, side by side in one run:
//   - one file of exactly 1 KiB and one of 64 KiB, at 16 and 128 connections, for Sing's server in
//     the kernel's domain (`sing`), in a worker domain (`sing-worker`), in a process domain
//     (`sing-process`), and Node (`node`);
//   - a WebFiles-like mix (fs-files.ts's set and request stream) for `sing` and `node`;
//   - a web app request, GET /counter/hits, against the counter app behind Sing's server
//     (`sing-app`) and the same handler written for Node's `http` (`node-app`);
//   - the CPU split of Sing's server (kernel, network service, web server, file system) from a V8
//     profile of one more burst.
// Rules: every server runs in a child process of its own (web-server.child.ts), and autocannon in
// another (web-load.child.ts: a plain Node realm, where this process has booted a kernel and so
// locked its realm down with SES), so the load never shares a thread with the server under test;
// all seven are started once and stay up for the run; this process only waits while one measures. Rounds
// alternate: for each load, each server in turn, the order rotated every round; every cell is a
// short warm-up and a measured burst, and nothing else runs in this process meanwhile. Figures are
// medians over rounds; a ratio is the median of the rounds' own ratios. Errors, timeouts and non-2xx
// answers are counted per cell, and a cell that has any (or answers short) is flagged, never
// dropped. Progress goes to stderr; the caller prints `webTable(result)` or the JSON object.
// Files: web-peers.ts (Node's servers), web-server.child.ts (a server's process), web-load.child.ts
// (autocannon's), web-children.ts (driving them), web-cpu.ts (the CPU split), web-report.ts (the
// table), fs-files.ts (the WebFiles set).
// Invariants: the temporary directory is removed and every child ended on every path out of
// `runWeb`, failure and Ctrl-C included; nothing waits without a deadline.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskSession } from '../src/cli/disk-session.ts';
import { buildHostSet, buildVolumeSet, contentOf, fileSet, requestStream, type WebFile } from './fs-files.ts';
import { median, progress } from './measure.ts';
import { deadline, expectFile, fetchOnce, LoadChild, machineCpu, ServerChild, treeCpu, type LoadRun } from './web-children.ts';
import { splitOf, type CpuSplit, type Profile } from './web-cpu.ts';

export type { CpuSplit };
export { webTable } from './web-report.ts';

export interface WebBenchOptions {
  readonly quick: boolean;
  /** A very short run for tests (also SING_BENCH_WEB_TINY=1): 1 round of sub-second bursts. */
  readonly tiny?: boolean;
  /** Only these servers (also SING_BENCH_WEB_ONLY=node,node-app): for working on one side; the
   * comparisons that lack a side are left out. */
  readonly only?: readonly ServerKind[];
}

export const SERVERS = ['sing', 'node', 'sing-worker', 'sing-process', 'sing-app', 'node-app'] as const;
export type ServerKind = (typeof SERVERS)[number];

/** One measured cell: the median of its rounds. */
export interface WebRow {
  readonly server: ServerKind;
  /** The response body's size: the file's, or for the app rows the JSON answer's. */
  readonly fileBytes: number;
  readonly connections: number;
  readonly reqPerSec: number;
  /** autocannon's latency.p99, ms. */
  readonly p99Ms: number;
  readonly p50Ms: number;
  /** Bytes a response (head and body) over the rounds, from autocannon's throughput. */
  readonly bytesPerReq: number;
  /** Summed over the measured rounds (warm-ups not counted). */
  readonly errors: number;
  /** The errors by code (ECONNRESET, EPIPE, ...), as autocannon's clients saw them. */
  readonly errorCodes: Readonly<Record<string, number>>;
  readonly timeouts: number;
  readonly non2xx: number;
  /** True when any round had errors, timeouts, non-2xx answers or answers shorter than the body. */
  readonly flagged: boolean;
  /** The server's process tree's CPU (all threads and a process domain's child), % of one core. */
  readonly serverCpuPct: number | null;
  /** autocannon's process's CPU, % of one core. */
  readonly loadCpuPct: number;
  /** The other, idle children's CPU while this cell ran, % of one core. */
  readonly idleChildrenCpuPct: number | null;
  /** The machine's CPU used by anything else (other users, the OS's own threads), % of one core,
   * from /proc/stat: a check that the cell had the machine to itself. */
  readonly foreignCpuPct: number | null;
  /** CPU time the hypervisor stole from this VM meanwhile, % of one core. */
  readonly stealPct: number | null;
  /** reqPerSec of each round, in order. */
  readonly rounds: readonly number[];
}

/** The WebFiles-like mix: requests cycling over fs-files.ts's stream. */
export interface WebMixedRow extends Omit<WebRow, 'fileBytes'> {
  /** Mean body bytes a request over the stream. */
  readonly meanBytes: number;
}

/** `ratio` is null when no round had figures on both sides (a server that answered nothing); a
 * round's entry in `rounds` is null the same way. */
export interface WebRatio { readonly name: string; readonly ratio: number | null; readonly rounds: readonly (number | null)[] }
/** A target without a ratio is not met. */
export interface WebTarget { readonly name: string; readonly ratio: number | null; readonly target: number; readonly met: boolean }
/** An overhead in per cent: (sing's req/s / this server's - 1) * 100, the median over rounds. */
export interface WebOverhead { readonly server: ServerKind; readonly fileBytes: number; readonly connections: number; readonly overheadPct: number | null }

export interface WebResult {
  readonly rows: readonly WebRow[];
  readonly mixed: readonly WebMixedRow[];
  readonly ratios: readonly WebRatio[];
  readonly overheads: readonly WebOverhead[];
  readonly targets: readonly WebTarget[];
  /** The CPU split of `sing` on the 1 KiB and 64 KiB loads (null when profiling failed: `cpuNote`). */
  readonly cpuSplit: readonly CpuSplit[];
  readonly cpuNote: string;
  /** Servers that could not start, and why: their rows and comparisons are missing. */
  readonly unavailable: Readonly<Record<string, string>>;
  /** Cells with errors (also flagged in their rows). */
  readonly flaggedCells: readonly string[];
  readonly method: {
    readonly rounds: number;
    readonly warmupSec: number;
    readonly measureSec: number;
    readonly connections: readonly number[];
    readonly loadGenerator: string;
    readonly pipelining: 1;
    readonly cpus: number;
    readonly node: string;
    /** Sing's web server trusts a small file's cached bytes this long (its default). */
    readonly singCacheMs: number;
  };
  readonly files: { readonly sizes: readonly number[]; readonly mixFiles: number; readonly mixBytes: number; readonly mixRequests: number; readonly imageBytes: number; readonly buildMs: number };
  readonly startupMs: Readonly<Record<string, number>>;
  readonly totalMs: number;
}

export const KiB = 1024;
const MiB = 1024 * KiB;
const SIZES = [KiB, 64 * KiB] as const;
const CONNECTIONS = [16, 128] as const;
const STATIC: readonly ServerKind[] = ['sing', 'node', 'sing-worker', 'sing-process'];
const MIXED: readonly ServerKind[] = ['sing', 'node'];
const APPS: readonly ServerKind[] = ['sing-app', 'node-app'];
const COUNTER = 'hits';
// ---- the measurement ----

interface Load {
  readonly key: string;
  readonly servers: readonly ServerKind[];
  readonly connections: number;
  /** One path, or a stream of paths all connections walk together. */
  readonly path?: string;
  readonly paths?: readonly string[];
  readonly fileBytes: number;
  /** The smallest body a response of this load may have (to flag short answers). */
  readonly minBody: number;
  readonly mixed: boolean;
  readonly kind: 'file' | 'webfiles' | 'app';
}

interface Sample { reqPerSec: number; p99Ms: number; p50Ms: number; bytesPerReq: number; errors: number; errorCodes: Readonly<Record<string, number>>; timeouts: number; non2xx: number; short: boolean; serverCpuPct: number | null; loadCpuPct: number; idleChildrenCpuPct: number | null; foreignCpuPct: number | null; stealPct: number | null }

function burst(gen: LoadChild, c: ServerChild, load: Load, seconds: number): Promise<LoadRun> {
  return load.paths !== undefined
    ? gen.run(`http://127.0.0.1:${c.port}`, load.connections, seconds, load.paths)
    : gen.run(`http://127.0.0.1:${c.port}${load.path ?? '/'}`, load.connections, seconds);
}

async function measureCell(gen: LoadChild, children: ReadonlyMap<ServerKind, ServerChild>, c: ServerChild, load: Load, warmupSec: number, measureSec: number): Promise<Sample> {
  await burst(gen, c, load, warmupSec);
  const others = [...children.values()].filter((o) => o !== c);
  const pids = [c.proc.pid ?? -1, ...others.map((o) => o.proc.pid ?? -1)];
  const genPid = gen.proc.pid ?? -1;
  const before = treeCpu([...pids, genPid]);
  const m0 = machineCpu();
  const t0 = performance.now();
  const { result: r, cpuSec } = await burst(gen, c, load, measureSec);
  const wall = (performance.now() - t0) / 1000;
  const m1 = machineCpu();
  const after = treeCpu([...pids, genPid]);
  const diff = (i: number): number | null => { const a = after[i]; const b = before[i]; return a === null || a === undefined || b === null || b === undefined ? null : a - b; };
  const server = diff(0);
  let idle: number | null = 0;
  for (let i = 1; i < pids.length; i++) { const d = diff(i); idle = d === null || idle === null ? null : idle + d; }
  const gen1 = diff(pids.length);
  // What the machine did besides the server, the load generator and the idle servers.
  const foreign = m0 === null || m1 === null || server === null || idle === null || gen1 === null ? null : Math.max(0, m1.busy - m0.busy - server - idle - gen1);
  const total = r.requests.total;
  const bytesPerReq = total > 0 ? r.throughput.total / total : 0;
  return {
    reqPerSec: total / r.duration,
    p99Ms: r.latency.p99,
    p50Ms: r.latency.p50,
    bytesPerReq,
    errors: r.errors,
    errorCodes: r.errorCodes ?? {},
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    short: total === 0 || bytesPerReq < load.minBody,
    serverCpuPct: server === null ? null : (server / wall) * 100,
    loadCpuPct: (cpuSec / wall) * 100,
    idleChildrenCpuPct: idle === null ? null : (idle / wall) * 100,
    foreignCpuPct: foreign === null ? null : (foreign / wall) * 100,
    stealPct: m0 === null || m1 === null ? null : ((m1.steal - m0.steal) / wall) * 100,
  };
}

/** ` (ECONNRESET 12, EPIPE 3)`: a cell's errors by code, or nothing. */
function codesOf(c: Readonly<Record<string, number>>): string {
  const e = Object.entries(c).sort((a, b) => b[1] - a[1]);
  return e.length === 0 ? '' : ` (${e.map(([k, v]) => `${k} ${v}`).join(', ')})`;
}

function rowOf(server: ServerKind, load: Load, s: readonly Sample[]): WebRow {
  const med = (f: (x: Sample) => number): number => median(s.map(f));
  const medN = (f: (x: Sample) => number | null): number | null => { const v = s.map(f).filter((x): x is number => x !== null); return v.length === 0 ? null : median(v); };
  const sum = (f: (x: Sample) => number): number => s.reduce((a, x) => a + f(x), 0);
  const errors = sum((x) => x.errors);
  const errorCodes: Record<string, number> = {};
  for (const x of s) for (const [k, v] of Object.entries(x.errorCodes)) errorCodes[k] = (errorCodes[k] ?? 0) + v;
  const timeouts = sum((x) => x.timeouts);
  const non2xx = sum((x) => x.non2xx);
  return {
    server, fileBytes: load.fileBytes, connections: load.connections,
    reqPerSec: med((x) => x.reqPerSec), p99Ms: med((x) => x.p99Ms), p50Ms: med((x) => x.p50Ms), bytesPerReq: med((x) => x.bytesPerReq),
    errors, errorCodes, timeouts, non2xx, flagged: errors + timeouts + non2xx > 0 || s.some((x) => x.short),
    serverCpuPct: medN((x) => x.serverCpuPct), loadCpuPct: med((x) => x.loadCpuPct), idleChildrenCpuPct: medN((x) => x.idleChildrenCpuPct),
    foreignCpuPct: medN((x) => x.foreignCpuPct), stealPct: medN((x) => x.stealPct),
    rounds: s.map((x) => x.reqPerSec),
  };
}

// ---- the run ----

function fileBytesOf(size: number, seed: number): Uint8Array {
  const b = new Uint8Array(size);
  let x = seed >>> 0;
  for (let i = 0; i < size; i++) { x = (x * 1664525 + 1013904223) >>> 0; b[i] = x >>> 24; }
  return b;
}

const nameOf = (size: number): string => `f${size / KiB}k.bin`;

export async function runWeb(opts: WebBenchOptions): Promise<WebResult> {
  const tiny = opts.tiny === true || process.env['SING_BENCH_WEB_TINY'] === '1';
  const quick = opts.quick || tiny;
  const rounds = tiny ? 1 : quick ? 2 : 3;
  const warmupSec = tiny ? 0.3 : quick ? 0.5 : 1;
  const measureSec = tiny ? 0.5 : quick ? 2 : 5;
  const dirs = tiny ? 2 : 8;
  const onlyEnv = process.env['SING_BENCH_WEB_ONLY'];
  const only = opts.only ?? (onlyEnv === undefined || onlyEnv === '' ? SERVERS : onlyEnv.split(',').map((x) => x.trim()) as ServerKind[]);
  for (const k of only) if (!SERVERS.includes(k)) throw new Error(`bench web: unknown server ${k} (have: ${SERVERS.join(', ')})`);
  // A server that cannot start is left out of the run (the comparisons that need it too), and
  // said so in `unavailable`, the table and on stderr; the rest is still measured.
  const unavailable: Record<string, string> = {};
  const has = (k: ServerKind): boolean => only.includes(k) && !Object.hasOwn(unavailable, k);
  const present = (l: readonly ServerKind[]): ServerKind[] => l.filter(has);
  const t0 = Date.now();
  const tmp = mkdtempSync(join(tmpdir(), 'sing-bench-web-'));
  const children = new Map<ServerKind, ServerChild>();
  let gen: LoadChild | null = null;
  const interrupted = (sig: NodeJS.Signals): void => {
    for (const c of children.values()) c.proc.kill('SIGKILL');
    gen?.proc.kill('SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
    process.stderr.write(`\nsing: bench web: ${sig}; ended the servers and removed ${tmp}\n`);
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    // The files: f1k.bin and f64k.bin, and the WebFiles-like set, on the image and the host.
    const b0 = Date.now();
    const image = join(tmp, 'web.img');
    const hostRoot = join(tmp, 'www');
    const imageBytes = 128 * MiB;
    const set = fileSet(dirs);
    const singles = SIZES.map((s, i) => ({ path: `/bench/${nameOf(s)}`, data: fileBytesOf(s, 17 + i) }));
    progress(`web: building a ${imageBytes / MiB} MiB FAT image and the host copy (${singles.length} files and ${set.length} WebFiles)`);
    mkdirSync(join(hostRoot, 'bench'), { recursive: true });
    for (const f of singles) writeFileSync(join(hostRoot, f.path), f.data);
    await buildHostSet(hostRoot, set, () => undefined);
    await deadline(DiskSession.create(image, imageBytes, { label: 'SINGWEB' }), 'formatting the image', 120_000);
    const disk = await deadline(DiskSession.mount(image), 'mounting the image', 60_000);
    try {
      await disk.fs.mkdir('/www');
      await disk.fs.mkdir('/www/bench');
      for (const f of singles) await disk.fs.writeFile(`/www${f.path}`, f.data);
      await deadline(buildVolumeSet(disk.kernel, '/fs/www', set, 64 * KiB, () => undefined), 'building the set on the volume', 180_000);
      await disk.fs.flush();
    } finally {
      await disk.close();
    }
    const buildMs = Date.now() - b0;
    const stream = requestStream(dirs, tiny ? 200 : 2000, 14);
    const mixPaths = stream.map((f) => f.path);
    const mixBytes = stream.reduce((a, f) => a + f.size, 0) / stream.length;

    // The servers, one child each, started one after another (each Sing one compiles its images).
    const startupMs: Record<string, number> = {};
    for (const kind of SERVERS.filter(has)) {
      const s0 = Date.now();
      progress(`web: starting ${kind}`);
      // Each Sing server mounts a copy of its own: two file systems must never share an image.
      let own = image;
      if (!kind.startsWith('node')) { own = join(tmp, `web-${kind}.img`); copyFileSync(image, own); }
      const c = new ServerChild(kind, kind.startsWith('node') ? { hostRoot } : { image: own });
      children.set(kind, c);
      try {
        await c.ready();
      } catch (e) {
        unavailable[kind] = e instanceof Error ? e.message : String(e);
        progress(`web: ${kind} is left out of this run: ${unavailable[kind]}`);
        children.delete(kind);
        await c.stop('quit\n', 5000).catch(() => undefined);
        continue;
      }
      startupMs[kind] = Date.now() - s0;
    }
    const child = (k: ServerKind): ServerChild => children.get(k) as ServerChild;
    const load0 = new LoadChild();
    gen = load0;
    await load0.ready(60_000);

    // Every server answers the right bytes before anything is timed; the counter exists.
    progress('web: checking every server\'s answers');
    for (const k of present(STATIC)) for (const f of singles) await expectFile(child(k), f.path, f.data);
    for (const k of present(MIXED)) for (const f of stream.slice(0, 20)) await expectFile(child(k), f.path, contentOf(f as WebFile));
    let appBytes = 0;
    for (const k of present(APPS)) {
      const p = await fetchOnce(child(k).port, 'POST', `/counter/${COUNTER}`);
      const g = await fetchOnce(child(k).port, 'GET', `/counter/${COUNTER}`);
      const text = g.body.toString('utf8');
      if (p.status !== 200 || g.status !== 200 || text !== JSON.stringify({ name: COUNTER, count: 1 })) {
        throw new Error(`bench web: ${k}: POST then GET /counter/${COUNTER} answered ${p.status}, ${g.status} ${text.slice(0, 200)}`);
      }
      if (!String(g.headers['content-type']).startsWith('application/json')) throw new Error(`bench web: ${k}: the counter's answer is ${String(g.headers['content-type'])}, not JSON`);
      appBytes = g.body.length;
    }

    const all: Load[] = [];
    for (const size of SIZES) for (const conns of CONNECTIONS) all.push({ key: `${nameOf(size)}/${conns}`, servers: present(STATIC), connections: conns, path: `/bench/${nameOf(size)}`, fileBytes: size, minBody: size, mixed: false, kind: 'file' });
    for (const conns of CONNECTIONS) all.push({ key: `webfiles/${conns}`, servers: present(MIXED), connections: conns, paths: mixPaths, fileBytes: Math.round(mixBytes), minBody: mixBytes * 0.5, mixed: true, kind: 'webfiles' });
    for (const conns of CONNECTIONS) all.push({ key: `counter/${conns}`, servers: present(APPS), connections: conns, path: `/counter/${COUNTER}`, fileBytes: appBytes, minBody: appBytes, mixed: false, kind: 'app' });

    const loads = all.filter((l) => l.servers.length > 0);
    const samples = new Map<string, Sample[]>();
    const cells = rounds * loads.reduce((a, l) => a + l.servers.length, 0);
    progress(`web: ${rounds} round(s) of ${cells / rounds} cells, ${warmupSec} s warm-up and ${measureSec} s measured each (about ${Math.ceil((cells * (warmupSec + measureSec + 0.2)) / 60)} min)`);
    let done = 0;
    for (let r = 0; r < rounds; r++) {
      for (const load of loads) {
        const n = load.servers.length;
        const order = load.servers.map((_, i) => load.servers[(i + r) % n] as ServerKind);
        for (const kind of order) {
          const s = await measureCell(load0, children, child(kind), load, warmupSec, measureSec);
          const key = `${kind} ${load.key}`;
          const list = samples.get(key) ?? [];
          list.push(s);
          samples.set(key, list);
          done++;
          const bad = s.errors + s.timeouts + s.non2xx > 0 || s.short ? ` FLAGGED: ${s.errors} errors${codesOf(s.errorCodes)}, ${s.timeouts} timeouts, ${s.non2xx} non-2xx, ${s.bytesPerReq.toFixed(0)} B a response` : '';
          progress(`web: [${done}/${cells}] round ${r + 1} ${kind} ${load.key}: ${s.reqPerSec.toFixed(0)} req/s, p99 ${s.p99Ms} ms, server CPU ${s.serverCpuPct?.toFixed(0) ?? '?'}%, autocannon CPU ${s.loadCpuPct.toFixed(0)}%, others ${s.foreignCpuPct?.toFixed(0) ?? '?'}%, steal ${s.stealPct?.toFixed(0) ?? '?'}%${bad}`);
        }
      }
    }

    const rows: WebRow[] = [];
    const mixed: WebMixedRow[] = [];
    for (const load of loads) {
      for (const kind of load.servers) {
        const row = rowOf(kind, load, samples.get(`${kind} ${load.key}`) ?? []);
        if (load.mixed) { const { fileBytes: _f, ...rest } = row; mixed.push({ ...rest, meanBytes: Math.round(mixBytes) }); } else rows.push(row);
      }
    }
    // Each round's a/b; null where either side answered nothing (a ratio to 0 is no figure).
    const perRound = (a: ServerKind, b: ServerKind, load: Load): (number | null)[] => {
      const sa = samples.get(`${a} ${load.key}`) ?? [];
      const sb = samples.get(`${b} ${load.key}`) ?? [];
      return sa.map((x, i) => { const v = x.reqPerSec / (sb[i]?.reqPerSec ?? Number.NaN); return Number.isFinite(v) && v > 0 ? v : null; });
    };
    const medianOf = (v: readonly (number | null)[]): number | null => { const f = v.filter((x): x is number => x !== null); return f.length === 0 ? null : median(f); };
    const ratios: WebRatio[] = [];
    const overheads: WebOverhead[] = [];
    const targets: WebTarget[] = [];
    for (const load of loads) {
      const pair: readonly [ServerKind, ServerKind] = load.kind === 'app' ? ['sing-app', 'node-app'] : ['sing', 'node'];
      if (pair.every(has)) {
        const rr = perRound(pair[0], pair[1], load);
        const ratio = medianOf(rr);
        ratios.push({ name: `${pair[0]}/${pair[1]} ${load.key}`, ratio, rounds: rr });
        if (load.kind === 'file') {
          const target = load.fileBytes === KiB ? 1.0 : 0.8;
          targets.push({ name: `sing/node ${load.key}: at least ${target.toFixed(1)}x`, ratio, target, met: ratio !== null && ratio >= target });
        }
      }
      if (load.kind === 'file' && has('sing')) {
        for (const k of ['sing-worker', 'sing-process'] as const) {
          if (has(k)) overheads.push({ server: k, fileBytes: load.fileBytes, connections: load.connections, overheadPct: ((r) => (r === null ? null : (r - 1) * 100))(medianOf(perRound('sing', k, load))) });
        }
      }
    }

    // The CPU split: one more burst per file size against `sing`, profiled inside its process.
    const cpuSplit: CpuSplit[] = [];
    let cpuNote = 'V8 CPU profile (node:inspector, 100 us sampling) of the `sing` child during one more burst per file size at 16 connections; self time attributed by script: sing:net -> net, sing:web -> web, sing:fat and sing:disk -> fs, src/kernel, channels, exheap, contracts, lib, runtime and SES -> kernel; builtins to their caller; gc, V8 and Node internals -> other';
    try {
      if (!has('sing')) throw new Error('the sing server was left out');
      const sing = child('sing');
      for (const size of SIZES) {
        const load = loads.find((l) => l.fileBytes === size && l.connections === CONNECTIONS[0] && l.kind === 'file') as Load;
        await burst(load0, sing, load, warmupSec);
        const file = join(tmp, `sing-${size}.cpuprofile`);
        await sing.command('profile-start');
        const { result: r } = await burst(load0, sing, load, measureSec);
        await sing.command(`profile-stop ${file}`);
        cpuSplit.push(splitOf(JSON.parse(readFileSync(file, 'utf8')) as Profile, size, load.connections, r.requests.total / r.duration));
      }
    } catch (e) {
      cpuNote = `profiling failed: ${e instanceof Error ? e.message : String(e)}`;
      progress(`web: ${cpuNote}`);
    }

    const flaggedCells = [...rows.map((r) => ({ ...r, key: `${r.server} ${r.fileBytes} B x${r.connections}` })), ...mixed.map((r) => ({ ...r, key: `${r.server} webfiles x${r.connections}` }))]
      .filter((r) => r.flagged).map((r) => `${r.key}: ${r.errors} errors${codesOf(r.errorCodes)}, ${r.timeouts} timeouts, ${r.non2xx} non-2xx, ${r.bytesPerReq.toFixed(0)} B a response`);
    return {
      rows, mixed, ratios, overheads, targets, cpuSplit, cpuNote, flaggedCells, unavailable,
      method: {
        rounds, warmupSec, measureSec, connections: [...CONNECTIONS], loadGenerator: 'autocannon 8 (programmatic, in a plain Node process of its own: web-load.child.ts)', pipelining: 1,
        cpus: cpus().length, node: process.version, singCacheMs: 1000,
      },
      files: { sizes: [...SIZES], mixFiles: set.length, mixBytes: Math.round(mixBytes), mixRequests: stream.length, imageBytes, buildMs },
      startupMs,
      totalMs: Date.now() - t0,
    };
  } finally {
    await Promise.all([...[...children.values()].map((c) => c.stop('quit\n')), gen?.stop('') ?? Promise.resolve()].map((p) => p.catch(() => undefined)));
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
    rmSync(tmp, { recursive: true, force: true });
  }
}

