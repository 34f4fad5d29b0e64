// The console's bounds on their own: the token bucket of lines on a manual clock, and how a line
// is cut. (test/hostile/console-*.test.ts drive the same bounds through a program.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from './clock.ts';
import { ConsoleBounds, cutLine, droppedLines } from './console.ts';

function bounds(consoleLinesPerSecond: number, clock = new ManualClock()): { b: ConsoleBounds; clock: ManualClock } {
  return { b: new ConsoleBounds({ limits: { consoleLineChars: 80, consoleLinesPerSecond }, clock }), clock };
}

const takes = (b: ConsoleBounds, n: number): number => {
  let ok = 0;
  for (let i = 0; i < n; i++) if (b.take()) ok++;
  return ok;
};

test('a process may burst to the rate at once, then writes at the rate; the rest is counted and reported once a second', () => {
  const { b, clock } = bounds(10);
  assert.equal(takes(b, 25), 10, 'a second\'s worth passes at once');
  assert.equal(b.dropped, 15);
  clock.advance(99);
  assert.equal(b.take(), false, 'less than a token after 99 ms');
  clock.advance(1);
  assert.equal(b.take(), true, 'one token after 100 ms (10 a second)');
  assert.equal(b.report(), null, 'not reported within a second of the first drop');
  clock.advance(900);
  assert.equal(b.report(), '[console: 16 lines dropped]', 'reported a second after the first drop');
  assert.equal(b.report(), null, 'reported once');
  clock.advance(60_000);
  assert.equal(takes(b, 50), 10, 'idling does not save up more than a second\'s worth');
  assert.equal(b.report(true), droppedLines(40), 'at the end, the count is owed at once');
  assert.equal(b.report(true), null);
});

test('a clock that does not move, or moves back, refills nothing', () => {
  const { b, clock } = bounds(2);
  assert.equal(takes(b, 3), 2);
  clock.advance(-5000);
  assert.equal(b.take(), false);
  assert.equal(b.dropped, 2);
});

test('no bound when the rate is Infinity', () => {
  const { b } = bounds(Infinity);
  assert.equal(takes(b, 100_000), 100_000);
  assert.equal(b.report(), null);
});

test('a line over the limit is cut there and says how many characters were dropped', () => {
  assert.equal(cutLine({ text: 'short', total: 5, exact: true }, 10), 'short');
  assert.equal(cutLine({ text: 'x'.repeat(10), total: 16 * 1024 * 1024, exact: true }, 10), `${'x'.repeat(10)} [console: ${16 * 1024 * 1024 - 10} characters dropped]`);
  assert.equal(cutLine({ text: 'x'.repeat(10), total: 11, exact: true }, 10), `${'x'.repeat(10)} [console: 1 character dropped]`);
  assert.equal(cutLine({ text: 'y'.repeat(10), total: 10, exact: false }, 10), `${'y'.repeat(10)} [console: at least 1 character dropped]`, 'a walk that stopped at the cut says so');
});
