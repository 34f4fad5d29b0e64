import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contract, compiledOf, endpointOf, inn, out, END, type AnyContract } from '../contracts/contract.ts';
import type { CompiledContract } from '../contracts/compiler.ts';
import { i32, record } from '../contracts/field.ts';
import type { Endpoint, Side } from '../contracts/view.ts';
import { closeAll, coreOfHandle, isEndpointHandle, openChannel, PARKED, type Delivery, type EndpointCore, type EndpointHandle, type Msg, type Waiter } from './endpoint.ts';
import { ChannelClosed, EndpointBusy, ProtocolViolation, RevokedEndpoint, UnexpectedMessage } from './error.ts';
import type { Owner } from './owner.ts';
import { select, TIMEOUT, type SelectOptions } from './select.ts';
import { TestOwner } from '../exheap/test-owner.ts';

// ---------------------------------------------------------------------------------------------
// Fixtures

class FakeOwner extends TestOwner implements Owner {
  ownedHead: EndpointCore | null = null;
  endpoints = 0;
  alive = true;
  timersStarted = 0;
  timersCancelled = 0;
  timer(ms: number, fire: () => void): () => void {
    this.timersStarted++;
    const t = setTimeout(fire, ms);
    return () => { this.timersCancelled++; clearTimeout(t); };
  }
}

let nextPid = 1;
const owner = (label: string): FakeOwner => new FakeOwner(nextPid++, label);

/** The cores on an owner's list, checking the list's back links on the way. */
function owned(o: Owner): EndpointCore[] {
  const r: EndpointCore[] = [];
  let prev: EndpointCore | null = null;
  for (let c = o.ownedHead; c !== null; c = c.nextOwned) {
    assert.equal(c.prevOwned, prev, 'prevOwned links back');
    assert.equal(c.owner, o, 'a listed core names its owner');
    r.push(c);
    prev = c;
  }
  return r;
}

function core(h: EndpointHandle): EndpointCore {
  const c = coreOfHandle(h);
  assert.ok(c !== null && c !== undefined, 'a live handle has a core');
  return c;
}

function queued(h: EndpointHandle): number {
  return core(h).queue?.length ?? 0;
}

function field(m: Delivery, name: string): unknown {
  return (m as Msg)[name];
}

function cc(c: unknown): CompiledContract {
  const r = compiledOf(c);
  assert.ok(r !== undefined);
  return r;
}

type AnyEp = Endpoint<AnyContract, Side, string>;
type Outcome = { readonly index: number; readonly msg: { readonly tag: string; readonly ep?: unknown } };
function sel(hs: readonly EndpointHandle[], opts?: SelectOptions): Promise<Outcome> {
  return select(hs as unknown as readonly AnyEp[], opts) as unknown as Promise<Outcome>;
}

const Calc = contract('ECalc', {
  messages: { Ready: out(), Add: inn({ a: i32, b: i32 }), Sum: out({ value: i32 }), Bye: inn() },
  initial: 'Start',
  states: { Start: { Ready: 'Idle' }, Idle: { Add: 'Busy', Bye: END }, Busy: { Sum: 'Idle' } },
});
const Chain = contract('EChain', {
  messages: { I1: inn(), I2: inn(), I3: inn(), O1: out() },
  initial: 'A',
  states: { A: { I1: 'B' }, B: { I2: 'C' }, C: { I3: 'D' }, D: { O1: 'A' } },
});
const Inner = contract('EInner', {
  messages: { Ping: inn(), Pong: out() },
  initial: 'Idle',
  states: { Idle: { Ping: 'Busy' }, Busy: { Pong: 'Idle' } },
});
const Carrier = contract('ECarrier', {
  messages: { Give: inn({ e: endpointOf(Inner, 'imp', 'Idle') }), Thanks: out() },
  initial: 'Open',
  states: { Open: { Give: 'Given' }, Given: { Thanks: 'Open' } },
});
const Recs = contract('ERecs', {
  messages: { Put: inn({ r: record({ x: i32 }) }), Ok: out() },
  initial: 'S',
  states: { S: { Put: 'T' }, T: { Ok: 'S' } },
});

