// Issue #12, "A watchdog": a program that holds the kernel's thread inside one builtin call, where
// no check reaches, is cut off once a drain has held the thread past the watchdog's limit; it
// ends with reason watchdog (E_WATCHDOG) and the neighbours carry on. The process's watchdog is
// opened by its first kernel, here with a 500 ms limit, so the heartbeat's gap stays under the
// harness's limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel } from '../../src/index.ts';
import { kernelWatchdog } from '../../src/kernel/kernel-watchdog.ts';
import { within } from '../kit.ts';
import { neighbours } from './neighbours.ts';
import { PROGRAMS } from './programs/held.ts';

const first = new Kernel({ limits: { watchdogMs: 500 } });
first.shutdown();

for (const name of Object.keys(PROGRAMS)) {
  test(`${name}: held the thread in one builtin call; the watchdog ends it (E_WATCHDOG) and the neighbours carry on`, { skip: kernelWatchdog() === null ? 'no watchdog on this host' : false }, async () => {
    const n = await neighbours(PROGRAMS);
    const s = n.k.spawn(name);
    const st = await within(s.join(), `${name} to end`, 60_000);
    assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', 'watchdog', 'E_WATCHDOG'], st.error?.message);
    assert.match(st.error?.message ?? '', new RegExp(`${name}\\[${s.pid}\\].*more than 500 ms`));
    await n.finish();
  });
}
