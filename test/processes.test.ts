// Processes: life cycle, exit codes and reasons, the process table, events, parameters, startup
// endpoints, threads, yield and sleep, and per-instance module state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, type KernelEvent } from '../src/index.ts';
import { ABI_VERSION } from '../src/runtime/index.ts';
import { boot, said, sharedBoot, ECHO_SERVER, image, marks, turns, until, within } from './kit.ts';
import { Box, Echo } from './fixtures/contracts.ts';

const PROGRAMS = {
  echo: ECHO_SERVER,

  // Ends the way its parameter says.
  ender: `
import { defineProgram, enumOf } from 'sing/runtime';
import { marker } from './probe.ts';
export default defineProgram({
  name: 'ender',
  parameters: { how: enumOf('return-3', 'return-nothing', 'return-fraction', 'return-string', 'exit-4', 'exit-default', 'sync-return-2') },
  async main({ abi, params }) {
    const mark = marker(abi);
    switch (params.how) {
      case 'return-3': return 3;
      case 'return-nothing': return;
      case 'return-fraction': return 1.5;
      case 'return-string': return 'nine';
      case 'exit-4': abi.exit(4); mark('after-exit'); return 0;
      case 'exit-default': abi.exit(); mark('after-exit'); return 0;
    }
    return 0;
  },
});
`,

  syncmain: `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: 'syncmain',
  main() { return 2; },
});
`,

  // Reports its pid, parameters and ABI version; checks its params are a frozen copy.
  reporter: `
import { defineProgram, i32, str, bool, record, enumOf } from 'sing/runtime';
export default defineProgram({
  name: 'reporter',
  parameters: { n: i32, s: str, b: bool, e: enumOf('x', 'y'), r: record({ k: i32, inner: record({ t: str }) }) },
  console: true,
  async main({ abi, params, console }) {
    await abi.sleep(5);
    console.log('pid ' + abi.pid());
    console.log('version ' + abi.version);
    console.log('params ' + JSON.stringify(params));
    console.log('frozen ' + Object.isFrozen(params));
    return 0;
  },
});
`,

  // Creates a child (without starting it unless told), reports what it sees.
  family: `
import { defineProgram, bool } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'family',
  parameters: { startChild: bool },
  console: true,
  async main({ abi, params, console }) {
    const { imp, exp } = abi.channel(Echo);
    const child = abi.create('echo', { endpoints: { ep: exp } });
    console.log('child ' + JSON.stringify({ pid: child.pid, program: child.program }));
    if (!params.startChild) { await abi.sleep(60_000); return 0; }
    abi.start(child);
    const m = await imp.send('Ping', { x: 1 }).receive();
    console.log('reply ' + m.tag);
    if (m.tag === 'Pong') m.ep.send('Bye');
    const [a, b] = await Promise.all([abi.join(child), abi.join(child)]);
    console.log('joins ' + JSON.stringify([a.reason, b.reason, a.code]));
    abi.stop(child);
    console.log('stopped a dead child: fine');
    return 0;
  },
});
`,

  // Threads share the process's state; a spawned function gets its arguments.
  threads: `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: 'threads',
  console: true,
  async main({ abi, console }) {
    const seen = [];
    let left = 3;
    let wake;
    const allDone = new Promise((r) => { wake = r; });
    const worker = async (name, n) => {
      for (let i = 0; i < n; i++) { seen.push(name + i); await abi.yield(); }
      if (--left === 0) wake();
    };
    abi.spawn(worker, 'a', 3);
    abi.spawn(worker, 'b', 3);
    abi.spawn(worker, 'c', 1);
    await allDone;
    console.log('seen ' + JSON.stringify(seen.slice().sort()));
    console.log('interleaved ' + (seen.indexOf('b0') < seen.indexOf('a2')));
    return 0;
  },
});
`,

  // main returns while a thread still waits: the process ends and the thread never resumes.
  leaver: `
import { defineProgram } from 'sing/runtime';
import { marker } from './probe.ts';
export default defineProgram({
  name: 'leaver',
  async main({ abi }) {
    const mark = marker(abi);
    abi.spawn(async () => { await abi.sleep(5); mark('thread-after-main'); });
    await abi.yield();
    return 0;
  },
});
`,

  // Two processes taking turns through abi.yield.
  turntaker: `
import { defineProgram, str } from 'sing/runtime';
export default defineProgram({
  name: 'turntaker',
  parameters: { name: str },
  console: true,
  async main({ abi, params, console }) {
    for (let i = 0; i < 3; i++) { console.log(params.name + i); await abi.yield(); }
    return 0;
  },
});
`,

  // Sleeps and reports the clock.
  timer: `
import { defineProgram, i32 } from 'sing/runtime';
export default defineProgram({
  name: 'timer',
  parameters: { ms: i32 },
  console: true,
  async main({ abi, params, console }) {
    const t0 = abi.now();
    try { await abi.sleep(-1); console.log('negative sleep accepted'); } catch (e) { console.log('negative sleep: ' + e.constructor.name); }
    await abi.sleep(params.ms);
    console.log('slept ' + (abi.now() - t0));
    return 0;
  },
});
`,

  // Reports the calendar time.
  calendar: `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: 'calendar',
  console: true,
  main({ abi, console }) {
    console.log(String(abi.time()));
    return 0;
  },
});
`,

  // Module-level state made with a constructor: private to each instance.
  counter: `
import { defineProgram } from 'sing/runtime';
const seen = new Map();
export default defineProgram({
  name: 'counter',
  console: true,
  async main({ abi, console }) {
    seen.set(abi.pid(), true);
    console.log('instances seen ' + seen.size);
    return 0;
  },
});
`,

  // Module-level let, incremented by each instance.
  letcounter: `
import { defineProgram } from 'sing/runtime';
let count = 0;
export default defineProgram({
  name: 'letcounter',
  console: true,
  async main({ console }) {
    count += 1;
    console.log('count ' + count);
    return 0;
  },
});
`,

  // Polls a flag another thread sets, awaiting a plain value between polls.
  poller: `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: 'poller',
  console: true,
  async main({ abi, console }) {
    let done = false;
    abi.spawn(() => { done = true; });
    let i = 0;
    for (; i < 1000 && !done; i++) await null;
    console.log('saw the flag: ' + done);
    return 0;
  },
});
`,

  boxkeeper: `
import { defineProgram } from 'sing/runtime';
import { Box } from './contracts.ts';
export default defineProgram({
  name: 'boxkeeper',
  endpoints: { box: Box.exp() },
  async main({ box }) {
    const m = await box.receive();
    if (m.tag !== 'Put') return 1;
    m.ep.send('Got', { item: m.item, list: m.list });
    return 0;
  },
});
`,
};

