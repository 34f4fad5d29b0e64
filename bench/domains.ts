// The protection-domain benchmark: the configurations of "Deconstructing Process Isolation"
// (MSPC 2006) with Sing's domains. Two loads — request/reply between a client and a server, and
// file serving across client → server → storage with each file an exchange-heap block — each run
// with every SIP in the kernel domain, the server in a worker or child-process domain, and every
// SIP in a domain of its own; plus what one round trip of a 4 B and a 64 KiB block costs with the
// echo in the kernel, a worker or a process domain.
// Rules: every figure is a median of rounds measured in this run, configurations alternating round
// by round; clients time their own loops after a warm-up, so domain start-up is never measured;
// progress goes to stderr; the caller prints `domainsTable(result)` or the JSON object.
// Invariants: the domains (three workers, three processes, opened once and shared by every
// configuration, each of which spawns fresh processes) are terminated and the kernel shut down
// on every path out of `runDomains`, failure included; nothing waits without a deadline.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Kernel, compileImage } from '../src/index.ts';
import type { ExitStatus } from '../src/runtime/index.ts';
import { Domain, openDomain, type DomainKind } from '../src/domains/domain-host.ts';
import { Echo, Files, Pkt, Result, Store } from './programs/contracts.ts';
import { formatTable, median, progress } from './measure.ts';
import { deadline as waitFor } from './deadline.ts';
import { rawPeers } from './raw-peers.ts';
import { MSPC_PLACEMENT, runMspc, type MspcConfig, type MspcRow } from './mspc.ts';
import { runSatellite, type SatelliteResult } from './satellite.ts';

export interface DomainsOptions { readonly quick: boolean }

export const LOADS = ['reqreply', 'files'] as const;
export type Load = (typeof LOADS)[number];
export const CONFIGS = ['all-kernel', 'server-worker', 'all-worker', 'server-process', 'all-process'] as const;
export type Config = (typeof CONFIGS)[number];
export type Place = 'kernel' | DomainKind;
export const PLACES: readonly Place[] = ['kernel', 'worker', 'process'];

export interface ConfigRow { readonly name: string; readonly opsPerSec: number; readonly overheadPct: number }
export interface MessageCost { readonly b4Ns: number; readonly b64kNs: number; readonly ratio: number }
export interface DomainsResult {
  /** One row per load and configuration, `load/config`; overhead is against the load's all-kernel row. */
  readonly configurations: ConfigRow[];
  /** ns per round trip of a 4 B and a 64 KiB block, client in the kernel domain, echo in each place. */
  readonly messageCost: Record<Place, MessageCost>;
  readonly fileBytes: number;
  readonly rounds: number;
  readonly timedMs: number;
  /** Node's own round trips, measured in the same run (raw-peers.ts), and the links' 4 B ones. */
  readonly rawSabRoundTripNs: number;
  readonly rawPostMessageRoundTripNs: number;
  readonly rawChildIpcRoundTripNs: number;
  readonly workerRoundTripNs: number;
  readonly processRoundTripNs: number;
  /** The MSPC table on the WebFiles load through the real file system and disk driver SIPs (mspc.ts). */
  readonly mspc: MspcRow[];
  readonly mspcFiles: number;
  readonly mspcRequests: number;
  /** A CPU-bound web app on one kernel against two (one a satellite kernel), same run (satellite.ts). */
  readonly satellite: SatelliteResult;
}

/** What each configuration means, for the table. */
export const PLACEMENT: Readonly<Record<Config, string>> = {
  'all-kernel': 'every SIP in the kernel domain',
  'server-worker': 'the server in a worker domain',
  'all-worker': 'every SIP in a worker domain of its own',
  'server-process': 'the server in a child-process domain',
  'all-process': 'every SIP in a child-process domain of its own',
};

const PROGRAMS = ['echo', 'rrclient', 'fileclient', 'fileserver', 'filestore', 'blockecho', 'blockclient'];
const ROLES: Readonly<Record<Load, readonly string[]>> = { reqreply: ['client', 'server'], files: ['client', 'server', 'storage'] };
const FILE_BYTES = 4096;
const FILES = 16;
const SIZES = [4, 65536] as const;
/** How long anything may take before the run is declared stuck. */
const DEADLINE_MS = 120_000;
const root = join(dirname(fileURLToPath(import.meta.url)), 'programs');

