// Failure isolation (DESIGN.md §2.6): a failing process affects others only through $closed on
// its peers; its names go; its exit status reaches its parent; and no code of it runs again —
// not a pending timer, not a queued promise continuation, not a message delivery.
//
// "No code runs again" is observed with the probe in test/fixtures/probe.ts: a dead process's
// endpoints (its console included) are closed, so a log line could not escape anyway; a name
// registered through the ABI could, and would show up in the host's `k.names.list()`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../src/index.ts';
import { boot, said, sharedBoot, delay, ECHO_SERVER, marks, turns, until, within, type Booted } from './kit.ts';
import { Echo } from './fixtures/contracts.ts';
import type { ExitStatus } from '../src/runtime/index.ts';

const PROGRAMS = {
  echo: ECHO_SERVER,

  crasher: `
import { defineProgram, enumOf } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'crasher',
  parameters: { when: enumOf('at-once', 'after-yield', 'non-error') },
  endpoints: { ep: Echo.exp() },
  async main({ abi, params }) {
    if (params.when === 'after-yield') await abi.yield();
    if (params.when === 'non-error') throw 42;
    throw new Error('boom');
  },
});
`,

  // Creates a crasher child on a channel, reports what its end of the channel sees and the
  // child's exit status. With join=late it joins only after the child is long gone.
  parent: `
import { defineProgram, enumOf } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'parent',
  parameters: { when: enumOf('at-once', 'after-yield', 'non-error') },
  console: true,
  async main({ abi, params, console }) {
    const { imp, exp } = abi.channel(Echo);
    const child = abi.create('crasher', { params: { when: params.when }, endpoints: { ep: exp } });
    abi.start(child);
    const m = await imp.send('Ping', { x: 1 }).receive();
    console.log('peer ' + m.tag);
    await abi.sleep(2);
    const status = await abi.join(child);
    console.log('status ' + JSON.stringify(status));
    const again = await abi.join(child);
    console.log('same ' + (again === status || JSON.stringify(again) === JSON.stringify(status)));
    return 0;
  },
});
`,

  // main waits on its endpoint; a second thread throws.
  threadfail: `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
import { marker } from './probe.ts';
export default defineProgram({
  name: 'threadfail',
  endpoints: { ep: Echo.exp() },
  console: true,
  async main({ abi, ep, console }) {
    const mark = marker(abi);
    abi.spawn(async () => { await abi.yield(); throw new Error('thread boom'); });
    console.log('main waiting');
    const m = await ep.receive();
    mark('main-resumed');
    console.log('main resumed ' + m.tag);
    return 0;
  },
});
`,

  recurse: `
import { defineProgram, enumOf } from 'sing/runtime';
export default defineProgram({
  name: 'recurse',
  parameters: { how: enumOf('plain', 'caught', 'abi', 'thread') },
  console: true,
  async main({ abi, params, console }) {
    function down(n) { return down(n + 1) + 1; }
    function downAbi(n) { return abi.pid() + downAbi(n + 1); }
    if (params.how === 'plain') down(0);
    if (params.how === 'abi') downAbi(0);
    if (params.how === 'caught') {
      try { down(0); } catch (e) { console.log('caught ' + e.name); return 3; }
    }
    if (params.how === 'thread') {
      abi.spawn(() => down(0));
      await abi.sleep(60_000);
    }
    console.log('unreachable');
    return 0;
  },
});
`,

  // Waits (a long sleep) until killed; reports when it starts.
  sleeper: `
import { defineProgram } from 'sing/runtime';
import { marker } from './probe.ts';
export default defineProgram({
  name: 'sleeper',
  console: true,
  async main({ abi, console }) {
    const mark = marker(abi);
    console.log('asleep');
    await abi.sleep(60_000);
    mark('woke');
    console.log('woke');
    return 0;
  },
});
`,

  // Creates a sleeper child, stops it, and reports its exit status.
  stopper: `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: 'stopper',
  console: true,
  async main({ abi, console }) {
    const child = abi.create('sleeper');
    abi.start(child);
    await abi.sleep(1);
    abi.stop(child);
    const status = await abi.join(child);
    console.log('status ' + JSON.stringify(status));
    return 0;
  },
});
`,

  // A thread sleeps, then would mark; main dies first.
  napper: `
import { defineProgram, i32 } from 'sing/runtime';
import { marker } from './probe.ts';
export default defineProgram({
  name: 'napper',
  parameters: { threadMs: i32, mainMs: i32 },
  console: true,
  async main({ abi, params, console }) {
    const mark = marker(abi);
    abi.spawn(async () => {
      await abi.sleep(params.threadMs);
      mark('woke');
      console.log('thread woke');
    });
    await abi.sleep(params.mainMs);
    throw new Error('main dies while its thread sleeps');
  },
});
`,

  // Thread A loops on queued promise continuations; after 10 turns it spawns thread B, which
  // throws at once, killing the process while A's next continuation is already queued. B runs
  // before that continuation, so anything A does from turn 11 on (it marks first) is after death.
  // native=true makes A a native async function (a for-await loop keeps it from becoming a
  // coroutine) with catch and finally blocks, so the guard's await check is what must stop it.
  // (The coroutine form with try/finally is the racerfinally test below.)
  racer: `
import { defineProgram, bool } from 'sing/runtime';
import { marker } from './probe.ts';
export default defineProgram({
  name: 'racer',
  parameters: { native: bool },
  console: true,
  async main({ abi, params, console }) {
    const mark = marker(abi);
    const b = () => { throw new Error('thread B throws'); };
    async function coroutineA() {
      for (let i = 0; i < 100000; i++) {
        await Promise.resolve(i);
        if (i > 10) mark('tick-after-b');
        console.log('A ' + i);
        if (i === 10) abi.spawn(b);
      }
      mark('a-finished');
    }
    async function nativeA() {
      for await (const _ of [0]) { /* makes this a native async function */ }
      try {
        for (let i = 0; i < 100000; i++) {
          await Promise.resolve(i);
          if (i > 10) mark('tick-after-b');
          console.log('A ' + i);
          if (i === 10) abi.spawn(b);
        }
        mark('a-finished');
      } catch (e) {
        mark('a-catch');
      } finally {
        mark('a-finally');
      }
    }
    abi.spawn(params.native ? nativeA : coroutineA);
    await abi.sleep(60_000);
    return 0;
  },
});
`,

  // Receives on its endpoint and marks every message.
  listener: `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
import { marker } from './probe.ts';
export default defineProgram({
  name: 'listener',
  endpoints: { ep: Echo.exp() },
  console: true,
  async main({ abi, ep, console }) {
    const mark = marker(abi);
    mark('alive');
    console.log('listening');
    let idle = ep;
    for (;;) {
      const m = await idle.receive();
      mark('got');
      console.log('got ' + m.tag);
      if (m.tag !== 'Ping') return 0;
      idle = m.ep.send('Pong', { x: m.x });
    }
  },
});
`,

  // Provides a name (registered at run time through the ABI) and waits.
  provider: `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'provider',
  console: true,
  async main({ abi, console }) {
    const listener = abi.register('/iso/provided', Echo);
    console.log('registered');
    const m = await listener.receive();
    console.log('connect ' + m.tag);
    return 0;
  },
});
`,

  // Exits via abi.exit from a thread; main would mark afterwards.
  exiter: `
import { defineProgram } from 'sing/runtime';
import { marker } from './probe.ts';
export default defineProgram({
  name: 'exiter',
  console: true,
  async main({ abi, console }) {
    const mark = marker(abi);
    abi.spawn(() => { abi.exit(5); });
    await abi.yield();
    await abi.yield();
    mark('after-exit');
    console.log('unreachable');
    return 0;
  },
});
`,
};

