// The scheduler's host turns: however its steps are woken, it hands the event loop back after a
// budget of steps or of fuel, and its ready list is first in, first out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUDGET, Scheduler, TURN_FUEL, type Runnable } from './scheduler.ts';
import type { Clock } from './clock.ts';

/** A clock whose `later` only records: the test decides when the host's turn comes. */
function hostClock(): Clock & { laters: (() => void)[] } {
  const laters: (() => void)[] = [];
  return { laters, now: () => 0, setTimer: () => 0, cancelTimer: () => undefined, later: (fn) => { laters.push(fn); } };
}

const microtasks = (): Promise<void> => new Promise((r) => { setImmediate(r); });

/** A runnable that queues itself again each time it runs, `times` times. */
function repeater(s: Scheduler, log: number[], id: number, times: number): Runnable {
  let left = times;
  const r: Runnable = { next: null, kind: 1, run: () => { log.push(id); if (--left > 0) s.ready(r); } };
  return r;
}

test('after BUDGET steps the scheduler waits for the host\'s next turn, then carries on', async () => {
  const clock = hostClock();
  const s = new Scheduler(clock);
  const log: number[] = [];
  s.ready(repeater(s, log, 1, BUDGET + 500));
  await microtasks();
  assert.equal(log.length, BUDGET, 'one host turn runs BUDGET steps');
  assert.equal(clock.laters.length, 1, 'and asks for the next one');
  (clock.laters.shift() as () => void)();
  await microtasks();
  assert.equal(log.length, BUDGET + 500);
});

test('steps woken from outside a drain (native promise reactions) count towards the same host turn', async () => {
  const clock = hostClock();
  const s = new Scheduler(clock);
  let runs = 0;
  // Each step wakes the next from a promise reaction, so every drain runs one step.
  const r: Runnable = { next: null, kind: 1, run: () => { runs++; void Promise.resolve().then(() => { s.ready(r); }); } };
  s.ready(r);
  // The host never gets its turn here (the clock only records `later`): the steps must stop.
  let seen = -1;
  for (let i = 0; i < 200 && runs !== seen; i++) { seen = runs; await microtasks(); }
  assert.equal(runs, BUDGET, 'the steps stop at the budget, waiting for the host');
  (clock.laters.pop() as () => void)(); // the host's turn
  await microtasks();
  assert.ok(runs > BUDGET, 'and go on after it');
});

test('a host turn also ends once its steps have spent TURN_FUEL', async () => {
  const clock = hostClock();
  const s = new Scheduler(clock);
  const guard = { d: false, f: 0, perTurn: TURN_FUEL, refuel() { this.f = this.perTurn; }, used() { return this.perTurn - this.f; } };
  let runs = 0;
  const r: Runnable = { next: null, kind: 1, run: () => { runs++; guard.refuel(); guard.f -= TURN_FUEL / 4; s.spend(guard); s.ready(r); } };
  s.ready(r);
  await microtasks();
  assert.equal(runs, 4, 'four steps of a quarter turn each');
  assert.equal(clock.laters.length, 1);
});

test('the ready list is first in, first out', async () => {
  const s = new Scheduler(hostClock());
  const log: number[] = [];
  for (let i = 0; i < 5; i++) s.ready(repeater(s, log, i, 2));
  await microtasks();
  assert.deepEqual(log, [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
});