type Where = Kernel | Domain;
type Endpoints = NonNullable<NonNullable<Parameters<Domain['spawn']>[1]>['endpoints']>;
interface Running { readonly program: string; readonly pid: Promise<number>; join(): Promise<ExitStatus> }
interface Timing { readonly warmMs: number; readonly ms: number }

interface Pool { readonly k: Kernel; readonly worker: Domain[]; readonly process: Domain[] }

/** Awaits `p`, failing (rather than hanging) after `ms`. */
function deadline<T>(p: PromiseLike<T>, what: string, ms = DEADLINE_MS): Promise<T> { return waitFor('bench domains', p, what, ms); }

function spawnAt(where: Where, program: string, params: Record<string, number>, endpoints: Endpoints): Running {
  if (where instanceof Domain) return where.spawn(program, { params, endpoints });
  const s = where.spawn(program, { params, endpoints });
  return { program, pid: Promise.resolve(s.pid), join: () => s.join() };
}

/** Where role `i` of a load runs in configuration `c`. */
function placeOf(pool: Pool, c: Config, role: string, i: number): Where {
  switch (c) {
    case 'all-kernel': return pool.k;
    case 'server-worker': return role === 'server' ? pool.worker[0] as Domain : pool.k;
    case 'server-process': return role === 'server' ? pool.process[0] as Domain : pool.k;
    case 'all-worker': return pool.worker[i] as Domain;
    case 'all-process': return pool.process[i] as Domain;
  }
}

/** Waits for the client's Done and every process's clean exit; ns per operation. */
async function finish(what: string, result: { receive(): PromiseLike<{ readonly tag: string; readonly ns?: number }> }, procs: readonly Running[]): Promise<number> {
  const m = await deadline(result.receive(), `${what}: the client's result`);
  const statuses = await deadline(Promise.all(procs.map((p) => p.join())), `${what}: its processes' exits`);
  const bad = statuses.filter((s) => s.code !== 0 || s.state !== 'exited');
  if (m.tag !== 'Done' || m.ns === undefined || bad.length > 0) {
    throw new Error(`bench domains: ${what} did not finish cleanly: ${JSON.stringify(bad.length > 0 ? bad : m)}`);
  }
  return m.ns;
}

/** One timed run of `load` in configuration `c`: ns per operation (round trip, file served). */
async function runLoad(pool: Pool, load: Load, c: Config, t: Timing): Promise<number> {
  const { k } = pool;
  const at = ROLES[load].map((role, i) => placeOf(pool, c, role, i));
  const [client, server, storage] = at as [Where, Where, Where | undefined];
  const r = k.hostChannel(Result);
  const procs: Running[] = [];
  if (load === 'reqreply') {
    const e = k.hostChannel(Echo);
    procs.push(spawnAt(server, 'echo', {}, { ep: e.exp }));
    await deadline(Promise.all(procs.map((p) => p.pid)), `${load}/${c}: the server's start`);
    procs.push(spawnAt(client, 'rrclient', { ...t }, { ep: e.imp, result: r.exp }));
  } else {
    const s = k.hostChannel(Store);
    const f = k.hostChannel(Files);
    procs.push(spawnAt(storage ?? k, 'filestore', { files: FILES, size: FILE_BYTES }, { ep: s.exp }));
    procs.push(spawnAt(server, 'fileserver', {}, { clients: f.exp, store: s.imp }));
    await deadline(Promise.all(procs.map((p) => p.pid)), `${load}/${c}: the server's and storage's start`);
    procs.push(spawnAt(client, 'fileclient', { files: FILES, size: FILE_BYTES, ...t }, { server: f.imp, result: r.exp }));
  }
  return finish(`${load}/${c}`, r.imp, procs);
}

/** One timed run of a block of `size` bytes to an echo at `where` and back, the client in the kernel domain. */
async function blockRoundTrip(pool: Pool, where: Where, size: number, t: Timing): Promise<number> {
  const { k } = pool;
  const e = k.hostChannel(Pkt);
  const r = k.hostChannel(Result);
  const echo = spawnAt(where, 'blockecho', {}, { ep: e.exp });
  await deadline(echo.pid, 'the block echo\'s start');
  const client = spawnAt(k, 'blockclient', { size, ...t }, { ep: e.imp, result: r.exp });
  return finish(`message cost (${size} B)`, r.imp, [echo, client]);
}

