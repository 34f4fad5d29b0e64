// Who holds the other end of a channel: the kernel's attestation of a peer (Singularity's endpoint
// principal calls), so that a service can judge a request by the program that sent it — the
// network service checks a client's declared ports against the client's own manifest, not against
// anything the client says about itself.
// Rules for callers: `peerOf` takes the core of an endpoint the caller owns (abi.ts checks that);
// the answer is null when no process holds the other end (the host, the kernel, an end in transit,
// or one whose holder has ended). `attest` is for the domain host only: the kernel-held end of a
// channel that a protection domain bound for one of its processes carries that process's identity,
// as the domain's own kernel reported it (with `domain` naming the domain).
// Invariants: the identity comes from a kernel's own records (the process's installed image: its
// name and hash, and its manifest's network claims); nothing a program passes in can change it.
// An attestation lives as long as the core it is attached to, and is not given once it is closed.
import type { EndpointCore } from '../channels/index.ts';
import type { PeerIdentity } from '../runtime/abi.ts';
import { Process } from './process.ts';

const attested = new WeakMap<EndpointCore, PeerIdentity>();

/** The identity of an owner, when it is a live process. */
export function identityOf(o: unknown): PeerIdentity | null {
  if (!(o instanceof Process) || !o.alive) return null;
  const network = o.manifest?.network ?? { listen: [], connect: [] };
  return Object.freeze({ pid: o.pid, program: o.program, image: o.image.hash, network });
}

export function peerOf(core: EndpointCore): PeerIdentity | null {
  const peer = core.peer;
  return identityOf(peer.owner) ?? (peer.closed ? null : attested.get(peer) ?? null);
}

/** Records who, in a protection domain, holds the far side of the kernel-held end `core`. */
export function attest(core: EndpointCore, who: PeerIdentity): void {
  attested.set(core, Object.freeze({ ...who, network: Object.freeze({ listen: Object.freeze([...who.network.listen]), connect: Object.freeze([...who.network.connect]) }) }));
}
