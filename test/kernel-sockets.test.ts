// TCP sockets in the kernel (src/kernel/sockets.ts): a driver program listens on its declared port
// (bound by the host to 0, an ephemeral port on 127.0.0.1), accepts, reads into exchange-heap
// blocks and writes from them; it connects to its declared destination; half-close, abort and a
// slow reader's backpressure behave as docs/abi.md says; host failures are values; only a driver,
// and only through declared keys of the right kind, reaches a socket; a killed process's sockets
// close and leave no block behind. Peers are Node sockets on 127.0.0.1; nothing asserts a duration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { bindHost } from '../src/kernel/resources.ts';
import { RECEIVE_BUFFER } from '../src/kernel/sockets.ts';
import { tcpDestination } from '../src/runtime/manifest-values.ts';
import { loadProgram } from '../src/verifier/host.ts';
import { readManifest } from '../src/verifier/manifest.ts';
import { boot, delay, report, until, within, type Booted } from './kit.ts';

/** Waits for the driver's console line starting with `prefix`; the rest of it. */
async function line(b: Booted, prefix: string): Promise<string> {
  await until(() => b.texts('net').some((t) => t.startsWith(prefix)), `the driver to say ${JSON.stringify(prefix)}`);
  return (b.texts('net').find((t) => t.startsWith(prefix)) as string).slice(prefix.length);
}

const RESOURCES = `resources: {
    exchangeHeap: '512KiB',
    host: { port: { kind: 'tcp', port: 7000 }, upstream: { kind: 'tcp', connect: '127.0.0.1:7001' } },
  },`;

