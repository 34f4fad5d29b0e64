// Neighbours for hostile-program tests: a kernel with two well-behaved services running and a
// heartbeat of fresh clients, so a test can show that a hostile program beside them changes
// nothing for them.
// Rules for callers: `neighbours(programs)` boots a kernel with the services, the heartbeat's
// client and the given (hostile) programs installed, starts the services, lets one beat complete
// and records the exchange heap's level; the test then spawns its hostile program, waits for its
// end, and calls `finish()`, which stops the heartbeat and asserts: every beat succeeded, the
// longest gap between beats stayed under GAP_LIMIT_MS, both services still answer, and the
// exchange heap is back at its level; then it shuts the kernel down. The services are:
//  - `calc` at /service/calc (sing/contracts/calculator), a thread per client;
//  - `exchange` at /service/exchange (TestExchange): takes a block, a string, an exchange-heap
//    record and a value record, and sends all four back changed (its quota covers what it holds).
// A beat is a fresh `beat` process that binds both services, checks their answers and exits 0;
// one starts every BEAT_MS, or every `opts.beatMs` when the caller asks for a faster heartbeat
// (bounded: at most MAX_BEATS).
import assert from 'node:assert/strict';
import type { HeapStats } from '../../src/exheap/heap.ts';
import type { Kernel } from '../../src/index.ts';
import { boot, within, type Booted, type Source } from '../kit.ts';

export const BEAT_MS = 50;
const MAX_BEATS = 4000;
/** The longest the heartbeat may go without a completed beat. No process may hold the kernel for
 * longer than a turn: a turn's CPU fuel (DEFAULT_FUEL checks, about a tenth of a second of tight
 * loop on the development machine) or the scheduler's slice, whichever ends first; the limit
 * leaves room for a loaded CI machine running two test files at once. */
export const GAP_LIMIT_MS = 2000;

const CALC = `
import { defineProgram, type Exp, type Listener } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';
async function serve(ep: Exp<typeof Calculator>): Promise<void> {
  let idle = ep.send('Ready');
  for (;;) {
    const m = await idle.receive();
    switch (m.tag) {
      case 'Add': idle = m.ep.send('Sum', { value: (m.a + m.b) | 0 }); break;
      case 'Bye': return;
      case '$closed': return;
    }
  }
}
export default defineProgram({
  name: 'calc',
  exports: { calc: Calculator.exp('/service/calc') },
  async main({ calc, abi }) {
    let listener: Listener<typeof Calculator> = calc;
    for (;;) {
      const m = await listener.receive();
      if (m.tag === '$closed') return 0;
      abi.spawn(serve, m.client);
      listener = m.ep.send('Accept');
    }
  },
});
`;

const EXCHANGE = `
import { defineProgram, type Exp, type Listener } from 'sing/runtime';
import { Exchange } from './contracts.ts';
async function serve(ep: Exp<typeof Exchange>): Promise<void> {
  let idle = ep;
  for (;;) {
    const m = await idle.receive();
    switch (m.tag) {
      case 'Swap': {
        const bytes = m.b.read();
        bytes.reverse();
        m.b.write(bytes);
        m.r.set('n', m.r.get('n') + 1);
        idle = m.ep.send('Swapped', { b: m.b, s: m.s.toUpperCase(), r: m.r, item: { ...m.item, n: m.item.n + 1 } });
        break;
      }
      case 'Bye': return;
      case '$closed': return;
    }
  }
}
export default defineProgram({
  name: 'exchange',
  exports: { ex: Exchange.exp('/service/exchange') },
  resources: { exchangeHeap: '64KiB' }, // it holds its clients' blocks for a moment: its quota covers them
  async main({ ex, abi }) {
    let listener: Listener<typeof Exchange> = ex;
    for (;;) {
      const m = await listener.receive();
      if (m.tag === '$closed') return 0;
      abi.spawn(serve, m.client);
      listener = m.ep.send('Accept');
    }
  },
});
`;

const BEAT = `
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';
import { Cell, Exchange } from './contracts.ts';
export default defineProgram({
  name: 'beat',
  imports: { calc: Calculator.imp('/service/calc'), ex: Exchange.imp('/service/exchange') },
  resources: { exchangeHeap: '16KiB' },
  async main({ calc, ex, abi }) {
    const ready = await calc.expect('Ready');
    const sum = await ready.ep.send('Add', { a: 2, b: 40 }).receive();
    if (sum.tag !== 'Sum') return 2;
    sum.ep.send('Bye');
    if (sum.value !== 42) return 2;
    const b = abi.alloc(4096);
    b.set(0, 7);
    const r = abi.allocRecord(Cell);
    r.set('n', 5);
    const back = await ex.send('Swap', { b, s: 'beat', r, item: { n: 1, label: 'x', inner: { k: 2, flag: true } } }).receive();
    if (back.tag !== 'Swapped') return 3;
    const ok = back.b.get(4095) === 7 && back.s === 'BEAT' && back.r.get('n') === 6 && back.item.n === 2;
    back.b.free();
    back.r.free();
    back.ep.send('Bye');
    return ok ? 0 : 4;
  },
});
`;

