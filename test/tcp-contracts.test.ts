// The TCP contracts between two ends the host holds: a session binds, listens and accepts a
// connection as a new session of its own kind (made in the entry state PreConnected); a read's
// buffer comes back with the data, a write's with Sent; half-closing one way leaves the other
// (ReceiveOnly, SendOnly, Zombie); a listener that closes hands the unused endpoint back; and the
// states refuse what the RDK's contract refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel } from '../src/index.ts';
import { Tcp, TcpConnection } from 'sing/contracts/tcp';

test('bind, listen, accept a connection of its own kind; data both ways with buffers that come back; half-close', async () => {
  const k = new Kernel({ console: () => undefined });
  try {
    const factory = k.hostChannel(Tcp);
    const session = k.hostChannel(TcpConnection);
    let svc = factory.exp.send('Ready');
    const ready = await factory.imp.receive();
    if (ready.tag !== 'Ready') assert.fail(ready.tag);
    const creating = ready.ep.send('CreateTcpSession', { endpoint: session.exp });
    const create = await svc.receive();
    if (create.tag !== 'CreateTcpSession') assert.fail(create.tag);
    svc = create.ep.send('Ack');
    assert.equal((await creating.receive()).tag, 'Ack');
    // The service's end of the session: Ready, then a bind and a listen.
    const server = create.endpoint.send('Ready');
    const hello = await session.imp.receive();
    if (hello.tag !== 'Ready') assert.fail(hello.tag);
    const binding = hello.ep.send('BindLocalEndPoint', { address: '127.0.0.1', port: 8080 });
    const bind = await server.receive();
    if (bind.tag !== 'BindLocalEndPoint') assert.fail(bind.tag);
    assert.deepEqual([bind.address, bind.port], ['127.0.0.1', 8080]);
    const bound = bind.ep.send('OK');
    const b = await binding.receive();
    if (b.tag !== 'OK') assert.fail(b.tag);
    const listening = b.ep.send('Listen', { backlog: 16 });
    const listen = await bound.receive();
    if (listen.tag !== 'Listen') assert.fail(listen.tag);
    const srvListening = listen.ep.send('OK');
    const l = await listening.receive();
    if (l.tag !== 'OK') assert.fail(l.tag);
    // Accept with a channel made in PreConnected.
    const conn = k.hostChannel(TcpConnection, 'PreConnected');
    const accepting = l.ep.send('Accept', { newConnection: conn.exp });
    const accept = await srvListening.receive();
    if (accept.tag !== 'Accept') assert.fail(accept.tag);
    let peer = accept.newConnection.send('Ready');
    const afterAccept = accept.ep.send('OK');
    const acc = await accepting.receive();
    if (acc.tag !== 'OK') assert.fail(acc.tag);
    const c = await conn.imp.receive();
    if (c.tag !== 'Ready') assert.fail(c.tag);
    // A read hands a buffer over; it comes back with the bytes.
    const reading = c.ep.send('Read', { buf: k.hostAlloc(16) });
    const rd = await peer.receive();
    if (rd.tag !== 'Read') assert.fail(rd.tag);
    rd.buf.writeText('hello');
    peer = rd.ep.send('Data', { buf: rd.buf, bytes: 5 });
    const data = await reading.receive();
    if (data.tag !== 'Data') assert.fail(data.tag);
    assert.equal(data.buf.readText(0, data.bytes), 'hello');
    const writing = data.ep.send('Write', { buf: data.buf, bufOffset: 0, length: 5 });
    const wr = await peer.receive();
    if (wr.tag !== 'Write') assert.fail(wr.tag);
    peer = wr.ep.send('Sent', { buf: wr.buf });
    const sent = await writing.receive();
    if (sent.tag !== 'Sent') assert.fail(sent.tag);
    // DoneSending: only receiving is left; NoMoreData then leaves nothing: Zombie, then Close.
    const ro = sent.ep.send('DoneSending');
    // The type refuses it statically; the channel refuses it at run time too.
    const loose = (ep: unknown): { send(tag: string, payload?: object): unknown } => ep as { send(tag: string, payload?: object): unknown };
    assert.throws(() => loose(ro).send('Write', { buf: sent.buf, bufOffset: 0, length: 1 }), /ReceiveOnly/);
    const last = ro.send('Read', { buf: sent.buf });
    const ds = await peer.receive();
    if (ds.tag !== 'DoneSending') assert.fail(ds.tag);
    const rd2 = await ds.ep.receive();
    if (rd2.tag !== 'Read') assert.fail(rd2.tag);
    rd2.ep.send('NoMoreData', { buf: rd2.buf });
    const nmd = await last.receive();
    if (nmd.tag !== 'NoMoreData') assert.fail(nmd.tag);
    assert.equal(nmd.ep.state, 'Zombie');
    nmd.buf.free();
    nmd.ep.send('Close');
    // The listener closes: a pending Accept gets its endpoint back.
    const conn2 = k.hostChannel(TcpConnection, 'PreConnected');
    const accepting2 = acc.ep.send('Accept', { newConnection: conn2.exp });
    const accept2 = await afterAccept.receive();
    if (accept2.tag !== 'Accept') assert.fail(accept2.tag);
    accept2.ep.send('CouldNotAccept', { reason: 'the listener closed', newConnection: accept2.newConnection });
    const refused = await accepting2.receive();
    if (refused.tag !== 'CouldNotAccept') assert.fail(refused.tag);
    refused.newConnection.close();
    conn2.imp.close();
    refused.ep.send('Close');
    svc.close();
    creating.close();
  } finally {
    k.shutdown();
  }
});

test('the contract has the RDK\'s states and refuses a connection that was never connected', () => {
  const k = new Kernel({ console: () => undefined });
  try {
    const s = k.hostChannel(TcpConnection);
    assert.throws(() => (s.imp as unknown as { send(tag: string, payload: object): unknown }).send('Read', { buf: k.hostAlloc(1) }), /Start/);
    assert.throws(() => k.hostChannel(TcpConnection, 'Connected' as 'PreConnected'), /entry state|E_CHANNEL_STATE|Connected/);
    s.imp.close();
  } finally {
    k.shutdown();
  }
});
