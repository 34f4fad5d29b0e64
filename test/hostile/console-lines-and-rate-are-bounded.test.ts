// Issue #11, point 6: console lines and the console's rate are bounded. A line longer than
// limits.consoleLineChars is cut there and says how many characters were dropped (a 16 MiB line
// never passes whole); a process writing faster than limits.consoleLinesPerSecond has the excess
// dropped and counted, and the count is reported in one line when it can write again (or when it
// ends). Being over a bound never throws into the program: each program here returns 0.
// The first two tests run beside the neighbours (test/hostile/neighbours.ts) on the real clock;
// the exact rate is checked on a ManualClock, which the neighbours harness does not take.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LIMITS } from '../../src/kernel/limits.ts';
import { ManualClock } from '../../src/kernel/clock.ts';
import { boot, said, until, within } from '../kit.ts';
import { neighbours } from './neighbours.ts';
import { PROGRAMS } from './programs/console.ts';

const LIMIT = DEFAULT_LIMITS.consoleLineChars;
const MIB16 = 16 * 1024 * 1024;
/** Room for the marker after a cut line. */
const MARKER = 64;

test('longline: a 16 MiB line is cut at consoleLineChars and says exactly how much was dropped', async () => {
  const n = await neighbours(PROGRAMS);
  const s = n.k.spawn('longline');
  const st = await within(s.join(), 'longline to end');
  assert.equal(st.state, 'exited', `it ended ${st.reason}`);
  const out = said(n, s.pid);
  assert.equal(out.length, 4);
  for (const line of out) assert.ok(line.length <= LIMIT + MARKER, `a line of ${line.length} characters passed`);
  const [whole, between, structure, short] = out as [string, string, string, string];
  assert.equal(whole, `${'x'.repeat(LIMIT)} [console: ${MIB16 - LIMIT} characters dropped]`);
  assert.equal(between, `head ${'x'.repeat(LIMIT - 5)} [console: ${5 + MIB16 + 5 - LIMIT} characters dropped]`);
  assert.ok(structure.startsWith("{ list: [ 'item 0 yyy"), structure.slice(0, 100));
  assert.match(structure.slice(LIMIT), /^ \[console: at least \d+ characters? dropped\]$/, 'a structure is walked only until the line is full');
  assert.equal(short, 'short');
  await n.finish();
});

test('flood: lines over the rate are dropped, counted, and the count reported when the process can write again', async () => {
  const n = await neighbours(PROGRAMS);
  const total = 100_000;
  const s = n.k.spawn('flood', { params: { n: total, pause: 1100, then: 0 } });
  const st = await within(s.join(), 'flood to end');
  assert.equal(st.state, 'exited', `it ended ${st.reason}`);
  const lines = n.lines.filter((l) => l.pid === s.pid);
  const written = lines.filter((l) => l.text.startsWith('line ')).length;
  const reports = lines.filter((l) => l.text.startsWith('[console: '));
  assert.ok(reports.length > 0, 'the drops are reported');
  let dropped = 0;
  for (const r of reports) {
    assert.equal(r.stream, 'err');
    const m = /^\[console: (\d+) lines? dropped\]$/.exec(r.text);
    assert.ok(m !== null, r.text);
    dropped += Number(m[1]);
  }
  assert.ok(written >= DEFAULT_LIMITS.consoleLinesPerSecond, `a whole burst passes (${written})`);
  assert.ok(dropped > 0 && written + dropped === total, `every line is written or counted: ${written} + ${dropped}`);
  assert.deepEqual(lines.slice(-2).map((l) => l.text), [reports.at(-1)?.text, 'after'], 'the count comes in one line, just before the next line that passes');
  await n.finish();
});

test('on a manual clock: a burst of the rate passes, then the rate; the count comes before the next line, and at the end', async () => {
  const clock = new ManualClock();
  const b = await boot(PROGRAMS, { clock });
  const rate = DEFAULT_LIMITS.consoleLinesPerSecond;
  const s = b.k.spawn('flood', { params: { n: 5 * rate, pause: 1000, then: 1500 } });
  await until(() => clock.pending > 0, 'flood to sleep after its burst');
  assert.equal(said(b, s.pid).length, rate, 'the clock has not moved: exactly a burst of the rate passed');
  clock.advance(999);
  assert.equal(s.state, 'running');
  clock.advance(1);
  const st = await within(s.join(), 'flood to end');
  assert.equal(st.state, 'exited', `it ended ${st.reason}`);
  const lines = b.lines.filter((l) => l.pid === s.pid);
  const want = [
    ...Array.from({ length: rate }, (_, i) => `out line ${i}`),
    `err [console: ${4 * rate} lines dropped]`,
    'out after',
    ...Array.from({ length: rate - 1 }, (_, i) => `out more ${i}`), // a second refilled the bucket; 'after' took one
    `err [console: ${1500 - (rate - 1)} lines dropped]`, // reported when the process ended
  ];
  assert.deepEqual(lines.map((l) => `${l.stream} ${l.text}`), want);
  b.k.shutdown();
});