const sys = sharedBoot(PROGRAMS);

/** The child's status as its parent reported it. */
async function childStatus(b: Booted, parentPid: number): Promise<ExitStatus> {
  await until(() => said(b, parentPid).some((t) => t.startsWith('status ')), 'the parent\'s report');
  return JSON.parse((said(b, parentPid).find((t) => t.startsWith('status ')) as string).slice(7)) as ExitStatus;
}

/** Checks that a round trip with a fresh echo server works (the kernel is still healthy). */
async function kernelStillWorks(b: Booted): Promise<void> {
  const { imp, exp } = b.k.hostChannel(Echo);
  const s = b.k.spawn('echo', { endpoints: { ep: exp } });
  const r = await within(imp.send('Ping', { x: 1 }).receive());
  assert.equal(r.tag, 'Pong');
  if (r.tag === 'Pong') r.ep.send('Bye');
  assert.equal((await within(s.join())).code, 0);
}

for (const when of ['at-once', 'after-yield'] as const) {
  test(`an uncaught error in main (${when}) fails the process with reason error; its peer sees $closed; its parent's join gets the status`, async () => {
    const b = await sys();
    const s = b.k.spawn('parent', { params: { when } });
    assert.equal((await within(s.join())).code, 0);
    assert.deepEqual(said(b, s.pid).slice(0, 1), ['peer $closed']);
    const st = await childStatus(b, s.pid);
    assert.equal(st.program, 'crasher');
    assert.equal(st.state, 'failed');
    assert.equal(st.reason, 'error');
    assert.equal(st.code, 1);
    assert.equal(st.error?.message, 'boom');
    assert.deepEqual(said(b, s.pid).slice(2), ['same true'], 'a second join gives the same status');
  });
}

