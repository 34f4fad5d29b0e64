// The name service: register, bind, accept/refuse, failures reported as values, and names that
// go with their provider.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { compileImage, type ImageSource, type Spawned } from '../src/index.ts';
import { boot, said, sharedBoot, until, within, type Booted } from './kit.ts';

const demo = (name: string): Promise<ImageSource> =>
  compileImage(name, { root: fileURLToPath(new URL(`../examples/demo/${name}`, import.meta.url)), entry: 'main.ts' });

const PROGRAMS = {
  // Binds a path at run time with a fresh channel of the named contract and reports the result;
  // on success with the calculator, adds 2 + 40.
  binder: `
import { defineProgram, str, enumOf } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'binder',
  parameters: { path: str, which: enumOf('calc', 'echo') },
  console: true,
  async main({ abi, params, console }) {
    if (params.which === 'calc') {
      const { imp, exp } = abi.channel(Calculator);
      const r = await abi.bind(params.path, exp);
      console.log('bind ' + JSON.stringify(r));
      if (!r.ok) { console.log('after ' + (await imp.receive()).tag); return 0; }
      const ready = await imp.expect('Ready');
      const m = await ready.ep.send('Add', { a: 2, b: 40 }).receive();
      if (m.tag !== 'Sum') return 1;
      console.log('sum ' + m.value);
      m.ep.send('Bye');
      return 0;
    }
    const { imp, exp } = abi.channel(Echo);
    const r = await abi.bind(params.path, exp);
    console.log('bind ' + JSON.stringify(r));
    if (!r.ok) { console.log('after ' + (await imp.receive()).tag); return 0; }
    const m = await imp.send('Ping', { x: 1 }).receive();
    console.log('echo ' + m.tag + (m.tag === 'Pong' ? ' ' + m.x : ''));
    if (m.tag === 'Pong') m.ep.send('Bye');
    return 0;
  },
});
`,

  // Provides /svc/echo through its manifest; serves every client in a thread.
  acceptor: `
import { defineProgram, type Exp } from 'sing/runtime';
import { Echo } from './contracts.ts';
async function serve(ep) {
  let idle = ep;
  for (;;) {
    const m = await idle.receive();
    if (m.tag !== 'Ping') return;
    idle = m.ep.send('Pong', { x: m.x + 100 });
  }
}
export default defineProgram({
  name: 'acceptor',
  exports: { svc: Echo.exp('/svc/echo') },
  console: true,
  async main({ abi, svc, console }) {
    console.log('serving');
    let listener = svc;
    for (;;) {
      const m = await listener.receive();
      if (m.tag === '$closed') return 0;
      abi.spawn(serve, m.client);
      listener = m.ep.send('Accept');
    }
  },
});
`,

  // Registers /svc/picky at run time and refuses everyone.
  picky: `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'picky',
  console: true,
  async main({ abi, console }) {
    let listener = abi.register('/svc/picky', Echo);
    console.log('registered');
    for (;;) {
      const m = await listener.receive();
      if (m.tag === '$closed') return 0;
      listener = m.ep.send('Refuse', { reason: 'full', client: m.client });
    }
  },
});
`,

  // Registers /svc/ghost and dies on the first Connect without answering.
  ghost: `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'ghost',
  console: true,
  async main({ abi, console }) {
    const listener = abi.register('/svc/ghost', Echo);
    console.log('registered');
    await listener.receive();
    throw new Error('ghost vanishes mid-bind');
  },
});
`,

  // Exercises register/deregister errors and reports each outcome.
  registrar: `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'registrar',
  console: true,
  async main({ abi, console }) {
    const t = (what, f) => { try { f(); console.log(what + ' ok'); } catch (e) { console.log(what + ' ' + e.code); } };
    t('first', () => abi.register('/svc/reg', Echo));
    t('again', () => abi.register('/svc/reg', Echo));
    t('taken-by-other', () => abi.register('/svc/picky', Echo));
    t('bad-path', () => abi.register('no slash', Echo));
    t('not-a-contract', () => abi.register('/svc/nc', { name: 'Fake' }));
    t('deregister-other', () => abi.deregister('/svc/picky'));
    t('deregister-missing', () => abi.deregister('/svc/none'));
    console.log('registered');
    await abi.yield();
    t('deregister-own', () => abi.deregister('/svc/reg'));
    await abi.sleep(60_000);
    return 0;
  },
});
`,

  // Registers three names and waits.
  multi: `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'multi',
  console: true,
  async main({ abi, console }) {
    abi.register('/multi/a', Echo);
    abi.register('/multi/b', Echo);
    abi.register('/multi/c', Echo);
    console.log('registered');
    await abi.sleep(60_000);
    return 0;
  },
});
`,

  // Wants to provide /service/calc too (through its manifest).
  usurper: `
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';
export default defineProgram({
  name: 'usurper',
  exports: { calc: Calculator.exp('/service/calc') },
  console: true,
  async main({ console }) {
    console.log('unreachable: started without its name');
    return 0;
  },
});
`,
};

