// Owner: what the channel layer needs to know about whoever holds an endpoint — a process or the
// kernel itself. The kernel implements it; the channel layer never imports the kernel.
// Invariants the channel layer keeps: every live endpoint core is on exactly one owner's list
// (`ownedHead`, linked through the cores) or in transit inside a queued message (owner null).
import type { BlockOwner } from '../exheap/heap.ts';
import type { EndpointCore } from './endpoint.ts';

export interface Owner extends BlockOwner {
  /** 0 for the kernel. */
  readonly pid: number;
  readonly label: string;
  /** Head of the intrusive list of endpoint cores this owner holds, and how many there are. */
  ownedHead: EndpointCore | null;
  endpoints: number;
  /** False once the owner has ended; a dead owner's cores are already closed. */
  readonly alive: boolean;
  /** Ends the owner for breaking a channel rule (a no-op for the kernel, which then just throws). */
  violate(error: Error): void;
  /** Starts a timer that dies with the owner; returns its cancel function. */
  timer(ms: number, fire: () => void): () => void;
}