test('throwing a non-Error value is still a failure with reason error', async () => {
  const b = await sys();
  const s = b.k.spawn('parent', { params: { when: 'non-error' } });
  assert.equal((await within(s.join())).code, 0);
  const st = await childStatus(b, s.pid);
  assert.equal(st.state, 'failed');
  assert.equal(st.reason, 'error');
  assert.equal(typeof st.error?.code, 'string');
});

test('the host\'s join of a failed process gets the same status, and the process leaves the table', async () => {
  const b = await sys();
  const { imp, exp } = b.k.hostChannel(Echo);
  const s = b.k.spawn('crasher', { params: { when: 'after-yield' }, endpoints: { ep: exp } });
  assert.ok(b.k.ps().some((p) => p.pid === s.pid));
  const st = await within(s.join());
  assert.deepEqual({ pid: st.pid, program: st.program, state: st.state, reason: st.reason, code: st.code }, { pid: s.pid, program: 'crasher', state: 'failed', reason: 'error', code: 1 });
  assert.equal(s.state, 'failed');
  assert.ok(!b.k.ps().some((p) => p.pid === s.pid));
  assert.equal((await within(imp.receive())).tag, '$closed');
});

test('an uncaught error in a spawned thread fails the whole process; main never resumes', async () => {
  const b = await sys();
  const { imp, exp } = b.k.hostChannel(Echo);
  const s = b.k.spawn('threadfail', { endpoints: { ep: exp } });
  const st = await within(s.join());
  assert.equal(st.state, 'failed');
  assert.equal(st.reason, 'error');
  assert.equal(st.error?.message, 'thread boom');
  // Delivering to the dead process's endpoint does not resume main.
  const r = await within(imp.send('Ping', { x: 1 }).receive());
  assert.equal(r.tag, '$closed');
  await turns();
  assert.deepEqual(said(b, s.pid), ['main waiting']);
  assert.deepEqual(marks(b.k, s.pid), []);
});

for (const how of ['plain', 'caught', 'abi', 'thread'] as const) {
  test(`unbounded recursion (${how}) ends the process with reason stack-overflow and the kernel keeps working`, async () => {
    const b = await sys();
    const bystander = b.k.hostChannel(Echo);
    const other = b.k.spawn('echo', { endpoints: { ep: bystander.exp } });
    const s = b.k.spawn('recurse', { params: { how } });
    const st = await within(s.join());
    assert.equal(st.state, 'failed');
    assert.equal(st.reason, 'stack-overflow');
    assert.deepEqual(said(b, s.pid), [], 'neither the catch clause nor the code after the recursion ran');
    // A process that was running before still answers, and new ones start.
    const r = await within(bystander.imp.send('Ping', { x: 2 }).receive());
    assert.equal(r.tag, 'Pong');
    if (r.tag === 'Pong') r.ep.send('Bye');
    assert.equal((await within(other.join())).code, 0);
    await kernelStillWorks(b);
  });
}

