// The kernel's status: one snapshot of its processes, the channels between them, the names they
// provide and the exchange heap, as `abi.status()` gives it to a program that declares the status
// host resource (the status service, src/services/status) and as `kernel.status()` gives it to the
// host.
// Rules for callers: a snapshot is plain frozen data, taken in one go on the kernel's thread, so it
// is consistent with itself; it names processes by pid and never hands out anything live.
// Invariants: a channel is listed once, found from whichever end a process (or the kernel) holds;
// an end in transit inside a queued message is shown with no holder; at most MAX_CHANNELS are
// listed (the count says how many there were). Channel ids are stable for the channel's life
// (numbered when first seen), so a refreshing view can follow one.
import type { EndpointCore, Owner } from '../channels/index.ts';
import type { HeapStats } from '../exheap/heap.ts';
import type { ChannelEnd, ChannelStatus, NameStatus, ProcessStatus, SystemStatus } from '../runtime/abi.ts';
import type { Process } from './process.ts';
import { shownName } from './name-service.ts';
import { KernelError } from './error.ts';

const MAX_CHANNELS = 2000;
const ids = new WeakMap<EndpointCore, number>();
let nextId = 1;

function idOf(c: EndpointCore): number {
  let id = ids.get(c) ?? ids.get(c.peer);
  if (id === undefined) {
    id = nextId++;
    ids.set(c, id);
  }
  return id;
}

function endOf(c: EndpointCore): ChannelEnd {
  const o = c.owner;
  return Object.freeze({
    pid: o === null ? null : o.pid, side: c.side, state: c.node.name,
    queued: c.queue === null ? 0 : c.queue.length, closed: c.closed,
  });
}

/** True when `p` may read the status (its manifest declares `{ kind: 'status' }`); throws otherwise. */
export function mayReadStatus(p: Process): true {
  if (p.hostResources.some((r) => r.kind === 'status')) return true;
  throw new KernelError('E_RESOURCE', `${p.label}: status(): the manifest declares no status host resource ({ kind: 'status' }); only a program that does may read the kernel's status`);
}

/** One process as the status lists it. */
export function processStatus(p: Process): ProcessStatus {
  return Object.freeze({
    pid: p.pid, ppid: p.supervisor?.pid ?? 0, program: p.program, state: p.state, domain: 'kernel',
    endpoints: p.endpoints, names: Object.freeze((p.names ?? []).map(shownName)),
    heapBytes: p.heapBytes, heapBlocks: p.heapBlocks, heapQuota: p.heapQuota,
    fuel: p.guard.total + Math.max(0, p.guard.used()),
  });
}

/** The snapshot of a kernel whose live processes are `procs` and whose own endpoints `kernel` holds. */
export function snapshot(procs: readonly Process[], kernel: Owner, names: readonly { path: string; pid: number; contract: string; mount: boolean }[], heap: HeapStats): SystemStatus {
  const channels: ChannelStatus[] = [];
  const seen = new Set<EndpointCore>();
  let count = 0;
  const walk = (o: Owner): void => {
    for (let c = o.ownedHead; c !== null; c = c.nextOwned) {
      if (seen.has(c)) continue;
      seen.add(c);
      seen.add(c.peer);
      count++;
      if (channels.length >= MAX_CHANNELS) continue;
      // The importing end first, so a channel reads client → server.
      const [a, b] = c.side === 'imp' ? [c, c.peer] : [c.peer, c];
      channels.push(Object.freeze({ id: idOf(c), contract: c.cc.name, imp: endOf(a), exp: endOf(b) }));
    }
  };
  for (const p of procs) walk(p);
  walk(kernel);
  channels.sort((x, y) => x.id - y.id);
  const shown: NameStatus[] = names.map((n) => Object.freeze({ path: n.path, pid: n.pid, contract: n.contract, mount: n.mount }));
  shown.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  return Object.freeze({
    processes: Object.freeze(procs.map(processStatus)),
    channels: Object.freeze(channels),
    channelCount: count,
    names: Object.freeze(shown),
    heap: Object.freeze({ ...heap }),
  });
}
