// The child half of `sing bench table1`'s heartbeat (bench/table1.ts runs it, not by hand):
//   tsx bench/heartbeat.child.ts BEAT_MS NAME...
// Boots a kernel with an echo SIP that answers a request from this host every BEAT_MS (the host
// timestamps each answer), lets it beat steadily for a moment, then runs the named hostile
// programs of test/hostile/programs/budgets.ts one after another beside it, in the same kernel.
// Writes one JSON line per event to stdout: {"ready":[gaps]} once the heartbeat is steady,
// {"start":NAME} as a program is spawned, then {"name","reason","code","ms","gaps","open"} when it
// has ended (reason "stopped" when it had not ended after STOP_MS and this stopped it; gaps: the times between answers in its window, which runs 5 beats past its end; open:
// the time since the last answer at the window's end), and {"done":true} at the end. It runs in a process of its own so that a program that takes its host
// down ends only this process: the parent reports that and carries on in a fresh one.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Kernel, compileImage } from '../src/index.ts';
import { image } from '../test/kit.ts';
import * as budgets from '../test/hostile/programs/budgets.ts';
import { Echo } from './programs/contracts.ts';

/** The corpus; UNVERIFIED may come and go as the corpus grows. */
const corpus = budgets as {
  readonly PROGRAMS: Readonly<Record<string, string>>;
  readonly UNVERIFIED?: Readonly<Record<string, string>>;
  readonly EXPECTED: Readonly<Record<string, readonly [string, string]>>;
};

/** The longest a program may run before it is stopped (`sing run` of a hostile program must end
 * within 30 s, issue #12). */
const STOP_MS = 30_000;

const [beatArg, ...names] = process.argv.slice(2);
const beatMs = Number(beatArg);
if (!(beatMs > 0) || names.length === 0) throw new Error('usage: heartbeat.child.ts BEAT_MS NAME...');
const sources = { ...corpus.PROGRAMS, ...(corpus.UNVERIFIED ?? {}) };
const line = (o: object): void => { process.stdout.write(`${JSON.stringify(o)}\n`); };
const sleep = (ms: number): Promise<void> => new Promise((r) => { setTimeout(r, ms); });
const round = (x: number): number => Math.round(x * 100) / 100;

const k = new Kernel({ console: () => undefined });
k.install(await compileImage('echo', { root: join(dirname(fileURLToPath(import.meta.url)), 'programs'), entry: 'echo/main.ts' }));
for (const n of names) {
  const src = sources[n];
  if (src === undefined) throw new Error(`heartbeat.child: no hostile program ${n}`);
  k.install(await image(n, src));
}
const e = k.hostChannel(Echo);
const echo = k.spawn('echo', { endpoints: { ep: e.exp } });
let gaps: number[] = [];
let running = true;
let last = performance.now();
const beats = (async () => {
  let idle = e.imp;
  for (let i = 0; running; i++) {
    const sent = performance.now();
    const m = await idle.send('Ping', { x: i }).receive();
    const now = performance.now();
    if (m.tag !== 'Pong') throw new Error('heartbeat.child: the echo closed its channel');
    idle = m.ep;
    gaps.push(round(now - last));
    last = now;
    await sleep(Math.ceil(Math.max(0, beatMs - (now - sent)))); // never early: a request every beatMs
  }
  idle.close();
})();
beats.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile

await sleep(20 * beatMs); // a steady heartbeat first
line({ ready: gaps });
gaps = [];
for (const name of names) {
  line({ start: name });
  const t0 = performance.now();
  const s = k.spawn(name);
  let stopped = false;
  const timer = setTimeout(() => { stopped = true; s.stop(); }, STOP_MS);
  const st = await s.join();
  clearTimeout(timer);
  const ms = performance.now() - t0;
  await sleep(5 * beatMs); // what ending it cost shows in its window too
  const open = performance.now() - last; // the gap still open at the window's end
  line({ name, reason: stopped ? 'stopped' : st.reason, code: stopped ? `not ended in ${STOP_MS / 1000} s` : st.error?.code ?? '', ms: round(ms), gaps, open: round(open) });
  gaps = [];
}
running = false;
await beats; // fails if the echo's channel closed under it
const end = await echo.join(); // it returns once the host has closed its channel
k.shutdown();
if (end.state !== 'exited') throw new Error(`heartbeat.child: the echo ended ${end.reason}`);
line({ done: true });