test('stop() by the parent ends the child with reason killed; its parent\'s join reports it', async () => {
  const b = await sys();
  const s = b.k.spawn('stopper');
  assert.equal((await within(s.join())).code, 0);
  const st = await childStatus(b, s.pid);
  assert.deepEqual({ program: st.program, state: st.state, reason: st.reason }, { program: 'sleeper', state: 'failed', reason: 'killed' });
  await delay(5);
  assert.deepEqual(b.lines.filter((l) => l.pid === st.pid).map((l) => l.text), ['asleep']);
  assert.deepEqual(marks(b.k, st.pid), []);
});

test('stop() by the host ends a process with reason killed', async () => {
  const b = await sys();
  const s = b.k.spawn('sleeper');
  await until(() => said(b, s.pid).length > 0);
  s.stop();
  const st = await within(s.join());
  assert.deepEqual({ state: st.state, reason: st.reason }, { state: 'failed', reason: 'killed' });
  assert.equal(s.state, 'failed');
  s.stop(); // stopping a dead process changes nothing
  assert.equal((await within(s.join())).reason, 'killed');
});

test('a dead process\'s pending sleep never fires: its timers are cancelled (manual clock)', async () => {
  const clock = new ManualClock();
  const b = await boot({ napper: PROGRAMS.napper }, { clock });
  const s = b.k.spawn('napper', { params: { threadMs: 100, mainMs: 10 } });
  await until(() => clock.pending === 2, 'both sleeps to start');
  clock.advance(10);
  const st = await within(s.join());
  assert.equal(st.reason, 'error');
  assert.equal(clock.pending, 0, 'the dead process\'s timers were cancelled');
  clock.advance(1000);
  await turns(10);
  assert.deepEqual(marks(b.k, s.pid), []);
  assert.deepEqual(said(b, s.pid), []);
});

test('a dead process\'s pending sleep never fires (real clock)', async () => {
  const b = await sys();
  const s = b.k.spawn('napper', { params: { threadMs: 15, mainMs: 1 } });
  assert.equal((await within(s.join())).reason, 'error');
  await delay(40);
  await turns();
  assert.deepEqual(marks(b.k, s.pid), []);
  assert.deepEqual(said(b, s.pid), []);
});

for (const native of [false, true]) {
  test(`a promise continuation queued before death never resumes (${native ? 'native async function; nor do its catch and finally blocks' : 'coroutine'})`, async () => {
    const b = await sys();
    const s = b.k.spawn('racer', { params: { native } });
    const st = await within(s.join());
    assert.equal(st.reason, 'error');
    assert.equal(st.error?.message, 'thread B throws');
    await turns(10);
    await delay(5);
    const ticks = said(b, s.pid);
    assert.ok(ticks.includes('A 10'), 'thread A was running when the process died');
    assert.ok(ticks.length <= 12, `thread A stopped at once (saw ${ticks.length} ticks)`);
    assert.deepEqual(marks(b.k, s.pid), [], 'no continuation, catch or finally of thread A ran after death (each would mark first)');
  });
}

// The same race with catch and finally blocks in a coroutine (an ordinary async function). Its own
// kernel, so that a failure to load it could not take the others with it.
const RACER_FINALLY = `
import { defineProgram } from 'sing/runtime';
import { marker } from './probe.ts';
export default defineProgram({
  name: 'racerfinally',
  console: true,
  async main({ abi, console }) {
    const mark = marker(abi);
    const b = () => { throw new Error('thread B throws'); };
    abi.spawn(async () => {
      try {
        for (let i = 0; i < 100000; i++) {
          await Promise.resolve(i);
          if (i > 10) mark('tick-after-b');
          console.log('A ' + i);
          if (i === 10) abi.spawn(b);
        }
        mark('a-finished');
      } catch (e) {
        mark('a-catch');
      } finally {
        mark('a-finally');
      }
    });
    await abi.sleep(60_000);
    return 0;
  },
});
`;

test('a queued continuation inside try/catch/finally of a coroutine never resumes, nor do its catch and finally blocks', async () => {
  const b = await boot({ racerfinally: RACER_FINALLY });
  const s = b.k.spawn('racerfinally');
  const st = await within(s.join());
  assert.equal(st.error?.message, 'thread B throws');
  await turns(10);
  assert.ok(said(b, s.pid).includes('A 10'));
  assert.deepEqual(marks(b.k, s.pid), []);
});