/** Opens the shared domains, one at a time into `into` (so a failure leaves nothing untracked). */
async function openPool(k: Kernel, images: Parameters<typeof openDomain>[2], into: Domain[]): Promise<Pool> {
  const worker: Domain[] = [];
  const proc: Domain[] = [];
  for (const kind of ['worker', 'process'] as const) {
    for (let i = 0; i < 3; i++) {
      const d = openDomain(k, kind, images, { name: `${kind}${i + 1}`, exchangeHeapMb: 8 });
      into.push(d);
      (kind === 'worker' ? worker : proc).push(d);
    }
  }
  await deadline(Promise.all(into.map(started)), 'the domains to start');
  return { k, worker, process: proc };
}

/** `d.ready`, but failing as soon as the domain ends: `ready` itself never settles for a domain
 * that ends before it is up, though domain-host.ts says it rejects. */
function started(d: Domain): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (d.ended !== null) { clearInterval(poll); reject(new Error(`bench domains: domain ${d.name} ended before it was up: ${d.ended}`)); }
    }, 50);
    d.ready.then(() => { clearInterval(poll); resolve(); }, (e: unknown) => { clearInterval(poll); reject(e instanceof Error ? e : new Error(String(e))); });
  });
}

export async function runDomains(opts: DomainsOptions): Promise<DomainsResult> {
  const q = opts.quick;
  const rounds = q ? 1 : 5;
  const t: Timing = q ? { warmMs: 30, ms: 100 } : { warmMs: 150, ms: 500 };
  progress('domains: compiling benchmark programs');
  const images = await Promise.all(PROGRAMS.map((n) => compileImage(n, { root, entry: `${n}/main.ts` })));
  const k = new Kernel({ console: () => undefined }); // 32 MiB: room for the workers' 8 MiB partitions
  for (const img of images) k.install(img);
  const domains: Domain[] = [];
  try {
    progress('domains: starting 3 worker and 3 process domains (not measured)');
    const pool = await openPool(k, images, domains);
    const ns: Record<string, number[]> = {};
    for (let round = 0; round < rounds; round++) {
      for (const load of LOADS) {
        for (const c of CONFIGS) {
          const x = await runLoad(pool, load, c, t);
          (ns[`${load}/${c}`] ??= []).push(x);
          progress(`  round ${round + 1}/${rounds} ${load}/${c}: ${(1e9 / x).toFixed(0)} ops/s (${x.toFixed(0)} ns per op)`);
        }
      }
    }
    const cost: Record<string, number[]> = {};
    for (let round = 0; round < rounds; round++) {
      for (const place of PLACES) {
        const where = place === 'kernel' ? k : place === 'worker' ? pool.worker[0] as Domain : pool.process[0] as Domain;
        for (const size of SIZES) {
          const x = await blockRoundTrip(pool, where, size, t);
          (cost[`${place}/${size}`] ??= []).push(x);
          progress(`  round ${round + 1}/${rounds} message cost, echo in ${place}, ${size} B: ${x.toFixed(0)} ns per round trip`);
        }
      }
    }
    progress('domains: the raw peers (postMessage, SharedArrayBuffer + Atomics, child IPC)');
    const raw = await rawPeers(rounds, t.ms);
    progress('domains: the MSPC table (WebFiles through the file system and disk driver SIPs)');
    const m = await runMspc({ quick: q });
    progress('domains: satellite kernels (a CPU-bound web app on one kernel and on two)');
    const satellite = await runSatellite({ quick: q });
    const configurations: ConfigRow[] = [];
    for (const load of LOADS) {
      const base = 1e9 / median(ns[`${load}/all-kernel`] ?? []);
      for (const c of CONFIGS) {
        const opsPerSec = 1e9 / median(ns[`${load}/${c}`] ?? []);
        configurations.push({ name: `${load}/${c}`, opsPerSec, overheadPct: c === 'all-kernel' ? 0 : (base / opsPerSec - 1) * 100 });
      }
    }
    const costOf = (place: Place): MessageCost => {
      const b4Ns = median(cost[`${place}/4`] ?? []);
      const b64kNs = median(cost[`${place}/65536`] ?? []);
      return { b4Ns, b64kNs, ratio: b64kNs / b4Ns };
    };
    return {
      configurations,
      messageCost: { kernel: costOf('kernel'), worker: costOf('worker'), process: costOf('process') },
      fileBytes: FILE_BYTES, rounds, timedMs: t.ms,
      ...raw, workerRoundTripNs: costOf('worker').b4Ns, processRoundTripNs: costOf('process').b4Ns,
      mspc: m.mspc, mspcFiles: m.files, mspcRequests: m.requests, satellite,
    };
  } finally {
    await Promise.allSettled(domains.map((d) => d.terminate()));
    k.shutdown();
  }
}