// One driver with a mode parameter: each test runs the mode it needs.
const NET = `
import { defineProgram, str, type Abi, type Bytes, type TcpSocket } from 'sing/runtime';

async function accepted(abi: Abi, log: (s: string) => void): Promise<TcpSocket | null> {
  const r = await abi.listen('port');
  if ('error' in r) { log('listen-error ' + r.error.code); return null; }
  log('port ' + String(r.listener.port));
  const a = await r.listener.accept();
  if ('error' in a) { log('accept-error ' + a.error.code); return null; }
  log('accepted ' + a.socket.remote);
  r.listener.close();
  return a.socket;
}

function codeOf(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'none';
}

export default defineProgram({
  name: 'net',
  category: 'driver',
  console: true,
  parameters: { mode: str },
  ${RESOURCES}
  async main({ abi, params, console }) {
    const log = (s: string): void => { console.log(s); };
    const mode = params.mode;
    if (mode === 'refusals') {
      const tries: [string, () => unknown][] = [
        ['undeclared', () => abi.listen('nope')],
        ['listen-a-destination', () => abi.listen('upstream')],
        ['connect-a-port', () => abi.connect('port')],
      ];
      for (const [what, f] of tries) {
        try { f(); log(what + ' allowed'); } catch (e) { log(what + ' ' + codeOf(e)); }
      }
      return 0;
    }
    if (mode === 'connect' || mode === 'refused') {
      const c = await abi.connect('upstream');
      if ('error' in c) { log('connect-error ' + c.error.code + ' ' + c.error.message); return 0; }
      let buf: Bytes = abi.alloc(64);
      const n = buf.writeText('ping');
      const w = await c.socket.write(buf, 0, n);
      buf = w.buf;
      const r = await c.socket.read(buf);
      log('reply ' + r.buf.readText(0, r.bytes));
      c.socket.close();
      r.buf.free();
      return 0;
    }
    if (mode === 'backlog') {
      // Listens with a backlog of 2 and accepts nothing until the host's upstream says go; then
      // takes the two that wait and says what each sent.
      const l = await abi.listen('port', { backlog: 2 });
      if ('error' in l) { log('listen-error ' + l.error.code); return 1; }
      log('port ' + String(l.listener.port));
      const go = await abi.connect('upstream');
      if ('error' in go) { log('connect-error ' + go.error.code); return 1; }
      let buf: Bytes = abi.alloc(64);
      buf = (await go.socket.read(buf)).buf;
      log('waiting ' + String(l.listener.waiting));
      const seen: string[] = [];
      for (let i = 0; i < 2; i++) {
        const a = await l.listener.accept();
        if ('error' in a) { log('accept-error ' + a.error.code); break; }
        const r = await a.socket.read(buf);
        buf = r.buf;
        seen.push(buf.readText(0, r.bytes));
        a.socket.close();
      }
      log('took ' + JSON.stringify(seen.sort().join(',')));
      go.socket.close();
      l.listener.close();
      buf.free();
      return 0;
    }
    const s = await accepted(abi, log);
    if (s === null) return 1;
    let buf: Bytes = abi.alloc(mode === 'slow' ? 65536 : 4096);
    if (mode === 'echo') {
      for (let i = 0; i < 100000; i++) {
        const r = await s.read(buf);
        buf = r.buf;
        if (r.error !== null) { log('read-error ' + r.error.code); break; }
        if (r.bytes === 0) { log('eof'); break; }
        const w = await s.write(buf, 0, r.bytes);
        buf = w.buf;
        if (w.error !== null) { log('write-error ' + w.error.code); break; }
      }
      s.close();
      buf.free();
      log('usage ' + JSON.stringify(abi.heapUsage()));
      return 0;
    }
    if (mode === 'half') {
      const n = buf.writeText('bye');
      buf = (await s.write(buf, 0, n)).buf;
      s.shutdown();
      let got = '';
      for (let i = 0; i < 1000; i++) {
        const r = await s.read(buf);
        buf = r.buf;
        if (r.error !== null) { log('read-error ' + r.error.code); break; }
        if (r.bytes === 0) { log('got ' + got + ' then eof'); break; }
        got += buf.readText(0, r.bytes);
      }
      s.close();
      return 0;
    }
    if (mode === 'abort') {
      const r = await s.read(buf);
      log('read ' + String(r.bytes));
      s.abort();
      try { s.read(r.buf); log('read after abort allowed'); } catch (e) { log('read after abort ' + codeOf(e)); }
      return 0;
    }
    if (mode === 'slow') {
      // Reads nothing until a second connection says go; then reads it all, checking the pattern.
      const l = await abi.listen('port');
      if ('error' in l) { log('listen-error ' + l.error.code); return 1; }
      log('go-port ' + String(l.listener.port));
      const go = await l.listener.accept();
      if ('error' in go) return 1;
      log('go');
      let total = 0;
      let ordered = true;
      for (let i = 0; i < 100000; i++) {
        const r = await s.read(buf);
        buf = r.buf;
        if (r.error !== null) { log('read-error ' + r.error.code); break; }
        if (r.bytes === 0) break;
        if (buf.get(0) !== total % 251 || buf.get(r.bytes - 1) !== (total + r.bytes - 1) % 251) ordered = false;
        total += r.bytes;
      }
      log('total ' + JSON.stringify({ total, ordered }));
      go.socket.close();
      l.listener.close();
      s.close();
      return 0;
    }
    if (mode === 'flood') {
      // Writes to a peer that never reads: a write stays in flight once the host's buffers are full.
      buf.free();
      let big: Bytes = abi.alloc(256 * 1024);
      for (let i = 0; i < 100000; i++) {
        const w = await s.write(big);
        big = w.buf;
        if (w.error !== null) { log('write-error ' + w.error.code); break; }
      }
      log('flood returned');
      return 0;
    }
    if (mode === 'hold') {
      log('reading');
      await s.read(buf); // the peer sends nothing: the process is killed while this waits
      log('read returned');
      return 0;
    }
    log('unknown mode ' + mode);
    return 1;
  },
});
`;

const APP = `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: 'app',
  console: true,
  ${RESOURCES}
  async main({ abi, console }) {
    try { abi.listen('port'); console.log('listen allowed'); } catch (e) { console.log('listen ' + String((e as { code?: unknown }).code)); }
    try { abi.connect('upstream'); console.log('connect allowed'); } catch (e) { console.log('connect ' + String((e as { code?: unknown }).code)); }
    return 0;
  },
});
`;

const PROGRAMS = { net: NET, app: APP };

/** A driver in `mode` with its listen port bound to 0 (and its destination to `upstream`). */
async function start(mode: string, upstream?: string): Promise<{ b: Booted; stop: () => void; port: () => Promise<number> }> {
  const b = await boot(PROGRAMS);
  const sp = b.k.spawn('net', { params: { mode }, host: upstream === undefined ? { port: '0' } : { port: '0', upstream } });
  return { b, stop: () => { sp.stop(); }, port: async () => Number(await report<number>(b, 'port ', 'net')) };
}

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => { resolve(s); });
    s.once('error', reject);
  });
}

function collect(s: Socket): { data: () => string; ended: Promise<void>; closed: Promise<boolean>; error: Promise<string> } {
  let data = '';
  s.on('data', (d: Buffer) => { data += d.toString('utf8'); });
  return {
    data: () => data,
    ended: new Promise((r) => { s.once('end', () => { r(); }); }),
    closed: new Promise((r) => { s.once('close', (hadError: boolean) => { r(hadError); }); }),
    error: new Promise((r) => { s.on('error', (e: NodeJS.ErrnoException) => { r(e.code ?? e.message); }); }),
  };
}

