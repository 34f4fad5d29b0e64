// The web benchmark's children: a server process (web-server.child.ts) or the load generator
// (web-load.child.ts), each answering one JSON line per line it is sent, with the deadlines every
// wait has, the CPU time of a child's process tree from /proc, and the plain HTTP checks made
// before measuring. Rules for callers: bench/web.ts starts, drives and ends them; every wait has a
// deadline. Invariants: a child that exits fails whatever waited on it, with what it said on stderr.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerKind } from './web.ts';
import { deadline as waitFor } from './deadline.ts';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const SERVER_CHILD = join(HERE, 'web-server.child.ts');
export const LOAD_CHILD = join(HERE, 'web-load.child.ts');

export const START_MS = 180_000;

// What web-load.child.ts gives back of autocannon's result.
export interface AcResult {
  readonly duration: number; readonly errors: number; readonly errorCodes?: Readonly<Record<string, number>>; readonly timeouts: number; readonly non2xx: number; readonly resets: number;
  readonly latency: { readonly p50: number; readonly p99: number };
  readonly requests: { readonly total: number; readonly sent: number };
  readonly throughput: { readonly total: number };
}
export interface LoadRun { readonly result: AcResult; readonly cpuSec: number; readonly wallSec: number }

/** Awaits `p`, failing (rather than hanging) after `ms`. */
export function deadline<T>(p: PromiseLike<T>, what: string, ms: number): Promise<T> { return waitFor('bench web', p, what, ms); }

// ---- CPU time from /proc (Linux): a child's whole process tree, all threads ----

const CLK_TCK = ((): number => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** CPU seconds used so far by each of `roots` and its descendants (null where /proc cannot say). */
export function treeCpu(roots: readonly number[]): (number | null)[] {
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      let s: string;
      try { s = readFileSync(`/proc/${name}/stat`, 'utf8'); } catch { continue; }
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(f[1]));
      ticks.set(Number(name), Number(f[11]) + Number(f[12]));
    }
  } catch {
    return roots.map(() => null);
  }
  const children = new Map<number, number[]>();
  for (const [pid, pp] of parent) { const l = children.get(pp) ?? []; l.push(pid); children.set(pp, l); }
  return roots.map((root) => {
    if (!ticks.has(root)) return null;
    let sum = 0;
    const todo = [root];
    while (todo.length > 0) {
      const p = todo.pop() as number;
      sum += ticks.get(p) ?? 0;
      todo.push(...(children.get(p) ?? []));
    }
    return sum / CLK_TCK;
  });
}

/** The machine's busy and steal seconds so far, summed over its CPUs (/proc/stat), or null. */
export function machineCpu(): { busy: number; steal: number } | null {
  try {
    const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
    return { busy: (user + nice + system + irq + softirq) / CLK_TCK, steal: steal / CLK_TCK };
  } catch {
    return null;
  }
}

// ---- the children ----

export interface ChildSays {
  ready?: boolean; port?: number; error?: string; profiling?: boolean; profiled?: string; closed?: boolean;
  id?: number; result?: AcResult; cpuSec?: number; wallSec?: number;
}

/** A child that answers each line on its stdin with one JSON line on its stdout, in order. */
export class LineChild {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly #waiting: ((m: ChildSays) => void)[] = [];
  #err = '';
  #exited = false;