function calc(a = owner('client'), b = owner('server')): { imp: EndpointHandle; exp: EndpointHandle; a: FakeOwner; b: FakeOwner } {
  const [imp, exp] = openChannel(cc(Calc), a, b);
  return { imp, exp, a, b };
}

// ---------------------------------------------------------------------------------------------
// Send and receive

test('messages travel both ways, each side advancing through the contract', async () => {
  const { imp, exp, a, b } = calc();
  assert.equal(imp.contract, 'ECalc');
  assert.equal(imp.side, 'imp');
  assert.equal(exp.side, 'exp');
  assert.equal(imp.state, 'Start');

  assert.equal(exp.send('Ready'), exp, 'send returns the same handle');
  assert.equal(exp.state, 'Idle');
  assert.equal(imp.state, 'Start', 'the receiver lags until it receives');
  const ready = await imp.receive();
  assert.equal(ready.tag, 'Ready');
  assert.equal(ready.ep, imp, "the message's ep is the receiving handle");
  assert.equal(imp.state, 'Idle');

  // A receive that waits is woken by the send.
  const pending = exp.receive();
  imp.send('Add', { a: 2, b: 3 });
  const add = await pending;
  assert.equal(add.tag, 'Add');
  assert.equal(field(add, 'a'), 2);
  assert.equal(field(add, 'b'), 3);
  assert.equal(exp.state, 'Busy');

  exp.send('Sum', { value: 5 });
  const sum = await imp.expect('Sum');
  assert.equal(sum['value'], 5);
  assert.equal(imp.state, 'Idle');

  imp.send('Bye');
  assert.equal(imp.state, END);
  assert.equal((await exp.receive()).tag, 'Bye');
  assert.equal(exp.state, END);
  assert.deepEqual(a.violations, []);
  assert.deepEqual(b.violations, []);
});

test('record fields arrive as copies', async () => {
  const a = owner('a');
  const b = owner('b');
  const [imp, exp] = openChannel(cc(Recs), a, b);
  const r = { x: 1 };
  imp.send('Put', { r });
  const m = await exp.receive();
  assert.deepEqual(field(m, 'r'), { x: 1 });
  assert.notEqual(field(m, 'r'), r);
  r.x = 2;
  assert.deepEqual(field(m, 'r'), { x: 1 });
});

test('a received record field always has its declared type', async () => {
  const a = owner('a');
  const b = owner('b');
  const [imp, exp] = openChannel(cc(Recs), a, b);
  const sly = new Proxy({} as { x: number }, {
    getOwnPropertyDescriptor: () => ({ value: 1, writable: true, enumerable: true, configurable: true }),
    get: () => 'evil',
  });
  try { imp.send('Put', { r: sly }); } catch { return; } // refusing the payload is also correct
  const m = await exp.receive();
  assert.equal(typeof (field(m, 'r') as { x: unknown }).x, 'number');
});