function server(onConn: (s: Socket) => void): Promise<{ srv: Server; port: number }> {
  return new Promise((resolve) => {
    const srv = createServer(onConn);
    srv.listen(0, '127.0.0.1', () => { resolve({ srv, port: (srv.address() as AddressInfo).port }); });
  });
}

test('an echo driver listens on its declared port (bound to 0), accepts, and round-trips bytes through a block', async () => {
  const { b, port } = await start('echo');
  const peer = await dial(await within(port(), 'the listen port'));
  const seen = collect(peer);
  const message = 'hello, singularity '.repeat(500); // more than one 4 KiB block
  peer.write(message);
  await until(() => seen.data().length >= message.length, 'the echo of every byte');
  assert.equal(seen.data(), message);
  peer.end(); // half-close: the driver reads 0 bytes, then closes
  await within(seen.ended, 'the end of the echo stream');
  assert.ok(b.texts('net').includes('eof'), 'the driver read the end of the stream as 0 bytes');
  const usage = await report<{ blocks: number }>(b, 'usage ', 'net');
  assert.equal(usage.blocks, 0, 'the driver holds no block once it freed its buffer');
  assert.ok(b.texts('net').some((t) => t.startsWith('accepted 127.0.0.1:')), 'the socket names its peer');
  await until(() => b.k.sockets.stats().sockets === 0 && b.k.sockets.stats().listeners === 0, 'no socket left');
  peer.destroy();
  b.k.shutdown();
});

test('a full backlog makes room by closing a waiting connection whose client ended its stream, and refuses when all are open', async () => {
  let goSock: Socket | null = null;
  const up = await server((s) => { goSock = s; });
  const { b, port } = await start('backlog', `127.0.0.1:${up.port}`);
  const p = await within(port(), 'the listen port');
  await until(() => goSock !== null, 'the driver to connect upstream and wait');
  const gone = await dial(p);
  const goneSeen = collect(gone);
  gone.end('a'); // sends, half-closes and gives up: it waits with its stream ended
  await delay(200); // the kernel has seen its end (loopback delivers at once)
  const open = await dial(p);
  open.write('b');
  const third = await dial(p); // the backlog is full: the ended one makes room
  third.write('c');
  await within(goneSeen.closed, 'the ended connection to be closed for the newcomer');
  const fourth = await dial(p); // full again, every waiting one open: refused
  const fourthSeen = collect(fourth);
  fourth.write('d');
  await within(Promise.race([fourthSeen.ended, fourthSeen.closed]), 'the fourth connection to be refused');
  assert.equal(fourthSeen.data(), '');
  (goSock as Socket | null)?.write('go');
  assert.equal(await report<string>(b, 'took ', 'net'), 'b,c');
  for (const s of [open, third, fourth, gone]) s.destroy();
  up.srv.close();
  await until(() => b.k.sockets.stats().sockets === 0 && b.k.sockets.stats().listeners === 0, 'no socket left');
  b.k.shutdown();
});

test('a driver connects to its declared destination (bound by the host) and talks to it', async () => {
  const { srv, port } = await server((s) => { s.once('data', (d: Buffer) => { s.end(`pong to ${d.toString('utf8')}`); }); });
  try {
    const { b } = await start('connect', `127.0.0.1:${port}`);
    assert.equal(await line(b, 'reply '), 'pong to ping');
    await until(() => b.k.heapStats().blocks === 0, 'the driver ended and left no block');
    b.k.shutdown();
  } finally {
    srv.close();
  }
});

test('a refused connect comes back as an E_REFUSED value', async () => {
  const { srv, port } = await server(() => undefined);
  await new Promise<void>((r) => { srv.close(() => { r(); }); }); // the port is free again: nothing listens
  const { b } = await start('refused', `127.0.0.1:${port}`);
  const said = await line(b, 'connect-error ');
  assert.match(said, /^E_REFUSED /);
  assert.match(said, /connect\("upstream"\) to 127\.0\.0\.1:\d+: ECONNREFUSED/, 'the message names the call, the destination and the host code');
  b.k.shutdown();
});

test('shutdown half-closes: the peer sees the end, the driver still reads, then reads 0 bytes at EOF', async () => {
  const { b, port } = await start('half');
  const peer = await dial(await within(port(), 'the listen port'));
  const seen = collect(peer);
  await within(seen.ended, 'the peer to see the end of the stream');
  assert.equal(seen.data(), 'bye');
  peer.end('after'); // the peer can still be heard, then half-closes too
  assert.equal(await line(b, 'got '), 'after then eof');
  await within(seen.closed, 'the connection to close');
  b.k.shutdown();
});