  constructor(name: string, file: string, args: readonly string[], nodeFlags: readonly string[] = []) {
    this.name = name;
    this.proc = spawn(process.execPath, [...nodeFlags, '--import', import.meta.resolve('tsx'), file, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let buf = '';
    this.proc.stdout?.setEncoding('utf8');
    this.proc.stdout?.on('data', (d: string) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const text = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (text === '') continue;
        let m: ChildSays;
        try { m = JSON.parse(text) as ChildSays; } catch { this.#err = `${this.#err}\n${text}`.slice(-4096); continue; }
        this.#waiting.shift()?.(m);
      }
    });
    this.proc.stderr?.setEncoding('utf8');
    this.proc.stderr?.on('data', (d: string) => { this.#err = (this.#err + d).slice(-4096); });
    this.proc.on('exit', (code, signal) => {
      this.#exited = true;
      const why = signal !== null ? `signal ${signal}` : `exit code ${String(code)}`;
      for (const w of this.#waiting.splice(0)) w({ error: `${name}'s process ended (${why})${this.said()}` });
    });
    this.proc.stdin?.on('error', () => undefined);
  }

  /** The child's last words on stderr, for messages. */
  said(): string {
    const t = this.#err.trim();
    return t === '' ? '' : `; it said: ${t.split('\n').slice(-6).join(' | ')}`;
  }

  next(): Promise<ChildSays> {
    if (this.#exited) return Promise.resolve({ error: `${this.name}'s process has ended${this.said()}` });
    return new Promise((resolve) => { this.#waiting.push(resolve); });
  }

  /** Waits for the child's first line, {"ready":true,...}. */
  async ready(ms = START_MS): Promise<ChildSays> {
    const m = await deadline(this.next(), `${this.name} to start`, ms);
    if (m.error !== undefined || m.ready !== true) throw new Error(`bench web: ${this.name} did not start: ${m.error ?? JSON.stringify(m)}${m.error?.includes('it said') === true ? '' : this.said()}`);
    return m;
  }

  async command(line: string, ms = 60_000): Promise<ChildSays> {
    const p = this.next();
    this.proc.stdin?.write(`${line}\n`);
    const m = await deadline(p, `${this.name} to answer ${line.slice(0, 80)}`, ms);
    if (m.error !== undefined) throw new Error(`bench web: ${this.name}: ${line.slice(0, 80)}: ${m.error}`);
    return m;
  }

  /** Ends the child's stdin (`quit` first, for a server) and kills it if it has not ended within `ms`. */
  async stop(last: string, ms = 30_000): Promise<void> {
    if (this.#exited) return;
    const gone = new Promise<void>((r) => { this.proc.once('exit', () => { r(); }); });
    this.proc.stdin?.end(last);
    const t = setTimeout(() => { this.proc.kill('SIGKILL'); }, ms);
    await gone;
    clearTimeout(t);
  }
}

/** A server under test (web-server.child.ts). */
export class ServerChild extends LineChild {
  readonly kind: ServerKind;
  port = 0;
  constructor(kind: ServerKind, args: Record<string, string>) {
    super(kind, SERVER_CHILD, [kind, JSON.stringify(args)], ['--max-old-space-size=4096']);
    this.kind = kind;
  }

  override async ready(): Promise<ChildSays> {
    const m = await super.ready();
    if (m.port === undefined) throw new Error(`bench web: ${this.kind} said no port`);
    this.port = m.port;
    return m;
  }
}

/** autocannon in its own process (web-load.child.ts). */
export class LoadChild extends LineChild {
  #id = 0;
  constructor() { super('the load generator', LOAD_CHILD, []); }

  async run(url: string, connections: number, duration: number, paths?: readonly string[]): Promise<LoadRun> {
    const id = ++this.#id;
    const m = await this.command(JSON.stringify({ id, url, connections, duration, ...(paths !== undefined ? { paths } : {}) }), (duration + 60) * 1000);
    if (m.id !== id || m.result === undefined || m.cpuSec === undefined || m.wallSec === undefined) throw new Error(`bench web: the load generator answered ${JSON.stringify(m).slice(0, 200)}`);
    return { result: m.result, cpuSec: m.cpuSec, wallSec: m.wallSec };
  }
}

// ---- plain HTTP checks before measuring ----

export function fetchOnce(port: number, method: string, path: string): Promise<{ status: number; body: Buffer; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: { connection: 'close' } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => { parts.push(c); });
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts), headers: res.headers }); });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => { req.destroy(new Error(`${method} ${path}: no answer in 10 s`)); });
    req.end();
  });
}

export async function expectFile(c: ServerChild, path: string, want: Uint8Array): Promise<void> {
  const r = await fetchOnce(c.port, 'GET', path);
  if (r.status !== 200) throw new Error(`bench web: ${c.kind}: GET ${path} answered ${r.status}: ${r.body.toString('utf8').slice(0, 200)}`);
  if (!r.body.equals(want)) throw new Error(`bench web: ${c.kind}: GET ${path} gave ${r.body.length} bytes that are not the file's ${want.length}`);
}

