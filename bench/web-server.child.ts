// One server under test for `sing bench web`, in a process of its own so that the load generator
// (autocannon, in the parent) never shares its thread:
//   node --import tsx bench/web-server.child.ts KIND '{"image":..,"hostRoot":..}'
// KIND is sing | sing-worker | sing-process | sing-app (Sing's web server over the FAT image
// through WebSession, in the kernel's domain, a worker domain, a process domain, or in the kernel
// with the counter app routed at /counter), node (web-peers.ts's static server over hostRoot),
// node-app (web-peers.ts's counter app), or sing-busy-1 / sing-busy-2 (the satellite benchmark,
// satellite.ts: two instances of the CPU-bound busyapp behind /busy, both on the one kernel, or
// one on the kernel and one on a satellite kernel; `rounds` sets each request's work).
// Protocol: one JSON line on stdout when ready, {"ready":true,"port":N}, or {"error":"..."} and exit
// code 1. Then commands, one a line on stdin: `profile-start` (the V8 CPU profiler starts, sampling
// every 100 us; answers {"profiling":true}), `profile-stop FILE` (the profile is written to FILE as
// JSON; answers {"profiled":FILE}), `quit` (the server is closed; answers {"closed":true} and the
// process ends). stdin's end is `quit`. The Sing SIPs' console lines go to stderr.
// Invariants: nothing here runs while a burst is measured except the server itself; the profiler
// (node:inspector, in this process) runs only between profile-start and profile-stop.
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Session } from 'node:inspector/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { nodeApp, nodeStatic } from './web-peers.ts';
import { HERE } from './web-children.ts';

const KINDS = ['sing', 'sing-worker', 'sing-process', 'sing-app', 'node', 'node-app', 'sing-busy-1', 'sing-busy-2'] as const;
type Kind = (typeof KINDS)[number];

interface Args { readonly image?: string; readonly hostRoot?: string; readonly rounds?: number }

const say = (o: Record<string, unknown>): void => { process.stdout.write(`${JSON.stringify(o)}\n`); };

async function listen(s: Server): Promise<number> {
  s.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => { s.once('error', reject); s.listen(0, '127.0.0.1', () => { resolve(); }); });
  return (s.address() as AddressInfo).port;
}

async function start(kind: Kind, a: Args): Promise<{ port: number; close: () => Promise<void> }> {
  if (kind === 'node' || kind === 'node-app') {
    if (kind === 'node' && a.hostRoot === undefined) throw new Error('node: no hostRoot');
    const s = kind === 'node' ? nodeStatic(a.hostRoot as string) : nodeApp();
    const port = await listen(s);
    return { port, close: () => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => { r(); }); }) };
  }
  if (a.image === undefined) throw new Error(`${kind}: no image`);
  const { WebSession } = await import('../src/cli/web-session.ts');
  if (kind === 'sing-busy-1' || kind === 'sing-busy-2') {
    const { compileImage } = await import('../src/install/compile.ts');
    const busy = await compileImage('busyapp', { root: join(HERE, 'programs'), entry: 'busyapp/main.ts' });
    const two = kind === 'sing-busy-2';
    const rounds = a.rounds ?? 100_000;
    const w = await WebSession.start({
      image: a.image,
      satellites: two ? 1 : 0,
      programs: { images: [busy], run: [{ program: 'busyapp', params: { name: '/web/busy0', rounds }, kernel: 0 }, { program: 'busyapp', params: { name: '/web/busy1', rounds }, kernel: two ? 1 : 0 }] },
      params: { apps: '/busy=/web/busy0+/web/busy1' },
      console: (l) => { process.stderr.write(`${l}\n`); },
    });
    return { port: w.port, close: async () => { await w.close(); } };
  }
  const placement = kind === 'sing-worker' ? 'worker' : kind === 'sing-process' ? 'process' : 'kernel';
  const w = await WebSession.start({
    image: a.image,
    placement,
    counter: kind === 'sing-app',
    console: (l) => { process.stderr.write(`${l}\n`); },
  });
  // WebSession keeps every console line; the server is quiet under load, so that stays small.
  return { port: w.port, close: async () => { await w.close(); } };
}

async function main(): Promise<void> {
  const kind = process.argv[2] as Kind;
  if (!KINDS.includes(kind)) { say({ error: `unknown server kind ${String(kind)} (have: ${KINDS.join(', ')})` }); process.exit(1); }
  const args = JSON.parse(process.argv[3] ?? '{}') as Args;
  let server: { port: number; close: () => Promise<void> };
  try {
    server = await start(kind, args);
  } catch (e) {
    say({ error: e instanceof Error ? e.message : String(e) });
    process.exit(1);
  }
  say({ ready: true, port: server.port });
  let session: Session | null = null;
  let closing = false;
  const quit = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    try {
      await server.close();
      say({ closed: true });
    } catch (e) {
      say({ closed: false, error: e instanceof Error ? e.message : String(e) });
    }
    process.exit(0);
  };
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const [cmd, ...rest] = line.trim().split(' ');
    void (async () => {
      try {
        if (cmd === 'profile-start') {
          session = new Session();
          session.connect();
          await session.post('Profiler.enable');
          await session.post('Profiler.setSamplingInterval', { interval: 100 });
          await session.post('Profiler.start');
          say({ profiling: true });
        } else if (cmd === 'profile-stop') {
          if (session === null) throw new Error('profile-stop: the profiler is not running');
          const { profile } = await session.post('Profiler.stop');
          session.disconnect();
          session = null;
          const file = rest.join(' ');
          writeFileSync(file, JSON.stringify(profile));
          say({ profiled: file });
        } else if (cmd === 'quit') {
          await quit();
        } else if (cmd !== '') {
          say({ error: `unknown command ${String(cmd)}` });
        }
      } catch (e) {
        say({ error: e instanceof Error ? e.message : String(e) });
      }
    })();
  });
  rl.on('close', () => { void quit(); });
}

void main();
