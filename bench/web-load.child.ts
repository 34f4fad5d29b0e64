// The load generator of `sing bench web`: autocannon in a plain Node process of its own.
//   node --import tsx bench/web-load.child.ts
// Why a process: the bench's own process has booted Sing's kernel (SES lockdown froze its
// intrinsics, which autocannon's histogram library tries to patch, and which slows ordinary code
// down), and the load must not share a thread with any server under test.
// Protocol: {"ready":true} on stdout once autocannon is loaded; then one JSON request a line on
// stdin, {"id","url","connections","duration","paths"?,"keepBodies"?}, answered by one line
// {"id","result":{...autocannon's figures...},"cpuSec","wallSec"} (cpuSec: this process's CPU during
// the run) or {"id","error"}. stdin's end ends the process.
// Invariants: one run at a time; nothing else runs here while autocannon does.
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

interface Job {
  readonly id: number; readonly url: string; readonly connections: number; readonly duration: number;
  /** Paths all connections together walk in order, round and round (a request stream). */
  readonly paths?: readonly string[];
  /** Keep each response's body as autocannon does by default (see `dropBodies`). */
  readonly keepBodies?: boolean;
}

/** The part of autocannon's Client `dropBodies` touches. */
interface Client { pipelinedRequests?: { addBody?: (data: Buffer) => void } }

/**
 * autocannon 8 appends every body chunk to a string (`req.body += data`, pipelinedRequestsQueue.js)
 * in case `verifyBody`/`expectBody`/`onResponse` wants it; on binary bodies that is a UTF-8 decode
 * of every byte, which made autocannon, not the server, the bottleneck at 64 KiB (it spent most of
 * a core decoding while the server idled). Nothing here reads the bodies (the bench checks them
 * before measuring), so each connection's queue drops them; bytes and latencies are counted as
 * before. `setupClient` is autocannon's own per-connection hook.
 */
function dropBodies(client: Client): void {
  const q = client.pipelinedRequests;
  if (q !== undefined && typeof q.addBody === 'function') q.addBody = () => undefined;
}
interface AcResult {
  readonly duration: number; readonly errors: number; readonly timeouts: number; readonly non2xx: number; readonly resets: number;
  readonly latency: { readonly p50: number; readonly p99: number; readonly average: number; readonly max: number };
  readonly requests: { readonly total: number; readonly sent: number };
  readonly throughput: { readonly total: number };
}
type Autocannon = (o: Record<string, unknown>, cb: (err: Error | null, r: AcResult) => void) => { on(ev: 'reqError', f: (e: Error) => void): void };
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const say = (o: Record<string, unknown>): void => { process.stdout.write(`${JSON.stringify(o)}\n`); };

/** What autocannon's `errors` were, by the error's code (ECONNRESET, EPIPE, ...) or message. */
type ErrorCodes = Record<string, number>;

function run(j: Job, codes: ErrorCodes): Promise<AcResult> {
  return new Promise((resolve, reject) => {
    const paths = j.paths;
    let next = 0;
    const inst = autocannon({
      url: j.url, connections: j.connections, duration: j.duration, pipelining: 1, timeout: 10, sampleInt: 100,
      ...(j.keepBodies === true ? {} : { setupClient: dropBodies }),
      // One request template rebuilt per request with the stream's next path (shared by every
      // connection, so together they walk the stream in order rather than each its first few).
      ...(paths !== undefined && paths.length > 0 ? { requests: [{ method: 'GET', setupRequest: (req: Record<string, unknown>) => ({ ...req, path: paths[next++ % paths.length] }) }] } : {}),
    }, (err, r) => { if (err !== null) reject(err); else resolve(r); });
    inst.on('reqError', (e: Error) => {
      const code = (e as NodeJS.ErrnoException).code ?? e.message;
      codes[code] = (codes[code] ?? 0) + 1;
    });
  });
}

let queue = Promise.resolve();
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line.trim() === '') return;
  const j = JSON.parse(line) as Job;
  queue = queue.then(async () => {
    try {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const codes: ErrorCodes = {};
      const r = await run(j, codes);
      const wallSec = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      say({
        id: j.id, cpuSec: (c.user + c.system) / 1e6, wallSec,
        result: {
          duration: r.duration, errors: r.errors, errorCodes: codes, timeouts: r.timeouts, non2xx: r.non2xx, resets: r.resets,
          latency: { p50: r.latency.p50, p99: r.latency.p99, average: r.latency.average, max: r.latency.max },
          requests: { total: r.requests.total, sent: r.requests.sent },
          throughput: { total: r.throughput.total },
        },
      });
    } catch (e) {
      say({ id: j.id, error: e instanceof Error ? e.message : String(e) });
    }
  });
});
rl.on('close', () => { void queue.then(() => { process.exit(0); }); });
say({ ready: true });