test('an out-of-state send ends the owner via violate, throws E_PROTOCOL, and changes nothing', async () => {
  const { imp, exp, a, b } = calc();
  // The importer must receive Ready first.
  assert.throws(() => imp.send('Add', { a: 1, b: 2 }), (e: unknown) => {
    assert.ok(e instanceof ProtocolViolation);
    assert.equal(e.code, 'E_PROTOCOL');
    assert.match(e.message, /client: ECalc\.imp in state Start cannot send Add; it may not send here \(it must receive\)/);
    return true;
  });
  assert.equal(a.violations.length, 1);
  assert.ok(a.violations[0] instanceof ProtocolViolation);
  assert.equal(b.violations.length, 0);
  assert.equal(imp.state, 'Start');
  assert.equal(exp.state, 'Start');
  assert.equal(queued(exp), 0, 'nothing was delivered');

  // The exporter names what it may send instead; an unknown tag is the same violation.
  assert.throws(() => exp.send('Sum', { value: 1 }), { code: 'E_PROTOCOL', message: /cannot send Sum; it may send Ready/ });
  assert.throws(() => exp.send('Nonsense'), { code: 'E_PROTOCOL' });
  assert.equal(b.violations.length, 2);
  assert.equal(exp.state, 'Start');

  exp.send('Ready');
  await imp.receive();
  // A bad payload is a violation too, and also leaves the state alone.
  assert.throws(() => imp.send('Add', { a: 1.5, b: 2 }), { code: 'E_PROTOCOL', message: /Add field a must be i32, got number 1\.5/ });
  assert.throws(() => imp.send('Add'), { code: 'E_PROTOCOL', message: /Add needs fields a, b, got undefined/ });
  assert.equal(a.violations.length, 3);
  assert.equal(imp.state, 'Idle');
  assert.equal(queued(exp), 0);

  // The channel still works: the next legal message is the first the peer sees.
  imp.send('Add', { a: 1, b: 2 });
  const m = await exp.receive();
  assert.equal(m.tag, 'Add');
  assert.equal(field(m, 'a'), 1);
});

test('a closed handle is revoked: every use throws E_REVOKED and calls violate', () => {
  const { imp, a } = calc();
  imp.close();
  const uses: [string, () => unknown][] = [
    ['send', () => imp.send('Add', { a: 1, b: 2 })],
    ['receive', () => imp.receive()],
    ['expect', () => imp.expect('Ready')],
    ['close', () => imp.close()],
    ['state', () => imp.state],
    ['contract', () => imp.contract],
  ];
  for (const [what, use] of uses) {
    const before = a.violations.length;
    assert.throws(use, (e: unknown) => e instanceof RevokedEndpoint && e.code === 'E_REVOKED' && /moved or closed/.test(e.message), what);
    assert.equal(a.violations.length, before + 1, `${what} calls violate`);
    assert.ok(a.violations.at(-1) instanceof RevokedEndpoint);
  }
  assert.equal(coreOfHandle(imp), null);
  assert.deepEqual(owned(a), []);
});

test('closing one end delivers what was queued, then $closed, to the peer', async () => {
  const a = owner('a');
  const b = owner('b');
  const [imp, exp] = openChannel(cc(Chain), a, b);
  // The in-bound is 3: three sends fit in the exporter's queue without a receive.
  imp.send('I1').send('I2').send('I3');
  assert.equal(queued(exp), 3);
  imp.close();
  const tags: string[] = [];
  for (let i = 0; i < 5; i++) tags.push((await exp.receive()).tag);
  assert.deepEqual(tags, ['I1', 'I2', 'I3', '$closed', '$closed']);
  assert.equal(exp.state, 'D');
  // Sending to a closed peer is not an error: the message is dropped.
  exp.send('O1');
  assert.equal(exp.state, 'A');
  assert.deepEqual(b.violations, []);
  await assert.rejects(async () => exp.expect('I1'), (e: unknown) => e instanceof ChannelClosed && e.code === 'E_CLOSED');
});

test('a pending receive is woken by the peer closing', async () => {
  const { imp, exp } = calc();
  const p = imp.receive();
  exp.close();
  assert.equal((await p).tag, '$closed');
});

test('expect insists on its tag', async () => {
  const { imp, exp } = calc();
  exp.send('Ready');
  await imp.receive();
  imp.send('Add', { a: 1, b: 1 });
  await assert.rejects(async () => exp.expect('Bye'), (e: unknown) => e instanceof UnexpectedMessage && e.code === 'E_UNEXPECTED' && /expected Bye, received Add/.test(e.message));
});

