// CPU fuel: a process that runs a whole turn without yielding is ended (reason `fuel`), and
// nothing it does can stop that; a process that yields in time is never charged across turns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { said, sharedBoot, within } from './kit.ts';

const PROGRAMS = {
  spinner: `
import { defineProgram, bool } from 'sing/runtime';
export default defineProgram({
  name: 'spinner',
  parameters: { swallow: bool },
  resources: { cpuFuel: 100000 },
  console: true,
  main({ params, console }) {
    console.log('spinning');
    if (params.swallow) {
      for (;;) {
        try { while (true) { /* runaway */ } } catch { console.log('caught the kill'); } finally { console.log('finally ran'); }
      }
    }
    let x = 0;
    while (true) x++;
  },
});`,
  recurser: `
import { defineProgram } from 'sing/runtime';
function f(n: number): number { return n <= 0 ? 0 : 1 + f(n - 1) - f(n - 1) + f(0); }
export default defineProgram({
  name: 'recurser',
  resources: { cpuFuel: 5000 },
  main() { for (let i = 0; i < 100000; i++) f(3); return 0; },
});`,
  patient: `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: 'patient',
  resources: { cpuFuel: 10000 },
  console: true,
  async main({ abi, console }) {
    let total = 0;
    for (let turn = 0; turn < 50; turn++) {
      for (let i = 0; i < 5000; i++) total++;
      await abi.yield();
    }
    console.log('done ' + total);
    return 0;
  },
});`,
  badfuel: `
import { defineProgram } from 'sing/runtime';
export default defineProgram({ name: 'badfuel', resources: { cpuFuel: -1 }, main() { return 0; } });`,
};

const sys = sharedBoot(PROGRAMS);

test('a runaway loop ends its own process with reason fuel, and the kernel goes on', async () => {
  const b = await sys();
  const s = b.k.spawn('spinner', { params: { swallow: false } });
  const st = await within(s.join());
  assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', 'fuel', 'E_FUEL']);
  const again = b.k.spawn('patient');
  assert.equal((await within(again.join())).code, 0);
});

test('the fuel kill passes through the program\'s catch and skips its finally', async () => {
  const b = await sys();
  const s = b.k.spawn('spinner', { params: { swallow: true } });
  const st = await within(s.join());
  assert.equal(st.reason, 'fuel');
  assert.deepEqual(said(b, s.pid), ['spinning']);
});

test('calls spend fuel too: deep call trees without yielding are ended', async () => {
  const b = await sys();
  const st = await within(b.k.spawn('recurser').join());
  assert.equal(st.reason, 'fuel');
});

test('fuel is per turn: a process that yields in time runs far more than one turn\'s fuel', async () => {
  const b = await sys();
  const s = b.k.spawn('patient');
  const st = await within(s.join());
  assert.deepEqual([st.state, st.code], ['exited', 0]);
  assert.deepEqual(said(b, s.pid), ['done 250000']);
});

test('a manifest with a bad cpuFuel is refused at create', async () => {
  const b = await sys();
  assert.throws(() => b.k.spawn('badfuel'), { code: 'E_MANIFEST' });
});
