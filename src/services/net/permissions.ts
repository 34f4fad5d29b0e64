// Who may listen and connect through the network service: the program on the other end of a
// session, as the kernel knows it (`abi.peer`), judged by the network claims of its own manifest
// (`resources.network: { listen: [8080], connect: ['127.0.0.1:6379'] }`), never by anything the
// request says about itself.
// Rules for callers: ask `identify` for the session's peer at each BindLocalEndPoint, Listen and
// Connect (an end can move to another program between requests); a refusal is a reason string
// naming the program, the port or destination and the rule, for InvalidEndPoint, CouldNotListen
// or CouldNotConnect.
// Policy: a session is judged by the program holding its other end when the kernel names one, and
// otherwise by the program that created it through the factory (the factory channel's peer,
// asked when CreateTcpSession arrived): a session a program in a protection domain opened is held
// by the domain's stand-in, but the domain's kernel vouched for the program that bound the factory
// (kernel/peers.ts). Handing a session to another program delegates the creator's claims with it,
// as any capability does. With neither — the host — there is no manifest to read, so it may not
// listen or connect; everything else (GetEndPoints, Close, …) it may do.
// Invariants: nothing here allocates beyond the answer; a program may listen only on a port its
// manifest claims and connect only to a destination it claims, spelt the kernel's one way.
import type { Abi, PeerIdentity } from 'sing/runtime';

/** An end handed through a check and back, with what the kernel says of its peer. */
export interface Identified<E> { readonly ep: E; readonly peer: PeerIdentity | null }

/** The session's peer, as the kernel knows it, or else the program that created the session
 * through the factory (`creator`, also the kernel's word). The end is handed in and back (the
 * verifier takes every call argument as moved, so a borrow is spelt as a round trip). */
export function identify<E extends object>(abi: Abi, ep: E, creator: PeerIdentity | null): Identified<E> {
  return { ep, peer: abi.peer(ep) ?? creator };
}

/** How a program is named in refusals: `web (pid 5)`, `web (pid 2 in domain apps)`. */
export function nameOf(peer: PeerIdentity): string {
  return `${peer.program} (pid ${peer.pid}${peer.domain === undefined ? '' : ` in domain ${peer.domain}`})`;
}

const UNKNOWN = 'the kernel names no program on the other end of this session (the host holds it, or an end in transit, '
  + 'or a protection domain\'s stand-in the kernel has no word on), so there are no resources.network claims to check; '
  + 'only a program whose claims the kernel vouches for may';

/** Why `peer` may not listen on `port` (null: it may). */
export function listenRefusal(peer: PeerIdentity | null, port: number): string | null {
  if (peer === null) return `${UNKNOWN} listen (port ${port})`;
  if (peer.network.listen.includes(port)) return null;
  const claims = peer.network.listen.length === 0 ? 'claims no port' : `claims ${peer.network.listen.join(', ')}`;
  return `${nameOf(peer)} may not listen on port ${port}: its manifest's resources.network.listen ${claims}, and a program listens only on the ports it claims`;
}

/** Why `peer` may not connect to `dest` (the kernel's spelling; null: it may). */
export function connectRefusal(peer: PeerIdentity | null, dest: string): string | null {
  if (peer === null) return `${UNKNOWN} connect (to ${dest})`;
  if (peer.network.connect.includes(dest)) return null;
  const claims = peer.network.connect.length === 0 ? 'claims no destination' : `claims ${peer.network.connect.join(', ')}`;
  return `${nameOf(peer)} may not connect to ${dest}: its manifest's resources.network.connect ${claims}, and a program connects only to the destinations it claims`;
}