test('a second receive while one is pending throws EndpointBusy', async () => {
  const { imp, exp, a } = calc();
  const p = imp.receive();
  assert.throws(() => imp.receive(), (e: unknown) => e instanceof EndpointBusy && e.code === 'E_BUSY');
  assert.throws(() => imp.expect('Ready'), EndpointBusy);
  assert.throws(() => sel([imp]), EndpointBusy);
  assert.deepEqual(a.violations, [], 'busy is an ordinary error, not a violation');
  exp.send('Ready');
  assert.equal((await p).tag, 'Ready');
  // Once it has settled, receiving again is fine.
  const q = imp.receive();
  exp.close();
  assert.equal((await q).tag, '$closed');
});

test('receiveOr returns a ready delivery, or parks the given waiter', () => {
  const { imp, exp } = calc();
  const woken: string[] = [];
  const waiter: Waiter = { wake: (m) => { woken.push(m.tag); } };
  assert.equal(imp.receiveOr(waiter), PARKED);
  assert.equal(core(imp).waiter, waiter);
  assert.throws(() => imp.receiveOr(waiter), EndpointBusy);
  exp.send('Ready');
  assert.deepEqual(woken, ['Ready']);
  assert.equal(core(imp).waiter, null);
  assert.equal(imp.state, 'Idle');
  imp.send('Add', { a: 1, b: 2 });
  const now = exp.receiveOr(waiter);
  assert.notEqual(now, PARKED);
  assert.equal((now as Msg).tag, 'Add');
  assert.equal(core(exp).waiter, null, 'a ready delivery parks nothing');
});

test('isEndpointHandle knows genuine handles, live or revoked', () => {
  const { imp, exp } = calc();
  assert.ok(isEndpointHandle(imp));
  exp.close();
  imp.close();
  assert.ok(isEndpointHandle(imp), 'a revoked handle is still a handle');
  assert.equal(isEndpointHandle({ ...imp }), false);
  assert.equal(isEndpointHandle(null), false);
  assert.equal(isEndpointHandle(Object.create(imp)), false);
});

// ---------------------------------------------------------------------------------------------
// Moving endpoints

function carrierSetup() {
  const a = owner('a');
  const b = owner('b');
  const c = owner('c');
  const [ci, ce] = openChannel(cc(Inner), a, c);
  const [ki, ke] = openChannel(cc(Carrier), a, b);
  return { a, b, c, ci, ce, ki, ke };
}

test('an endpoint sent in a message is re-homed to the receiver and its old handle is revoked', async () => {
  const { a, b, c, ci, ce, ki, ke } = carrierSetup();
  const x = core(ci);
  assert.deepEqual(owned(a), [core(ki), x]);

  ki.send('Give', { e: ci });
  // In transit: on nobody's list, and the sender's handle is dead.
  assert.equal(x.owner, null);
  assert.deepEqual(owned(a), [core(ki)]);
  assert.deepEqual(owned(b), [core(ke)]);
  assert.equal(coreOfHandle(ci), null);
  assert.throws(() => ci.send('Ping'), (e: unknown) => e instanceof RevokedEndpoint && e.code === 'E_REVOKED');
  assert.equal(a.violations.length, 1);

  const m = await ke.receive();
  assert.equal(m.tag, 'Give');
  const e = field(m, 'e') as EndpointHandle;
  assert.notEqual(e, ci, 'the receiver gets a fresh handle');
  assert.equal(coreOfHandle(e), x, 'for the same endpoint');
  assert.equal(x.owner, b);
  assert.deepEqual(owned(b), [x, core(ke)]);
  assert.deepEqual(owned(a), [core(ki)]);
  assert.equal(e.state, 'Idle');

  // The moved endpoint works for its new owner, and its peer is unaffected.
  e.send('Ping');
  assert.equal((await ce.receive()).tag, 'Ping');
  ce.send('Pong');
  assert.equal((await e.receive()).tag, 'Pong');
  assert.deepEqual(b.violations, []);
  assert.deepEqual(c.violations, []);
});

