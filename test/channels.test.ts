// Channels: request/reply, delivery then close, copying of value records, moving endpoints,
// select, and protocol violations that end only the offending process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedBoot, ECHO_SERVER, report, until, within, type Booted } from './kit.ts';
import { Box, Carrier, Echo, Stream } from './fixtures/contracts.ts';
import type { Exp, Imp } from '../src/runtime/index.ts';

const PROGRAMS = {
  echo: ECHO_SERVER,

  // Creates a channel, hands its export end to an echo child, pings it three times.
  client: `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'client',
  console: true,
  async main({ abi, console }) {
    const { imp, exp } = abi.channel(Echo);
    const child = abi.create('echo', { endpoints: { ep: exp } });
    abi.start(child);
    let idle = imp;
    const got = [];
    for (let i = 10; i < 13; i++) {
      const m = await idle.send('Ping', { x: i }).receive();
      if (m.tag !== 'Pong') return 1;
      got.push(m.x);
      idle = m.ep;
    }
    idle.send('Bye');
    const status = await abi.join(child);
    console.log('got ' + JSON.stringify(got));
    console.log('child ' + JSON.stringify(status));
    return 0;
  },
});
`,

  // Sends up to three Items, then ends as told: return, throw, or close the endpoint first.
  streamer: `
import { defineProgram, i32, enumOf } from 'sing/runtime';
import { Stream } from './contracts.ts';
export default defineProgram({
  name: 'streamer',
  parameters: { count: i32, how: enumOf('return', 'throw', 'close') },
  endpoints: { out: Stream.exp() },
  async main({ out, params }) {
    let ep = out;
    for (let i = 1; i <= params.count; i++) ep = ep.send('Item', { n: i });
    if (params.how === 'throw') throw new Error('streamer fails after sending');
    if (params.how === 'close') ep.close();
    return 0;
  },
});
`,

  // Receives one Ping and reports everything it sees afterwards.
  drain: `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'drain',
  endpoints: { ep: Echo.exp() },
  console: true,
  async main({ ep, console }) {
    const m = await ep.receive();
    console.log('first ' + m.tag + (m.tag === 'Ping' ? ' ' + m.x : ''));
    if (m.tag !== 'Ping') return 1;
    const next = m.ep.send('Pong', { x: 0 });
    const m2 = await next.receive();
    console.log('second ' + m2.tag);
    const m3 = await next.receive();
    console.log('third ' + m3.tag);
    return 0;
  },
});
`,

  // Receives a record, reports its copy, mutates it, sends it back, then mutates it again.
  boxer: `
import { defineProgram } from 'sing/runtime';
import { Box } from './contracts.ts';
export default defineProgram({
  name: 'boxer',
  endpoints: { box: Box.exp() },
  console: true,
  async main({ box, console }) {
    const m = await box.receive();
    if (m.tag !== 'Put') return 1;
    console.log('received ' + JSON.stringify({ item: m.item, list: m.list }));
    m.item.inner.k = -1;
    m.list[0] = -1;
    const reply = { item: m.item, list: m.list };
    m.ep.send('Got', reply);
    m.item.inner.k = 12345;
    m.item.label = 'changed after send';
    m.list.push(99);
    console.log('done');
    return 0;
  },
});
`,

  // Receives an Echo import end in a message and uses it.
  user: `
import { defineProgram } from 'sing/runtime';
import { Carrier } from './contracts.ts';
export default defineProgram({
  name: 'user',
  endpoints: { carrier: Carrier.exp() },
  console: true,
  async main({ carrier, console }) {
    const m = await carrier.receive();
    if (m.tag !== 'Give') return 1;
    const r = await m.chan.send('Ping', { x: 41 }).receive();
    console.log('user got ' + r.tag + (r.tag === 'Pong' ? ' ' + r.x : ''));
    if (r.tag === 'Pong') r.ep.send('Bye');
    m.ep.send('Took');
    return 0;
  },
});
`,

  // Moves an endpoint it created over the carrier, then uses its old handle.
  mover: `
import { defineProgram } from 'sing/runtime';
import { Carrier, Echo } from './contracts.ts';
export default defineProgram({
  name: 'mover',
  endpoints: { carrier: Carrier.imp() },
  console: true,
  async main({ abi, carrier, console }) {
    const { imp, exp } = abi.channel(Echo);
    carrier.send('Give', { chan: imp });
    console.log('moved');
    imp.send('Ping', { x: 1 });
    console.log('unreachable: the revoked handle worked');
    exp.close();
    return 0;
  },
});
`,

  // Selects over two Echo export ends as the host tells it (see the tests).
  selector: `
import { defineProgram, select, i32 } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'selector',
  parameters: { rounds: i32, timeoutMs: i32 },
  endpoints: { a: Echo.exp(), b: Echo.exp() },
  console: true,
  async main({ a, b, params, console }) {
    let eps = [a, b];
    for (let i = 0; i < params.rounds; i++) {
      const r = params.timeoutMs >= 0 ? await select(eps, { timeoutMs: params.timeoutMs }) : await select(eps);
      const x = r.msg.tag === 'Ping' ? ' ' + r.msg.x : '';
      console.log('select ' + r.index + ' ' + r.msg.tag + x);
      if (r.msg.tag === 'Ping') {
        eps[r.index] = r.msg.ep.send('Pong', { x: r.msg.x * 10 });
      } else if (r.msg.tag === '$closed') {
        return 0;
      }
    }
    // After a timeout no stale waiter may remain: a plain receive must work.
    const m = await eps[0].receive();
    console.log('after ' + m.tag + (m.tag === 'Ping' ? ' ' + m.x : ''));
    if (m.tag === 'Ping') m.ep.send('Pong', { x: 0 });
    return 0;
  },
});
`,

  // Breaks the Echo protocol in the way its parameter names.
  violator: `
import { defineProgram, enumOf } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'violator',
  parameters: { how: enumOf('string-field', 'fraction', 'missing-field', 'wrong-state', 'unknown-tag') },
  endpoints: { ep: Echo.imp() },
  console: true,
  async main({ ep, params, console }) {
    const idle = ep.send('Ping', { x: 1 });
    const m = await idle.receive();
    if (m.tag !== 'Pong') return 1;
    console.log('good message answered');
    const any = m.ep;
    try {
      switch (params.how) {
        case 'string-field': any.send('Ping', { x: 'one' }); break;
        case 'fraction': any.send('Ping', { x: 1.5 }); break;
        case 'missing-field': any.send('Ping', {}); break;
        case 'wrong-state': any.send('Pong', { x: 1 }); break;
        case 'unknown-tag': any.send('Nope', { x: 1 }); break;
      }
    } catch (e) {
      console.log('caught ' + e.code);
    }
    console.log('unreachable: still running after the violation');
    return 0;
  },
});
`,

  // Uses expect() and a second receive in the ways its parameter names, catching the errors.
  expecter: `
import { defineProgram, enumOf } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'expecter',
  parameters: { how: enumOf('closed', 'unexpected', 'busy') },
  endpoints: { ep: Echo.exp() },
  console: true,
  async main({ ep, params, console }) {
    try {
      if (params.how === 'busy') {
        const first = ep.receive();
        try { ep.receive(); console.log('no error'); } catch (e) { console.log('error ' + e.code); }
        const m = await first;
        console.log('first still works: ' + m.tag);
        return 0;
      }
      const m = await ep.expect(params.how === 'closed' ? 'Ping' : 'Bye');
      console.log('no error: ' + m.tag);
    } catch (e) {
      console.log('error ' + e.code);
    }
    return 0;
  },
});
`,
};

