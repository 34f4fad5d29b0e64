// Hostile programs: each tries to escape its object space, forge a capability, reach the host or
// another process, or break the kernel. Each must get nothing or an error, and the kernel and the
// other processes must keep working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ExitStatus } from '../src/runtime/index.ts';
import { boot, said, sharedBoot, ECHO_SERVER, image, within, type Booted } from './kit.ts';
import { Box, Carrier, Echo } from './fixtures/contracts.ts';

/** Runs `f` and logs `<name>: ok <value>` or `<name>: threw <code or class>` (program-side). */
const TRY = `
function attempt(console, name, f) {
  try {
    const v = f();
    console.log(name + ': ok ' + String(v));
  } catch (e) {
    const code = e !== null && typeof e === 'object' && typeof e.code === 'string' ? e.code : (e !== null && typeof e === 'object' && e.constructor ? e.constructor.name : typeof e);
    console.log(name + ': threw ' + code);
  }
}
`;

const PROGRAMS = {
  echo: ECHO_SERVER,

  forger: `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
${TRY}
export default defineProgram({
  name: 'forger',
  endpoints: { ep: Echo.imp() },
  console: true,
  async main({ abi, ep, console }) {
    const t = (n, f) => attempt(console, n, f);
    const Handle = ep.constructor;
    t('new constructor', () => new Handle(Symbol('endpoint'), {}, {}));
    t('object.create send', () => Object.create(Object.getPrototypeOf(ep)).send('Ping', { x: 666 }));
    t('send.call on plain object', () => ep.send.call({}, 'Ping', { x: 666 }));
    t('reflect.construct send', () => Reflect.construct(Object, [], Handle).send('Ping', { x: 666 }));
    t('subclass', () => { class F extends Handle { constructor() { super(Symbol('endpoint'), {}, {}); } } return new F(); });
    t('spread copy send', () => ({ ...ep }).send('Ping', { x: 666 }));
    t('fake as startup endpoint', () => abi.create('echo', { endpoints: { ep: { send() {}, receive() {} } } }));
    t('fake as channel contract', () => abi.channel({ name: 'TestEcho', messages: {}, initial: 'Idle', states: {} }));
    const m = await ep.send('Ping', { x: 1 }).receive();
    console.log('real ' + m.tag + (m.tag === 'Pong' ? ' ' + m.x : ''));
    return 0;
  },
});
`,

  // Moves an endpoint, then tries to move the same handle again.
  doublemove: `
import { defineProgram } from 'sing/runtime';
import { Carrier, Echo } from './contracts.ts';
export default defineProgram({
  name: 'doublemove',
  endpoints: { carrier: Carrier.imp(), imp: Echo.imp() },
  console: true,
  async main({ carrier, imp, console }) {
    const m = await carrier.send('Give', { chan: imp }).receive();
    if (m.tag !== 'Took') return 1;
    console.log('moved once');
    m.ep.send('Give', { chan: imp });
    console.log('unreachable: moved twice');
    return 0;
  },
});
`,

  // Sends endpoint fields that are not what the contract says.
  smuggler: `
import { defineProgram, enumOf } from 'sing/runtime';
import { Carrier, Echo } from './contracts.ts';
export default defineProgram({
  name: 'smuggler',
  parameters: { how: enumOf('wrong-side', 'plain-object', 'own-channel', 'wrong-state', 'number') },
  endpoints: { carrier: Carrier.imp() },
  console: true,
  async main({ abi, carrier, params, console }) {
    const { imp, exp } = abi.channel(Echo);
    console.log('trying');
    switch (params.how) {
      case 'wrong-side': carrier.send('Give', { chan: exp }); break;
      case 'plain-object': carrier.send('Give', { chan: { send() {}, receive() {} } }); break;
      case 'own-channel': carrier.send('Give', { chan: carrier }); break;
      case 'wrong-state': carrier.send('Give', { chan: imp.send('Ping', { x: 1 }) }); break;
      case 'number': carrier.send('Give', { chan: 5 }); break;
    }
    console.log('unreachable: smuggled');
    return 0;
  },
});
`,

  intrinsics: `
import { defineProgram } from 'sing/runtime';
${TRY}
export default defineProgram({
  name: 'intrinsics',
  console: true,
  async main({ console }) {
    const t = (n, f) => attempt(console, n, f);
    t('Array.prototype.push', () => { Array.prototype.push = function () { return 0; }; });
    t('Object.prototype.polluted', () => { Object.prototype.polluted = 1; });
    t('defineProperty Array.prototype', () => Object.defineProperty(Array.prototype, 'evil', { value: 1 }));
    t('delete Array.prototype.map', () => { delete Array.prototype.map; });
    t('setPrototypeOf Array.prototype', () => Object.setPrototypeOf(Array.prototype, null));
    t('Math.max', () => { Math.max = () => 0; });
    t('JSON.parse', () => { JSON.parse = () => 0; });
    t('Promise.prototype.then', () => { Promise.prototype.then = () => 0; });
    t('Function.prototype.call', () => { Function.prototype.call = () => 0; });
    t('String.prototype.slice', () => { String.prototype.slice = () => ''; });
    t('Error.prototype.toString', () => { Error.prototype.toString = () => ''; });
    t('Symbol.iterator', () => { Symbol.iterator = 1; });
    t('Array.prototype via literal', () => { [].__proto__.evil = 1; });
    return 0;
  },
});
`,

  // Two instances of one image: the writer tries every shared object it can reach, the reader
  // reports what it sees.
  twin: `
import { defineProgram, enumOf, contract } from 'sing/runtime';
import * as rt from 'sing/runtime';
import { Echo } from './contracts.ts';
${TRY}
export default defineProgram({
  name: 'twin',
  parameters: { role: enumOf('writer', 'reader') },
  console: true,
  async main({ abi, params, console }) {
    const t = (n, f) => attempt(console, n, f);
    const runtime = rt;
    if (params.role === 'writer') {
      t('globalThis.x', () => { globalThis.x = abi.pid(); });
      t('Reflect.set globalThis', () => Reflect.set(globalThis, 'y', 1));
      t('runtime.x', () => { runtime.x = abi.pid(); });
      t('defineProperty runtime', () => Object.defineProperty(runtime, 'x', { value: 1 }));
      t('replace runtime.select', () => { runtime.select = null; });
      t('contract object', () => { Echo.extra = 1; });
      t('contract messages', () => { Echo.messages.Ping.dir = 'out'; });
      t('contract function', () => { contract.extra = 1; });
      t('harden', () => { globalThis.harden.extra = 1; });
      t('globalThis.parseInt', () => { globalThis.parseInt = () => 0; });
      return 0;
    }
    console.log('read ' + JSON.stringify([typeof globalThis.x, typeof globalThis.y, typeof runtime.x, typeof runtime.select, typeof Echo.extra, Echo.messages.Ping.dir, typeof contract.extra, typeof globalThis.harden.extra, parseInt('7')]));
    return 0;
  },
});
`,

  // Module-level objects are private to each instance (the module body runs once per process).
  stash: `
import { defineProgram, enumOf } from 'sing/runtime';
const box = {};
const list = [];
export default defineProgram({
  name: 'stash',
  parameters: { role: enumOf('writer', 'reader') },
  console: true,
  async main({ params, console }) {
    if (params.role === 'writer') { box.secret = 42; list.push(42); console.log('wrote'); return 0; }
    console.log('read ' + JSON.stringify({ secret: box.secret ?? null, length: list.length }));
    return 0;
  },
});
`,

  ambient: `
import { defineProgram } from 'sing/runtime';
${TRY}
export default defineProgram({
  name: 'ambient',
  console: true,
  async main({ console }) {
    const t = (n, f) => attempt(console, n, f);
    const kinds = {
      process: typeof process, setTimeout: typeof setTimeout, setInterval: typeof setInterval,
      setImmediate: typeof setImmediate, queueMicrotask: typeof queueMicrotask, fetch: typeof fetch,
      Buffer: typeof Buffer, globalThisProcess: typeof globalThis.process, eval: typeof eval,
      Function: typeof Function, Compartment: typeof Compartment, lockdown: typeof lockdown,
      WebAssembly: typeof WebAssembly, SharedArrayBuffer: typeof SharedArrayBuffer, module: typeof module,
      exports: typeof exports, __dirname: typeof __dirname, importMeta: 'n/a',
    };
    console.log('kinds ' + JSON.stringify(kinds));
    console.log('require ' + typeof require);
    const moduleName = 'node:fs';
    t('require(node:fs)', () => require(moduleName));
    t('Date.now', () => { const v = Date.now(); if (Number.isNaN(v)) throw new TypeError('NaN'); return 'a clock'; });
    t('new Date()', () => { const v = new Date().getTime(); if (Number.isNaN(v)) throw new TypeError('NaN'); return 'a clock'; });
    t('Math.random', () => Math.random());
    t('eval', () => globalThis['ev' + 'al']('1'));
    t('function constructor', () => (() => 1).constructor('return 1')());
    t('async function constructor', () => (async () => 1).constructor('return 1'));
    t('generator function constructor', () => (function* () { yield 1; }).constructor('yield 1'));
    t('async generator constructor', () => (async function* () { yield 1; }).constructor('yield 1'));
    t('Error.prepareStackTrace hook', () => { Error.prepareStackTrace = () => 'hooked'; const s = String(new Error('x').stack); if (s === 'hooked') return 'installed'; throw new TypeError('not installed'); });
    return 0;
  },
});
`,

  frozen: `
import { defineProgram, i32, select } from 'sing/runtime';
import { Echo } from './contracts.ts';
${TRY}
export default defineProgram({
  name: 'frozen',
  parameters: { n: i32 },
  endpoints: { ep: Echo.exp() },
  console: true,
  async main(ctx) {
    const { abi, params, console, ep } = ctx;
    const t = (n, f) => attempt(console, n, f);
    t('abi.pid', () => { abi.pid = () => 99; });
    t('abi.newProp', () => { abi.extra = 1; });
    t('abi prototype', () => { Object.getPrototypeOf(abi).pid = () => 99; });
    t('abi prototype new method', () => { Object.getPrototypeOf(abi).steal = () => 1; });
    t('ctx.abi', () => { ctx.abi = null; });
    t('ctx.extra', () => { ctx.extra = 1; });
    t('delete ctx.params', () => { delete ctx.params; });
    t('params.n', () => { params.n = 5; });
    t('console.log', () => { console.log = () => undefined; });
    t('console prototype', () => { Object.getPrototypeOf(console).log = () => undefined; });
    t('endpoint.send', () => { ep.send = () => undefined; });
    t('endpoint prototype', () => { Object.getPrototypeOf(ep).send = () => undefined; });
    const { imp, exp } = abi.channel(Echo);
    const child = abi.create('echo', { endpoints: { ep: exp } });
    t('child.pid', () => { child.pid = 1; });
    t('child prototype', () => { Object.getPrototypeOf(child).extra = 1; });
    const joining = abi.join(child);
    t('pending prototype', () => { Object.getPrototypeOf(joining).then = null; });
    abi.start(child);
    imp.send('Bye');
    const status = await joining;
    t('exit status', () => { status.code = 99; });
    const { imp: i2, exp: e2 } = abi.channel(Echo);
    e2.close();
    const closed = await i2.receive();
    t('$closed message', () => { closed.tag = 'Ping'; });
    const { exp: e3 } = abi.channel(Echo);
    const r = await select([e3], { timeoutMs: 1 });
    t('$timeout message', () => { r.msg.tag = 'Ping'; });
    t('listener', () => { const l = abi.register('/frozen/' + abi.pid(), Echo); l.receive = null; });
    console.log('frozen: ' + [abi, Object.getPrototypeOf(abi), ctx, params, console, ep, child, status, closed, r.msg].every(Object.isFrozen));
    return 0;
  },
});
`,

  // Tries to stop, join and start processes that are not its children.
  trespasser: `
import { defineProgram, i32 } from 'sing/runtime';
import { Echo } from './contracts.ts';
${TRY}
export default defineProgram({
  name: 'trespasser',
  parameters: { victim: i32 },
  console: true,
  async main({ abi, params, console }) {
    const t = (n, f) => attempt(console, n, f);
    const fake = { pid: params.victim, program: 'victim' };
    t('stop forged', () => abi.stop(fake));
    t('start forged', () => abi.start(fake));
    t('join forged', () => abi.join(fake));
    t('stop null', () => abi.stop(null));
    t('stop abi', () => abi.stop(abi));
    const { imp, exp } = abi.channel(Echo);
    const mine = abi.create('echo', { endpoints: { ep: exp } });
    const Child = mine.constructor;
    t('stop constructed child', () => abi.stop(new Child({ pid: params.victim, program: 'victim', parent: null, alive: true, state: 'running' })));
    t('stop own child twice-started', () => { abi.start(mine); abi.start(mine); });
    imp.send('Bye');
    const s = await abi.join(mine);
    console.log('own child ' + s.reason);
    return 0;
  },
});
`,

  // Calls create() wrongly in every way it can think of.
  creator: `
import { defineProgram } from 'sing/runtime';
import { Echo, Box } from './contracts.ts';
${TRY}
export default defineProgram({
  name: 'creator',
  console: true,
  async main({ abi, console }) {
    const t = (n, f) => attempt(console, n, f);
    t('param of wrong type', () => abi.create('needs', { params: { n: 'one' } }));
    t('fractional i32', () => abi.create('needs', { params: { n: 1.5 } }));
    t('unknown param', () => abi.create('needs', { params: { n: 1, m: 2 } }));
    t('missing param', () => abi.create('needs', { params: {} }));
    t('params not an object', () => abi.create('needs', { params: 7 }));
    t('no params', () => abi.create('needs'));
    t('unknown program', () => abi.create('no-such-program'));
    const { imp, exp } = abi.channel(Echo);
    const box = abi.channel(Box);
    t('endpoint of wrong contract', () => abi.create('echo', { endpoints: { ep: box.exp } }));
    t('endpoint of wrong side', () => abi.create('echo', { endpoints: { ep: imp } }));
    t('missing endpoint', () => abi.create('echo', { endpoints: {} }));
    t('extra endpoint', () => abi.create('echo', { endpoints: { ep: exp, other: box.exp } }));
    // Nothing moved: the endpoints still belong to this process and work.
    const child = abi.create('echo', { endpoints: { ep: exp } });
    abi.start(child);
    const m = await imp.send('Ping', { x: 1 }).receive();
    console.log('still mine: ' + m.tag);
    if (m.tag === 'Pong') m.ep.send('Bye');
    await abi.join(child);
    return 0;
  },
});
`,

  needs: `
import { defineProgram, i32 } from 'sing/runtime';
export default defineProgram({
  name: 'needs',
  parameters: { n: i32 },
  async main() { return 0; },
});
`,

  // Tries to define a contract with a forged field type.
  fieldforger: `
import { defineProgram, contract, inn, END } from 'sing/runtime';
${TRY}
export default defineProgram({
  name: 'fieldforger',
  console: true,
  async main({ console }) {
    const fake = { kind: 'i32', describe: 'i32', check: () => true, copy: null };
    attempt(console, 'forged field type', () => contract('Forged', { messages: { M: inn({ x: fake }) }, initial: 'A', states: { A: { M: END } } }));
    return 0;
  },
});
`,

  // Hands over a record whose nested field answers a check with an i32 and a later read with an
  // object of its own (a Proxy), or an array whose copy would come from its own species; then
  // mutates its own object, so a receiver that got a reference instead of a copy would see it.
  toctou: `
import { defineProgram, enumOf } from 'sing/runtime';
import { Box } from './contracts.ts';
export default defineProgram({
  name: 'toctou',
  parameters: { how: enumOf('record-proxy', 'array-species') },
  endpoints: { box: Box.imp() },
  console: true,
  async main({ box, params, console }) {
    const secret = [1, 2];
    let item = { n: 1, label: 'x', inner: { k: 1, flag: true } };
    let list = [1, 2];
    if (params.how === 'record-proxy') {
      item = { n: 1, label: 'x', inner: new Proxy({ k: 1, flag: true }, { get(t, p) { return p === 'k' ? secret : t[p]; } }) };
    } else {
      class Evil extends Array { static get [Symbol.species]() { return function () { return secret; }; } }
      list = Evil.from([1, 2]);
    }
    box.send('Put', { item, list });
    secret.push(666);
    secret.mine = 'sender object';
    console.log('sent');
    return 0;
  },
});
`,

  // Catches a kernel error and tries to use its prototype as a mailbox.
  mailbox: `
import { defineProgram, enumOf } from 'sing/runtime';
export default defineProgram({
  name: 'mailbox',
  parameters: { role: enumOf('writer', 'reader') },
  console: true,
  async main({ abi, params, console }) {
    let err;
    try { abi.stop({ pid: 0, program: 'x' }); } catch (e) { err = e; }
    if (params.role === 'writer') {
      try { Object.getPrototypeOf(err).mailbox = 'hello from ' + abi.pid(); console.log('wrote'); } catch (e) { console.log('refused'); }
      return 0;
    }
    console.log('read ' + String(err.mailbox));
    return 0;
  },
});
`,
};

