// The KeyValue contract: what /service/kv speaks to each client.
// The service opens with Ready (its name and capacity), then answers one request at a time until
// the client says Bye. Requests come in two flavours: typed messages (Get, Put, Delete, Scan,
// Stats, Snapshot, Load) and Exec, which carries one line of the text command language (see
// parser.ts) and gets its answer back as text. Snapshot replies with a Dump: the matching entries
// packed into an exchange-heap block (see codec.ts) that moves to the client; Load is the reverse.
import { array, bool, bytes, contract, i32, inn, out, record, str, END } from 'sing/runtime';

/** The limit on keys one Scan may return, and on a Scan's `limit`. */
export const SCAN_MAX = 1000;

/** A service-side failure, said as a reason (never a thrown error across the channel). */
const reason = { reason: str };

export const KeyValue = contract('KeyValue', {
  messages: {
    Ready: out({ name: str, capacity: i32 }),

    Get: inn({ key: str }),
    Value: out({ value: str, version: i32 }),
    Missing: out({ key: str }),

    Put: inn({ key: str, value: str }),
    Stored: out({ created: bool, version: i32, size: i32 }),
    Rejected: out(reason),

    Delete: inn({ key: str }),
    Deleted: out({ existed: bool, size: i32 }),

    Scan: inn({ prefix: str, limit: i32 }),
    Keys: out({ keys: array(str, SCAN_MAX), more: bool }),

    Stats: inn(),
    Counters: out({ size: i32, capacity: i32, bytes: i32, ops: record({ gets: i32, hits: i32, puts: i32, deletes: i32, scans: i32 }) }),

    Exec: inn({ line: str }),
    Output: out({ ok: bool, text: str }),

    Snapshot: inn({ prefix: str }),
    Dump: out({ data: bytes, count: i32, more: bool }),

    Load: inn({ data: bytes }),
    Loaded: out({ count: i32, skipped: i32 }),

    Failed: out(reason),

    Bye: inn(),
  },
  initial: 'Start',
  states: {
    Start: { Ready: 'Idle' },
    Idle: {
      Get: 'Getting', Put: 'Putting', Delete: 'Deleting', Scan: 'Scanning', Stats: 'Counting',
      Exec: 'Executing', Snapshot: 'Dumping', Load: 'Loading', Bye: END,
    },
    Getting: { Value: 'Idle', Missing: 'Idle' },
    Putting: { Stored: 'Idle', Rejected: 'Idle' },
    Deleting: { Deleted: 'Idle' },
    Scanning: { Keys: 'Idle', Failed: 'Idle' },
    Counting: { Counters: 'Idle' },
    Executing: { Output: 'Idle' },
    Dumping: { Dump: 'Idle', Failed: 'Idle' },
    Loading: { Loaded: 'Idle', Failed: 'Idle' },
  },
});

export type KeyValue = typeof KeyValue;