test('a bad endpoint field is a violation and moves nothing', () => {
  const { a, c, ci, ce, ki } = carrierSetup();
  // Wrong state: the field wants EInner.imp in Idle.
  ci.send('Ping');
  assert.throws(() => ki.send('Give', { e: ci }), { code: 'E_PROTOCOL', message: /field e of Give must be EInner\.imp in state Idle, got EInner\.imp in state Busy/ });
  assert.equal(ci.state, 'Busy', 'the endpoint stays with its owner');
  assert.equal(ki.state, 'Open');
  // Not owned by the sender.
  assert.throws(() => ki.send('Give', { e: ce }), { code: 'E_PROTOCOL', message: /not owned by the sender/ });
  // Not an endpoint at all.
  assert.throws(() => ki.send('Give', { e: { forged: true } }), { code: 'E_PROTOCOL', message: /must be an endpoint, got an object/ });
  // Its own channel.
  assert.throws(() => ki.send('Give', { e: ki }), { code: 'E_PROTOCOL', message: /cannot travel over its own channel/ });
  assert.equal(a.violations.length, 4);
  assert.equal(ki.state, 'Open');
  assert.deepEqual(c.violations, []);
});

test('an endpoint with a pending receive cannot move', async () => {
  const { a, ci, ce, ki } = carrierSetup();
  const q = ci.receive(); // waits, in the right state (Idle) for the move
  assert.throws(() => ki.send('Give', { e: ci }), (e: unknown) => e instanceof EndpointBusy && e.code === 'E_BUSY');
  assert.equal(ki.state, 'Open');
  assert.equal(core(ci).owner, a, 'the endpoint stayed');
  ce.close();
  assert.equal((await q).tag, '$closed');
});

// ---------------------------------------------------------------------------------------------
// closeAll

test('closeAll closes every endpoint an owner holds; the peers see $closed', async () => {
  const a = owner('a');
  const b = owner('b');
  const chans = [openChannel(cc(Calc), a, b), openChannel(cc(Chain), b, a), openChannel(cc(Inner), a, b)];
  assert.equal(owned(a).length, 3);
  closeAll(a);
  assert.equal(a.ownedHead, null);
  const aHandles = [chans[0]?.[0], chans[1]?.[1], chans[2]?.[0]];
  for (const h of aHandles) assert.equal(coreOfHandle(h), null, 'revoked');
  const bHandles = [chans[0]?.[1], chans[1]?.[0], chans[2]?.[1]];
  for (const h of bHandles) {
    assert.ok(h !== undefined);
    assert.equal((await h.receive()).tag, '$closed');
  }
  assert.equal(owned(b).length, 0, "each peer's end leaves its owner once its program has been handed $closed");
  for (const h of bHandles) assert.equal((await (h as EndpointHandle).receive()).tag, '$closed', 'and keeps saying $closed');
  closeAll(b);
  assert.equal(b.ownedHead, null);
  assert.deepEqual(a.violations, []);
});

test('closeAll also closes endpoints carried in undelivered queued messages', async () => {
  const { a, b, c, ci, ce, ki, ke } = carrierSetup();
  const x = core(ci);
  ki.send('Give', { e: ci });
  assert.equal(queued(ke), 1);
  closeAll(b);
  assert.equal(b.ownedHead, null);
  assert.equal(x.closed, true, 'the endpoint in the dropped message is closed');
  assert.equal((await ce.receive()).tag, '$closed', "the carried endpoint's peer sees $closed");
  assert.equal((await ki.receive()).tag, '$closed');
  assert.deepEqual(owned(a), [], 'an end whose $closed its owner took is retired');
  assert.deepEqual(owned(c), []);
  assert.deepEqual(c.violations, []);
});

test('an endpoint sent to an already closed peer is closed', async () => {
  const { ci, ce, ki, ke } = carrierSetup();
  ke.close();
  ki.send('Give', { e: ci });
  assert.equal((await ce.receive()).tag, '$closed');
});