/** One kernel for the whole file: the tests do not interfere (each uses its own channels). */
const sys = sharedBoot(PROGRAMS);

test('request/reply between the host and a process round-trips, and the contract state advances on each side', async () => {
  const { k } = await sys();
  const { imp, exp } = k.hostChannel(Echo);
  const s = k.spawn('echo', { endpoints: { ep: exp } });
  let idle = imp;
  for (const x of [1, 5, -3]) {
    const busy = idle.send('Ping', { x });
    assert.equal(busy.state, 'Busy');
    const m = await within(busy.receive());
    assert.equal(m.tag, 'Pong');
    if (m.tag !== 'Pong') return;
    assert.equal(m.x, x + 1);
    assert.equal(m.ep.state, 'Idle');
    idle = m.ep;
  }
  idle.send('Bye');
  const st = await within(s.join());
  assert.deepEqual({ state: st.state, code: st.code, reason: st.reason }, { state: 'exited', code: 0, reason: 'returned' });
});

test('request/reply between two processes round-trips over a channel one of them created', async () => {
  const b = await sys();
  const s = b.k.spawn('client');
  const st = await within(s.join());
  assert.equal(st.reason, 'returned');
  assert.equal(st.code, 0);
  assert.deepEqual(b.lines.filter((l) => l.pid === s.pid).map((l) => l.text)[0], 'got [11,12,13]');
  const child = await report<{ state: string; code: number; reason: string }>(b, 'child ', 'client');
  assert.equal(child.state, 'exited');
  assert.equal(child.code, 0);
});