const sys = sharedBoot(async () => {
  const [calc, adder] = await Promise.all([demo('calc'), demo('adder')]);
  return { ...PROGRAMS, calc, adder };
});

async function bindResult(b: Booted, path: string, which: 'calc' | 'echo'): Promise<{ lines: string[]; result: Record<string, unknown> }> {
  const s = b.k.spawn('binder', { params: { path, which } });
  const st = await within(s.join());
  assert.equal(st.state, 'exited', JSON.stringify(st));
  const lines = said(b, s.pid);
  const first = lines[0] ?? '';
  assert.ok(first.startsWith('bind '), `binder said ${JSON.stringify(lines)}`);
  return { lines, result: JSON.parse(first.slice(5)) as Record<string, unknown> };
}

let calc: Spawned | undefined;
/** The calc service, started if it is not running. */
async function calcRunning(b: Booted): Promise<Spawned> {
  if (calc !== undefined && calc.state === 'running') return calc;
  const c = b.k.spawn('calc');
  calc = c;
  await until(() => b.k.names.list().some((e) => e.path === '/service/calc' && e.pid === c.pid), '/service/calc');
  return c;
}

test('a provider\'s manifest export is registered at start and listed with its pid and contract', async () => {
  const b = await sys();
  const c = await calcRunning(b);
  const entry = b.k.names.list().find((e) => e.path === '/service/calc');
  assert.deepEqual(entry, { path: '/service/calc', pid: c.pid, contract: 'Calculator', mount: false });
  assert.deepEqual(b.k.ps().find((p) => p.pid === c.pid)?.names, ['/service/calc']);
});

test('the demo adder binds /service/calc through its manifest and gets its sum; the service serves client after client', async () => {
  const b = await sys();
  await calcRunning(b);
  for (const [a, c] of [[2, 3], [-7, 10]] as const) {
    const s = b.k.spawn('adder', { params: { a, b: c } });
    const st = await within(s.join());
    assert.deepEqual({ state: st.state, code: st.code }, { state: 'exited', code: 0 });
    assert.deepEqual(said(b, s.pid), [`${a} + ${c} = ${a + c}`]);
  }
});

test('abi.bind at run time connects to the provider, which accepts; the channel then works', async () => {
  const b = await sys();
  await calcRunning(b);
  const { lines, result } = await bindResult(b, '/service/calc', 'calc');
  assert.deepEqual(result, { ok: true });
  assert.deepEqual(lines.slice(1), ['sum 42']);
});

test('binding a name nobody provides answers E_NO_NAME, and closes the endpoint that was offered', async () => {
  const b = await sys();
  const { lines, result } = await bindResult(b, '/service/nobody', 'echo');
  assert.equal(result['ok'], false);
  assert.equal(result['code'], 'E_NO_NAME');
  assert.equal(typeof result['reason'], 'string');
  assert.deepEqual(lines.slice(1), ['after $closed']);
});

test('a provider that refuses a client answers E_REFUSED with its reason', async () => {
  const b = await sys();
  const p = b.k.spawn('picky');
  await until(() => said(b, p.pid).includes('registered'));
  const { lines, result } = await bindResult(b, '/svc/picky', 'echo');
  assert.equal(result['ok'], false);
  assert.equal(result['code'], 'E_REFUSED');
  assert.match(String(result['reason']), /full/);
  assert.deepEqual(lines.slice(1), ['after $closed']);
  // The provider is unharmed and refuses the next client too.
  assert.equal((await bindResult(b, '/svc/picky', 'echo')).result['code'], 'E_REFUSED');
  p.stop();
});

test('binding with a different contract than the provider speaks answers E_CONTRACT', async () => {
  const b = await sys();
  await calcRunning(b);
  const { result } = await bindResult(b, '/service/calc', 'echo');
  assert.equal(result['ok'], false);
  assert.equal(result['code'], 'E_CONTRACT');
  // The provider is unaffected.
  assert.deepEqual((await bindResult(b, '/service/calc', 'calc')).result, { ok: true });
});

