// One TcpConnection session of the network service from its start: Ready, then a bind and listen
// (the thread serves the listening session, each accepted connection getting a thread of its
// own) or a connect (the thread goes on to serve the connection), each checked against the
// client's manifest claims (permissions.ts) and the service's slots (ports.ts).
// Rules for callers: spawn `serveSession` with the session's end in Start, one thread each; it
// owns the end and everything it opens for it.
// BindLocalEndPoint takes the address 127.0.0.1, 0.0.0.0 or '' (the kernel decides the host
// address: 127.0.0.1 unless the system says another) and a Sing port the client claims and the
// service has a slot for; Listen opens that slot (one listener per Sing port: a second is refused
// while the first lives; backlog 1..128, beyond 128 it is 128, below 1 the kernel's 16); Connect
// takes a destination the client claims and a connect slot is bound to (from Bound as from Ready:
// the host picks the local port). Accept serves the accepted socket on the end the client gave
// (Ready on it, then its own thread) and answers OK; when the listener has closed, CouldNotAccept
// hands the end back.
// Invariants: a listener is closed and its Sing port released when its session ends, however it
// ends (Close, the client gone: the listener is tied to the session, so a client that dies while
// an Accept waits frees the port at once); every refusal names the program, the port or
// destination and the rule.
import type { Abi, Exp, PeerIdentity, TcpListener } from 'sing/runtime';
import type { TcpConnection } from 'sing/contracts/tcp';
import { serveConnected, tie } from './connection.ts';
import { connectRefusal, identify, listenRefusal, nameOf } from './permissions.ts';
import { destination, type PortTable } from './ports.ts';

type Start = Exp<typeof TcpConnection, 'Start'>;
type Ready = Exp<typeof TcpConnection, 'ReadyState'>;
type Bound = Exp<typeof TcpConnection, 'Bound'>;
type Connecting = Exp<typeof TcpConnection, 'ConnectResult'>;
type Listening = Exp<typeof TcpConnection, 'Listening'>;

/** What a session thread needs: the slots, the ABI, and the service's console for its log. */
export interface Net {
  readonly ports: PortTable;
  readonly abi: Abi;
  log(line: string): void;
}

/** The kernel's errors in the RDK's TcpError names (CouldNotConnect.error). */
const TCP_ERRORS: Readonly<Record<string, string>> = {
  E_REFUSED: 'Refused', E_RESET: 'Reset', E_TIMEOUT: 'Timeout', E_CLOSED: 'Closed', E_IN_USE: 'ResourcesExhausted',
};

const LISTEN_ADDRESSES = ['', '0.0.0.0', '127.0.0.1'];
const MAX_BACKLOG = 128;

/** Serves a session from Start until it ends. */
export async function serveSession(start: Start, net: Net, creator: PeerIdentity | null): Promise<void> {
  let ready: Ready = start.send('Ready');
  for (;;) {
    const m = await ready.receive();
    switch (m.tag) {
      case 'BindLocalEndPoint': {
        const id = identify(net.abi, m.ep, creator);
        const why = LISTEN_ADDRESSES.includes(m.address) ? bindRefusal(net, listenRefusal(id.peer, m.port), m.port)
          : `cannot bind ${JSON.stringify(m.address)}: the kernel decides the host address; bind 127.0.0.1, 0.0.0.0 or ''`;
        if (why !== null) { ready = id.ep.send('InvalidEndPoint', { reason: `net: ${why}` }); break; }
        const next = await serveBound(id.ep.send('OK'), m.port, net, creator);
        if (next === null) return;
        ready = next;
        break;
      }
      case 'Connect': {
        const next = await connect(m.ep, m.address, m.port, net, creator);
        if (next === null) return;
        ready = next;
        break;
      }
      case 'Close': return;
      case '$closed': return;
    }
  }
}

/** Why `port` cannot be bound though the claims allow it (no slot), or the claims' refusal. */
function bindRefusal(net: Net, claims: string | null, port: number): string | null {
  if (claims !== null) return claims;
  if (net.ports.listenSlot(port) === null) return `port ${port} is not one the network service was given (its ports parameter); the system gives it a listen slot for each port a program claims`;
  return null;
}

