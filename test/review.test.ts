// Review findings: races and leaks a review found (each test asserts the behaviour the fix
// restored), and behaviour the review checked and found right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { boot, report, until, within } from './kit.ts';
import { contract, inn, out, END, type ExitStatus } from '../src/runtime/index.ts';

const EXC = readFileSync(new URL('./fixtures/exheap-contracts.ts', import.meta.url), 'utf8');

// ---------------------------------------------------------------------------------------------
// select: program code (the `timeoutMs` getter) runs after the endpoints are checked and before
// the waiters are installed.

const SELECT_MOVER = `
import { defineProgram, select } from 'sing/runtime';
import { Echo, Carrier } from './contracts.ts';
export default defineProgram({
  name: 'selmover',
  console: true,
  async main({ abi, console }) {
    const e = abi.channel(Echo);
    const c = abi.channel(Carrier);
    const child = abi.create('holder', { endpoints: { ep: c.exp } });
    abi.start(child);
    // A getter on the options would run while select checks the endpoints: it could move the
    // endpoint select is about to wait on. select refuses it without running it.
    let ran = false;
    const opts = { get timeoutMs() { ran = true; c.imp.send('Give', { chan: e.imp }); return undefined; } };
    try { void select([e.imp], opts); console.log('select returned'); } catch (err) { console.log('select threw ' + String(err && err.name)); }
    console.log('getter ran ' + ran);
    c.imp.send('Give', { chan: e.imp }); // hand it over properly, and serve the holder's Ping
    const m = await e.exp.receive();
    if (m.tag === 'Ping') m.ep.send('Pong', { x: m.x + 1 });
    const st = await abi.join(child);
    console.log('holder ' + st.reason + ' ' + st.code);
    return 0;
  },
});
`;

const HOLDER = `
import { defineProgram } from 'sing/runtime';
import { Carrier } from './contracts.ts';
export default defineProgram({
  name: 'holder',
  console: true,
  endpoints: { ep: Carrier.exp() },
  async main({ ep, console }) {
    const m = await ep.receive();
    if (m.tag !== 'Give') return 1;
    const next = m.chan.send('Ping', { x: 1 });
    try {
      const r = await next.receive();
      console.log('holder got ' + r.tag);
    } catch (err) {
      console.log('holder receive threw ' + String(err && err.name));
    }
    return 0;
  },
});
`;

test('select: options are read without running the program\'s getters, so no endpoint can move mid-select', async () => {
  const b = await boot({ selmover: SELECT_MOVER, holder: HOLDER });
  const p = b.k.spawn('selmover');
  await within(p.join(), 'selmover to end');
  assert.deepEqual(b.texts('selmover').slice(0, 2), ['select threw TypeError', 'getter ran false']);
  await until(() => b.texts('holder').length > 0, 'holder to report');
  assert.deepEqual(b.texts('holder'), ['holder got Pong']);
});

const SELECT_ARRAY_MOVER = `
import { defineProgram, select } from 'sing/runtime';
import { Echo, Carrier } from './contracts.ts';
export default defineProgram({
  name: 'selarray',
  console: true,
  async main({ abi, console }) {
    const e = abi.channel(Echo);
    const other = abi.channel(Echo);
    const c = abi.channel(Carrier);
    const child = abi.create('holder', { endpoints: { ep: c.exp } });
    abi.start(child);
    // Reading the array's second element would move its first (already checked) to the child:
    // select refuses an accessor element without running it.
    let ran = false;
    const eps = [e.imp, other.imp];
    Object.defineProperty(eps, 1, { get() { ran = true; c.imp.send('Give', { chan: e.imp }); return other.imp; } });
    try { void select(eps); console.log('select returned'); } catch (err) { console.log('select threw ' + String(err && err.name)); }
    console.log('getter ran ' + ran);
    c.imp.send('Give', { chan: e.imp });
    const m = await e.exp.receive();
    if (m.tag === 'Ping') m.ep.send('Pong', { x: m.x + 1 });
    await abi.join(child);
    return 0;
  },
});
`;

test('select: the endpoint array is read without running the program\'s getters, so no endpoint can move mid-select', async () => {
  const b = await boot({ selarray: SELECT_ARRAY_MOVER, holder: HOLDER });
  const p = b.k.spawn('selarray');
  await within(p.join(), 'selarray to end');
  assert.deepEqual(b.texts('selarray').slice(0, 2), ['select threw TypeError', 'getter ran false']);
  await until(() => b.texts('holder').length > 0, 'holder to report');
  assert.deepEqual(b.texts('holder'), ['holder got Pong']);
});