const sys = sharedBoot(PROGRAMS);

const ENDINGS = [
  ['return-3', 'exited', 3, 'returned'],
  ['return-nothing', 'exited', 0, 'returned'],
  ['return-fraction', 'exited', 0, 'returned'],
  ['return-string', 'exited', 0, 'returned'],
  ['exit-4', 'exited', 4, 'exit'],
  ['exit-default', 'exited', 0, 'exit'],
] as const;

for (const [how, state, code, reason] of ENDINGS) {
  test(`a process that ends by ${how} exits with code ${code} and reason ${reason}`, async () => {
    const b = await sys();
    const s = b.k.spawn('ender', { params: { how } });
    const st = await within(s.join());
    assert.deepEqual({ pid: st.pid, program: st.program, state: st.state, code: st.code, reason: st.reason }, { pid: s.pid, program: 'ender', state, code, reason });
    assert.equal(st.error, undefined);
    await turns();
    assert.deepEqual(marks(b.k, s.pid), [], 'nothing after exit() ran');
  });
}

test('a non-async main that returns a number exits with that code', async () => {
  const b = await sys();
  const st = await within(b.k.spawn('syncmain').join());
  assert.deepEqual({ state: st.state, code: st.code, reason: st.reason }, { state: 'exited', code: 2, reason: 'returned' });
});

