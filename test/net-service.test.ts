// The network service SIP (src/services/net): booted with its listen slot bound to '0' (any free
// port) and its connect slots bound to Node servers on 127.0.0.1, it serves client programs
// through /service/tcp: a program listens on the port its manifest claims and echoes a Node
// client, connects to a destination it claims, is refused ports and destinations it does not
// claim (and a second listener on a port, and the host, whose manifest the service cannot read),
// half-closes both ways, aborts, poll-reads with a timeout (the buffer comes back), dies
// mid-read (the Node peer sees the connection close) or mid-accept (the port is free again), and
// outlives nothing: killing the service closes its clients' channels; a service given a `ports`
// it cannot serve does not start. After each scenario the kernel's sockets, the exchange heap and
// the service's endpoints are back where they were. Nothing asserts a duration.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Tcp, TcpConnection } from 'sing/contracts/tcp';
import { compileImage, type ImageSource, type Spawned } from '../src/index.ts';
import { boot, turns, until, within, type Booted } from './kit.ts';

const SERVICES = fileURLToPath(new URL('../src/services', import.meta.url));

/** A client program: `mode` says what it does; it prints what it sees, one line per event. */
const client = (echoDest: string, closedDest: string): string => `
import { defineProgram, str, type Abi, type Bytes, type Imp } from 'sing/runtime';
import { Tcp, TcpConnection } from 'sing/contracts/tcp';

type Ready = Imp<typeof TcpConnection, 'ReadyState'>;
type Listening = Imp<typeof TcpConnection, 'Listening'>;
type Connected = Imp<typeof TcpConnection, 'Connected'>;

async function session(abi: Abi): Promise<Ready> {
  const f = abi.channel(Tcp);
  const b = await abi.bind('/service/tcp', f.exp);
  if (!b.ok) throw new Error('bind ' + b.code);
  const hello = await f.imp.expect('Ready');
  const s = abi.channel(TcpConnection);
  const made = await hello.ep.send('CreateTcpSession', { endpoint: s.exp }).expect('Ack');
  made.ep.close();
  return (await s.imp.expect('Ready')).ep;
}

/** A listening session on port, or the refusal's words. */
async function listening(abi: Abi, port: number, address = '127.0.0.1'): Promise<Listening | string> {
  const s = await session(abi);
  const b = await s.send('BindLocalEndPoint', { address, port }).receive();
  if (b.tag === '$closed') return 'closed';
  if (b.tag === 'InvalidEndPoint') { b.ep.send('Close'); return 'InvalidEndPoint ' + b.reason; }
  const l = await b.ep.send('Listen', { backlog: 8 }).receive();
  if (l.tag === '$closed') return 'closed';
  if (l.tag === 'CouldNotListen') { l.ep.send('Close'); return 'CouldNotListen ' + l.reason; }
  return l.ep;
}

/** Listens on 8080, says the real port, accepts one connection. */
async function accepted(abi: Abi, log: (s: string) => void): Promise<{ l: Listening; c: Connected }> {
  const l = await listening(abi, 8080);
  if (typeof l === 'string') throw new Error(l);
  const e = await l.send('GetEndPoints').expect('EndPoints');
  log('port ' + String(e.localPort) + ' ' + e.localAddress);
  const next = abi.channel(TcpConnection, 'PreConnected');
  const a = await e.ep.send('Accept', { newConnection: next.exp }).expect('OK');
  const c = await next.imp.expect('Ready');
  const p = await c.ep.send('GetEndPoints').expect('EndPoints');
  log('accepted ' + p.remoteAddress + ' ' + String(p.localPort === e.localPort));
  return { l: a.ep, c: p.ep };
}

function text(buf: Bytes, n: number): string { return buf.readText(0, n); }

export default defineProgram({
  name: 'client',
  parameters: { mode: str },
  resources: { exchangeHeap: '256KiB', network: { listen: [8080, 8081], connect: ['${echoDest}', '${closedDest}', '127.0.0.1:9'] } },
  console: true,
  async main({ abi, params, console }) {
    const log = (s: string): void => { console.log(s); };
    const mode = params.mode;
    if (mode === 'refusals') {
      for (const [address, port] of [['127.0.0.1', 9000], ['127.0.0.1', 8081], ['10.0.0.1', 8080]] as const) {
        const l = await listening(abi, port, address);
        log('bind ' + String(port) + ' ' + (typeof l === 'string' ? l : 'allowed'));
        if (typeof l !== 'string') l.send('Close');
      }
      for (const [address, port] of [['127.0.0.1', 1], ['127.0.0.1', 9], ['${closedDest.split(':')[0]}', ${closedDest.split(':')[1]}]] as const) {
        const s = await session(abi);
        const c = await s.send('Connect', { address, port }).receive();
        if (c.tag === 'CouldNotConnect') { log('connect ' + String(port) + ' ' + c.error + ' ' + c.reason); c.ep.send('Close'); }
        else if (c.tag === 'OK') { log('connect ' + String(port) + ' allowed'); c.ep.send('Abort'); }
      }
      return 0;
    }
    if (mode === 'twice') {
      const one = await listening(abi, 8080);
      log('first ' + (typeof one === 'string' ? one : 'listening'));
      const two = await listening(abi, 8080);
      log('second ' + (typeof two === 'string' ? two : 'listening'));
      if (typeof two !== 'string') two.send('Close');
      if (typeof one !== 'string') one.send('Close');
      const three = await listening(abi, 8080);
      log('third ' + (typeof three === 'string' ? three : 'listening'));
      if (typeof three !== 'string') three.send('Close');
      return 0;
    }
    if (mode === 'connect') {
      const s = await session(abi);
      const [address, port] = ['${echoDest.split(':')[0]}', ${echoDest.split(':')[1]}];
      const c = await s.send('Connect', { address, port }).receive();
      if (c.tag !== 'OK') { log('connect ' + c.tag); return 1; }
      let buf: Bytes = abi.alloc(256);
      const n = buf.writeText('ping');
      const w = await c.ep.send('Write', { buf, bufOffset: 0, length: n }).expect('Sent');
      buf = w.buf;
      let ep: Connected = w.ep;
      let got = '';
      for (;;) {
        const r = await ep.send('Read', { buf }).receive();
        if (r.tag === 'Data') { got += text(r.buf, r.bytes); buf = r.buf; ep = r.ep; continue; }
        if (r.tag === 'NoMoreData') { log('reply ' + got); r.buf.free(); r.ep.send('Close'); break; }
        if (r.tag === 'ConnectionClosed') { log('closed'); r.buf.free(); r.ep.send('Abort'); break; }
        return 1;
      }
      return 0;
    }
    if (mode === 'accepting') {
      // Waits until a connection is there to accept, takes it, then waits in a second Accept.
      const l = await listening(abi, 8080);
      if (typeof l === 'string') { log(l); return 1; }
      const e = await l.send('GetEndPoints').expect('EndPoints');
      log('port ' + String(e.localPort) + ' ' + e.localAddress);
      let ep: Listening = e.ep;
      for (let i = 0; i < 5000; i++) {
        const q = await ep.send('IsSessionAvailable').expect('SessionIsAvailable');
        ep = q.ep;
        if (q.isAvailable) { log('available'); break; }
        await abi.sleep(2);
      }
      const next = abi.channel(TcpConnection, 'PreConnected');
      const a = await ep.send('Accept', { newConnection: next.exp }).expect('OK');
      const c = await next.imp.expect('Ready');
      log('accepting');
      const again = abi.channel(TcpConnection, 'PreConnected');
      const m = await a.ep.send('Accept', { newConnection: again.exp }).receive();
      log('accepted again ' + m.tag); // never printed: the test kills the client first
      c.ep.send('Close');
      return 0;
    }
    const { l, c } = await accepted(abi, log);
    l.send('Close');
    let buf: Bytes = abi.alloc(4096);
    if (mode === 'echo') {
      // Echoes until the peer's end, then writes 'done' with the receiving side over, and half-closes.
      let ep: Connected = c;
      for (;;) {
        const r = await ep.send('Read', { buf }).receive();
        if (r.tag === 'Data') {
          const w = await r.ep.send('Write', { buf: r.buf, bufOffset: 0, length: r.bytes }).expect('Sent');
          buf = w.buf;
          ep = w.ep;
          continue;
        }
        if (r.tag !== 'NoMoreData') { log('read ' + r.tag); return 1; }
        log('eof');
        const n = r.buf.writeText('done');
        const w = await r.ep.send('Write', { buf: r.buf, bufOffset: 0, length: n }).expect('Sent');
        w.buf.free();
        w.ep.send('DoneSending').send('Close');
        log('usage ' + JSON.stringify(abi.heapUsage()));
        return 0;
      }
    }
    if (mode === 'half') {
      // Half-closes first (the peer sees the end), then reads what the peer still says.
      const n = buf.writeText('bye');
      const w = await c.send('Write', { buf, bufOffset: 0, length: n }).expect('Sent');
      buf = w.buf;
      let ep = w.ep.send('DoneSending');
      let got = '';
      for (;;) {
        const r = await ep.send('Read', { buf }).receive();
        if (r.tag === 'Data') { got += text(r.buf, r.bytes); buf = r.buf; ep = r.ep; continue; }
        if (r.tag === 'NoMoreData') { log('got ' + got + ' then eof'); r.buf.free(); r.ep.send('Close'); return 0; }
        if (r.tag === 'ConnectionClosed') { log('closed'); r.buf.free(); r.ep.send('Close'); return 1; }
        return 1;
      }
    }
    if (mode === 'abort') {
      const r = await c.send('Read', { buf }).receive();
      if (r.tag !== 'Data') return 1;
      log('read ' + text(r.buf, r.bytes));
      r.buf.free();
      r.ep.send('Abort');
      return 0;
    }
    if (mode === 'poll') {
      const r = await c.send('PollRead', { buf, timeout: 20 }).receive();
      if (r.tag !== 'NoData') { log('poll ' + r.tag); return 1; }
      log('nodata ' + String(r.buf.length));
      const a = await r.ep.send('IsDataAvailable').expect('DataIsAvailable');
      log('available ' + String(a.isAvailable));
      log('polling');
      const d = await a.ep.send('PollRead', { buf: r.buf, timeout: 60000 }).receive();
      if (d.tag !== 'Data') { log('poll ' + d.tag); return 1; }
      log('data ' + text(d.buf, d.bytes));
      d.buf.free();
      d.ep.send('Close');
      return 0;
    }
    if (mode === 'die' || mode === 'hold') {
      log('reading');
      const r = await c.send('Read', { buf }).receive();
      log('read ' + r.tag); // 'die': never printed (the test kills the client); 'hold': the service is killed
      return 0;
    }
    log('unknown mode ' + mode);
    return 1;
  },
});
`;