const sys = sharedBoot(PROGRAMS);

async function run(b: Booted, program: string, opts?: Parameters<Booted['k']['spawn']>[1]): Promise<{ st: ExitStatus; lines: string[] }> {
  const s = b.k.spawn(program, opts);
  const st = await within(s.join());
  return { st, lines: said(b, s.pid) };
}

/** Attempts (lines `<name>: ...`) as a map name → outcome. */
function outcomes(lines: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of lines) {
    const m = /^(.*?): (ok|threw)(.*)$/.exec(l);
    if (m !== null) out[m[1] as string] = `${m[2] as string}${m[3] as string}`;
  }
  return out;
}

async function kernelStillWorks(b: Booted): Promise<void> {
  const { imp, exp } = b.k.hostChannel(Echo);
  const s = b.k.spawn('echo', { endpoints: { ep: exp } });
  const r = await within(imp.send('Ping', { x: 1 }).receive());
  assert.equal(r.tag, 'Pong');
  if (r.tag === 'Pong') r.ep.send('Bye');
  assert.equal((await within(s.join())).code, 0);
}

test('forging an endpoint (constructor, Object.create, call, subclass, copies, fake objects) gets an error and sends nothing', async () => {
  const b = await sys();
  const { imp, exp } = b.k.hostChannel(Echo);
  const s = b.k.spawn('forger', { endpoints: { ep: imp } });
  const m = await within(exp.receive());
  assert.equal(m.tag, 'Ping');
  if (m.tag !== 'Ping') return;
  assert.equal(m.x, 1, 'the first message to arrive is the genuine one');
  m.ep.send('Pong', { x: 2 });
  const st = await within(s.join());
  assert.equal(st.reason, 'returned');
  const o = outcomes(said(b, s.pid));
  for (const name of ['new constructor', 'object.create send', 'send.call on plain object', 'reflect.construct send', 'subclass', 'spread copy send', 'fake as startup endpoint', 'fake as channel contract']) {
    assert.match(o[name] ?? 'missing', /^threw/, `${name}: ${o[name] ?? 'missing'}`);
  }
  assert.ok(said(b, s.pid).includes('real Pong 2'));
});

