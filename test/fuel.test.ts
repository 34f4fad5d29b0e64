// CPU fuel: a process that runs a whole turn without yielding is ended (reason `fuel`), and
// nothing it does can stop that; a process that yields in time is never charged across turns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { marks, said, sharedBoot, turns, until, within } from './kit.ts';

const PROGRAMS = {
  // A counted loop whose body is a bare if: the sealed loop must count 5 evens, not run the slow
  // copy of the loop once per odd number (the else of the rewrite binding to the body's if).
  evens: `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: 'evens',
  console: true,
  main({ console }) {
    let n = 0;
    for (let i = 0; i < 10; i++) if (i % 2 === 0) n++;
    let m = 0;
    for (let i = 0; i < 5000; i++) if (i % 2 === 0) m++; else m += 0;
    console.log('evens ' + String(n) + ' ' + String(m));
    return 0;
  },
});`,
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
  // Counted loops are charged their trip count up front when it is known and affordable; every
  // other shape must still be charged per iteration.
  looper: `
import { defineProgram, enumOf } from 'sing/runtime';
export default defineProgram({
  name: 'looper',
  parameters: { kind: enumOf('huge', 'huge-down', 'index', 'index-down', 'bound', 'step', 'closure', 'inexact', 'nested', 'tiny-step', 'zero-step') },
  resources: { cpuFuel: 100000 },
  console: true,
  main({ params, console }) {
    console.log('looping');
    let x = 0;
    let n = 10;
    let s = 1;
    const grow = (): void => { n++; };
    switch (params.kind) {
      case 'huge': for (let i = 0; i < 1e15; i++) x++; break;
      case 'huge-down': for (let i = 0; i > -1e15; i -= 1) x++; break;
      case 'index': for (let i = 0; i < 10; i++) { i = 0; } break;
      case 'index-down': for (let i = 10; i > 0; i--) { i += 1; } break;
      case 'bound': for (let i = 0; i < n; i++) { n++; } break;
      case 'step': for (let i = 0; i < 10; i += s) { s = 0; } break;
      case 'closure': for (let i = 0; i < n; i++) grow(); break;
      // i++ is stuck at 2^53, so this never ends: not an int32 start, so not counted
      case 'inexact': for (let i = 9007199254740992; i < 9007199254740994; i++) x++; break;
      // a short span, but the step is lost to rounding (5 + 1e-300 is 5), or nothing at all
      case 'tiny-step': { const t = 1e-300; for (let i = 5; i <= 5; i += t) x++; break; }
      case 'zero-step': { const z = 0; for (let i = 5; i <= 6; i += z) x++; break; }
      // each inner loop is affordable on its own; the outer one never ends
      case 'nested': for (let i = 0; i < 10; i++) { for (let j = 0; j < 1000; j++) x++; i = 0; } break;
    }
    console.log('done ' + x);
    return 0;
  },
});`,
  // Recursion checked at least every few levels, however it recurses.
  recursion: `
import { defineProgram, enumOf } from 'sing/runtime';
const table = { f: (n: number): number => n };
table.f = (n: number): number => (n <= 0 ? 0 : table.f(n - 1) + table.f(n - 1));
function even(n: number): number { return n <= 0 ? 0 : odd(n - 1) + odd(n - 1); }
function odd(n: number): number { return n <= 0 ? 0 : even(n - 1) + even(n - 1); }
function self(n: number): number { return n <= 0 ? 0 : self(n - 1) + self(n - 1); }
function deep(n: number): number { return deep(n + 1) + 1; }
export default defineProgram({
  name: 'recursion',
  parameters: { kind: enumOf('value', 'mutual', 'self', 'deep') },
  resources: { cpuFuel: 2000 },
  main({ params }) {
    const r = params.kind === 'value' ? table.f(40) : params.kind === 'mutual' ? even(40) : params.kind === 'self' ? self(40) : deep(0);
    return r;
  },
});`,
  // Queues continuations into a self-recursive function (whose clones skip the entry check) and
  // a function with a counted loop, then exits (or, as a control, yields so they run).
  afterlife: `
import { defineProgram, bool, type Abi } from 'sing/runtime';
import { Echo } from './contracts.ts';
let api: Abi | undefined;
function rec(n: number): number {
  if (n <= 0) { if (api !== undefined) api.register('/mark/' + api.pid() + '/rec-1', Echo); return 0; }
  return rec(n - 1) + 1;
}
function counted(n: number): number {
  let t = 0;
  for (let i = 0; i < n; i++) t += i;
  if (api !== undefined) api.register('/mark/' + api.pid() + '/counted-1', Echo);
  return t;
}
export default defineProgram({
  name: 'afterlife',
  parameters: { exit: bool },
  async main({ abi, params }) {
    api = abi;
    // (Boolean, a host function, swallows the kill the dead process's continuations reject with)
    void Promise.resolve(6).then(rec).catch(Boolean);
    void Promise.resolve(6).then(counted).catch(Boolean);
    if (params.exit) abi.exit(0);
    await abi.sleep(60000);
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

test('a counted loop whose trip count is beyond the turn\'s fuel is still ended with reason fuel', async () => {
  const b = await sys();
  for (const kind of ['huge', 'huge-down', 'inexact', 'tiny-step', 'zero-step'] as const) {
    const s = b.k.spawn('looper', { params: { kind } });
    const st = await within(s.join());
    assert.deepEqual([kind, st.reason], [kind, 'fuel']);
    assert.deepEqual(said(b, s.pid), ['looping']);
  }
});

test('a loop that changes its own index, bound or step is charged per iteration: runaway, it is ended', async () => {
  const b = await sys();
  for (const kind of ['index', 'index-down', 'bound', 'step', 'closure', 'nested'] as const) {
    const s = b.k.spawn('looper', { params: { kind } });
    const st = await within(s.join());
    assert.deepEqual([kind, st.reason], [kind, 'fuel']);
    assert.deepEqual(said(b, s.pid), ['looping']);
  }
});

test('recursion through a function value, mutual recursion and self-recursion are all ended', async () => {
  const b = await sys();
  for (const kind of ['value', 'mutual', 'self', 'deep'] as const) {
    const st = await within(b.k.spawn('recursion', { params: { kind } }).join());
    // Unbounded recursion runs out of stack or of fuel, whichever comes first (a clone ring checks
    // once per eight levels); either way only this process ends.
    if (kind === 'deep') assert.ok(st.reason === 'fuel' || st.reason === 'stack-overflow', `${kind}: ${st.reason}`);
    else assert.deepEqual([kind, st.reason], [kind, 'fuel']);
  }
});

test('no code of a dead process runs: not a self-recursive function, not a counted loop', async () => {
  const b = await sys();
  const alive = b.k.spawn('afterlife', { params: { exit: false } });
  await until(() => marks(b.k, alive.pid).length === 2, 'control: the continuations mark while the process lives');
  alive.stop();
  await within(alive.join());
  const dead = b.k.spawn('afterlife', { params: { exit: true } });
  assert.equal((await within(dead.join())).reason, 'exit');
  await turns();
  assert.deepEqual(marks(b.k, dead.pid), []);
});

test('the fuel checks are deterministic: sealing the same source twice gives the same image', async () => {
  const { compileImage } = await import('../src/index.ts');
  const files = { 'main.ts': PROGRAMS.looper };
  const one = await compileImage('looper', { root: '/virtual/looper-a', entry: 'main.ts', files });
  const two = await compileImage('looper', { root: '/virtual/looper-a', entry: 'main.ts', files });
  assert.equal(one.hash, two.hash);
  assert.match(one.code, /__sing\$n\(__sing\$g, /, 'the counted loops are charged up front');
});

test('a counted loop whose body is a bare if runs as written once sealed', async () => {
  const b = await sys();
  const p = b.k.spawn('evens');
  await within(p.join(), 'evens to end');
  assert.deepEqual(said(b, p.pid), ['evens 5 2500']);
});
