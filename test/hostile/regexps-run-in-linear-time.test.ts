// Issue #12, regular expressions in linear time: no pattern a program writes or builds holds the
// kernel. Each program of programs/regexps.ts runs a catastrophically backtracking pattern (a
// literal, or one built from strings and run by match, replace, split or matchAll) beside the
// neighbours (two services and a heartbeat, see neighbours.ts). Those V8's linear-time engine can
// run must finish and print what they found; those it cannot (a backreference or lookaround built
// at run time, flags changed under a regular expression) must fail with E_REGEXP. Either way every
// beat succeeds, the longest gap stays under the limit and the exchange heap returns to its level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExitStatus } from '../../src/runtime/index.ts';
import { said, within } from '../kit.ts';
import { neighbours } from './neighbours.ts';
import { EXPECTED, PROGRAMS } from './programs/regexps.ts';

for (const [name, want] of Object.entries(EXPECTED)) {
  const what = 'code' in want ? `is refused (${want.code})` : 'finishes';
  test(`${name}: ${what}; the neighbours carry on`, async () => {
    const n = await neighbours(PROGRAMS);
    const s = n.k.spawn(name);
    // Minutes without the fallback; the bound here only keeps a broken build from hanging the run.
    const st: ExitStatus = await within(s.join(), `${name} to end`, 30_000);
    if ('code' in want) {
      assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', 'error', want.code], st.error?.message);
      assert.match(st.error?.message ?? '', /cannot run in linear time in Sing/);
      assert.deepEqual(said(n, s.pid), [], 'nothing ran past the refusal');
    } else {
      assert.deepEqual([st.state, st.reason, st.code], ['exited', 'returned', 0], st.error?.message);
      assert.deepEqual(said(n, s.pid), want.said);
    }
    await n.finish();
  });
}