test('sending a handle that was already moved fails the sender with E_REVOKED; the first move stands', async () => {
  const b = await sys();
  const car = b.k.hostChannel(Carrier);
  const echo = b.k.hostChannel(Echo);
  b.k.spawn('echo', { endpoints: { ep: echo.exp } });
  const s = b.k.spawn('doublemove', { endpoints: { carrier: car.imp, imp: echo.imp } });
  const give = await within(car.exp.receive());
  assert.equal(give.tag, 'Give');
  if (give.tag !== 'Give') return;
  give.ep.send('Took');
  const st = await within(s.join());
  assert.deepEqual({ state: st.state, reason: st.reason, code: st.error?.code }, { state: 'failed', reason: 'protocol', code: 'E_REVOKED' });
  assert.deepEqual(said(b, s.pid), ['moved once']);
  // The endpoint that moved first works at its receiver (the host): the echo child answers.
  const r = await within(give.chan.send('Ping', { x: 4 }).receive());
  assert.equal(r.tag, 'Pong');
  if (r.tag === 'Pong') { assert.equal(r.x, 5); r.ep.send('Bye'); }
});

for (const how of ['wrong-side', 'plain-object', 'own-channel', 'wrong-state', 'number'] as const) {
  test(`smuggling a non-conforming value (${how}) in an endpoint field fails the sender with E_PROTOCOL`, async () => {
    const b = await sys();
    const car = b.k.hostChannel(Carrier);
    const s = b.k.spawn('smuggler', { params: { how }, endpoints: { carrier: car.imp } });
    const st = await within(s.join());
    assert.deepEqual({ state: st.state, reason: st.reason, code: st.error?.code }, { state: 'failed', reason: 'protocol', code: 'E_PROTOCOL' });
    assert.deepEqual(said(b, s.pid), ['trying']);
    assert.equal((await within(car.exp.receive())).tag, '$closed');
  });
}