let echo: { srv: Server; port: number } | undefined;
let closedPort = 0;
let images: Promise<Record<string, string | ImageSource>> | undefined;

before(async () => {
  // A Node server that answers 'pong to <what it got>' and ends; and a port where nothing listens.
  echo = await server((s) => { s.once('data', (d: Buffer) => { s.end(`pong to ${d.toString('utf8')}`); }); });
  const gone = await server(() => undefined);
  closedPort = gone.port;
  await new Promise<void>((r) => { gone.srv.close(() => { r(); }); });
});
after(() => { echo?.srv.close(); });

/** Node sockets a test opened: destroyed after it, whatever happened. */
const peers: Socket[] = [];
afterEach(() => { for (const p of peers.splice(0)) p.destroy(); });

function programs(): Promise<Record<string, string | ImageSource>> {
  images ??= (async () => ({
    net: await compileImage('net', { root: SERVICES, entry: 'net/main.ts' }),
    client: client(`127.0.0.1:${echo?.port ?? 0}`, `127.0.0.1:${closedPort}`),
  }))();
  return images;
}

interface World { readonly b: Booted; readonly net: Spawned; readonly baseline: () => void }

/** A kernel with the network service serving 8080 on a free port, and what it holds when idle. */
async function start(): Promise<World> {
  const b = await boot(await programs());
  const net = b.k.spawn('net', { params: { ports: '8080' }, host: { listen0: '0', connect0: `127.0.0.1:${echo?.port ?? 0}`, connect1: `127.0.0.1:${closedPort}` } });
  await until(() => b.texts('net').some((t) => t.startsWith('net: serving /service/tcp')), 'the network service to start');
  const heap = b.k.heapStats().blocks;
  const endpoints = (): number => b.k.ps().find((p) => p.pid === net.pid)?.endpoints ?? -1;
  const idle = endpoints();
  return {
    b, net,
    baseline: () => {
      assert.equal(b.k.sockets.stats().sockets, 0, 'no kernel socket left');
      assert.equal(b.k.sockets.stats().listeners, 0, 'no listener left');
      assert.equal(b.k.heapStats().blocks, heap, 'no exchange-heap block left');
      assert.equal(endpoints(), idle, 'the service holds only its own endpoints again');
    },
  };
}

