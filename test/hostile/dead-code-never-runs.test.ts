// Issue #11, point 1: no code of a dead process runs again, whatever state the stack or the
// program is in when it dies; ending always completes (names, endpoints, blocks, children
// released, join resolved), and stop() always ends a process.
// Each hostile program runs beside the neighbours (test/hostile/neighbours.ts) and keeps trying
// to talk to the calculator after its death; a mark registered through the ABI (probe.ts) would
// show any code of it that ran afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { marks, until, within } from '../kit.ts';
import { namesOf, neighbours } from './neighbours.ts';
import { PROGRAMS } from './programs/dead-code.ts';

for (const name of ['deepcatch', 'finallymaze', 'proxysend', 'brood'] as const) {
  test(`${name}: a process that dies of a stack overflow it catches in every frame never runs again; its end completes`, async () => {
    const n = await neighbours(PROGRAMS);
    const s = n.k.spawn(name);
    const st = await within(s.join(), `${name} to end`);
    assert.equal(st.state, 'failed');
    assert.equal(st.reason, 'stack-overflow');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(marks(n.k, s.pid), [], 'no code of the dead process ran: it registered no mark (and its marks from before went with it)');
    assert.deepEqual(namesOf(n.k, s.pid), [], 'its exported name is released');
    assert.ok(!n.k.ps().some((p) => p.pid === s.pid), 'the process table forgets it');
    assert.equal(n.k.ps().filter((p) => p.program === 'spinner').length, 0, 'its children ended with it');
    // The name it exported can be taken by the next exporter.
    const again = n.k.spawn(name);
    await within(again.join(), `a second ${name} to end`);
    await n.finish();
  });
}

test('stop() always ends a process, and join() resolves, even after it caught a stack overflow in every frame', async () => {
  const n = await neighbours(PROGRAMS);
  const s = n.k.spawn('deepcatch');
  await until(() => marks(n.k, s.pid).some((m) => m.includes('/diving-')), 'deepcatch to start diving');
  await new Promise((r) => setTimeout(r, 40));
  s.stop();
  const st = await within(s.join(), 'the stopped deepcatch to end');
  assert.equal(st.state, 'failed');
  assert.ok(st.reason === 'stack-overflow' || st.reason === 'killed', st.reason);
  assert.ok(!n.k.ps().some((p) => p.pid === s.pid), 'the process table forgets it');
  const seen = marks(n.k, s.pid).length;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(marks(n.k, s.pid).length, seen, 'nothing ran after the stop');
  await n.finish();
});