for (const how of ['return', 'throw', 'close'] as const) {
  test(`messages queued before the sender ends (${how}) are delivered in order, then $closed`, async () => {
    const { k } = await sys();
    const { imp, exp } = k.hostChannel(Stream);
    const s = k.spawn('streamer', { params: { count: 3, how }, endpoints: { out: exp } });
    const st = await within(s.join());
    assert.equal(st.state, how === 'throw' ? 'failed' : 'exited');
    const got: string[] = [];
    let ep: { receive(): PromiseLike<{ tag: string; n?: number; ep?: unknown }> } = imp;
    for (let i = 0; i < 5; i++) {
      const m = await within(ep.receive());
      got.push(m.tag === 'Item' ? `Item ${String(m.n)}` : m.tag);
      if (m.tag === '$closed') break;
      ep = m.ep as typeof ep;
    }
    assert.deepEqual(got, ['Item 1', 'Item 2', 'Item 3', '$closed']);
  });
}

test('$closed is reported again on every later receive', async () => {
  const { k } = await sys();
  const { imp, exp } = k.hostChannel(Stream);
  await within(k.spawn('streamer', { params: { count: 0, how: 'return' }, endpoints: { out: exp } }).join());
  assert.equal((await within(imp.receive())).tag, '$closed');
  assert.equal((await within(imp.receive())).tag, '$closed');
});

test('a message queued before the host closes its end is delivered, then the receiver sees $closed', async () => {
  const b = await sys();
  const { imp, exp } = b.k.hostChannel(Echo);
  imp.send('Ping', { x: 5 });
  imp.close();
  const s = b.k.spawn('drain', { endpoints: { ep: exp } });
  const st = await within(s.join());
  assert.equal(st.reason, 'returned');
  assert.deepEqual(b.lines.filter((l) => l.pid === s.pid).map((l) => l.text), ['first Ping 5', 'second $closed', 'third $closed']);
});

test('a closed handle is revoked: using it throws E_REVOKED to the host', async () => {
  const { k } = await sys();
  const { imp, exp } = k.hostChannel(Echo);
  imp.close();
  assert.throws(() => imp.send('Ping', { x: 1 }), { code: 'E_REVOKED' });
  assert.throws(() => imp.state, { code: 'E_REVOKED' });
  assert.equal((await within(exp.receive())).tag, '$closed');
});

test('record and array fields are copied: neither side sees the other\'s later mutations', async () => {
  const b = await sys();
  const { imp, exp } = b.k.hostChannel(Box);
  const s = b.k.spawn('boxer', { endpoints: { box: exp } });
  const item = { n: 1, label: 'orig', inner: { k: 7, flag: true } };
  const list = [1, 2, 3];
  const busy = imp.send('Put', { item, list });
  // The host mutates its objects after sending: the receiver must not see it.
  item.inner.k = 99;
  item.label = 'host changed';
  list.push(4);
  const m = await within(busy.receive());
  assert.equal(m.tag, 'Got');
  if (m.tag !== 'Got') return;
  await within(s.join());
  assert.deepEqual(await report(b, 'received ', 'boxer'), { item: { n: 1, label: 'orig', inner: { k: 7, flag: true } }, list: [1, 2, 3] });
  // The reply carries the receiver's mutations made before sending, none made after.
  assert.deepEqual(m.item, { n: 1, label: 'orig', inner: { k: -1, flag: true } });
  assert.deepEqual(m.list, [-1, 2, 3]);
  // The host's originals were never touched by the program.
  assert.deepEqual(item, { n: 1, label: 'host changed', inner: { k: 99, flag: true } });
  assert.deepEqual(list, [1, 2, 3, 4]);
  assert.notEqual(m.item, item);
  assert.notEqual(m.item.inner, item.inner);
  assert.notEqual(m.list, list);
});