test('spawn runs at once: the state goes running, then exited; the table forgets the process', async () => {
  const b = await sys();
  const s = b.k.spawn('ender', { params: { how: 'return-3' } });
  assert.equal(s.state, 'running');
  assert.ok(b.k.ps().some((p) => p.pid === s.pid && p.state === 'running' && p.ppid === 0 && p.program === 'ender'));
  await within(s.join());
  assert.equal(s.state, 'exited');
  assert.ok(!b.k.ps().some((p) => p.pid === s.pid));
});

test('pids are unique and abi.pid() is the pid the host sees; parameters arrive typed, copied and frozen; the ABI is versioned', async () => {
  const b = await sys();
  const r = { k: 7, inner: { t: 'deep' } };
  const s = b.k.spawn('reporter', { params: { n: -5, s: 'hi', b: true, e: 'y', r } });
  r.inner.t = 'changed by the host after spawn';
  r.k = 8;
  const other = b.k.spawn('ender', { params: { how: 'return-3' } });
  assert.notEqual(s.pid, other.pid);
  await within(s.join());
  assert.deepEqual(said(b, s.pid), [
    `pid ${s.pid}`,
    `version ${ABI_VERSION}`,
    'params {"n":-5,"s":"hi","b":true,"e":"y","r":{"k":7,"inner":{"t":"deep"}}}',
    'frozen true',
  ]);
});

test('the host\'s spawn with bad parameters throws E_PARAMS and creates nothing', async () => {
  const b = await sys();
  const events: KernelEvent[] = [];
  const off = b.k.observe((e) => { events.push(e); });
  const before = b.k.ps().length;
  const good = { n: 1, s: 's', b: false, e: 'x', r: { k: 1, inner: { t: 't' } } };
  const bad: Record<string, unknown>[] = [
    { ...good, n: 2 ** 31 },
    { ...good, s: 5 },
    { ...good, e: 'z' },
    { ...good, r: { k: 1 } },
    { ...good, r: { k: 1, inner: { t: 1 } } },
    { ...good, extra: 1 },
    { n: 1 },
  ];
  for (const params of bad) assert.throws(() => b.k.spawn('reporter', { params }), { code: 'E_PARAMS' }, JSON.stringify(params));
  assert.throws(() => b.k.spawn('reporter'), { code: 'E_PARAMS' });
  assert.throws(() => b.k.spawn('no-such-program'), { code: 'E_NO_PROGRAM' });
  off();
  assert.equal(b.k.ps().length, before);
  assert.deepEqual(events, []);
});

test('the host\'s spawn with a wrong startup endpoint throws E_ENDPOINTS and leaves the endpoint with the host', async () => {
  const b = await sys();
  const box = b.k.hostChannel(Box);
  const echo = b.k.hostChannel(Echo);
  assert.throws(() => b.k.spawn('echo', { endpoints: { ep: box.exp } }), { code: 'E_ENDPOINTS' });
  assert.throws(() => b.k.spawn('echo', { endpoints: { ep: echo.imp } }), { code: 'E_ENDPOINTS' });
  assert.throws(() => b.k.spawn('echo', { endpoints: {} }), { code: 'E_ENDPOINTS' });
  assert.throws(() => b.k.spawn('echo'), { code: 'E_ENDPOINTS' });
  assert.throws(() => b.k.spawn('echo', { endpoints: { ep: echo.exp, more: box.exp } }), { code: 'E_ENDPOINTS' });
  // Nothing moved: both ends still work for the host.
  const s = b.k.spawn('boxkeeper', { endpoints: { box: box.exp } });
  const r = await within(box.imp.send('Put', { item: { n: 1, label: 'l', inner: { k: 2, flag: false } }, list: [] }).receive());
  assert.equal(r.tag, 'Got');
  assert.equal((await within(s.join())).code, 0);
  const e = b.k.spawn('echo', { endpoints: { ep: echo.exp } });
  const p = await within(echo.imp.send('Ping', { x: 1 }).receive());
  assert.equal(p.tag, 'Pong');
  if (p.tag === 'Pong') p.ep.send('Bye');
  assert.equal((await within(e.join())).code, 0);
});