/** A test on a kernel of its own, checked back to idle at the end unless `settle` is false. */
function scenario(name: string, fn: (w: World) => Promise<void>, settle = true): void {
  test(name, async () => {
    const w = await start();
    try {
      await fn(w);
      if (settle) await settles(w);
    } finally {
      w.b.k.shutdown();
    }
  });
}

/** Runs the client in `mode` to its end. */
async function run(w: World, mode: string): Promise<{ code: number; lines: () => string[] }> {
  const p = spawn(w, mode);
  return { code: (await within(p.c.join(), `the client in mode ${mode}`)).code, lines: p.lines };
}

/** Spawns the client in `mode`; its lines as they come. */
function spawn(w: World, mode: string): { c: Spawned; lines: () => string[]; line: (prefix: string) => Promise<string> } {
  const c = w.b.k.spawn('client', { params: { mode } });
  const lines = (): string[] => w.b.lines.filter((l) => l.pid === c.pid).map((l) => l.text);
  const line = async (prefix: string): Promise<string> => {
    await until(() => lines().some((t) => t.startsWith(prefix)), `the client to say ${JSON.stringify(prefix)}`);
    return (lines().find((t) => t.startsWith(prefix)) as string).slice(prefix.length);
  };
  return { c, lines, line };
}

/** Settled once the listeners, sockets, blocks and endpoints are back to idle. */
async function settles(w: World): Promise<void> {
  await until(() => { try { w.baseline(); return true; } catch { return false; } }, 'the kernel and the service to be back to idle');
  w.baseline();
}

