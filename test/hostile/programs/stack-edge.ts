// Hostile programs (source text; the test kit compiles each with contracts.ts and probe.ts
// beside it, and programs-pass-the-verifier.test.ts asks the verifier about every one).
/** What each frame's finally block does, one frame of stack more than the one below it. */
export const ACTION: Readonly<Record<string, string>> = {
  send: "ep.send('Add', { a: n, b: 1 });",
  close: 'ep.close();',
  blocks: "ex.send('Swap', { b, s: 'x', r, item: { n, label: 'y', inner: { k: 1, flag: true } } });",
  alloc: 'abi.alloc(16 + (n % 5000)).free(); abi.alloc(64).split(7)[1].free();',
  receive: 'void ep.receive();',
  channel: 'abi.channel(Calculator).imp.close();',
};

export const EDGE = (what: string): string => `
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


/** The same attack in a form the verifier accepts: the endpoint is passed down a recursion of a
 * chosen depth and used at the bottom, so a scan of depths around the most the stack allows
 * lands the kernel calls at every point of the stack's edge. */
export const TUNED = `
import { defineProgram, i32, type Abi, type Imp } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';
function dive(abi: Abi, n: number, ep: Imp<typeof Calculator, 'Idle'>): Imp<typeof Calculator, 'Busy'> {
  if (n > 0) return dive(abi, n - 1, ep);
  abi.alloc(48).free();
  const { imp, exp } = abi.channel(Calculator);
  imp.close();
  exp.close();
  return ep.send('Add', { a: n, b: 1 });
}
export default defineProgram({
  name: 'edgetuned',
  parameters: { depth: i32 },
  imports: { calc: Calculator.imp('/service/calc') },
  resources: { exchangeHeap: '4KiB' },
  async main({ abi, calc, params }) {
    const ready = await calc.expect('Ready');
    const m = await dive(abi, params.depth, ready.ep).receive();
    if (m.tag !== 'Sum') return 1;
    m.ep.send('Bye');
    return 0;
  },
});
`;

export const PROGRAMS: Readonly<Record<string, string>> = { ...Object.fromEntries(Object.keys(ACTION).map((w) => [`edge${w}`, EDGE(w)])), edgetuned: TUNED };