test('a startup endpoint moves to the new process: the host\'s handle is revoked', async () => {
  const b = await sys();
  const { imp, exp } = b.k.hostChannel(Echo);
  const s = b.k.spawn('echo', { endpoints: { ep: exp } });
  assert.throws(() => exp.receive(), { code: 'E_REVOKED' });
  imp.send('Bye');
  assert.equal((await within(s.join())).code, 0);
});

test('ps() shows parent links, states, endpoint counts and names; a created child stays created until started', async () => {
  const b = await sys();
  const s = b.k.spawn('family', { params: { startChild: false } });
  await until(() => said(b, s.pid).length > 0);
  const child = JSON.parse((said(b, s.pid)[0] as string).slice(6)) as { pid: number; program: string };
  assert.equal(child.program, 'echo');
  const ps = b.k.ps();
  const me = ps.find((p) => p.pid === s.pid);
  const kid = ps.find((p) => p.pid === child.pid);
  assert.deepEqual(me && { ppid: me.ppid, program: me.program, state: me.state, names: me.names }, { ppid: 0, program: 'family', state: 'running', names: [] });
  assert.deepEqual(kid && { ppid: kid.ppid, program: kid.program, state: kid.state }, { ppid: s.pid, program: 'echo', state: 'created' });
  assert.equal(kid?.endpoints, 1, 'the child owns the endpoint it was given');
  assert.equal(me?.endpoints, 2, 'the parent owns its import end and its console');
  s.stop();
});

test('a parent starts, joins (twice, concurrently) and may stop an already-ended child', async () => {
  const b = await sys();
  const s = b.k.spawn('family', { params: { startChild: true } });
  const st = await within(s.join());
  assert.equal(st.code, 0, JSON.stringify(st));
  assert.deepEqual(said(b, s.pid).slice(1), ['reply Pong', 'joins ["returned","returned",0]', 'stopped a dead child: fine']);
});

test('observers see create, start and exit events, with the parent\'s pid', async () => {
  const b = await sys();
  const events: KernelEvent[] = [];
  const off = b.k.observe((e) => { events.push(e); });
  const s = b.k.spawn('family', { params: { startChild: true } });
  await within(s.join());
  off();
  const child = events.find((e) => e.type === 'create' && e.program === 'echo');
  assert.ok(child !== undefined);
  const mine = events.filter((e) => e.pid === s.pid || e.pid === child.pid).map((e) => `${e.type} ${e.program} ppid=${e.ppid}${e.type === 'exit' ? ` ${e.status.reason}` : ''}`);
  assert.deepEqual(mine, [
    'create family ppid=0',
    'start family ppid=0',
    `create echo ppid=${s.pid}`,
    `start echo ppid=${s.pid}`,
    `exit echo ppid=${s.pid} returned`,
    'exit family ppid=0 returned',
  ]);
});

test('threads run concurrently, share their process\'s state, and get their arguments', async () => {
  const b = await sys();
  const s = b.k.spawn('threads');
  assert.equal((await within(s.join())).code, 0);
  assert.deepEqual(said(b, s.pid), ['seen ["a0","a1","a2","b0","b1","b2","c0"]', 'interleaved true']);
});

test('when main returns, the process ends and its other threads never resume', async () => {
  const b = await sys();
  const s = b.k.spawn('leaver');
  const st = await within(s.join());
  assert.deepEqual({ state: st.state, reason: st.reason }, { state: 'exited', reason: 'returned' });
  await new Promise((r) => { setTimeout(r, 20); });
  assert.deepEqual(marks(b.k, s.pid), []);
});

