// Test kit: compile programs from source strings, boot kernels, capture console lines, and wait
// for things without ever asserting how long they took.
//
// Every test program is compiled with two extra files beside its `main.ts`: `contracts.ts`
// (test/fixtures/contracts.ts, the contracts the host side imports too) and `probe.ts`
// (test/fixtures/probe.ts). Images are cached by name and source, so a file compiles each
// program once however many kernels it boots.
import { readFileSync } from 'node:fs';
import { Kernel, compileImage, type Clock, type ImageSource } from '../src/index.ts';

export interface Line { readonly pid: number; readonly program: string; readonly stream: 'out' | 'err'; readonly text: string }

/** A program: the source of its main.ts, or all its files (main.ts among them). */
export type Source = string | Readonly<Record<string, string>>;

// A dead process's promises may be rejected with the kernel's kill (a check in a promise
// executor or callback that runs after the process ended throws it); the kernel expects those
// and ignores them. node:test fails the running test on any unhandled rejection, so the kit lets
// only the kill through and hands every other rejection to the runner as before.
// (Installed at the first boot, inside a test, when the runner's own listener is in place.)
let killsFiltered = false;
export function filterKills(): void {
  if (killsFiltered) return;
  killsFiltered = true;
  const runner = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', (reason, promise) => {
    if (typeof reason === 'object' && reason !== null && (reason as { sing?: unknown }).sing === 'process ended') return;
    for (const l of runner) l(reason, promise);
  });
}

const CONTRACTS = readFileSync(new URL('./fixtures/contracts.ts', import.meta.url), 'utf8');
const PROBE = readFileSync(new URL('./fixtures/probe.ts', import.meta.url), 'utf8');

function filesOf(src: Source): Record<string, string> {
  const own = typeof src === 'string' ? { 'main.ts': src } : src;
  return { 'contracts.ts': CONTRACTS, 'probe.ts': PROBE, ...own };
}

const images = new Map<string, Promise<ImageSource>>();

/** Compiles (once) a program from in-memory files rooted at /virtual/<name>. */
export function image(name: string, src: Source): Promise<ImageSource> {
  const files = filesOf(src);
  const key = `${name}\0${JSON.stringify(files)}`;
  let p = images.get(key);
  if (p === undefined) {
    p = compileImage(name, { root: `/virtual/${name}`, entry: 'main.ts', files });
    images.set(key, p);
  }
  return p;
}

export interface Booted {
  readonly k: Kernel;
  readonly lines: Line[];
  /** The text of every console line (of one program, if given), in order. */
  texts(program?: string): string[];
}

export interface BootOptions { readonly clock?: Clock }

/** A fresh kernel with the given programs installed; console lines are captured. */
export async function boot(programs: Readonly<Record<string, Source | ImageSource>>, opts: BootOptions = {}): Promise<Booted> {
  filterKills();
  const lines: Line[] = [];
  const k = new Kernel(opts.clock === undefined
    ? { console: (l) => { lines.push({ ...l }); } }
    : { clock: opts.clock, console: (l) => { lines.push({ ...l }); } });
  const imgs = await Promise.all(Object.entries(programs).map(async ([name, src]) =>
    (typeof src === 'object' && 'hash' in src ? src as ImageSource : await image(name, src as Source))));
  for (const img of imgs) k.install(img);
  return {
    k,
    lines,
    texts: (program) => lines.filter((l) => program === undefined || l.program === program).map((l) => l.text),
  };
}

/** A real-time pause (for letting timers that must NOT fire have their chance). */
/** One kernel for a whole test file, booted on first use (the tests of a file keep out of each
 * other's way: each uses its own processes and channels). */
export function sharedBoot(programs: Readonly<Record<string, Source | ImageSource>> | (() => Promise<Readonly<Record<string, Source | ImageSource>>>)): () => Promise<Booted> {
  let booted: Promise<Booted> | undefined;
  return () => (booted ??= (async () => boot(typeof programs === 'function' ? await programs() : programs))());
}

/** What a process wrote to its console, in order. */
export function said(b: Booted, pid: number): string[] {
  return b.lines.filter((l) => l.pid === pid).map((l) => l.text);
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => { setTimeout(r, ms); });
}

/** Lets the kernel run for a few event-loop turns. */
export async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => { setImmediate(r); });
}

const LIMIT_MS = 5000;

/** Waits until `pred()` holds; fails (rather than hangs) after a generous limit. */
export async function until(pred: () => boolean, what = 'a condition', limitMs = LIMIT_MS): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > limitMs) throw new Error(`kit.until: gave up waiting for ${what}`);
    await new Promise<void>((r) => { setTimeout(r, 1); });
  }
}

/** Awaits `p`, failing (rather than hanging) after a generous limit. */
export async function within<T>(p: PromiseLike<T>, what = 'a result', limitMs = LIMIT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { reject(new Error(`kit.within: gave up waiting for ${what}`)); }, limitMs);
  });
  try {
    return await Promise.race([Promise.resolve(p), limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** Names under /mark/<pid>/ (see test/fixtures/probe.ts). */
export function marks(k: Kernel, pid: number): string[] {
  return k.names.list().filter((e) => e.path.startsWith(`/mark/${pid}/`)).map((e) => e.path);
}

/** Parses the JSON after `prefix` in the first console line that starts with it. */
export function reported<T = unknown>(b: Booted, prefix: string, program?: string): T | undefined {
  const line = b.texts(program).find((t) => t.startsWith(prefix));
  return line === undefined ? undefined : JSON.parse(line.slice(prefix.length)) as T;
}

/** Waits for a console line starting with `prefix` and parses the JSON after it. */
export async function report<T = unknown>(b: Booted, prefix: string, program?: string): Promise<T> {
  await until(() => b.texts(program).some((t) => t.startsWith(prefix)), `a console line starting ${JSON.stringify(prefix)}`);
  return reported<T>(b, prefix, program) as T;
}

/** An Echo server on its startup endpoint `ep`: Pong{x+1} for each Ping{x}; returns 0 on Bye and
 * 7 when the importer goes away. */
export const ECHO_SERVER = `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'echo',
  endpoints: { ep: Echo.exp() },
  async main({ ep }) {
    let idle = ep;
    for (;;) {
      const m = await idle.receive();
      switch (m.tag) {
        case 'Ping': idle = m.ep.send('Pong', { x: m.x + 1 }); break;
        case 'Bye': return 0;
        case '$closed': return 7;
      }
    }
  },
});
`;

/** Pings an Echo startup endpoint `n` times (printing each reply), then says Bye; prints `closed`
 * and returns 3 if the peer goes away first. */
export const PINGER = `
import { defineProgram, i32 } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'pinger',
  parameters: { n: i32 },
  endpoints: { ep: Echo.imp() },
  console: true,
  async main({ ep, params, console }) {
    let idle = ep;
    for (let i = 0; i < params.n; i++) {
      const m = await idle.send('Ping', { x: i * 10 }).receive();
      if (m.tag === '$closed') { console.log('closed'); return 3; }
      console.log(String(m.x));
      idle = m.ep;
    }
    idle.send('Bye');
    return 0;
  },
});`;
