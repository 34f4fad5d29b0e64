// Issue #12: budgets for memory and time in the kernel domain. Each hostile program runs beside
// the neighbours (two services and a heartbeat, see neighbours.ts) and must end with the reason
// its entry in EXPECTED gives (memory: E_MEMORY; a turn held too long: E_FUEL), while every beat
// succeeds, the longest gap stays under the limit and the exchange heap returns to its level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExitStatus } from '../../src/runtime/index.ts';
import { said, within } from '../kit.ts';
import { neighbours } from './neighbours.ts';
import { EXPECTED, PROGRAMS } from './programs/budgets.ts';

for (const [name, [reason, code]] of Object.entries(EXPECTED)) {
  test(`${name}: ends with reason ${reason} (${code}); the neighbours carry on`, async () => {
    const n = await neighbours(PROGRAMS);
    const s = n.k.spawn(name);
    const st: ExitStatus = await within(s.join(), `${name} to end`, 60_000);
    assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', reason, code], st.error?.message);
    assert.ok((st.error?.message ?? '').includes(`${name}[${s.pid}]`), `the message names the process: ${st.error?.message ?? ''}`);
    await n.finish();
  });
}

test('a trusted program given a larger budget holds more than the default and exits cleanly', async () => {
  const n = await neighbours(PROGRAMS);
  const s = n.k.spawn('bigbudget');
  const st = await within(s.join(), 'bigbudget to end', 60_000);
  assert.deepEqual([st.state, st.reason], ['exited', 'returned'], st.error?.message);
  assert.deepEqual(said(n, s.pid), ['held 40']);
  await n.finish();
});

test('an untrusted program asking for more memory than the system grants is refused at create', async () => {
  const n = await neighbours(PROGRAMS);
  assert.throws(() => n.k.spawn('greedy'), (e: Error & { code?: string }) => e.code === 'E_LIMIT' && /limits\.memoryBudget/.test(e.message));
  await n.finish();
});