// ---------------------------------------------------------------------------------------------
// create: startup endpoints are read (getters) between the checks and the moves.

const THREE = `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'three',
  endpoints: { x: Echo.exp(), y: Echo.exp(), z: Echo.exp() },
  async main() { return 0; },
});
`;

const PARTIAL = `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'partial',
  console: true,
  async main({ abi, console }) {
    const c1 = abi.channel(Echo);
    const c2 = abi.channel(Echo);
    const c3 = abi.channel(Echo);
    const eps = { x: c1.exp, y: c2.exp, get z() { void c2.exp.receive(); return c3.exp; } };
    try { abi.create('three', { endpoints: eps }); console.log('create returned'); } catch (err) { console.log('create threw ' + String(err && err.name)); }
    console.log('x ' + c1.exp.state);
    return 0;
  },
});
`;

test('create: a create that fails moves none of the startup endpoints', async () => {
  const b = await boot({ partial: PARTIAL, three: THREE });
  const st = await within(b.k.spawn('partial').join(), 'partial to end');
  assert.deepEqual(b.texts('partial'), ['create threw KernelError', 'x Idle']);
  assert.equal(st.reason, 'returned');
});

// ---------------------------------------------------------------------------------------------
// Bytes.write: the liveness check is made once, then program code (index getters, valueOf) runs
// while bytes are written.

const WRITE_MOVER = `
import { defineProgram } from 'sing/runtime';
import { Blocks } from './excontracts.ts';
export default defineProgram({
  name: 'wmover',
  console: true,
  resources: { exchangeHeap: '4KiB' },
  async main({ abi, console }) {
    const { imp, exp } = abi.channel(Blocks);
    const child = abi.create('wkeeper', { endpoints: { ep: exp } });
    abi.start(child);
    const data = abi.alloc(2);
    const src = { length: 2, get 0() { imp.send('Put', { n: 2, data }); return 7; }, 1: 9 };
    try { data.write(src); console.log('write returned'); } catch (err) { console.log('write threw ' + String(err && err.code)); }
    await abi.join(child);
    return 0;
  },
});
`;

const WRITE_KEEPER = `
import { defineProgram } from 'sing/runtime';
import { Blocks } from './excontracts.ts';
export default defineProgram({
  name: 'wkeeper',
  console: true,
  endpoints: { ep: Blocks.exp() },
  async main({ ep, console }) {
    const m = await ep.receive();
    if (m.tag !== 'Put') { console.log('got ' + m.tag); return 1; }
    console.log('bytes ' + JSON.stringify([m.data.get(0), m.data.get(1)]));
    return 0;
  },
});
`;

test('Bytes.write: a block moved away by the source array\'s getter is not written after the move', async () => {
  const b = await boot({
    wmover: { 'main.ts': WRITE_MOVER, 'excontracts.ts': EXC },
    wkeeper: { 'main.ts': WRITE_KEEPER, 'excontracts.ts': EXC },
  });
  b.k.spawn('wmover');
  const got = await report<number[]>(b, 'bytes ', 'wkeeper');
  assert.deepEqual(got, [0, 0], 'the receiver must see only what was written before the send');
});

// ---------------------------------------------------------------------------------------------
// Fuel: calling an async function refills the caller's fuel.

const spinner = (name: string, call: 'async' | 'sync'): string => `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: '${name}',
  console: true,
  resources: { cpuFuel: 10000 },
  async main({ console }) {
    async function fa() { return 1; }
    function fs() { return 1; }
    let n = 0;
    for (let i = 0; i < 300000; i++) n += ${call === 'async' ? 'fa() ? 1 : 0' : 'fs()'};
    console.log('survived ' + n);
    return 0;
  },
});
`;

test('fuel: a loop of plain calls runs out of fuel (control)', async () => {
  const b = await boot({ spinsync: spinner('spinsync', 'sync') });
  const st: ExitStatus = await within(b.k.spawn('spinsync').join(), 'spinsync to end');
  assert.equal(st.reason, 'fuel');
});

test('fuel: a loop that calls an async function still runs out of fuel', async () => {
  const b = await boot({ spinasync: spinner('spinasync', 'async') });
  const st: ExitStatus = await within(b.k.spawn('spinasync').join(), 'spinasync to end');
  assert.equal(st.reason, 'fuel');
});

