// Hostile programs (source text; the test kit compiles each with contracts.ts and probe.ts
// beside it, and programs-pass-the-verifier.test.ts asks the verifier about every one).
/** After `dive` returns (or is caught), the program registers a mark and round-trips with the
 * calculator for ever: if either happens after its death, its dead code ran. */
const AFTER = `
    mark('after');
    const first = await calc.expect('Ready');
    let ep = first.ep;
    for (;;) {
      const m = await ep.send('Add', { a: 1, b: 2 }).receive();
      if (m.tag !== 'Sum') return 1;
      mark('trip');
      ep = m.ep;
    }`;

const HEADER = `
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';
import { Echo } from './contracts.ts';
import { marker } from './probe.ts';
`;

export const PROGRAMS = {
  // Catches the stack overflow in every frame and carries on.
  deepcatch: `${HEADER}
export default defineProgram({
  name: 'deepcatch',
  imports: { calc: Calculator.imp('/service/calc') },
  exports: { own: Echo.exp('/hostile/deepcatch') },
  resources: { exchangeHeap: '4KiB' },
  async main({ calc, abi }) {
    const mark = marker(abi);
    const held = abi.alloc(100);
    function dive(n: number): number {
      try { return dive(n + 1) + 1; } catch { return n; }
    }
    mark('diving');
    await abi.sleep(20);
    dive(0);
    held.free();${AFTER}
  },
});
`,
  // Catches every overflow in a finally-and-catch maze.
  finallymaze: `${HEADER}
export default defineProgram({
  name: 'finallymaze',
  imports: { calc: Calculator.imp('/service/calc') },
  exports: { own: Echo.exp('/hostile/finallymaze') },
  async main({ calc, abi }) {
    const mark = marker(abi);
    function dive(n: number): number {
      try { return dive(n + 1); } catch (e) { try { return dive(n + 2); } catch { return n; } } finally { mark('finally'); }
    }
    dive(0);${AFTER}
  },
});
`,
  // A Proxy payload whose trap overflows (and catches the overflow) in the middle of a send.
  proxysend: `${HEADER}
function dive(n: number): number {
  try { return dive(n + 1) + 1; } catch { return 7; }
}
export default defineProgram({
  name: 'proxysend',
  imports: { calc: Calculator.imp('/service/calc') },
  exports: { own: Echo.exp('/hostile/proxysend') },
  async main({ calc, abi }) {
    const mark = marker(abi);
    const first = await calc.expect('Ready');
    const payload = new Proxy({ a: 1, b: 2 }, { get(t, k) { return k === 'a' ? dive(0) : 2; } });
    let ep = first.ep.send('Add', payload);
    mark('after');
    for (;;) {
      const m = await ep.receive();
      if (m.tag !== 'Sum') return 1;
      mark('trip');
      ep = m.ep.send('Add', { a: 1, b: 2 });
    }
  },
});
`,
  // Spawns children that keep working, then dies by overflow: the children must end too.
  brood: `${HEADER}
export default defineProgram({
  name: 'brood',
  imports: { calc: Calculator.imp('/service/calc') },
  exports: { own: Echo.exp('/hostile/brood') },
  async main({ calc, abi }) {
    const mark = marker(abi);
    for (let i = 0; i < 3; i++) abi.start(abi.create('spinner'));
    await abi.sleep(5);
    function dive(n: number): number {
      try { return dive(n + 1) + 1; } catch { return n; }
    }
    dive(0);${AFTER}
  },
});
`,
  spinner: `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: 'spinner',
  async main({ abi }) {
    for (;;) await abi.sleep(1);
  },
});
`,
};