// ---------------------------------------------------------------------------------------------
// Handles cannot be forged

test('handles cannot be constructed, and are frozen', () => {
  const { imp, a } = calc();
  const Ctor = imp.constructor as new (...args: unknown[]) => unknown;
  assert.throws(() => new Ctor(Symbol('endpoint'), core(imp), a), TypeError);
  assert.throws(() => new Ctor(undefined, core(imp), a), TypeError);
  assert.ok(Object.isFrozen(imp));
  assert.ok(Object.isFrozen(Object.getPrototypeOf(imp)));
  assert.deepEqual(Object.keys(imp), []);
  assert.equal(coreOfHandle({ ...imp }), undefined, 'a copy is not a handle');
  assert.equal(coreOfHandle(Object.create(imp)), undefined, 'nor is an object inheriting from one');
});

// ---------------------------------------------------------------------------------------------
// select

test('select picks a queued endpoint at once, the first in argument order', async () => {
  const a = owner('a');
  const one = calc(a);
  const two = calc(a);
  two.exp.send('Ready');
  const r = await sel([one.imp, two.imp]);
  assert.equal(r.index, 1);
  assert.equal(r.msg.tag, 'Ready');
  assert.equal(r.msg.ep, two.imp);
  assert.equal(two.imp.state, 'Idle', 'the selected message was received');
  assert.equal(core(one.imp).waiter, null, 'nothing is left waiting');

  const three = calc(a);
  const four = calc(a);
  three.exp.send('Ready');
  four.exp.send('Ready');
  assert.equal((await sel([four.imp, three.imp])).index, 0);
  assert.equal((await sel([four.imp, three.imp], { timeoutMs: 1000 })).index, 1);
  assert.equal(a.timersStarted, 0, 'a select that settles at once starts no timer');

  // A closed peer counts as a $closed message.
  const five = calc(a);
  five.exp.close();
  const c = await sel([one.imp, five.imp]);
  assert.deepEqual([c.index, c.msg.tag], [1, '$closed']);
});

test('select resolves on a later delivery and withdraws from every endpoint', async () => {
  const a = owner('a');
  const one = calc(a);
  const two = calc(a);
  const p = sel([one.imp, two.imp], { timeoutMs: 60_000 });
  assert.notEqual(core(one.imp).waiter, null);
  assert.equal(core(one.imp).waiter, core(two.imp).waiter);
  two.exp.send('Ready');
  const r = await p;
  assert.equal(r.index, 1);
  assert.equal(r.msg.tag, 'Ready');
  assert.equal(core(one.imp).waiter, null);
  assert.equal(core(two.imp).waiter, null);
  assert.equal(a.timersStarted, 1);
  assert.equal(a.timersCancelled, 1, 'the timeout was cancelled');
  // The other endpoint is free again.
  one.exp.send('Ready');
  assert.equal((await one.imp.receive()).tag, 'Ready');

  // A peer closing also wakes it.
  const q = sel([one.imp, two.imp]);
  one.exp.close();
  const c = await q;
  assert.deepEqual([c.index, c.msg.tag], [0, '$closed']);
});

test('select times out with index -1 and leaves no waiter behind', async () => {
  const a = owner('a');
  const one = calc(a);
  const two = calc(a);
  const r = await sel([one.imp, two.imp], { timeoutMs: 1 });
  assert.equal(r.index, -1);
  assert.equal(r.msg, TIMEOUT);
  assert.equal(r.msg.tag, '$timeout');
  assert.equal(core(one.imp).waiter, null);
  assert.equal(core(two.imp).waiter, null);
  // A message sent afterwards waits in the queue as usual.
  two.exp.send('Ready');
  assert.equal(queued(two.imp), 1);
  assert.equal((await two.imp.receive()).tag, 'Ready');
});