function server(onConn: (s: Socket) => void): Promise<{ srv: Server; port: number }> {
  return new Promise((resolve) => {
    const srv = createServer({ allowHalfOpen: true }, onConn);
    srv.listen(0, '127.0.0.1', () => { resolve({ srv, port: (srv.address() as AddressInfo).port }); });
  });
}

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => { resolve(s); });
    peers.push(s);
    s.once('error', reject);
  });
}

function collect(s: Socket): { data: () => string; ended: Promise<void>; closed: Promise<boolean>; error: Promise<string> } {
  let data = '';
  s.on('data', (d: Buffer) => { data += d.toString('utf8'); });
  const error = new Promise<string>((r) => { s.on('error', (e: NodeJS.ErrnoException) => { r(e.code ?? e.message); }); });
  return {
    data: () => data,
    ended: new Promise((r) => { s.once('end', () => { r(); }); }),
    closed: new Promise((r) => { s.once('close', (hadError: boolean) => { r(hadError); }); }),
    error,
  };
}

scenario('a program listens on the port it claims (served on a free host port) and echoes a Node client; NoMoreData, then writes, then DoneSending', async (w) => {
  const p = spawn(w, 'echo');
  const [port, address] = (await p.line('port ')).split(' ');
  assert.equal(address, '127.0.0.1');
  assert.notEqual(Number(port), 8080, 'GetEndPoints reports the real port the slot listens on, not the Sing port');
  const peer = await dial(Number(port));
  const seen = collect(peer);
  assert.equal(await p.line('accepted '), '127.0.0.1 true');
  const message = 'hello, singularity '.repeat(600); // more than one 4 KiB buffer
  peer.write(message);
  await until(() => seen.data().length >= message.length, 'the echo of every byte');
  peer.end(); // the client reads NoMoreData, writes 'done' from SendOnly, then DoneSending
  await within(seen.ended, 'the end of the echo stream');
  assert.equal(seen.data(), `${message}done`);
  await p.line('usage ');
  assert.equal((await within(p.c.join())).code, 0);
  await within(seen.closed, 'the connection to close');
});