test('a message delivered to a dead process\'s endpoint is dropped without running its code', async () => {
  const b = await sys();
  const { imp, exp } = b.k.hostChannel(Echo);
  const s = b.k.spawn('listener', { endpoints: { ep: exp } });
  await until(() => said(b, s.pid).includes('listening'));
  assert.equal(marks(b.k, s.pid).length, 1);
  s.stop();
  assert.deepEqual(marks(b.k, s.pid), [], 'its names went with it');
  const r = await within(imp.send('Ping', { x: 1 }).receive());
  assert.equal(r.tag, '$closed');
  await turns();
  assert.deepEqual(said(b, s.pid), ['listening']);
  assert.deepEqual(marks(b.k, s.pid), []);
});

test('a message whose delivery already woke a receiver does not run it when the process dies before it is scheduled', async () => {
  const b = await sys();
  const { imp, exp } = b.k.hostChannel(Echo);
  const s = b.k.spawn('listener', { endpoints: { ep: exp } });
  await until(() => said(b, s.pid).includes('listening'));
  await turns();
  const busy = imp.send('Ping', { x: 1 }); // wakes the pending receive: the resumption is queued
  s.stop();                               // ... and the process dies before it runs
  const r = await within(busy.receive());
  assert.equal(r.tag, '$closed');
  await turns();
  await delay(2);
  assert.deepEqual(said(b, s.pid), ['listening']);
  assert.deepEqual(marks(b.k, s.pid), [], 'the loop body did not run');
});

test('a dead process\'s names are removed from the name service', async () => {
  const b = await sys();
  const s = b.k.spawn('provider');
  await until(() => said(b, s.pid).includes('registered'));
  assert.ok(b.k.names.list().some((e) => e.path === '/iso/provided' && e.pid === s.pid));
  assert.deepEqual(b.k.ps().find((p) => p.pid === s.pid)?.names, ['/iso/provided']);
  s.stop();
  assert.ok(!b.k.names.list().some((e) => e.path === '/iso/provided'));
  // The name is free again for another process.
  const s2 = b.k.spawn('provider');
  await until(() => said(b, s2.pid).includes('registered'));
  assert.ok(b.k.names.list().some((e) => e.path === '/iso/provided' && e.pid === s2.pid));
  s2.stop();
});

test('abi.exit from a thread ends the process with reason exit and its code; main does not run on', async () => {
  const b = await sys();
  const s = b.k.spawn('exiter');
  const st = await within(s.join());
  assert.deepEqual({ state: st.state, code: st.code, reason: st.reason }, { state: 'exited', code: 5, reason: 'exit' });
  await turns();
  assert.deepEqual(said(b, s.pid), []);
  assert.deepEqual(marks(b.k, s.pid), []);
});

test('a failing process leaves unrelated processes running', async () => {
  const b = await sys();
  const pairs = [b.k.hostChannel(Echo), b.k.hostChannel(Echo)];
  const servers = pairs.map((p) => b.k.spawn('echo', { endpoints: { ep: p.exp } }));
  const crash = b.k.hostChannel(Echo);
  const c = b.k.spawn('crasher', { params: { when: 'at-once' }, endpoints: { ep: crash.exp } });
  const r = b.k.spawn('recurse', { params: { how: 'plain' } });
  await within(c.join());
  await within(r.join());
  for (const p of pairs) {
    const m = await within(p.imp.send('Ping', { x: 9 }).receive());
    assert.equal(m.tag, 'Pong');
    if (m.tag === 'Pong') { assert.equal(m.x, 10); m.ep.send('Bye'); }
  }
  for (const s of servers) assert.equal((await within(s.join())).code, 0);
});

test('shutdown() kills every process and closes the host\'s endpoints', async () => {
  const b = await boot({ sleeper: PROGRAMS.sleeper, echo: ECHO_SERVER });
  const a = b.k.spawn('sleeper');
  const { imp, exp } = b.k.hostChannel(Echo);
  const e = b.k.spawn('echo', { endpoints: { ep: exp } });
  await until(() => said(b, a.pid).length > 0);
  b.k.shutdown();
  assert.equal((await within(a.join())).reason, 'killed');
  assert.equal((await within(e.join())).reason, 'killed');
  assert.deepEqual(b.k.ps(), []);
  assert.throws(() => imp.send('Ping', { x: 1 }), { code: 'E_REVOKED' });
});
