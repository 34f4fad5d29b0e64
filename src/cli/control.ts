// The control socket: how host commands (`sing ps`, `sing kill`, `sing status`, `sing top`) reach a
// running system. `sing boot` serves `<store>/control.sock`, a Unix socket only its owner can open
// (mode 0600, in the store directory); a command connects, writes one JSON request line and reads
// one JSON answer line.
//   {"cmd":"ps"}            -> {"ok":true,"processes":[{pid, ppid, program, state, domain, fuel, heapBytes, heapBlocks, heapQuota, endpoints, names}]}
//   {"cmd":"kill","pid":N}  -> {"ok":true} | {"ok":false,"error":"..."}
//   {"cmd":"status"}        -> {"ok":true,"pid","url","since","processes":[...],"channels":[{id, contract, imp, exp}],"channelCount","names":[...],"heap":{capacity,used,free,live,blocks,...}}
// Rules for callers: `serveControl` is for the booted system: `ps` and `status` are answered by the
// status service (/status, through status-client.ts), as the shell's `ps` is, and `kill` by the
// kernel (the host's own power);
// `askControl` for commands, which fail with a ControlError naming the store when no system runs.
// Invariants: a request is answered or refused in words, never left hanging (a line longer than
// MAX_LINE or a bad request is refused and the connection closed); the socket file is removed when
// the server closes.
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Kernel } from '../kernel/kernel.ts';
import { SingError } from '../lib/error.ts';
import { systemStatus } from './status-client.ts';

export class ControlError extends SingError {}

const MAX_LINE = 4096;


export interface SystemFacts { readonly pid: number; readonly url: string; readonly since: string }

export function controlPath(store: string): string { return join(store, 'control.sock'); }

async function answer(k: Kernel, facts: SystemFacts, line: string): Promise<Record<string, unknown>> {
  let req: unknown;
  try { req = JSON.parse(line); } catch { return { ok: false, error: 'a request is one JSON object a line' }; }
  const cmd = typeof req === 'object' && req !== null ? (req as Record<string, unknown>)['cmd'] : undefined;
  if (cmd === 'ps') return { ok: true, processes: (await systemStatus(k)).processes };
  if (cmd === 'kill') {
    const pid = (req as Record<string, unknown>)['pid'];
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid < 1) return { ok: false, error: 'kill takes a pid (a whole number)' };
    return k.kill(pid) ? { ok: true } : { ok: false, error: `no live process has pid ${pid}` };
  }
  if (cmd === 'status') return { ok: true, ...facts, ...(await systemStatus(k)) };
  return { ok: false, error: `unknown command ${JSON.stringify(cmd)} (have: ps, kill, status)` };
}

/** Serves the control socket of a booted system; resolves once it listens. */
export async function serveControl(store: string, k: Kernel, facts: SystemFacts): Promise<Server> {
  const path = controlPath(store);
  rmSync(path, { force: true }); // left by a system that died (run.json said none runs now)
  const server = createServer((s: Socket) => {
    let buf = '';
    s.setEncoding('utf8');
    s.on('error', () => undefined);
    s.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) {
        if (buf.length > MAX_LINE) s.end(`${JSON.stringify({ ok: false, error: `a request is at most ${MAX_LINE} bytes` })}\n`);
        return;
      }
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      answer(k, facts, line).then(
        (out) => { s.write(`${JSON.stringify(out)}\n`); },
        (e: unknown) => { s.write(`${JSON.stringify({ ok: false, error: e instanceof Error ? e.message : String(e) })}\n`); },
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => { server.off('error', reject); resolve(); });
  });
  chmodSync(path, 0o600);
  server.on('close', () => { rmSync(path, { force: true }); });
  return server;
}

/** Sends one request to the system running on `store` and returns its answer. */
export async function askControl(store: string, req: Record<string, unknown>): Promise<Record<string, unknown>> {
  const path = controlPath(store);
  if (!existsSync(path)) throw new ControlError('E_NOT_RUNNING', `no system is running on ${store} (no ${path}; start one with sing boot)`);
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let buf = '';
    const timer = setTimeout(() => { s.destroy(); reject(new ControlError('E_CONTROL', `${path}: no answer within 10 s`)); }, 10_000);
    s.setEncoding('utf8');
    s.on('connect', () => { s.write(`${JSON.stringify(req)}\n`); });
    s.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      s.end();
      try { resolve(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>); } catch { reject(new ControlError('E_CONTROL', `${path}: an answer that is not JSON`)); }
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new ControlError(e.code === 'ECONNREFUSED' || e.code === 'ENOENT' ? 'E_NOT_RUNNING' : 'E_CONTROL', `no system answers on ${path} (${e.code ?? e.message}); start one with sing boot`));
    });
  });
}
