// The status service (Singularity's /status): answers questions about the running system — its
// processes, channels, namespace and exchange heap — over sing/contracts/status, from the kernel's
// snapshot (`abi.status()`, which its manifest's status host resource allows it to read).
// Rules for clients: bind /status and ask; each client is served in a thread of its own, one
// question at a time. The service holds no state between questions: every answer is a fresh
// snapshot, so a refreshing view (`sing top`, `ps` in the shell) sees processes come and go.
// Invariants: it never changes the system; what it reports is the kernel's word, not a client's.
import { defineProgram, type Abi, type Exp, type Listener, type SystemStatus } from 'sing/runtime';
import { Status } from 'sing/contracts/status';

type ChannelInfo = SystemStatus['channels'][number];

function end(e: ChannelInfo['imp']): { pid: number; side: string; state: string; queued: number; closed: boolean } {
  return { pid: e.pid ?? -1, side: e.side, state: e.state, queued: e.queued, closed: e.closed };
}

async function serve(abi: Abi, ep: Exp<typeof Status>): Promise<void> {
  let idle = ep;
  for (;;) {
    const m = await idle.receive();
    if (m.tag === '$closed') return;
    const s = abi.status();
    switch (m.tag) {
      case 'GetProcesses':
        idle = m.ep.send('Processes', {
          processes: s.processes.map((p) => ({
            pid: p.pid, ppid: p.ppid, program: p.program, state: p.state, domain: p.domain, endpoints: p.endpoints,
            names: p.names.slice(0, 256), heapBytes: p.heapBytes, heapBlocks: p.heapBlocks, heapQuota: p.heapQuota, fuel: p.fuel,
          })),
        });
        break;
      case 'GetChannels':
        idle = m.ep.send('Channels', {
          channels: s.channels.map((c) => ({ id: c.id, contract: c.contract, imp: end(c.imp), exp: end(c.exp) })),
          total: s.channelCount,
        });
        break;
      case 'GetNames':
        idle = m.ep.send('Names', { names: s.names.map((n) => ({ path: n.path, pid: n.pid, contract: n.contract, mount: n.mount })) });
        break;
      case 'GetHeap': {
        const h = s.heap;
        idle = m.ep.send('Heap', { heap: { capacity: h.capacity, used: h.used, free: h.free, live: h.live, blocks: h.blocks, fragmentation: h.fragmentation, reserved: h.reserved, unreserved: h.unreserved } });
        break;
      }
    }
  }
}

export default defineProgram({
  name: 'status',
  version: '1.0.0',
  category: 'service',
  exports: { status: Status.exp('/status') },
  resources: { exchangeHeap: '64KiB', host: { kernel: { kind: 'status' } } },
  async main({ abi, status }) {
    let listener: Listener<typeof Status> = status;
    for (;;) {
      const m = await listener.receive();
      if (m.tag === '$closed') return 0;
      abi.spawn(serve, abi, m.client);
      listener = m.ep.send('Accept');
    }
  },
});
