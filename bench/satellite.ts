// Satellite kernels (Helios, SOSP 2009) on this machine: a web app whose handler is CPU-bound
// (busyapp, about a millisecond of work a request) behind Sing's web server, with two instances
// of the app on one kernel, against one instance on the kernel and one on a satellite kernel (a
// worker domain with its own kernel and scheduler, on the other core). The app's code is the
// same in both; only its placement differs.
// Rules: each server runs in a process of its own (web-server.child.ts, kinds sing-busy-1 and
// sing-busy-2), the load generator (autocannon) in another; both servers are up for the whole run
// and take turns, which goes first flipping each round; every answer is checked (200, from both
// instances) before anything is timed; the figure is the median of the rounds' requests a second.
// The handler's work is set by busyapp's `rounds` (WORK_ROUNDS: about a millisecond here); what a
// request costs the one kernel in all is reported beside the figures.
// Invariants: the children are ended and the image removed on every path out of `runSatellite`.
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskSession } from '../src/cli/disk-session.ts';
import { LineChild, LoadChild, SERVER_CHILD, fetchOnce, type LoadRun } from './web-children.ts';
import { median, progress } from './measure.ts';

export interface SatelliteResult {
  readonly oneKernelReqPerSec: number;
  readonly twoKernelsReqPerSec: number;
  /** twoKernels / oneKernel, the median of the rounds' own ratios. */
  readonly ratio: number;
  /** The one kernel's thread time per request under load (the handler's work, the web server's
   * and the network service's): 1000 / oneKernelReqPerSec. */
  readonly oneKernelMsPerRequest: number;
  readonly connections: number;
  readonly rounds: number;
  readonly seconds: number;
  readonly workRounds: number;
}

/** The app's work per request (busyapp's `rounds`): about a millisecond on this machine. */
export const WORK_ROUNDS = 600_000;
const CONNECTIONS = 16;

async function server(kind: 'sing-busy-1' | 'sing-busy-2', image: string): Promise<{ child: LineChild; port: number }> {
  const child = new LineChild(kind, SERVER_CHILD, [kind, JSON.stringify({ image, rounds: WORK_ROUNDS })], ['--max-old-space-size=4096']);
  const m = await child.ready();
  if (m.port === undefined) throw new Error(`bench domains (satellite): ${kind} said no port`);
  // Both instances answer before anything is timed (requests alternate between idle instances).
  for (let i = 0; i < 40; i++) {
    const r = await fetchOnce(m.port, 'GET', `/busy/check${i}`);
    if (r.status === 200 && /^\d+\n$/.test(r.body.toString('utf8'))) continue;
    if (i < 30 && r.status === 502) { await new Promise((res) => setTimeout(res, 100)); continue; }
    throw new Error(`bench domains (satellite): ${kind}: GET /busy answered ${r.status}: ${r.body.toString('utf8').slice(0, 200)}${child.said()}`);
  }
  return { child, port: m.port };
}

function reqPerSec(kind: string, r: LoadRun): number {
  const a = r.result;
  if (a.errors > 0 || a.non2xx > 0 || a.timeouts > 0) throw new Error(`bench domains (satellite): ${kind}: ${a.errors} errors, ${a.non2xx} non-2xx answers, ${a.timeouts} timeouts under load`);
  return a.requests.total / r.wallSec;
}

export async function runSatellite(opts: { readonly quick: boolean }): Promise<SatelliteResult> {
  const rounds = opts.quick ? 2 : 4;
  const seconds = opts.quick ? 3 : 8;
  const tmp = mkdtempSync(join(tmpdir(), 'sing-bench-satellite-'));
  const children: LineChild[] = [];
  try {
    const image = join(tmp, 'web.img');
    writeFileSync(image, '');
    truncateSync(image, 16 * 1024 * 1024);
    const fmt = await DiskSession.run(image, 'format', { label: 'SINGSAT' });
    if (fmt.status !== 0) throw new Error(`bench domains (satellite): format failed: ${fmt.lines.join('; ')}`);
    progress('satellite: starting the one-kernel and two-kernel servers and the load generator');
    const one = await server('sing-busy-1', image);
    children.push(one.child);
    const two = await server('sing-busy-2', image);
    children.push(two.child);
    const gen = new LoadChild();
    children.push(gen);
    await gen.ready();
    const ones: number[] = [];
    const twos: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round <= rounds; round++) { // round 0 warms up and is not counted
      const order = round % 2 === 0 ? [one, two] : [two, one];
      const got = new Map<LineChild, number>();
      for (const s of order) got.set(s.child, reqPerSec(s.child.name, await gen.run(`http://127.0.0.1:${s.port}/busy/load`, CONNECTIONS, seconds)));
      const a = got.get(one.child) as number;
      const b = got.get(two.child) as number;
      progress(`  satellite ${round === 0 ? 'warm-up' : `round ${round}/${rounds}`}: one kernel ${a.toFixed(0)} req/s, two kernels ${b.toFixed(0)} req/s (${(b / a).toFixed(2)}x)`);
      if (round === 0) continue;
      ones.push(a);
      twos.push(b);
      ratios.push(b / a);
    }
    return { oneKernelReqPerSec: median(ones), twoKernelsReqPerSec: median(twos), ratio: median(ratios), oneKernelMsPerRequest: 1000 / median(ones), connections: CONNECTIONS, rounds, seconds, workRounds: WORK_ROUNDS };
  } finally {
    for (const c of children) await c.stop(c instanceof LoadChild ? '' : 'quit\n').catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  }
}
