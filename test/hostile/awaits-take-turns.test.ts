// Issue #11, point 2: every await, native or not, takes a turn from the scheduler, so no program
// holds the kernel by awaiting. Each program below awaits for ever in a shape the image compiler
// cannot turn into a coroutine (a `for await` in the function, `super`, an async generator, a
// `for await` over an endless iterable); each must keep running (awaiting is not a runaway: it
// is not killed for fuel) while the neighbours' heartbeat keeps beating.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { marks, until, within } from '../kit.ts';
import { neighbours } from './neighbours.ts';
import { PROGRAMS } from './programs/awaits.ts';

for (const name of Object.keys(PROGRAMS)) {
  test(`${name}: awaiting for ever takes turns and never holds the kernel`, async () => {
    const n = await neighbours(PROGRAMS);
    const s = n.k.spawn(name);
    await until(() => marks(n.k, s.pid).length >= 3, `${name} to make progress`, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(s.state, 'running', 'awaiting is not a runaway: the process is not ended for fuel');
    s.stop();
    const st = await within(s.join());
    assert.equal(st.reason, 'killed');
    await n.finish();
  });
}
