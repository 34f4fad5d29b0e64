// The network service (after Singularity's NetStack): it exports the `Tcp` factory at /service/tcp
// and serves each TcpConnection session a program opens through it over the kernel's sockets, one
// thread per session (session.ts) and per connection (connection.ts). Programs never touch a host
// socket: only this driver does, and only on the host ports the system gave it.
// How it gets ports: the kernel lets a driver listen and connect only through the host resources
// its manifest declares, so this one declares slots — eight listen slots `listen0` … `listen7`
// and eight connect slots `connect0` … `connect7` — which the spawner binds to real host ports and
// destinations: `kernel.spawn('net', { params: { ports: '8080,9000' }, host: { listen0: '8080',
// listen1: '0', connect0: '127.0.0.1:6379' } })` (a port bound to '0' is any free one). The one
// parameter, `ports` (a comma list, '' for none), names the Sing port each listen slot serves, in
// slot order: a program that asks to listen on 8080 (the port its manifest claims) is served by
// listen0, whatever host port listen0 was bound to, and GetEndPoints reports the real one. Every
// slot `ports` names must be bound (the service refuses to start otherwise); the others stay
// unopened, and a connect slot still at its placeholder destination serves nothing. A Connect
// uses the connect slot bound to the destination asked for (spelt the kernel's one way).
// Slots are declared `exclusive: false` on placeholder ports 65528 … 65535, so an unbound service
// holds nothing another program could want.
// Who may do what (permissions.ts): every BindLocalEndPoint, Listen and Connect is checked against
// the network claims of the program on the other end of the session, from the kernel
// (`abi.peer`), never from the request: a port it does not claim is InvalidEndPoint or
// CouldNotListen, a destination it does not claim CouldNotConnect { error: 'Refused' }, each with
// a reason naming the program, the port or destination and the rule. A session whose other end
// `abi.peer` names no program for (the host, an end in transit, a protection domain's stand-in the
// kernel has no word on) may not listen or connect. One listener per Sing port at a time.
// Rules for clients: see sing/contracts/tcp; a session ends with Close or Abort, or when the
// client's end closes (the socket is then closed if this side had finished sending, else reset);
// a client that goes away while the service waits on its socket is noticed at once (the socket is
// tied to the session's end: TcpSocket.watch).
// Invariants: nothing a client sends can end the service; every block a client hands in comes
// back with the answer; every socket and listener is closed when its session ends.
import { defineProgram, str, type Exp } from 'sing/runtime';
import { Tcp } from 'sing/contracts/tcp';
import { PortTable } from './ports.ts';
import { identify } from './permissions.ts';
import { serveSession, type Net } from './session.ts';

/** One client of /service/tcp: each CreateTcpSession starts a session thread. */
async function serveFactory(client: Exp<typeof Tcp>, net: Net): Promise<void> {
  let at = client.send('Ready');
  for (;;) {
    const m = await at.receive();
    switch (m.tag) {
      case 'CreateTcpSession': {
        // Who asked, by the kernel's word on this factory channel: the session's fallback identity.
        const id = identify(net.abi, m.ep, null);
        net.abi.spawn(serveSession, m.endpoint, net, id.peer);
        at = id.ep.send('Ack');
        break;
      }
      case '$closed': return;
    }
  }
}

export default defineProgram({
  name: 'net',
  version: '1.0.0',
  category: 'driver',
  parameters: { ports: str },
  exports: { tcp: Tcp.exp('/service/tcp') },
  resources: {
    host: {
      listen0: { kind: 'tcp', port: 65528, exclusive: false },
      listen1: { kind: 'tcp', port: 65529, exclusive: false },
      listen2: { kind: 'tcp', port: 65530, exclusive: false },
      listen3: { kind: 'tcp', port: 65531, exclusive: false },
      listen4: { kind: 'tcp', port: 65532, exclusive: false },
      listen5: { kind: 'tcp', port: 65533, exclusive: false },
      listen6: { kind: 'tcp', port: 65534, exclusive: false },
      listen7: { kind: 'tcp', port: 65535, exclusive: false },
      connect0: { kind: 'tcp', connect: '127.0.0.1:65528' },
      connect1: { kind: 'tcp', connect: '127.0.0.1:65529' },
      connect2: { kind: 'tcp', connect: '127.0.0.1:65530' },
      connect3: { kind: 'tcp', connect: '127.0.0.1:65531' },
      connect4: { kind: 'tcp', connect: '127.0.0.1:65532' },
      connect5: { kind: 'tcp', connect: '127.0.0.1:65533' },
      connect6: { kind: 'tcp', connect: '127.0.0.1:65534' },
      connect7: { kind: 'tcp', connect: '127.0.0.1:65535' },
    },
  },
  console: true,
  async main({ tcp, params, abi, console }) {
    const ports = PortTable.open(abi, params.ports);
    if (typeof ports === 'string') {
      console.error(`net: ${ports}`);
      tcp.close();
      return 2;
    }
    const net: Net = { ports, abi, log: (line) => { console.log(line); } };
    console.log(`net: serving /service/tcp; ${ports.describe(abi)}`);
    let l = tcp;
    for (;;) {
      const c = await l.receive();
      if (c.tag === '$closed') return 0;
      abi.spawn(serveFactory, c.client, net);
      l = c.ep.send('Accept');
    }
  },
});