/** Bound: Listen or Connect. The session back in ReadyState after a refusal, or null once it ended. */
async function serveBound(ep: Bound, port: number, net: Net, creator: PeerIdentity | null): Promise<Ready | null> {
  const m = await ep.receive();
  switch (m.tag) {
    case 'Listen': {
      const id = identify(net.abi, m.ep, creator);
      const slot = net.ports.listenSlot(port);
      const why = bindRefusal(net, listenRefusal(id.peer, port), port);
      if (why !== null || slot === null || id.peer === null) return id.ep.send('CouldNotListen', { reason: `net: ${why ?? ''}` });
      const who = nameOf(id.peer);
      if (!net.ports.hold(port, who)) {
        return id.ep.send('CouldNotListen', { reason: `net: E_IN_USE: port ${port} is being listened on by ${net.ports.holder(port) ?? 'another session'}; a port has one listener at a time` });
      }
      const backlog = m.backlog >= 1 ? Math.min(Math.floor(m.backlog), MAX_BACKLOG) : undefined;
      const r = await net.abi.listen(slot, backlog === undefined ? {} : { backlog });
      if ('error' in r) {
        net.ports.release(port);
        return id.ep.send('CouldNotListen', { reason: `net: port ${port} (${slot}): ${r.error.code}: ${r.error.message}` });
      }
      net.log(`net: ${who} listens on port ${port} (host ${r.listener.local})`);
      await serveListening(tie(r.listener, id.ep.send('OK')), r.listener, net);
      r.listener.close();
      net.ports.release(port);
      net.log(`net: port ${port} closed`);
      return null;
    }
    case 'Connect': return connect(m.ep, m.address, m.port, net, creator);
    case 'Close': return null;
    case '$closed': return null;
  }
}

/** Connect: refused (back to ReadyState) or connected (served here until it ends: null). */
async function connect(ep: Connecting, address: string, port: number, net: Net, creator: PeerIdentity | null): Promise<Ready | null> {
  const id = identify(net.abi, ep, creator);
  const dest = destination(address, port);
  if (dest === null) return id.ep.send('CouldNotConnect', { error: 'Refused', reason: `net: ${JSON.stringify(address)} port ${port} is not a literal address (or localhost) and a port 1..65535` });
  const why = connectRefusal(id.peer, dest);
  if (why !== null) return id.ep.send('CouldNotConnect', { error: 'Refused', reason: `net: ${why}` });
  const slot = net.ports.connectSlot(dest);
  if (slot === null) return id.ep.send('CouldNotConnect', { error: 'Refused', reason: `net: ${dest} is not a destination the network service was given (a connect slot bound to it); the system gives it one for each destination a program claims` });
  const c = await net.abi.connect(slot);
  if ('error' in c) return id.ep.send('CouldNotConnect', { error: TCP_ERRORS[c.error.code] ?? 'Unknown', reason: `net: ${c.error.message}` });
  await serveConnected(tie(c.socket, id.ep.send('OK')), c.socket);
  return null;
}

/** Listening until the session ends; the caller closes the listener. */
async function serveListening(start: Listening, listener: TcpListener, net: Net): Promise<void> {
  let ep = start;
  let open = true;
  for (;;) {
    const m = await ep.receive();
    switch (m.tag) {
      case 'Accept': {
        const a = open ? await listener.accept() : null;
        if (a === null || 'error' in a) {
          if (a !== null && a.error.code === 'E_CLOSED') open = false;
          ep = m.ep.send('CouldNotAccept', { reason: a === null ? 'net: the listener is closed' : `net: ${a.error.code}: ${a.error.message}`, newConnection: m.newConnection });
          break;
        }
        net.abi.spawn(serveConnected, tie(a.socket, m.newConnection.send('Ready')), a.socket);
        ep = m.ep.send('OK');
        break;
      }
      case 'IsSessionAvailable': ep = m.ep.send('SessionIsAvailable', { isAvailable: listener.waiting > 0 }); break;
      case 'GetEndPoints': {
        const colon = listener.local.lastIndexOf(':');
        const host = listener.local.slice(0, colon);
        ep = m.ep.send('EndPoints', { localAddress: host.startsWith('[') ? host.slice(1, -1) : host, localPort: listener.port, remoteAddress: '', remotePort: 0 });
        break;
      }
      case 'Close': return;
      case '$closed': return;
    }
  }
}