test('mutating shared intrinsics throws, and neither the host nor other processes see a change', async () => {
  const b = await sys();
  const { st, lines } = await run(b, 'intrinsics');
  assert.equal(st.reason, 'returned');
  const o = outcomes(lines);
  assert.equal(Object.keys(o).length, 13);
  for (const [name, outcome] of Object.entries(o)) assert.match(outcome, /^threw/, `${name}: ${outcome}`);
  const a: number[] = [];
  assert.equal(a.push(1), 1);
  assert.equal((({}) as Record<string, unknown>)['polluted'], undefined);
  assert.equal(Math.max(1, 2), 2);
  await kernelStillWorks(b);
});

test('two instances of one image cannot communicate through globals, the runtime module or contract objects', async () => {
  const b = await sys();
  const w = await run(b, 'twin', { params: { role: 'writer' } });
  assert.equal(w.st.reason, 'returned');
  const o = outcomes(w.lines);
  assert.equal(Object.keys(o).length, 10);
  for (const [name, outcome] of Object.entries(o)) {
    // Reflect.set reports failure by returning false rather than throwing.
    if (name === 'Reflect.set globalThis') assert.equal(outcome, 'ok false');
    else assert.match(outcome, /^threw/, `${name}: ${outcome}`);
  }
  const r = await run(b, 'twin', { params: { role: 'reader' } });
  assert.deepEqual(r.lines, ['read ["undefined","undefined","undefined","function","undefined","in","undefined","undefined",7]']);
});