scenario('a program connects to a destination it claims, through the slot bound to it', async (w) => {
  const r = await run(w, 'connect');
  assert.equal(r.code, 0);
  assert.deepEqual(r.lines(), ['reply pong to ping']);
});

scenario('ports and destinations a program does not claim are refused, with the program, the port and the rule named', async (w) => {
  const r = await run(w, 'refusals');
  assert.equal(r.code, 0);
  const [unclaimed, noSlot, address, notDest, noDest, refused] = r.lines();
  assert.match(unclaimed ?? '', /^bind 9000 InvalidEndPoint net: client \(pid \d+\) may not listen on port 9000: its manifest's resources\.network\.listen claims 8080, 8081, and a program listens only on the ports it claims$/);
  assert.match(noSlot ?? '', /^bind 8081 InvalidEndPoint net: port 8081 is not one the network service was given/);
  assert.match(address ?? '', /^bind 8080 InvalidEndPoint net: cannot bind "10\.0\.0\.1": the kernel decides the host address/);
  assert.match(notDest ?? '', /^connect 1 Refused net: client \(pid \d+\) may not connect to 127\.0\.0\.1:1: its manifest's resources\.network\.connect claims .*, and a program connects only to the destinations it claims$/);
  assert.match(noDest ?? '', /^connect 9 Refused net: 127\.0\.0\.1:9 is not a destination the network service was given/);
  assert.match(refused ?? '', new RegExp(`^connect ${closedPort} Refused net: .*connect\\("connect1"\\) to 127\\.0\\.0\\.1:${closedPort}: ECONNREFUSED`), 'the kernel\'s E_REFUSED is the RDK\'s Refused');
  assert.equal(r.lines().length, 6);
});

scenario('a port has one listener at a time; closing the listening session frees it', async (w) => {
  const r = await run(w, 'twice');
  assert.equal(r.code, 0);
  const [first, second, third] = r.lines();
  assert.equal(first, 'first listening');
  assert.match(second ?? '', /^second CouldNotListen net: E_IN_USE: port 8080 is being listened on by client \(pid \d+\); a port has one listener at a time$/);
  assert.equal(third, 'third listening');
});

scenario('the host (abi.peer names no program for its end) may open a session but not listen or connect', async (w) => {
  const k = w.b.k;
  const f = k.hostChannel(Tcp);
  assert.deepEqual(await within(k.names.bind(k.owner, '/service/tcp', f.exp)), { ok: true });
  const hello = await within(f.imp.expect('Ready'));
  const s = k.hostChannel(TcpConnection);
  const made = await within(hello.ep.send('CreateTcpSession', { endpoint: s.exp }).expect('Ack'));
  made.ep.close();
  const ready = await within(s.imp.expect('Ready'));
  const b = await within(ready.ep.send('BindLocalEndPoint', { address: '', port: 8080 }).receive());
  assert.equal(b.tag, 'InvalidEndPoint');
  if (b.tag !== 'InvalidEndPoint') return;
  assert.match(b.reason, /the kernel names no program on the other end of this session \(the host holds it/);
  const c = await within(b.ep.send('Connect', { address: '127.0.0.1', port: echo?.port ?? 0 }).receive());
  assert.equal(c.tag, 'CouldNotConnect');
  if (c.tag === 'CouldNotConnect') { assert.equal(c.error, 'Refused'); c.ep.send('Close'); }
});

scenario('half-close both ways: DoneSending ends the peer\'s stream, reads go on until NoMoreData', async (w) => {
  const p = spawn(w, 'half');
  const peer = await dial(Number((await p.line('port ')).split(' ')[0]));
  const seen = collect(peer);
  await within(seen.ended, 'the peer to see the end of the stream');
  assert.equal(seen.data(), 'bye');
  peer.end('after'); // the peer can still be heard, then half-closes too
  assert.equal(await p.line('got '), 'after then eof');
  await within(seen.closed, 'the connection to close');
  assert.equal((await within(p.c.join())).code, 0);
});

scenario('Abort resets the connection: the peer sees ECONNRESET', async (w) => {
  const p = spawn(w, 'abort');
  const peer = await dial(Number((await p.line('port ')).split(' ')[0]));
  const seen = collect(peer);
  peer.write('x');
  assert.equal(await p.line('read '), 'x');
  assert.equal(await within(seen.error, 'the peer to see a reset'), 'ECONNRESET');
});

scenario('PollRead times out with NoData and the buffer back; then data arrives', async (w) => {
  const p = spawn(w, 'poll');
  const peer = await dial(Number((await p.line('port ')).split(' ')[0]));
  const seen = collect(peer);
  assert.equal(await p.line('nodata '), '4096', 'the whole buffer came back');
  assert.equal(await p.line('available '), 'false');
  await p.line('polling');
  peer.write('hi');
  assert.equal(await p.line('data '), 'hi');
  await within(seen.ended, 'the peer to see the end of the stream (Close)');
  peer.end();
});

scenario('a client that dies while the service waits on its read has its connection closed at once', async (w) => {
  const p = spawn(w, 'die');
  const peer = await dial(Number((await p.line('port ')).split(' ')[0]));
  const seen = collect(peer);
  seen.error.catch(() => undefined);
  await p.line('reading');
  await turns(10); // the Read reaches the service, whose kernel read waits
  assert.equal(w.b.k.sockets.stats().sockets, 1);
  p.c.stop();
  await within(seen.closed, 'the peer to see the connection close');
  assert.ok(!p.lines().some((t) => t.startsWith('read ')), 'the client never read');
});

scenario('a client that dies while an Accept waits has its listener closed and its port freed, and its connections closed', async (w) => {
  const p = spawn(w, 'accepting');
  const peer = await dial(Number((await p.line('port ')).split(' ')[0]));
  const seen = collect(peer);
  seen.error.catch(() => undefined);
  await p.line('available');
  await p.line('accepting');
  await turns(10); // the second Accept reaches the service, whose kernel accept waits
  assert.deepEqual([w.b.k.sockets.stats().listeners, w.b.k.sockets.stats().sockets], [1, 1]);
  p.c.stop();
  await within(seen.closed, 'the accepted connection to close with its client');
  await settles(w);
  const again = await run(w, 'twice'); // the port is free for the next program
  assert.equal(again.lines()[0], 'first listening');
});

scenario('killing the service closes its clients\' channels and their connections', async (w) => {
  const p = spawn(w, 'hold');
  const peer = await dial(Number((await p.line('port ')).split(' ')[0]));
  const seen = collect(peer);
  seen.error.catch(() => undefined);
  await p.line('reading');
  await turns(10);
  w.net.stop();
  assert.equal(await p.line('read '), '$closed');
  await within(seen.ended, 'the peer to see the connection end');
  await until(() => w.b.k.sockets.stats().sockets === 0 && w.b.k.sockets.stats().listeners === 0, 'no socket left');
  await until(() => w.b.k.heapStats().blocks === 0, 'no block left');
}, false);

test('the service refuses to start when ports names a slot the spawner did not bind, or is not a port list', async () => {
  const b = await boot(await programs());
  try {
    for (const [ports, re] of [['8080', /listen slot listen0, which the spawner did not bind/], ['80x', /is not a port 1\.\.65535/], ['1,2,3,4,5,6,7,8,9', /9 ports named, but the service has 8 listen slots/]] as const) {
      const s = b.k.spawn('net', { params: { ports } });
      const st = await within(s.join());
      assert.equal(st.code, 2, ports);
      assert.ok(b.lines.some((l) => l.pid === s.pid && re.test(l.text)), `${ports}: ${b.texts('net').join('; ')}`);
    }
  } finally {
    b.k.shutdown();
  }
});
