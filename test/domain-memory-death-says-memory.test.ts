// A domain that runs out of memory says so, naming its cap (issue #11, point 7): a process domain
// with `memoryMb: 1` used to end "killed (SIGTRAP)", because V8 aborts with a trap and says "OOM"
// rather than "out of memory" on its stderr. Worker and process domains alike, placed by the
// system manifest and run with `sing run` (runInstalled). (A program that exhausts its domain's
// memory after it started: src/domains/domain-host.test.ts.)
// Rules: each test has its own world (store-kit.ts); nothing asserts durations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DomainKind } from '../src/domains/domain-host.ts';
import { runInstalled } from '../src/install/runner.ts';
import { SingError } from '../src/lib/error.ts';
import { within } from './kit.ts';
import { hello, world } from './store-kit.ts';

const KINDS: readonly DomainKind[] = ['process', 'worker'];

for (const kind of KINDS) {
  test(`a ${kind} domain with memoryMb: 1 fails the run saying it ran out of memory, with its cap`, async () => {
    const w = world();
    await w.installer.install(w.program('hello', hello('hello', 'never printed')));
    w.store.writeSystem({ ...w.store.readSystem(), domains: { tiny: { kind, programs: ['hello'], memoryMb: 1 } } });
    const lines: string[] = [];
    let said: string;
    try {
      const st = await within(runInstalled(w.store, 'hello', { console: ({ text }) => { lines.push(text); } }), 'run hello', 60_000);
      assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', 'killed', 'E_DOMAIN']);
      said = st.error?.message ?? '';
    } catch (e) {
      assert.ok(e instanceof SingError && e.code === 'E_DOMAIN', String(e));
      said = e.message;
    }
    assert.match(said, /ran out of memory \(its cap is memoryMb 1 MiB\)/);
    assert.doesNotMatch(said, /SIG[A-Z]+/);
    assert.deepEqual(lines, []);
  });
}