test('two instances of one image cannot communicate through module-level objects', async () => {
  const b = await sys();
  const w = await run(b, 'stash', { params: { role: 'writer' } });
  assert.deepEqual(w.lines, ['wrote']);
  const r = await run(b, 'stash', { params: { role: 'reader' } });
  assert.deepEqual(r.lines, ['read {"secret":null,"length":0}']);
});

test('host globals, clocks, randomness and evaluators are out of reach', async () => {
  const b = await sys();
  const { st, lines } = await run(b, 'ambient');
  assert.equal(st.reason, 'returned');
  const kinds = JSON.parse((lines.find((l) => l.startsWith('kinds ')) ?? 'kinds {}').slice(6)) as Record<string, string>;
  for (const [name, kind] of Object.entries(kinds)) if (name !== 'importMeta') assert.equal(kind, 'undefined', `typeof ${name}`);
  const o = outcomes(lines);
  for (const name of ['require(node:fs)', 'Date.now', 'new Date()', 'Math.random', 'eval', 'function constructor', 'async function constructor', 'generator function constructor', 'async generator constructor', 'Error.prepareStackTrace hook']) {
    assert.match(o[name] ?? 'missing', /^threw/, `${name}: ${o[name] ?? 'missing'}`);
  }
});

test('`require` is not defined inside a program', async () => {
  const b = await sys();
  const { lines } = await run(b, 'ambient');
  assert.ok(lines.includes('require undefined'), JSON.stringify(lines.filter((l) => l.startsWith('require '))));
});