// ---------------------------------------------------------------------------------------------
// A broken channel (a race in a mixed state) must wake a receive that was pending on it.

const Mixed = contract('ReviewMixed', {
  messages: { Ping: inn(), Pong: out(), Bye: inn() },
  initial: 'S',
  states: { S: { Ping: 'T', Pong: 'T' }, T: { Bye: END } },
});

test('channels: a receive pending when a race breaks the channel ends with $closed', async () => {
  const b = await boot({});
  const { imp, exp } = b.k.hostChannel(Mixed);
  exp.send('Pong'); // exp: S → T
  const pending = exp.receive(); // waits (its queue is empty)
  imp.send('Ping'); // imp still in S: a legal send, crossing the Pong → the channel breaks
  const got = await within(Promise.resolve(pending), 'the pending receive to end', 500);
  assert.equal(got.tag, '$closed');
});

test('channels: the mixed-state race without a pending receive is seen as $closed', async () => {
  const b = await boot({});
  const { imp, exp } = b.k.hostChannel(Mixed);
  exp.send('Pong');
  imp.send('Ping');
  const got = await within(Promise.resolve(exp.receive()), 'exp receive');
  assert.equal(got.tag, '$closed');
});

// ---------------------------------------------------------------------------------------------
// seal: coroutine transform semantics (checked, correct).

const SEMANTICS = `
import { defineProgram } from 'sing/runtime';
class Acc {
  n = 1;
  async add(k: number) { await null; this.n += k; return this.n; }
  get twice() { return this.n * 2; }
}
function* gen() { let i = 0; while (i < 3) yield i++; }
export default defineProgram({
  name: 'semantics',
  console: true,
  async main({ console }) {
    const o: Record<string, unknown> = {};
    const mk = async (v: number) => ({ v, w: await Promise.resolve(v + 1) });
    o.obj = await mk(1);
    o.nested = (await Promise.resolve(2)) * (await 3) + [await 4].length;
    const a = new Acc();
    o.method = await a.add(5);
    o.getter = a.twice;
    o.gen = [...gen()];
    let hits = 0;
    outer: for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) { if (j === 1) continue outer; if (i === 2) break outer; hits++; }
    }
    o.labels = hits;
    async function args(..._xs: number[]) { return arguments.length; }
    o.args = await args(1, 2, 3);
    const self = { k: 7, async m() { return this.k; } };
    o.self = await self.m();
    try { await (async () => { throw new Error('boom'); })(); } catch (e) { o.caught = (e as Error).message; }
    let fin = 0;
    try { await null; } finally { fin = 1; }
    o.fin = fin;
    const order: string[] = [];
    const p = (async () => { order.push('a'); await null; order.push('c'); })();
    order.push('b');
    await p;
    o.order = order;
    const rejected = (async () => { throw new Error('early'); })();
    o.early = await rejected.then(() => 'no', (e: Error) => e.message);
    console.log('sem ' + JSON.stringify(o));
    return 0;
  },
});
`;

test('seal: async arrows returning object literals, nested awaits, methods, getters, labels, generators, arguments, this, order', async () => {
  const b = await boot({ semantics: SEMANTICS });
  b.k.spawn('semantics');
  const got = await report<Record<string, unknown>>(b, 'sem ', 'semantics');
  assert.deepEqual(got, {
    obj: { v: 1, w: 2 }, nested: 7, method: 6, getter: 12, gen: [0, 1, 2], labels: 2, args: 3, self: 7,
    caught: 'boom', fin: 1, order: ['a', 'b', 'c'], early: 'early',
  });
});

// ---------------------------------------------------------------------------------------------
// Name service: a provider that dies leaves no entry, and a later bind is answered E_NO_NAME.

const PROVIDER = `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'provider',
  async main({ abi }) {
    abi.register('/review/echo', Echo);
    await abi.sleep(1e9);
    return 0;
  },
});
`;

test('name service: a killed provider leaves no entry behind', async () => {
  const b = await boot({ provider: PROVIDER });
  const p = b.k.spawn('provider');
  await until(() => b.k.names.list().some((e) => e.path === '/review/echo'), 'the registration');
  p.stop();
  await within(p.join(), 'provider to end');
  assert.equal(b.k.names.list().some((e) => e.path === '/review/echo'), false);
  assert.equal(b.k.processCount, 0);
});