test('select refuses bad arguments without installing waiters', () => {
  const a = owner('a');
  const one = calc(a);
  const two = calc(a);
  assert.throws(() => sel([]), TypeError);
  assert.throws(() => sel([{} as EndpointHandle]), TypeError);
  assert.throws(() => sel([one.imp, one.imp]), EndpointBusy);
  assert.throws(() => sel([one.imp, two.imp], { timeoutMs: -1 }), TypeError);
  assert.equal(core(one.imp).waiter, null);
  assert.equal(core(two.imp).waiter, null);
  two.imp.close();
  const before = a.violations.length;
  assert.throws(() => sel([one.imp, two.imp]), { code: 'E_REVOKED' });
  assert.equal(a.violations.length, before + 1);
  assert.equal(core(one.imp).waiter, null);
});

// ---------------------------------------------------------------------------------------------
// Re-entrancy: a payload's getters are the sender's code and run in the middle of send()

test('no message reaches the peer after it has seen $closed (close from a payload getter)', async () => {
  const { imp, exp } = calc();
  exp.send('Ready');
  await imp.receive();
  const p = exp.receive();
  try {
    imp.send('Add', { get a() { imp.close(); return 1; }, b: 2 });
  } catch { /* refusing the send is also correct */ }
  const first = (await p).tag;
  const second = (await exp.receive()).tag;
  if (first === '$closed') assert.equal(second, '$closed', 'nothing may follow $closed');
  else assert.deepEqual([first, second], ['Add', '$closed']);
});

test('a re-entrant send from a payload getter cannot overflow the queue bound', async () => {
  const { imp, exp, a } = calc();
  exp.send('Ready');
  await imp.receive();
  let thrown: unknown = null;
  try {
    imp.send('Add', { get a() { imp.send('Add', { a: 9, b: 9 }); return 1; }, b: 2 });
  } catch (e) { thrown = e; }
  assert.ok(queued(exp) <= core(exp).bound, 'the queue never exceeds its bound');
  if (thrown !== null) {
    assert.ok(thrown instanceof ProtocolViolation || thrown instanceof EndpointBusy, `a channel error, not ${String(thrown)}`);
    if (thrown instanceof ProtocolViolation) assert.ok(a.violations.includes(thrown));
  }
});

// ---------------------------------------------------------------------------------------------
// Ended conversations (issue #11): an endpoint in a terminal state is retired at once.

const Once = contract('EOnce', {
  messages: { Hello: inn({ n: i32 }) },
  initial: 'Open',
  states: { Open: { Hello: END } },
});

test('an endpoint whose conversation ended leaves its owner at once, on both sides, closed or not', async () => {
  const a = owner('a');
  const b = owner('b');
  const [imp, exp] = openChannel(cc(Calc), a, b);
  exp.send('Ready');
  const ready = await imp.receive();
  assert.equal(ready.tag, 'Ready');
  imp.send('Bye');
  assert.deepEqual(owned(a), [], 'the sender\'s end left its list when it sent the last message');
  assert.equal(a.endpoints, 0);
  assert.equal(imp.state, END, 'its handle still reads');
  imp.close(); // a no-op, not a violation
  assert.deepEqual(a.violations, []);
  const bye = await exp.receive();
  assert.equal(bye.tag, 'Bye');
  assert.deepEqual(owned(b), [], 'the receiver\'s end left its list when it took the last message');
  assert.equal(b.endpoints, 0);
  assert.equal((await exp.receive()).tag, '$closed', 'nothing more can come: a receive sees $closed');
  exp.close();
  assert.deepEqual(b.violations, []);
});

test('an ended endpoint cannot move: sending it is a protocol violation that says why', () => {
  const a = owner('a');
  const b = owner('b');
  const [once] = openChannel(cc(Once), a, b);
  const [carrier] = openChannel(cc(Carrier), a, b);
  once.send('Hello', { n: 1 });
  assert.equal(a.endpoints, 1, 'a holds only the carrier now');
  assert.throws(() => carrier.send('Give', { e: once }), /conversation has ended/);
  assert.equal(a.violations.length, 1);
});