export const NEIGHBOURS: Readonly<Record<string, Source>> = { calc: CALC, exchange: EXCHANGE, beat: BEAT };

export interface NeighbourReport {
  readonly beats: number;
  readonly failed: readonly string[];
  /** The longest time between two completed beats (or between the start and the first). */
  readonly longestGapMs: number;
  readonly before: HeapStats;
  readonly after: HeapStats;
}

export interface Neighbours extends Booted {
  readonly k: Kernel;
  /** The exchange heap with the services up and idle, before the hostile program. */
  readonly before: HeapStats;
  /** Stops the heartbeat and asserts that the neighbours were untouched (see the header). */
  finish(): Promise<NeighbourReport>;
}

export interface NeighbourOptions {
  /** Start a beat every this many milliseconds (default BEAT_MS). */
  readonly beatMs?: number;
}

export async function neighbours(programs: Readonly<Record<string, Source>>, opts: NeighbourOptions = {}): Promise<Neighbours> {
  const beatMs = opts.beatMs ?? BEAT_MS;
  assert.ok(Number.isFinite(beatMs) && beatMs > 0, `neighbours: beatMs must be a positive number of milliseconds, got ${beatMs}`);
  const b = await boot({ ...NEIGHBOURS, ...programs });
  const k = b.k;
  const services = [k.spawn('calc'), k.spawn('exchange')];
  const beatOnce = async (): Promise<string | null> => {
    const st = await k.spawn('beat').join();
    return st.state === 'exited' && st.code === 0 ? null : `beat[${st.pid}] ended ${st.state} ${st.code} (${st.reason}${st.error !== undefined ? `: ${st.error.code} ${st.error.message}` : ''})`;
  };
  const first = await within(beatOnce(), 'the first heartbeat');
  assert.equal(first, null, 'the neighbours work before the hostile program starts');
  const before = k.heap.stats();

  let running = true;
  let beats = 0;
  let inFlight = 0;
  let last = performance.now();
  let longestGapMs = 0;
  const failed: string[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = (): void => {
    if (!running || beats >= MAX_BEATS) return;
    beats++;
    inFlight++;
    void beatOnce().then((why) => {
      inFlight--;
      const now = performance.now();
      longestGapMs = Math.max(longestGapMs, now - last);
      last = now;
      if (why !== null) failed.push(why);
    });
    timer = setTimeout(tick, beatMs);
  };
  tick();

  const finish = async (): Promise<NeighbourReport> => {
    // Let the heartbeat run a little after the hostile program ended, so a kernel left broken
    // shows up as failed or missing beats.
    await new Promise((r) => setTimeout(r, 3 * Math.max(beatMs, BEAT_MS)));
    longestGapMs = Math.max(longestGapMs, performance.now() - last);
    running = false;
    if (timer !== undefined) clearTimeout(timer);
    const t0 = Date.now();
    while (inFlight > 0 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 5));
    assert.equal(inFlight, 0, 'every beat ended');
    assert.deepEqual(failed, [], 'every beat succeeded');
    assert.ok(longestGapMs < GAP_LIMIT_MS, `the longest gap between beats was ${longestGapMs.toFixed(0)} ms (limit ${GAP_LIMIT_MS} ms)`);
    for (const s of services) assert.equal(s.state, 'running', `${s.program} still runs`);
    assert.equal(await within(beatOnce(), 'a last beat'), null, 'the services still answer');
    const after = k.heap.stats();
    assert.equal(after.used, before.used, 'the exchange heap is back at its level (bytes in use)');
    assert.equal(after.blocks, before.blocks, 'the exchange heap is back at its level (live blocks)');
    k.shutdown(); // nothing of this test outlives it (a sleeping process would hold the event loop)
    return { beats, failed, longestGapMs, before, after };
  };
  return { ...b, k, before, finish };
}

/** The names a process provides now (a dead one must provide none). */
export function namesOf(k: Kernel, pid: number): string[] {
  return k.names.list().filter((e) => e.pid === pid).map((e) => e.path);
}