test('a provider that dies during a bind answers E_GONE, and its name goes', async () => {
  const b = await sys();
  const g = b.k.spawn('ghost');
  await until(() => said(b, g.pid).includes('registered'));
  const { result } = await bindResult(b, '/svc/ghost', 'echo');
  assert.equal(result['ok'], false);
  assert.equal(result['code'], 'E_GONE');
  assert.equal((await within(g.join())).reason, 'error');
  assert.ok(!b.k.names.list().some((e) => e.path === '/svc/ghost'));
});

test('several clients binding one path at once are all served', async () => {
  const b = await sys();
  const a = b.k.spawn('acceptor');
  await until(() => said(b, a.pid).includes('serving'));
  const clients = [0, 1, 2, 3].map(() => b.k.spawn('binder', { params: { path: '/svc/echo', which: 'echo' } }));
  for (const c of clients) {
    assert.equal((await within(c.join())).state, 'exited');
    assert.deepEqual(said(b, c.pid), ['bind {"ok":true}', 'echo Pong 101']);
  }
  a.stop();
  assert.ok(!b.k.names.list().some((e) => e.path === '/svc/echo'));
});

test('names of a dead provider are removed; later binds answer E_NO_NAME and a manifest import then fails with reason start', async () => {
  const b = await sys();
  const c = await calcRunning(b);
  c.stop();
  assert.equal((await within(c.join())).reason, 'killed');
  assert.ok(!b.k.names.list().some((e) => e.path === '/service/calc'));
  assert.equal((await bindResult(b, '/service/calc', 'calc')).result['code'], 'E_NO_NAME');
  const s = b.k.spawn('adder', { params: { a: 1, b: 1 } });
  const as = await within(s.join());
  assert.equal(as.state, 'failed');
  assert.equal(as.reason, 'start');
  assert.equal(as.error?.code, 'E_BIND');
  assert.match(as.error?.message ?? '', /\/service\/calc/);
  assert.deepEqual(said(b, s.pid), [], 'main never ran');
});

test('a program whose manifest import cannot be bound fails with reason start and never runs', async () => {
  const [adder] = await Promise.all([demo('adder')]);
  const b = await boot({ adder });
  const s = b.k.spawn('adder', { params: { a: 1, b: 2 } });
  const st = await within(s.join());
  assert.deepEqual({ state: st.state, reason: st.reason, code: st.code }, { state: 'failed', reason: 'start', code: 1 });
  assert.equal(st.error?.code, 'E_BIND');
  assert.deepEqual(b.lines, []);
  assert.deepEqual(b.k.ps(), []);
});

test('a program whose manifest export is already taken fails with reason start', async () => {
  const b = await sys();
  const c = await calcRunning(b);
  const s = b.k.spawn('usurper');
  const st = await within(s.join());
  assert.deepEqual({ state: st.state, reason: st.reason }, { state: 'failed', reason: 'start' });
  assert.equal(st.error?.code, 'E_NAME_TAKEN');
  assert.deepEqual(said(b, s.pid), []);
  assert.equal(b.k.names.list().find((e) => e.path === '/service/calc')?.pid, c.pid, 'the name still belongs to the calc');
});

test('register and deregister report misuse with stable codes, and deregister frees the name', async () => {
  const b = await sys();
  const p = b.k.spawn('picky');
  await until(() => said(b, p.pid).includes('registered'));
  const s = b.k.spawn('registrar');
  await until(() => said(b, s.pid).includes('deregister-own ok'), 'the registrar to deregister');
  assert.deepEqual(said(b, s.pid), [
    'first ok',
    'again E_NAME_TAKEN',
    'taken-by-other E_NAME_TAKEN',
    'bad-path E_NAME_PATH',
    'not-a-contract E_NAME_CONTRACT',
    'deregister-other E_NAME_NOT_OWNER',
    'deregister-missing E_NAME_NOT_OWNER',
    'registered',
    'deregister-own ok',
  ]);
  assert.ok(!b.k.names.list().some((e) => e.path === '/svc/reg'));
  assert.deepEqual(b.k.ps().find((x) => x.pid === s.pid)?.names, []);
  assert.equal(b.k.names.list().find((e) => e.path === '/svc/picky')?.pid, p.pid, 'the other provider kept its name');
  s.stop();
  p.stop();
});

test('every name of a dead process is removed, however many it had', async () => {
  const b = await sys();
  const s = b.k.spawn('multi');
  await until(() => said(b, s.pid).includes('registered'));
  assert.equal(b.k.names.list().filter((e) => e.path.startsWith('/multi/')).length, 3);
  s.stop();
  assert.deepEqual(b.k.names.list().filter((e) => e.path.startsWith('/multi/')), []);
});