test('the ABI, ctx, params, console, endpoints, child handles, exit statuses and shared messages are frozen', async () => {
  const b = await sys();
  const { imp, exp } = b.k.hostChannel(Echo);
  const { st, lines } = await run(b, 'frozen', { params: { n: 1 }, endpoints: { ep: exp } });
  assert.equal(st.reason, 'returned', JSON.stringify(st));
  const o = outcomes(lines);
  assert.equal(Object.keys(o).length, 19, JSON.stringify(o));
  for (const [name, outcome] of Object.entries(o)) if (name !== 'frozen') assert.match(outcome, /^threw/, `${name}: ${outcome}`);
  assert.ok(lines.includes('frozen: true'));
  imp.close();
  await kernelStillWorks(b);
});

test('a program calling stop, start or join on a process that is not its child gets E_NOT_CHILD', async () => {
  const b = await sys();
  const { imp, exp } = b.k.hostChannel(Echo);
  const victim = b.k.spawn('echo', { endpoints: { ep: exp } });
  const { st, lines } = await run(b, 'trespasser', { params: { victim: victim.pid } });
  assert.equal(st.reason, 'returned', JSON.stringify(st));
  const o = outcomes(lines);
  for (const name of ['stop forged', 'start forged', 'join forged', 'stop null', 'stop abi', 'stop constructed child']) {
    assert.equal(o[name], 'threw E_NOT_CHILD', name);
  }
  assert.equal(o['stop own child twice-started'], 'threw E_STATE');
  assert.ok(lines.includes('own child returned'));
  // The victim was untouched.
  assert.equal(victim.state, 'running');
  const r = await within(imp.send('Ping', { x: 1 }).receive());
  assert.equal(r.tag, 'Pong');
  if (r.tag === 'Pong') r.ep.send('Bye');
  assert.equal((await within(victim.join())).code, 0);
});

