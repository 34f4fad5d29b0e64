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

const PROGRAMS = {
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
    abi.register('/hostile/deepcatch-diving', Echo);
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
export default defineProgram({
  name: 'proxysend',
  imports: { calc: Calculator.imp('/service/calc') },
  exports: { own: Echo.exp('/hostile/proxysend') },
  async main({ calc, abi }) {
    const mark = marker(abi);
    const ready = await calc.expect('Ready');
    function dive(n: number): number {
      try { return dive(n + 1) + 1; } catch { return 7; }
    }
    const payload = new Proxy({ a: 1, b: 2 }, { get(t, k) { return k === 'a' ? dive(0) : 2; } });
    try { ready.ep.send('Add', payload); } catch { mark('caught'); }${AFTER}
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

for (const name of ['deepcatch', 'finallymaze', 'proxysend', 'brood'] as const) {
  test(`${name}: a process that dies of a stack overflow it catches in every frame never runs again; its end completes`, async () => {
    const n = await neighbours(PROGRAMS);
    const s = n.k.spawn(name);
    const st = await within(s.join(), `${name} to end`);
    assert.equal(st.state, 'failed');
    assert.equal(st.reason, 'stack-overflow');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(marks(n.k, s.pid), [], 'no code of the dead process ran: it registered no mark');
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
  await until(() => n.k.names.list().some((e) => e.path === '/hostile/deepcatch-diving'), 'deepcatch to start diving');
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