test('an endpoint moved in a message works at the receiver, and the sender\'s handle is revoked', async () => {
  const b = await sys();
  const echo = b.k.hostChannel(Echo);
  const es = b.k.spawn('echo', { endpoints: { ep: echo.exp } });
  const car = b.k.hostChannel(Carrier);
  const us = b.k.spawn('user', { endpoints: { carrier: car.exp } });
  const waiting = car.imp.send('Give', { chan: echo.imp });
  assert.throws(() => echo.imp.send('Ping', { x: 1 }), { code: 'E_REVOKED' });
  assert.throws(() => echo.imp.receive(), { code: 'E_REVOKED' });
  const took = await within(waiting.receive());
  assert.equal(took.tag, 'Took');
  assert.equal((await within(us.join())).code, 0);
  assert.deepEqual(b.lines.filter((l) => l.pid === us.pid).map((l) => l.text), ['user got Pong 42']);
  const es1 = await within(es.join());
  assert.equal(es1.code, 0, 'the echo server got Bye from the process the endpoint moved to');
});

test('a process that uses a handle after moving it fails with E_REVOKED; the receiver holds the endpoint', async () => {
  const b = await sys();
  const car = b.k.hostChannel(Carrier);
  const s = b.k.spawn('mover', { endpoints: { carrier: car.imp } });
  const give = await within(car.exp.receive());
  assert.equal(give.tag, 'Give');
  if (give.tag !== 'Give') return;
  const st = await within(s.join());
  assert.equal(st.state, 'failed');
  assert.equal(st.reason, 'protocol');
  assert.equal(st.error?.code, 'E_REVOKED');
  assert.deepEqual(b.lines.filter((l) => l.pid === s.pid).map((l) => l.text), ['moved']);
  // The moved endpoint now belongs to the host; its peer died with the mover.
  assert.equal(give.chan.state, 'Idle');
  assert.equal((await within(give.chan.receive())).tag, '$closed');
});

type EchoPair = { readonly imp: Imp<typeof Echo>; readonly exp: Exp<typeof Echo> };

async function selector(b: Booted, rounds: number, timeoutMs: number, before?: (a: EchoPair, c: EchoPair) => void) {
  const a = b.k.hostChannel(Echo);
  const c = b.k.hostChannel(Echo);
  before?.(a, c);
  const s = b.k.spawn('selector', { params: { rounds, timeoutMs }, endpoints: { a: a.exp, b: c.exp } });
  return { a: a.imp, c: c.imp, s, said: () => b.lines.filter((l) => l.pid === s.pid).map((l) => l.text) };
}

test('select returns the endpoint that has a message', async () => {
  const b = await sys();
  const { c, s, said } = await selector(b, 1, -1);
  await until(() => b.k.ps().some((p) => p.pid === s.pid && p.state === 'running'));
  const r = await within(c.send('Ping', { x: 3 }).receive());
  assert.equal(r.tag, 'Pong');
  if (r.tag === 'Pong') assert.equal(r.x, 30);
  assert.deepEqual(said(), ['select 1 Ping 3']);
  s.stop();
});

test('select prefers the first endpoint in argument order when several have messages queued', async () => {
  const b = await sys();
  const { s, said } = await selector(b, 2, -1, (a, c) => {
    c.imp.send('Ping', { x: 2 });
    a.imp.send('Ping', { x: 1 });
  });
  await until(() => said().length >= 2, 'two selects');
  assert.deepEqual(said(), ['select 0 Ping 1', 'select 1 Ping 2']);
  s.stop();
});