test('create() with bad params, endpoints or program names fails with a clear code and moves nothing', async () => {
  const b = await sys();
  const before = b.k.ps().length;
  const { st, lines } = await run(b, 'creator');
  assert.equal(st.reason, 'returned', JSON.stringify(st));
  const o = outcomes(lines);
  assert.deepEqual(o, {
    'param of wrong type': 'threw E_PARAMS',
    'fractional i32': 'threw E_PARAMS',
    'unknown param': 'threw E_PARAMS',
    'missing param': 'threw E_PARAMS',
    'params not an object': 'threw E_PARAMS',
    'no params': 'threw E_PARAMS',
    'unknown program': 'threw E_NO_PROGRAM',
    'endpoint of wrong contract': 'threw E_ENDPOINTS',
    'endpoint of wrong side': 'threw E_ENDPOINTS',
    'missing endpoint': 'threw E_ENDPOINTS',
    'extra endpoint': 'threw E_ENDPOINTS',
  });
  assert.ok(lines.includes('still mine: Pong'));
  assert.equal(b.k.ps().length, before, 'no half-created process was left in the table');
});

test('a contract built with a forged field type is refused', async () => {
  const b = await sys();
  const { st, lines } = await run(b, 'fieldforger');
  assert.equal(st.reason, 'returned');
  assert.match(outcomes(lines)['forged field type'] ?? 'missing', /^threw/);
});

for (const how of ['record-proxy', 'array-species'] as const) {
  test(`${how === 'record-proxy' ? 'a Proxy in a record field' : 'an Array subclass with its own species'} cannot smuggle a reference to the sender's own object through a copied field`, async () => {
    const b = await sys();
    const { imp, exp } = b.k.hostChannel(Box);
    const s = b.k.spawn('toctou', { params: { how }, endpoints: { box: imp } });
    const st = await within(s.join());
    const m = await within(exp.receive());
    if (st.state === 'failed') {
      // Refusing the message outright is fine: then nothing crossed.
      assert.deepEqual({ reason: st.reason, code: st.error?.code }, { reason: 'protocol', code: 'E_PROTOCOL' });
      assert.equal(m.tag, '$closed');
      return;
    }
    assert.deepEqual(said(b, s.pid), ['sent']);
    assert.equal(m.tag, 'Put');
    if (m.tag !== 'Put') return;
    assert.equal(typeof m.item.inner.k, 'number', 'an i32 field holds a number');
    assert.equal(Object.getPrototypeOf(m.list), Array.prototype);
    assert.deepEqual(Object.keys(m.list), ['0', '1'], 'the receiver\'s array is not the sender\'s (which it mutated after sending)');
    assert.deepEqual([...m.list], [1, 2]);
  });
}

test('a kernel error a program catches cannot serve as a mailbox to another process', async () => {
  const b = await sys();
  const w = await run(b, 'mailbox', { params: { role: 'writer' } });
  const r = await run(b, 'mailbox', { params: { role: 'reader' } });
  assert.deepEqual(w.lines, ['refused']);
  assert.deepEqual(r.lines, ['read undefined']);
});

test('assigning to the runtime module namespace directly is refused at compile time', async () => {
  const src = `import * as rt from 'sing/runtime';
rt.x = 1;
export default rt.defineProgram({ name: 'x', main() { return 0; } });`;
  await assert.rejects(image('rt-assign', src), { code: 'E_BUNDLE' });
});

test('reserved names, top-level await and arguments outside a function are refused at compile time with E_SEAL', async () => {
  const cases: Record<string, string> = {
    guard: `import { defineProgram } from 'sing/runtime';
const __sing$g = { d: false };
export default defineProgram({ name: 'x', main() { return __sing$g.d ? 1 : 0; } });`,
    guardUse: `import { defineProgram } from 'sing/runtime';
export default defineProgram({ name: 'x', main() { __sing$g.d = true; return 0; } });`,
    runtime: `import { defineProgram } from 'sing/runtime';
export default defineProgram({ name: 'x', main() { return typeof __sing$rt; } });`,
    tla: `import { defineProgram } from 'sing/runtime';
const v = await Promise.resolve(1);
export default defineProgram({ name: 'x', main() { return v; } });`,
    // A top-level arrow has no arguments of its own: it would see the image wrapper's (the guard).
    arrowArguments: `import { defineProgram } from 'sing/runtime';
const grab = (): unknown => arguments[0];
export default defineProgram({ name: 'x', main() { return grab() === undefined ? 0 : 1; } });`,
  };
  for (const [name, src] of Object.entries(cases)) {
    await assert.rejects(image(`seal-${name}`, src), { code: 'E_SEAL' }, name);
  }
});

