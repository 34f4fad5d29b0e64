// Issue #11, point 1, continued: a program can call into the kernel at every depth near the end
// of the stack. A recursion with a `finally` in every frame (and no catch) lets a stack overflow
// climb the frames one by one, and each frame's finally block calls the kernel again with one
// frame more of room than the last: so every point of the kernel's call tree where a call can
// overflow gets hit once. Whatever the kernel was doing when that happened, the peer must end up
// either served or told `$closed`, never waiting for ever, and nothing may leak.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { until, within } from '../kit.ts';
import { neighbours } from './neighbours.ts';
import { ACTION, EDGE, TUNED } from './programs/stack-edge.ts';

for (const what of Object.keys(ACTION)) {
  test(`kernel calls (${what}) made at every depth near the stack's end leave no peer waiting for ever and nothing leaked`, async () => {
    const n = await neighbours({ [`edge${what}`]: EDGE(what) });
    const services = (): { calc: number; exchange: number } => {
      const ps = n.k.ps();
      return { calc: ps.find((p) => p.program === 'calc')?.endpoints ?? -1, exchange: ps.find((p) => p.program === 'exchange')?.endpoints ?? -1 };
    };
    const base = services();
    for (let i = 0; i < 5; i++) {
      const s = n.k.spawn(`edge${what}`);
      const st = await within(s.join(), `edge${what} to end`);
      assert.equal(st.state, 'failed', JSON.stringify(st));
    }
    // Every conversation the hostile processes opened must be over on the services' side too: a
    // service thread left waiting on a lost wake-up would keep its endpoint for ever.
    await until(() => services().calc <= base.calc && services().exchange <= base.exchange, `the services to hold only their own endpoints again (now ${JSON.stringify(services())}, before ${JSON.stringify(base)})`);
    await n.finish();
  });
}

test('the same calls from a program the verifier accepts, at every depth around the most the stack allows, leave nothing waiting and nothing leaked', async () => {
  const n = await neighbours({ edgetuned: TUNED });
  const calcEndpoints = (): number => n.k.ps().find((p) => p.program === 'calc')?.endpoints ?? -1;
  const base = calcEndpoints();
  const outcome = async (depth: number): Promise<string> => {
    const st = await within(n.k.spawn('edgetuned', { params: { depth } }).join(), `edgetuned at depth ${depth}`);
    return st.state === 'exited' ? 'ok' : st.reason;
  };
  // The deepest recursion that still gets its calls through. Frames shrink as the code warms up,
  // so it is found again until it holds still, and the scan below goes on until the stack has
  // run out ten times running.
  const deepest = async (): Promise<number> => {
    let lo = 0;
    let hi = 1 << 24;
    assert.equal(await outcome(lo), 'ok');
    assert.equal(await outcome(hi), 'stack-overflow');
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (await outcome(mid) === 'ok') lo = mid;
      else hi = mid;
    }
    return lo;
  };
  let lo = await deepest();
  for (let round = 0; round < 8; round++) {
    for (let i = 0; i < 30; i++) await outcome(Math.max(0, lo - i));
    const again = await deepest();
    const settled = Math.abs(again - lo) <= lo / 100;
    lo = again;
    if (settled) break;
  }
  // Then depth by depth from a little below it until the stack has run out ten times running.
  const seen = new Set<string>();
  let over = 0;
  for (let d = Math.max(0, lo - 200), i = 0; over < 10 && i < 5000; d++, i++) {
    const o = await outcome(d);
    seen.add(o);
    over = o === 'ok' ? 0 : over + 1;
  }
  assert.ok(seen.has('ok') && seen.has('stack-overflow'), `the scan crossed the edge: ${[...seen].join(', ')}`);
  await until(() => calcEndpoints() <= base, `the calculator to hold only its own endpoints again (now ${calcEndpoints()}, before ${base})`);
  await n.finish();
});