test('abi.yield lets other processes run before the caller continues', async () => {
  const b = await sys();
  const a = b.k.spawn('turntaker', { params: { name: 'a' } });
  const c = b.k.spawn('turntaker', { params: { name: 'c' } });
  await within(a.join());
  await within(c.join());
  const order = b.lines.filter((l) => l.pid === a.pid || l.pid === c.pid).map((l) => l.text);
  assert.equal(order.length, 6);
  assert.ok(order.indexOf('c0') < order.indexOf('a2'), `one process ran to the end first: ${order.join(' ')}`);
  assert.ok(order.indexOf('a0') < order.indexOf('c2'), `one process ran to the end first: ${order.join(' ')}`);
});

test('abi.sleep resumes only when the kernel clock has advanced; abi.now reads that clock; a negative sleep is a TypeError', async () => {
  const clock = new ManualClock();
  const b = await boot({ timer: PROGRAMS.timer }, { clock });
  const s = b.k.spawn('timer', { params: { ms: 50 } });
  await until(() => clock.pending === 1, 'the sleep to start');
  assert.deepEqual(said(b, s.pid), ['negative sleep: TypeError']);
  clock.advance(49);
  await turns(5);
  assert.equal(s.state, 'running');
  assert.equal(said(b, s.pid).length, 1);
  clock.advance(1);
  const st = await within(s.join());
  assert.equal(st.code, 0);
  assert.deepEqual(said(b, s.pid), ['negative sleep: TypeError', 'slept 50']);
});

test('abi.time is the calendar time of the kernel\'s clock: the host\'s on a real clock, 0 on a manual one', async () => {
  const real = await boot({ calendar: PROGRAMS.calendar });
  const before = Date.now();
  const s = real.k.spawn('calendar');
  await within(s.join());
  const t = Number(said(real, s.pid)[0]);
  assert.ok(t >= before && t <= Date.now(), `${t} lies between ${before} and now`);
  const manual = await boot({ calendar: PROGRAMS.calendar }, { clock: new ManualClock() });
  const m = manual.k.spawn('calendar');
  await within(m.join());
  assert.deepEqual(said(manual, m.pid), ['0']);
});

test('module state made at module level is private to each instance', async () => {
  const b = await sys();
  for (let i = 0; i < 3; i++) {
    const s = b.k.spawn('counter');
    await within(s.join());
    assert.deepEqual(said(b, s.pid), ['instances seen 1']);
  }
});

test('a module-level let can be updated, separately in each instance', async () => {
  const b = await sys();
  for (let i = 0; i < 2; i++) {
    const s = b.k.spawn('letcounter');
    const st = await within(s.join());
    assert.equal(st.reason, 'returned', JSON.stringify(st));
    assert.deepEqual(said(b, s.pid), ['count 1']);
  }
});

test('awaiting a plain value lets the process\'s other threads run, as in JavaScript', async () => {
  const b = await sys();
  const s = b.k.spawn('poller');
  await within(s.join());
  assert.deepEqual(said(b, s.pid), ['saw the flag: true']);
});

test('installing is idempotent for the same image, refused for another image under the same name, and undone by uninstall', async () => {
  const b = await boot({});
  const one = await image('solo', `import { defineProgram } from 'sing/runtime';\nexport default defineProgram({ name: 'solo', main() { return 1; } });`);
  const two = await image('solo', `import { defineProgram } from 'sing/runtime';\nexport default defineProgram({ name: 'solo', main() { return 2; } });`);
  b.k.install(one);
  b.k.install(one);
  assert.throws(() => b.k.install(two), { code: 'E_INSTALLED' });
  assert.equal((await within(b.k.spawn('solo').join())).code, 1);
  b.k.uninstall('solo');
  assert.deepEqual(b.k.programs(), []);
  assert.throws(() => b.k.spawn('solo'), { code: 'E_NO_PROGRAM' });
  b.k.install(two);
  assert.equal((await within(b.k.spawn('solo').join())).code, 2);
});