test('select times out when nothing arrives, and leaves no waiter behind', async () => {
  const b = await sys();
  const { a, s, said } = await selector(b, 1, 5);
  await until(() => said().length >= 1, 'the timeout');
  assert.deepEqual(said(), ['select -1 $timeout']);
  const r = await within(a.send('Ping', { x: 8 }).receive());
  assert.equal(r.tag, 'Pong');
  assert.deepEqual(said(), ['select -1 $timeout', 'after Ping 8']);
  assert.equal((await within(s.join())).code, 0);
});

test('select reports a closed peer as $closed for that endpoint', async () => {
  const b = await sys();
  const { c, s, said } = await selector(b, 1, 10_000);
  c.close();
  const st = await within(s.join());
  assert.equal(st.code, 0);
  assert.deepEqual(said(), ['select 1 $closed']);
});

for (const how of ['string-field', 'fraction', 'missing-field', 'wrong-state', 'unknown-tag'] as const) {
  test(`a protocol violation (${how}) fails only the sender; its peer sees $closed after what was queued`, async () => {
    const b = await sys();
    const { imp, exp } = b.k.hostChannel(Echo);
    const peer = b.k.spawn('echo', { endpoints: { ep: exp } });
    const s = b.k.spawn('violator', { params: { how }, endpoints: { ep: imp } });
    const st = await within(s.join());
    assert.equal(st.state, 'failed');
    assert.equal(st.reason, 'protocol');
    assert.equal(st.error?.code, 'E_PROTOCOL');
    // Code after the violation (even in a catch clause) never ran.
    assert.deepEqual(b.lines.filter((l) => l.pid === s.pid).map((l) => l.text), ['good message answered']);
    const ps = await within(peer.join());
    assert.deepEqual({ state: ps.state, code: ps.code, reason: ps.reason }, { state: 'exited', code: 7, reason: 'returned' }, 'the echo server saw $closed and returned normally');
  });
}

test('the host breaking a contract gets the error thrown, and its endpoint keeps its state', async () => {
  const { k } = await sys();
  const { imp, exp } = k.hostChannel(Echo);
  const s = k.spawn('echo', { endpoints: { ep: exp } });
  assert.throws(() => (imp as unknown as { send(t: string, p: unknown): void }).send('Ping', { x: 'no' }), { code: 'E_PROTOCOL' });
  assert.throws(() => (imp as unknown as { send(t: string, p: unknown): void }).send('Pong', { x: 1 }), { code: 'E_PROTOCOL' });
  const r = await within(imp.send('Ping', { x: 1 }).receive());
  assert.equal(r.tag, 'Pong');
  if (r.tag === 'Pong') r.ep.send('Bye');
  assert.equal((await within(s.join())).code, 0);
});

test('expect() throws a catchable E_CLOSED when the peer closes instead of sending', async () => {
  const b = await sys();
  const { imp, exp } = b.k.hostChannel(Echo);
  const s = b.k.spawn('expecter', { params: { how: 'closed' }, endpoints: { ep: exp } });
  imp.close();
  assert.equal((await within(s.join())).code, 0);
  assert.deepEqual(b.lines.filter((l) => l.pid === s.pid).map((l) => l.text), ['error E_CLOSED']);
});

test('expect() throws a catchable E_UNEXPECTED for a different message', async () => {
  const b = await sys();
  const { imp, exp } = b.k.hostChannel(Echo);
  const s = b.k.spawn('expecter', { params: { how: 'unexpected' }, endpoints: { ep: exp } });
  imp.send('Ping', { x: 1 });
  assert.equal((await within(s.join())).code, 0);
  assert.deepEqual(b.lines.filter((l) => l.pid === s.pid).map((l) => l.text), ['error E_UNEXPECTED']);
});

test('a second receive while one is pending throws a catchable E_BUSY; the first still completes', async () => {
  const b = await sys();
  const { imp, exp } = b.k.hostChannel(Echo);
  const s = b.k.spawn('expecter', { params: { how: 'busy' }, endpoints: { ep: exp } });
  await until(() => b.lines.some((l) => l.pid === s.pid));
  imp.send('Ping', { x: 1 });
  assert.equal((await within(s.join())).code, 0);
  assert.deepEqual(b.lines.filter((l) => l.pid === s.pid).map((l) => l.text), ['error E_BUSY', 'first still works: Ping']);
});
