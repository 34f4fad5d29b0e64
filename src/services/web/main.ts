// The web server SIP (after Singularity's Cassini): it asks the network service (/service/tcp) for
// a listening session on port 8080 — the port its manifest claims; the system decides which host
// port that is — and serves each accepted connection in its own thread: static files from the
// file system below `root` (/fs/www), and path prefixes routed to web-app SIPs over WebApp
// (sing/contracts/web).
// Parameters (all given by whoever starts it): `root` (the directory served, default /fs/www),
// `apps` (routes, `prefix=name` separated by commas: `/counter=/web/counter`), `maxConnections`
// (beyond it a connection is answered 503 and closed), `headerTimeoutMs` (a request's head must
// arrive within it), `idleTimeoutMs` (a kept-alive connection with no request is closed after it),
// `bodyTimeoutMs`, `maxHeaderBytes` (431 beyond), `maxBodyBytes` (413 beyond), `cacheMs` (how long
// a small file's bytes and attributes are trusted before the file system is asked again; 0 asks
// on every request).
// Invariants: the server never holds a connection past its timeouts; every block and endpoint a
// connection thread owns is freed or closed when the thread ends (connection.ts); a failed web app
// costs only its own requests (apps.ts).
import { defineProgram, i32, str, type Abi, type Imp } from 'sing/runtime';
import { Tcp, TcpConnection } from 'sing/contracts/tcp';
import { serveConnection, refuseConnection } from './connection.ts';
import { WebServer } from './server.ts';

/** The port this program claims (resources.network.listen) and asks the network service for. */
const PORT = 8080;

type Listening = Imp<typeof TcpConnection, 'Listening'>;

/** Opens a TCP session through the factory and listens on PORT; a reason string on failure. */
async function listen(abi: Abi, factory: Imp<typeof Tcp, 'Start'>): Promise<{ readonly ep: Listening | null; readonly reason: string }> {
  const hello = await factory.receive();
  if (hello.tag === '$closed') return { ep: null, reason: 'the network service closed the factory channel' };
  const session = abi.channel(TcpConnection);
  const made = await hello.ep.send('CreateTcpSession', { endpoint: session.exp }).receive();
  if (made.tag === '$closed') { session.imp.close(); return { ep: null, reason: 'the network service went away' }; }
  made.ep.close();
  const ready = await session.imp.receive();
  if (ready.tag === '$closed') return { ep: null, reason: 'the network service closed the session' };
  const b = await ready.ep.send('BindLocalEndPoint', { address: '127.0.0.1', port: PORT }).receive();
  if (b.tag === '$closed') return { ep: null, reason: 'the network service closed the session' };
  if (b.tag === 'InvalidEndPoint') { b.ep.send('Close'); return { ep: null, reason: `port ${PORT}: ${b.reason}` }; }
  const l = await b.ep.send('Listen', { backlog: 128 }).receive();
  if (l.tag === '$closed') return { ep: null, reason: 'the network service closed the session' };
  if (l.tag === 'CouldNotListen') { l.ep.send('Close'); return { ep: null, reason: `port ${PORT}: ${l.reason}` }; }
  return { ep: l.ep, reason: '' };
}

/** Accepts connections until the listening session closes; each gets a thread. */
async function acceptLoop(listening: Listening, srv: WebServer, abi: Abi): Promise<void> {
  let ep = listening;
  for (;;) {
    const next = abi.channel(TcpConnection, 'PreConnected');
    const m = await ep.send('Accept', { newConnection: next.exp }).receive();
    if (m.tag === '$closed') { next.imp.close(); return; }
    if (m.tag === 'CouldNotAccept') {
      m.newConnection.close();
      next.imp.close();
      m.ep.send('Close');
      return;
    }
    ep = m.ep;
    if (srv.live >= srv.maxConnections) {
      abi.spawn(refuseConnection, next.imp, srv, abi);
    } else {
      srv.live++;
      abi.spawn(serveConnection, next.imp, srv, abi);
    }
  }
}

export default defineProgram({
  name: 'web',
  version: '1.0.0',
  category: 'service',
  parameters: {
    root: str, apps: str, maxConnections: i32, headerTimeoutMs: i32, idleTimeoutMs: i32, bodyTimeoutMs: i32,
    maxHeaderBytes: i32, maxBodyBytes: i32, cacheMs: i32,
  },
  imports: { tcp: Tcp.imp('/service/tcp') },
  resources: { exchangeHeap: '64MiB', files: { '/fs/www/**': 'read' }, network: { listen: [PORT] } },
  console: true,
  async main({ abi, tcp, params, console }) {
    let srv: WebServer;
    try {
      srv = new WebServer(params, abi);
    } catch (e) {
      console.error(`web: ${e instanceof Error ? e.message : String(e)}`);
      tcp.close();
      return 2;
    }
    const l = await listen(abi, tcp);
    const listening = l.ep;
    if (listening === null) { console.error(`web: ${l.reason}`); return 1; }
    const q = await listening.send('GetEndPoints').receive();
    if (q.tag === '$closed') { console.error('web: the network service went away'); return 1; }
    console.log(`web: serving ${srv.root} on http://${q.localAddress}:${q.localPort}/${srv.routes.describe()}`);
    await acceptLoop(q.ep, srv, abi);
    console.log(`web: the listening session closed after ${srv.accepted} connections`);
    return 1;
  },
});
