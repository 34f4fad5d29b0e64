// Links between two kernels (two domains in one thread, joined by a mux over a MessageChannel,
// carrying blocks by copy as a process domain does): a process in one talks to a process in the
// other exactly as over a local channel; endpoints and blocks cross; closes, deaths and a
// misbehaving twin end in `$closed` on both sides, never in a crash.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { compiledOf, type AnyContract } from '../contracts/contract.ts';
import type { CompiledContract } from '../contracts/compiler.ts';
import type { Kernel } from '../kernel/index.ts';
import { boot, ECHO_SERVER, PINGER, within, type Booted } from '../../test/kit.ts';
import { Carrier as GiveEcho, Echo } from '../../test/fixtures/contracts.ts';
import { BlockDrop } from '../contracts/lib/blocks.ts';
import { CopyCarrier } from './carrier.ts';
import { Link, LinkError } from './link.ts';
import { Mux, type Pipe } from './mux.ts';

const cc = (c: AnyContract): CompiledContract => compiledOf(c) as CompiledContract;

const ports: MessagePort[] = [];
after(() => { for (const p of ports) p.close(); }); // an open port would keep the test process alive

function pipeOf(p: MessagePort): Pipe {
  ports.push(p);
  return { send: (f) => { p.postMessage(f); }, listen: (on, gone) => { p.on('message', on); p.on('close', gone); } };
}

/** Two kernels joined by one mux connection; returns each side's carrier. */
function join(a: Kernel, b: Kernel): { ca: CopyCarrier; cb: CopyCarrier; ports: [MessagePort, MessagePort]; ma: Mux; mb: Mux } {
  const { port1, port2 } = new MessageChannel();
  const ma = new Mux(pipeOf(port1), 'parent', () => undefined);
  const mb = new Mux(pipeOf(port2), 'domain', () => undefined);
  return { ca: new CopyCarrier(a, ma), cb: new CopyCarrier(b, mb), ports: [port1, port2], ma, mb };
}

/** pinger in domain A, echo in domain B, one cross-domain channel between them. */
async function pair(n: number): Promise<{ a: Booted; b: Booted; errors: LinkError[]; ports: [MessagePort, MessagePort] }> {
  const a = await boot({ pinger: PINGER });
  const b = await boot({ echo: ECHO_SERVER });
  const errors: LinkError[] = [];
  const { ca, cb, ports, ma } = join(a.k, b.k);
  const ea = a.k.hostChannel(Echo);
  const eb = b.k.hostChannel(Echo);
  const { id, port } = ma.open();
  new Link('a', ea.exp, cc(Echo), port, ca, (e) => errors.push(e)).start();
  new Link('b', eb.imp, cc(Echo), cb.adopt(id), cb, (e) => errors.push(e)).start();
  a.k.spawn('pinger', { params: { n }, endpoints: { ep: ea.imp } });
  b.k.spawn('echo', { endpoints: { ep: eb.exp } });
  return { a, b, errors, ports };
}

const settle = (pred: () => boolean): Promise<void> => within((async () => { while (!pred()) await new Promise((r) => setTimeout(r, 2)); })());

test('a request/reply conversation crosses two kernels as over one channel', async () => {
  const { a, b, errors } = await pair(3);
  await settle(() => a.k.ps().length === 0 && b.k.ps().length === 0);
  assert.deepEqual(a.texts('pinger'), ['1', '11', '21']);
  assert.deepEqual(errors, []);
});

test('a process dying in one domain is $closed to its peer in the other', async () => {
  const { a, b } = await pair(1000);
  await settle(() => a.texts('pinger').length >= 3);
  b.k.shutdown(); // kills echo: its link sees $closed and tells the twin
  await settle(() => a.k.ps().length === 0);
  assert.equal(a.texts('pinger').at(-1), 'closed');
});

test('a domain that goes away (its pipe closes) is $closed to the processes on this side', async () => {
  const { a, ports } = await pair(1000);
  await settle(() => a.texts('pinger').length >= 2);
  ports[1].close();
  await settle(() => a.k.ps().length === 0);
  assert.equal(a.texts('pinger').at(-1), 'closed');
});

