// Who holds the other end of a channel: the kernel's attestation of a peer (Singularity's endpoint
// principal calls), so that a service can judge a request by the program that sent it — the
// network service checks a client's declared ports against the client's own manifest, not against
// anything the client says about itself.
// Rules for callers: `peerOf` takes the core of an endpoint the caller owns (abi.ts checks that);
// the answer is null when no process of this kernel holds the other end (the host, the kernel,
// a protection domain's stand-in, an end in transit, or one whose holder has ended).
// Invariants: the identity comes from the kernel's own records (the process's installed image:
// its name and hash, and its manifest's network claims); nothing a program passes in can change it.
import type { EndpointCore } from '../channels/index.ts';
import type { PeerIdentity } from '../runtime/abi.ts';
import { Process } from './process.ts';

export function peerOf(core: EndpointCore): PeerIdentity | null {
  const o = core.peer.owner;
  if (!(o instanceof Process) || !o.alive) return null;
  const network = o.manifest?.network ?? { listen: [], connect: [] };
  return Object.freeze({ pid: o.pid, program: o.program, image: o.image.hash, network });
}
