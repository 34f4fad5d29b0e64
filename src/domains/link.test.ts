// Links between two kernels (two domains in one thread, joined by a MessageChannel): a process in
// one talks to a process in the other exactly as over a local channel; closes, deaths and a
// misbehaving twin end in `$closed` on both sides, never in a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { compiledOf } from '../contracts/contract.ts';
import type { CompiledContract } from '../contracts/compiler.ts';
import { boot, ECHO_SERVER, PINGER, within, type Booted } from '../../test/kit.ts';
import { Carrier, Echo } from '../../test/fixtures/contracts.ts';
import { Link, LinkError } from './link.ts';
import { portOf } from './control.ts';


const ECHO_CC = compiledOf(Echo) as CompiledContract;

/** pinger in domain A, echo in domain B, one cross-domain channel between them. */
async function pair(n: number): Promise<{ a: Booted; b: Booted; errors: LinkError[]; ports: [MessagePort, MessagePort] }> {
  const a = await boot({ pinger: PINGER });
  const b = await boot({ echo: ECHO_SERVER });
  const errors: LinkError[] = [];
  const { port1, port2 } = new MessageChannel();
  const ca = a.k.hostChannel(Echo);
  const cb = b.k.hostChannel(Echo);
  new Link('a', ca.exp, ECHO_CC, portOf(port1), (e) => errors.push(e)).start();
  new Link('b', cb.imp, ECHO_CC, portOf(port2), (e) => errors.push(e)).start();
  a.k.spawn('pinger', { params: { n }, endpoints: { ep: ca.imp } });
  b.k.spawn('echo', { endpoints: { ep: cb.exp } });
  return { a, b, errors, ports: [port1, port2] };
}

test('a request/reply conversation crosses two kernels as over one channel', async () => {
  const { a, b, errors } = await pair(3);
  const [pinger] = a.k.ps();
  const [echo] = b.k.ps();
  assert.ok(pinger !== undefined && echo !== undefined);
  await within((async () => { while (a.k.ps().length > 0 || b.k.ps().length > 0) await new Promise((r) => setTimeout(r, 5)); })());
  assert.deepEqual(a.texts('pinger'), ['1', '11', '21']);
  assert.deepEqual(errors, []);
});

test('a process dying in one domain is $closed to its peer in the other', async () => {
  const { a, b } = await pair(1000);
  await within((async () => { while (a.texts('pinger').length < 3) await new Promise((r) => setTimeout(r, 2)); })());
  const [echo] = b.k.ps();
  assert.ok(echo !== undefined);
  b.k.shutdown(); // kills echo: its link sees $closed and tells the twin
  await within((async () => { while (a.k.ps().length > 0) await new Promise((r) => setTimeout(r, 5)); })());
  assert.equal(a.texts('pinger').at(-1), 'closed');
});

test('a domain that goes away (its port closes) is $closed to the processes on this side', async () => {
  const { a, ports } = await pair(1000);
  await within((async () => { while (a.texts('pinger').length < 2) await new Promise((r) => setTimeout(r, 2)); })());
  ports[1].close();
  await within((async () => { while (a.k.ps().length > 0) await new Promise((r) => setTimeout(r, 5)); })());
  assert.equal(a.texts('pinger').at(-1), 'closed');
});

test('a twin that forwards what the contract does not allow, or garbage, breaks the link, not the kernel', async () => {
  for (const bad of [{ t: 'msg', tag: 'Pong', fields: { x: 1 } }, { t: 'msg', tag: 'Ping', fields: { x: 'one' } }, { hello: 1 }, 42]) {
    const a = await boot({ echo: ECHO_SERVER });
    const errors: LinkError[] = [];
    const { port1, port2 } = new MessageChannel();
    const c = a.k.hostChannel(Echo);
    new Link('a', c.imp, ECHO_CC, portOf(port1), (e) => errors.push(e)).start();
    const echo = a.k.spawn('echo', { endpoints: { ep: c.exp } });
    const closed = new Promise<unknown>((r) => { port2.on('message', r); });
    port2.postMessage(bad);
    const st = await within(echo.join());
    assert.deepEqual([st.state, st.code], ['exited', 7], JSON.stringify(bad)); // echo saw $closed
    assert.deepEqual(await within(closed), errors[0]?.code === 'E_LINK_PROTOCOL' || errors[0]?.code === 'E_LINK_WIRE' ? { t: 'close', reason: errors[0].message } : undefined);
    assert.equal(errors.length, 1, JSON.stringify(bad));
    port2.close();
  }
});

test('a contract that moves endpoints or blocks cannot be linked yet', () => {
  const { port1 } = new MessageChannel();
  assert.throws(() => new Link('x', {} as never, compiledOf(Carrier) as CompiledContract, portOf(port1)), { code: 'E_LINK_MOVES' });
  port1.close();
});
