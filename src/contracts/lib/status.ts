// The status contract (Singularity's /status): what the status service tells a client about the
// running system — its processes, the channels between them, the namespace, the exchange heap.
// Rules for clients: bind /status; ask one question at a time, each answered once; close when
// done. Numbers that may pass 2^31 (bytes, fuel) are f64. A channel end's `pid` is -1 when no
// process holds it (in transit inside a message, or let go); pid 0 is the kernel (or the host).
import { array, contract, f64, i32, inn, out, record, str, bool } from 'sing/runtime';

export const ProcessRow = record({
  pid: i32, ppid: i32, program: str, state: str, domain: str, endpoints: i32, names: array(str, 256),
  heapBytes: f64, heapBlocks: i32, heapQuota: f64, fuel: f64,
});

export const ChannelEndRow = record({ pid: i32, side: str, state: str, queued: i32, closed: bool });

export const ChannelRow = record({ id: i32, contract: str, imp: ChannelEndRow, exp: ChannelEndRow });

export const NameRow = record({ path: str, pid: i32, contract: str, mount: bool });

export const HeapRow = record({
  capacity: f64, used: f64, free: f64, live: f64, blocks: f64, fragmentation: f64, reserved: f64, unreserved: f64,
});

export const Status = contract('Status', {
  messages: {
    GetProcesses: inn(),
    Processes: out({ processes: array(ProcessRow, 4096) }),
    GetChannels: inn(),
    Channels: out({ channels: array(ChannelRow, 2000), total: i32 }),
    GetNames: inn(),
    Names: out({ names: array(NameRow, 4096) }),
    GetHeap: inn(),
    Heap: out({ heap: HeapRow }),
  },
  initial: 'Ready',
  states: {
    Ready: { GetProcesses: 'Listing', GetChannels: 'Tracing', GetNames: 'Naming', GetHeap: 'Weighing' },
    Listing: { Processes: 'Ready' },
    Tracing: { Channels: 'Ready' },
    Naming: { Names: 'Ready' },
    Weighing: { Heap: 'Ready' },
  },
});
