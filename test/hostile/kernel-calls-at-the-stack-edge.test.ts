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

/** What each frame's finally block does, one frame of stack more than the one below it. */
const ACTION: Readonly<Record<string, string>> = {
  send: "ep.send('Add', { a: n, b: 1 });",
  close: 'ep.close();',
  blocks: "ex.send('Swap', { b, s: 'x', r, item: { n, label: 'y', inner: { k: 1, flag: true } } });",
  alloc: 'abi.alloc(16 + (n % 5000)).free(); abi.alloc(64).split(7)[1].free();',
  receive: 'void ep.receive();',
  channel: 'abi.channel(Calculator).imp.close();',
};

const EDGE = (what: string): string => `
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';
import { Exchange } from './contracts.ts';
export default defineProgram({
  name: 'edge${what}',
  imports: { calc: Calculator.imp('/service/calc'), ex: Exchange.imp('/service/exchange') },
  resources: { exchangeHeap: '64KiB' },
  async main({ calc, ex, abi }) {
    const ready = await calc.expect('Ready');
    const ep = ready.ep;
    const b = abi.alloc(1000);
    const r = abi.allocRecord(CELL);
    function dive(n: number): number {
      try { return dive(n + 1) + 1; } finally { ${ACTION[what]} }
    }
    dive(0);
    return 0;
  },
});
import { Cell as CELL } from './contracts.ts';
`;

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