test('imports outside the closed world are refused at compile time with E_BUNDLE', async () => {
  const outside = fileURLToPath(new URL('../src/kernel/kernel.ts', import.meta.url));
  const cases: Record<string, string> = {
    nodeFs: `import x from 'node:fs';`,
    bareFs: `import * as x from 'fs';`,
    sideEffectOnly: `import 'node:child_process'; const x = 0;`,
    requireLiteral: `const x = require('node:fs');`,
    parent: `import x from '../../etc';`,
    hostFile: `import x from '../../etc/passwd';`,
    absolute: `import x from ${JSON.stringify(outside)};`,
    relativeKernel: `import { Kernel as x } from '../..${outside}';`,
    kernelSpecifier: `import { Kernel as x } from 'sing/kernel';`,
    missingContract: `import { X as x } from 'sing/contracts/no-such-contract';`,
    npmPackage: `import x from 'esbuild';`,
  };
  for (const [name, head] of Object.entries(cases)) {
    const src = `${head}\nimport { defineProgram } from 'sing/runtime';\nexport default defineProgram({ name: 'x', main() { return typeof x === 'undefined' ? 0 : 1; } });\n`;
    await assert.rejects(image(`bundle-${name}`, src), { code: 'E_BUNDLE' }, name);
  }
});

test('an unused import outside the closed world never reaches the image', async () => {
  // TypeScript elides an import nobody uses before the bundler resolves anything, so it is not
  // refused here (the install-time verifier of issue #4 reports it); what matters for isolation
  // is that nothing of it is in the sealed image.
  const src = `import fs from 'node:fs';\nimport { defineProgram } from 'sing/runtime';\nexport default defineProgram({ name: 'x', main() { return 0; } });\n`;
  const img = await image('bundle-unused', src);
  assert.doesNotMatch(img.code, /node:fs|\bfs\b/);
});

for (const [what, body] of [
  ['a dynamic import()', `const m = 'node:fs'; const fs = await import(m); return fs ? 1 : 0;`],
  ['a direct eval', `return eval('1');`],
] as const) {
  test(`${what} never gets to run: the program is refused at compile or install time`, async () => {
    const src = `import { defineProgram } from 'sing/runtime';
export default defineProgram({ name: 'dyn', async main() { ${body} } });`;
    const b = await boot({});
    let refused: unknown;
    try {
      b.k.install(await image(`dyn-${what.length}`, src));
    } catch (e) {
      refused = e;
    }
    assert.ok(refused !== undefined, 'the image was accepted');
    assert.ok(['E_SEAL', 'E_BUNDLE', 'E_IMAGE'].includes((refused as { code?: string }).code ?? ''), String(refused));
    assert.deepEqual(b.k.programs(), []);
  });
}

// Programs whose hostile values reach the kernel's own code (a Proxy whose traps throw, returned
// or thrown): run in a child process so that a host crash is reported rather than fatal.
function crashHost(which: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const script = fileURLToPath(new URL('./fixtures/crash-host.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, which], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, 15_000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out }); });
  });
}

const crashRuns = new Map<string, Promise<{ code: number | null; out: string }>>();
function crashRun(which: string): Promise<{ code: number | null; out: string }> {
  let p = crashRuns.get(which);
  if (p === undefined) { p = crashHost(which); crashRuns.set(which, p); }
  return p;
}
// Start them all at once: each takes a second or two, mostly tsx starting up.
const CRASH_CASES = ['thread-returns-proxy', 'return-proxy', 'throw-proxy', 'async-throw-proxy'] as const;

for (const which of CRASH_CASES) {
  test(`a hostile value reaching the kernel (${which}) ends only that process; the host survives`, async () => {
    for (const c of CRASH_CASES) void crashRun(c);
    const { code, out } = await crashRun(which);
    assert.equal(code, 0, out);
    assert.match(out, /^HEALTHY$/m, out);
    const line = /^STATUS (.*)$/m.exec(out);
    assert.ok(line !== null, out);
    const st = JSON.parse(line[1] as string) as ExitStatus | null;
    assert.ok(st !== null, `the hostile process never ended:\n${out}`);
    if (which !== 'thread-returns-proxy' && which !== 'return-proxy') assert.equal(st.state, 'failed');
  });
}

test('after all of the above the shared kernel still runs processes and reports sensible ps()', async () => {
  const b = await sys();
  await kernelStillWorks(b);
  for (const p of b.k.ps()) assert.ok(p.state === 'running' || p.state === 'created', JSON.stringify(p));
});