test('abort resets the connection: the peer sees ECONNRESET and the socket refuses further use', async () => {
  const { b, port } = await start('abort');
  const peer = await dial(await within(port(), 'the listen port'));
  const seen = collect(peer);
  peer.write('x');
  assert.equal(await within(seen.error, 'the peer to see a reset'), 'ECONNRESET');
  assert.equal(await line(b, 'read after abort '), 'E_SOCKET_CLOSED');
  await until(() => b.k.heapStats().blocks === 0, 'no block left');
  b.k.shutdown();
});

test('a slow reader never makes the kernel hold more than its bound while the peer writes megabytes', async () => {
  const { b, port } = await start('slow');
  const p = await within(port(), 'the listen port');
  const peer = await dial(p);
  peer.on('error', () => undefined);
  const size = 16 * 1024 * 1024;
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = i % 251;
  let written = false;
  peer.write(data, () => { written = true; });
  peer.end();
  await until(() => b.k.sockets.stats().paused === 1, 'the kernel to pause the socket of the slow reader');
  await delay(50); // the peer keeps trying; the kernel must not take more
  const held = b.k.sockets.stats();
  assert.ok(held.maxBuffered >= RECEIVE_BUFFER, `it buffered up to its bound (${held.maxBuffered} bytes)`);
  assert.ok(held.maxBuffered < 2 * RECEIVE_BUFFER, `the kernel held ${held.maxBuffered} bytes for a reader that did not read; the bound is ${RECEIVE_BUFFER} plus one host read`);
  assert.equal(written, false, 'the peer is held back: its 16 MiB are not all taken');
  assert.ok(peer.writableLength > 0, 'the peer still has bytes it could not send');
  const go = await dial(Number(await line(b, 'go-port ')));
  const total = JSON.parse(await line(b, 'total ')) as { total: number; ordered: boolean };
  assert.deepEqual(total, { total: size, ordered: true }, 'every byte arrived, in order, once the reader read');
  assert.ok(b.k.sockets.stats().maxBuffered < 2 * RECEIVE_BUFFER, 'and the bound held while it read');
  go.destroy();
  peer.destroy();
  b.k.shutdown();
});

test('only a driver reaches a socket, and only through declared keys of the right kind', async () => {
  const b = await boot(PROGRAMS);
  b.k.spawn('app', { host: { port: '0' } });
  b.k.spawn('net', { params: { mode: 'refusals' }, host: { port: '0' } });
  await until(() => b.texts('app').length === 2 && b.texts('net').length === 3, 'both programs to say what they were told');
  assert.deepEqual(b.texts('app'), ['listen E_NOT_DRIVER', 'connect E_NOT_DRIVER']);
  assert.deepEqual(b.texts('net'), ['undeclared E_RESOURCE', 'listen-a-destination E_RESOURCE', 'connect-a-port E_RESOURCE']);
  assert.equal(b.k.sockets.stats().listeners, 0, 'nothing was opened');
  b.k.shutdown();
});

test('a killed driver\'s sockets close (the peer sees it) and its block in flight is freed', async () => {
  const b = await boot(PROGRAMS);
  const sp = b.k.spawn('net', { params: { mode: 'hold' }, host: { port: '0' } });
  const peer = await dial(Number(await line(b, 'port ')));
  const seen = collect(peer);
  seen.error.catch(() => undefined);
  await line(b, 'reading');
  await until(() => b.k.heapStats().blocks === 1, 'the read buffer is in the kernel');
  assert.equal(b.k.sockets.stats().sockets, 1);
  sp.stop();
  await within(seen.ended, 'the peer to see the connection close');
  await until(() => b.k.heapStats().blocks === 0, 'the block in flight freed');
  assert.deepEqual(b.k.sockets.stats().sockets, 0);
  assert.equal(b.k.sockets.stats().listeners, 0);
  assert.ok(!b.texts('net').includes('read returned'), 'no code of the dead process ran');
  peer.destroy();
  b.k.shutdown();
});