test('an image altered after sealing is refused at install', async () => {
  const b = await boot({});
  const img = await image('solo', `import { defineProgram } from 'sing/runtime';\nexport default defineProgram({ name: 'solo', main() { return 1; } });`);
  assert.throws(() => b.k.install({ ...img, code: img.code.replace('return 1', 'return 9') }), { code: 'E_IMAGE' });
  assert.deepEqual(b.k.programs(), []);
});

test('programs that are not programs fail at spawn with a clear code, and the kernel keeps going', async () => {
  const cases: Record<string, [string, string]> = {
    notProgram: ['E_NOT_PROGRAM', `export default { name: 'x', main() { return 0; } };`],
    initThrows: ['E_INIT', `import { defineProgram } from 'sing/runtime';\nconst boom = (() => { throw new Error('init'); })();\nexport default defineProgram({ name: 'x', main() { return boom; } });`],
    mainMissing: ['E_MANIFEST', `import { defineProgram } from 'sing/runtime';\nexport default defineProgram({ name: 'x', main: 5 });`],
    badName: ['E_MANIFEST', `import { defineProgram } from 'sing/runtime';\nexport default defineProgram({ name: 'not a name', main() { return 0; } });`],
    badParam: ['E_MANIFEST', `import { defineProgram } from 'sing/runtime';\nexport default defineProgram({ name: 'x', parameters: { n: 'i32' }, main() { return 0; } });`],
    reservedKey: ['E_MANIFEST', `import { defineProgram } from 'sing/runtime';\nimport { Echo } from './contracts.ts';\nexport default defineProgram({ name: 'x', endpoints: { abi: Echo.exp() }, main() { return 0; } });`],
    pathOnStartup: ['E_MANIFEST', `import { defineProgram } from 'sing/runtime';\nimport { Echo } from './contracts.ts';\nexport default defineProgram({ name: 'x', endpoints: { ep: Echo.exp('/svc/x') }, main() { return 0; } });`],
  };
  const progs: Record<string, string> = {};
  for (const [name, [, src]] of Object.entries(cases)) progs[`bad-${name}`] = src;
  const b = await boot({ ...progs, echo: ECHO_SERVER });
  for (const [name, [code]] of Object.entries(cases)) {
    assert.throws(() => b.k.spawn(`bad-${name}`), { code }, name);
  }
  assert.deepEqual(b.k.ps(), []);
  const { imp, exp } = b.k.hostChannel(Echo);
  const s = b.k.spawn('echo', { endpoints: { ep: exp } });
  imp.send('Bye');
  assert.equal((await within(s.join())).code, 0);
});

test('a program that defines an invalid contract never runs: it is refused at install or spawn, naming the cycle', async () => {
  const src = `import { defineProgram, contract, inn, out } from 'sing/runtime';
const Flood = contract('Flood', { messages: { Push: inn(), Ack: out() }, initial: 'Open', states: { Open: { Push: 'Open', Ack: 'Open' } } });
export default defineProgram({ name: 'flood', endpoints: { ep: Flood.exp() }, main() { return 0; } });`;
  const b = await boot({});
  let refused: unknown;
  try {
    b.k.install(await image('flood', src));
    b.k.spawn('flood');
  } catch (e) {
    refused = e;
  }
  assert.ok(refused instanceof Error, 'the program was accepted');
  assert.ok(['E_CONTRACT', 'E_IMAGE', 'E_INIT'].includes((refused as Error & { code?: string }).code ?? ''), String(refused));
  assert.match(refused.message, /Open -Push-> Open/);
  assert.deepEqual(b.k.ps(), []);
  assert.deepEqual(b.lines, []);
});