/** The result as two text tables (configurations, then message cost per domain kind). */
export function domainsTable(t: DomainsResult): string {
  const ops = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0));
  const ns = (x: number): string => (x >= 1e4 ? `${(x / 1e3).toFixed(1)} us` : `${x.toFixed(0)} ns`);
  const configs = formatTable(t.configurations.map((r) => ({
    configuration: r.name,
    placement: PLACEMENT[r.name.split('/')[1] as Config] ?? '',
    'ops/s': ops(r.opsPerSec),
    overhead: `${r.overheadPct.toFixed(0)}%`,
  })));
  const costs = formatTable(PLACES.map((p) => ({
    'echo in': `${p} domain`,
    '4 B round trip': ns(t.messageCost[p].b4Ns),
    '64 KiB round trip': ns(t.messageCost[p].b64kNs),
    '64 KiB / 4 B': `${t.messageCost[p].ratio.toFixed(2)}x`,
  })));
  const peers = formatTable([
    { 'round trip': 'raw SharedArrayBuffer + Atomics', ns: ns(t.rawSabRoundTripNs), 'Sing link': `worker ${ns(t.workerRoundTripNs)}`, ratio: `${(t.workerRoundTripNs / t.rawSabRoundTripNs).toFixed(1)}x`, target: '<= 2x', met: t.workerRoundTripNs <= 2 * t.rawSabRoundTripNs ? 'yes' : 'NO' },
    { 'round trip': 'raw postMessage', ns: ns(t.rawPostMessageRoundTripNs), 'Sing link': `worker ${ns(t.workerRoundTripNs)}`, ratio: `${(t.workerRoundTripNs / t.rawPostMessageRoundTripNs).toFixed(1)}x`, target: '', met: '' },
    { 'round trip': 'raw child-process IPC', ns: ns(t.rawChildIpcRoundTripNs), 'Sing link': `process ${ns(t.processRoundTripNs)}`, ratio: `${(t.processRoundTripNs / t.rawChildIpcRoundTripNs).toFixed(1)}x`, target: '<= 1x', met: t.processRoundTripNs <= t.rawChildIpcRoundTripNs ? 'yes' : 'NO' },
  ]);
  const mspc = formatTable(t.mspc.map((r) => ({
    configuration: r.name,
    placement: MSPC_PLACEMENT[r.name as MspcConfig] ?? '',
    'files/s': ops(r.opsPerSec),
    overhead: `${r.overheadPct >= 0 ? '+' : ''}${r.overheadPct.toFixed(1)}%`,
    paper: r.paperPct === null ? '-' : `+${r.paperPct}%`,
    'target (worker <= +40%)': r.name.includes('worker') ? (r.overheadPct <= 40 ? 'met' : 'NOT met') : '',
  })));
  const sat = t.satellite;
  const satTable = formatTable([
    { placement: 'both instances on one kernel', 'req/s': sat.oneKernelReqPerSec.toFixed(0), ratio: '1.00x', target: '', met: '' },
    { placement: 'one on the kernel, one on a satellite kernel', 'req/s': sat.twoKernelsReqPerSec.toFixed(0), ratio: `${sat.ratio.toFixed(2)}x`, target: '>= 1.4x', met: sat.ratio >= 1.4 ? 'yes' : 'NO' },
  ]);
  return `${configs}\n\nrequest/reply = Ping/Pong round trips; files = ${t.fileBytes / 1024} KiB files served client <- server <- storage as exchange-heap blocks\n`
    + `(moved in kernel and worker domains, copied into and out of process domains); medians of ${t.rounds} round(s) of ${t.timedMs} ms\n\n`
    + `message cost, client in the kernel domain:\n${costs}\n\n`
    + `the links against Node's own round trips (4 B; issue #17's targets), same run:\n${peers}\n\n`
    + `the MSPC 2006 table on real work: WebFiles (${t.mspcRequests} requests over ${t.mspcFiles} files) through the FAT file system and disk driver SIPs,\n`
    + `the client in the kernel domain; the paper's WebFiles figures beside Sing's:\n${mspc}\n\n`
    + `satellite kernels: a CPU-bound web app (${sat.workRounds} rounds of work a request), two instances behind /busy, ${sat.connections} connections, medians of ${sat.rounds} round(s) of ${sat.seconds} s:\n${satTable}\n`;
}