test('a connect destination is a literal address or localhost with a port, spelt one way', () => {
  assert.equal(tcpDestination('127.0.0.1:6379'), '127.0.0.1:6379');
  assert.equal(tcpDestination('[::1]:6379'), '[::1]:6379');
  assert.equal(tcpDestination('[FE80::1]:80'), '[fe80::1]:80');
  assert.equal(tcpDestination('[::ffff:127.0.0.1]:80'), '[::ffff:127.0.0.1]:80');
  assert.equal(tcpDestination('localhost:1'), 'localhost:1');
  for (const bad of ['example.com:80', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:65536', '127.0.0.1:080', '256.0.0.1:80', '::1:80', '[1:2:3]:80', '[::1::2]:80', '6379']) {
    assert.equal(tcpDestination(bad), undefined, bad);
  }
});

test('manifests declare listen ports and connect destinations; the verifier and the host binding agree', () => {
  let n = 0;
  const read = (host: string): ReturnType<typeof readManifest> => readManifest(loadProgram({ root: `/virtual/sockets-m${n++}`, entry: 'main.ts', files: {
    'main.ts': `import { defineProgram } from 'sing/runtime';\nexport default defineProgram({\n  name: 'p',\n  category: 'driver',\n  resources: { host: ${host} },\n  main() { return 0; },\n});\n`,
  } }));
  const ok = read(`{ web: { kind: 'tcp', port: 8080 }, db: { kind: 'tcp', connect: '[::1]:6379' } }`);
  assert.deepEqual(ok.diagnostics.map((d) => d.message), []);
  assert.deepEqual(ok.manifest?.resources.host, { web: { kind: 'tcp', target: '8080', exclusive: true }, db: { kind: 'tcp', target: '[::1]:6379', exclusive: false } });
  for (const [host, re] of [
    [`{ db: { kind: 'tcp', connect: 'redis.local:6379' } }`, /connect must be 'host:port'/],
    [`{ db: { kind: 'tcp', connect: '127.0.0.1:6379', exclusive: true } }`, /never exclusive/],
  ] as const) {
    const r = read(host);
    assert.equal(r.manifest, undefined, host);
    assert.ok(r.diagnostics.some((d) => d.code === 'SING6004' && re.test(d.message)), `${host}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  }
  const declared = [
    { key: 'web', kind: 'tcp', target: '8080', exclusive: true },
    { key: 'db', kind: 'tcp', target: '127.0.0.1:6379', exclusive: false },
  ] as const;
  assert.deepEqual(bindHost('t', declared, { web: '0', db: 'localhost:7000' }).map((r) => r.target), ['0', 'localhost:7000']);
  assert.throws(() => bindHost('t', declared, { web: '70000' }), { code: 'E_RESOURCE', message: /not a port/ });
  assert.throws(() => bindHost('t', declared, { web: '127.0.0.1:80' }), { code: 'E_RESOURCE', message: /not a port/ });
  assert.throws(() => bindHost('t', declared, { db: '9000' }), { code: 'E_RESOURCE', message: /not a connect destination/ });
});

test('a declared port is held exclusively; ports the host bound to 0 never conflict', async () => {
  const b = await boot(PROGRAMS);
  b.k.spawn('net', { params: { mode: 'refusals' } });
  assert.throws(() => b.k.spawn('net', { params: { mode: 'refusals' } }), { code: 'E_RESOURCE_BUSY', message: /resources\.host\.port \(tcp 7000\)/ });
  const one = b.k.spawn('net', { params: { mode: 'echo' }, host: { port: '0' } });
  const two = b.k.spawn('net', { params: { mode: 'echo' }, host: { port: '0' } });
  await until(() => b.texts('net').filter((t) => t.startsWith('port ')).length === 2, 'both echo drivers to listen');
  const ports = b.texts('net').filter((t) => t.startsWith('port ')).map((t) => Number(t.slice(5)));
  assert.notEqual(ports[0], ports[1]);
  assert.equal(b.k.sockets.stats().listeners, 2);
  one.stop();
  two.stop();
  await until(() => b.k.sockets.stats().listeners === 0, 'the listeners closed with their processes');
  b.k.shutdown();
});

test('a driver killed while a write is in flight leaves no block behind', async () => {
  const b = await boot(PROGRAMS);
  const sp = b.k.spawn('net', { params: { mode: 'flood' }, host: { port: '0' } });
  const peer = await dial(Number(await line(b, 'port ')));
  peer.pause(); // reads nothing: the host's buffers fill and a write stays in flight
  const seen = collect(peer);
  seen.error.catch(() => undefined);
  await until(() => b.k.sockets.stats().writing === 1 && b.k.heapStats().blocks === 1, 'a write in flight, its block in the kernel');
  sp.stop();
  await until(() => b.k.heapStats().blocks === 0, 'the block of the write freed when the host gave it up');
  assert.equal(b.k.sockets.stats().sockets, 0);
  assert.ok(!b.texts('net').includes('flood returned'), 'no code of the dead process ran');
  peer.destroy();
  b.k.shutdown();
});