test('a twin that forwards what the contract does not allow, or garbage, breaks the link, not the kernel', async () => {
  for (const bad of [{ t: 'msg', tag: 'Pong', fields: { x: 1 } }, { t: 'msg', tag: 'Ping', fields: { x: 'one' } }, { hello: 1 }, 42]) {
    const a = await boot({ echo: ECHO_SERVER });
    const errors: LinkError[] = [];
    const { port1, port2 } = new MessageChannel();
    const ma = new Mux(pipeOf(port1), 'parent', () => undefined);
    const c = a.k.hostChannel(Echo);
    new Link('a', c.imp, cc(Echo), ma.port(2), new CopyCarrier(a.k, ma), (e) => errors.push(e)).start();
    const echo = a.k.spawn('echo', { endpoints: { ep: c.exp } });
    ports.push(port2);
    const closed = new Promise<unknown>((r) => { port2.on('message', r); });
    port2.postMessage({ c: 2, w: bad });
    const st = await within(echo.join());
    assert.deepEqual([st.state, st.code], ['exited', 7], JSON.stringify(bad)); // echo saw $closed
    assert.equal(errors.length, 1, JSON.stringify(bad));
    assert.match(errors[0]?.code ?? '', /^E_LINK_(PROTOCOL|WIRE)$/);
    assert.deepEqual(await within(closed), { c: 2, w: { t: 'close', reason: errors[0]?.message } });
    port2.close();
  }
});

test('an endpoint sent across becomes an ordinary endpoint there, whose peer is the sender\'s old peer', async () => {
  const a = await boot({ echo: ECHO_SERVER });
  const b = await boot({});
  const { ca, cb, ma } = join(a.k, b.k);
  const echo = a.k.hostChannel(Echo);
  a.k.spawn('echo', { endpoints: { ep: echo.exp } });
  const ga = a.k.hostChannel(GiveEcho);
  const gb = b.k.hostChannel(GiveEcho);
  const { id, port } = ma.open();
  new Link('a', ga.exp, cc(GiveEcho), port, ca).start();
  new Link('b', gb.imp, cc(GiveEcho), cb.adopt(id), cb).start();
  ga.imp.send('Give', { chan: echo.imp });
  const got = await within(gb.exp.receive());
  assert.equal(got.tag, 'Give');
  if (got.tag !== 'Give') return;
  const reply = await within(got.chan.send('Ping', { x: 41 }).receive());
  assert.equal(reply.tag === 'Pong' ? reply.x : -1, 42, 'the echo in the other kernel answered');
  assert.throws(() => echo.imp.send('Ping', { x: 1 }), 'the sender\'s handle was revoked by the move');
});

test('a block sent to a process domain is copied there and freed here; its contents arrive whole', async () => {
  const a = await boot({});
  const b = await boot({});
  const { ca, cb, ma } = join(a.k, b.k);
  const da = a.k.hostChannel(BlockDrop);
  const db = b.k.hostChannel(BlockDrop);
  const { id, port } = ma.open();
  new Link('a', da.exp, cc(BlockDrop), port, ca).start();
  new Link('b', db.imp, cc(BlockDrop), cb.adopt(id), cb).start();
  const data = a.k.hostAlloc(5000);
  data.write([1, 2, 3], 0);
  data.set(4999, 9);
  const after = da.imp.send('Put', { data });
  const got = await within(db.exp.receive());
  assert.equal(got.tag, 'Put');
  if (got.tag !== 'Put') return;
  assert.equal(got.data.length, 5000);
  assert.deepEqual([...got.data.read(0, 3)], [1, 2, 3]);
  assert.equal(got.data.get(4999), 9);
  assert.equal(a.k.heapStats().blocks, 0, 'the sender\'s block is freed once it has crossed');
  got.ep.send('Got', { checksum: 7 });
  const ack = await within(after.receive());
  assert.equal(ack.tag === 'Got' ? ack.checksum : -1, 7);
});
