// kvstore: a key-value service. Exports /service/kv (the KeyValue contract) and serves every
// client on its own thread, all of them sharing one in-memory store. Clients speak typed requests
// (Get, Put, Delete, Scan, Stats), lines of the text command language (Exec, see parser.ts), and
// move whole snapshots in and out through the exchange heap (Snapshot/Dump, Load, see codec.ts).
// Parameters: `capacity`, the most keys the store holds; `name`, what Ready and the log call it.
import { defineProgram, i32, str, type Abi, type Console, type Exp, type Listener } from 'sing/runtime';
import { pack, toBlock, unpackBlock } from './codec.ts';
import { KeyValue, SCAN_MAX } from './contracts.ts';
import { HELP, parse, type Command } from './parser.ts';
import { Store } from './store.ts';

/** The largest Dump, in bytes; the exchange-heap quota leaves room for a few in flight. */
const MAX_DUMP = 64 * 1024;
/** Clients served at once; the next one is refused until one leaves. */
const MAX_CLIENTS = 64;
/** The longest line of text a Get or a scan shows through Exec. */
const SHOW = 200;

interface Sessions { live: number; total: number }

type Reply = { readonly ok: boolean; readonly text: string };

function show(s: string): string {
  const q = JSON.stringify(s);
  return q.length <= SHOW ? q : `${q.slice(0, SHOW)}...(${s.length} chars)`;
}

/** Runs one text command against the store; the answer is a line of text. */
function execute(store: Store, cmd: Command): Reply {
  switch (cmd.op) {
    case 'get': {
      const e = store.get(cmd.key);
      return e === undefined ? { ok: false, text: `(missing) ${show(cmd.key)}` } : { ok: true, text: `${show(e.value)} v${e.version}` };
    }
    case 'put': {
      const r = store.put(cmd.key, cmd.value);
      return r.ok ? { ok: true, text: `${r.created ? 'created' : 'updated'} ${show(cmd.key)} v${r.version}` } : { ok: false, text: r.reason };
    }
    case 'del':
      return store.delete(cmd.key) ? { ok: true, text: `deleted ${show(cmd.key)}` } : { ok: false, text: `(missing) ${show(cmd.key)}` };
    case 'scan': {
      const r = store.scan(cmd.prefix, Math.min(cmd.limit, SCAN_MAX));
      const list = r.keys.map(show).join(' ');
      return { ok: true, text: `${r.keys.length} key${r.keys.length === 1 ? '' : 's'}${r.more ? ' (more)' : ''}${list === '' ? '' : `: ${list}`}` };
    }
    case 'count':
      return { ok: true, text: String(store.entries(cmd.prefix).length) };
    case 'clear': {
      const n = store.clear(cmd.prefix);
      return { ok: true, text: `cleared ${n} key${n === 1 ? '' : 's'}` };
    }
    case 'stats': {
      const c = store.counters;
      const text = `size=${store.size}/${store.capacity} chars=${store.bytes} gets=${c.gets} hits=${c.hits} puts=${c.puts} deletes=${c.deletes} scans=${c.scans}`;
      return { ok: true, text };
    }
    case 'dump': {
      const p = pack(store.entries(cmd.prefix), MAX_DUMP);
      return { ok: true, text: `dump: ${p.count} entr${p.count === 1 ? 'y' : 'ies'}, ${p.bytes} bytes${p.more ? ' (truncated)' : ''}` };
    }
    case 'help':
      return { ok: true, text: HELP };
  }
}

/** One client's conversation, from Ready to Bye (or until the client goes away). */
async function serve(client: Exp<KeyValue>, store: Store, abi: Abi): Promise<void> {
  let idle = client.send('Ready', { name: store.name, capacity: store.capacity });
  for (;;) {
    const m = await idle.receive();
    switch (m.tag) {
      case 'Get': {
        const e = store.get(m.key);
        if (e === undefined) idle = m.ep.send('Missing', { key: m.key });
        else idle = m.ep.send('Value', { value: e.value, version: e.version });
        break;
      }
      case 'Put': {
        const r = store.put(m.key, m.value);
        if (r.ok) idle = m.ep.send('Stored', { created: r.created, version: r.version, size: store.size });
        else idle = m.ep.send('Rejected', { reason: r.reason });
        break;
      }
      case 'Delete': {
        const existed = store.delete(m.key);
        idle = m.ep.send('Deleted', { existed, size: store.size });
        break;
      }
      case 'Scan': {
        if (m.limit < 0 || m.limit > SCAN_MAX) {
          idle = m.ep.send('Failed', { reason: `the limit must lie in 0..${SCAN_MAX}` });
          break;
        }
        const r = store.scan(m.prefix, m.limit);
        idle = m.ep.send('Keys', { keys: r.keys, more: r.more });
        break;
      }
      case 'Stats': {
        const c = store.counters;
        const ops = { gets: c.gets, hits: c.hits, puts: c.puts, deletes: c.deletes, scans: c.scans };
        idle = m.ep.send('Counters', { size: store.size, capacity: store.capacity, bytes: store.bytes, ops });
        break;
      }
      case 'Exec': {
        const parsed = parse(m.line);
        const r = parsed.ok ? execute(store, parsed.cmd) : { ok: false, text: parsed.error };
        idle = m.ep.send('Output', r);
        break;
      }
      case 'Snapshot': {
        const p = pack(store.entries(m.prefix), MAX_DUMP);
        // A block pins whole 4 KiB pages (or a smaller power-of-two slot): count the worst case.
        const usage = abi.heapUsage();
        if (usage.bytes + Math.ceil(Math.max(1, p.bytes) / 4096) * 4096 > usage.quota) {
          idle = m.ep.send('Failed', { reason: `busy: ${usage.bytes} of ${usage.quota} exchange-heap bytes in use` });
          break;
        }
        const data = toBlock(abi, p);
        idle = m.ep.send('Dump', { data, count: p.count, more: p.more });
        break;
      }
      case 'Load': {
        const r = unpackBlock(m.data);
        if (!r.ok) {
          idle = m.ep.send('Failed', { reason: `load: ${r.reason}` });
          break;
        }
        let count = 0, skipped = 0;
        for (const pair of r.pairs) {
          if (store.put(pair.key, pair.value).ok) count++;
          else skipped++;
        }
        idle = m.ep.send('Loaded', { count, skipped });
        break;
      }
      case 'Bye':
        m.ep.close();
        return;
      case '$closed':
        return;
    }
  }
}

/** A client's thread: serves it, then gives its place back. */
async function session(client: Exp<KeyValue>, store: Store, abi: Abi, sessions: Sessions, console: Console): Promise<void> {
  await serve(client, store, abi);
  sessions.live--;
  if (sessions.live === 0) console.log(`kv ${store.name}: idle, ${store.size} keys after ${sessions.total} clients`);
}

export default defineProgram({
  name: 'kvstore',
  version: '1.0.0',
  category: 'service',
  parameters: { capacity: i32, name: str },
  exports: { kv: KeyValue.exp('/service/kv') },
  resources: { exchangeHeap: '256KiB' },
  console: true,
  async main({ kv, abi, params, console }) {
    if (params.capacity <= 0 || params.name === '') {
      console.error(`kvstore: capacity must be positive and name non-empty (got ${params.capacity}, ${JSON.stringify(params.name)})`);
      kv.close();
      return 2;
    }
    const store = new Store(params.name, params.capacity);
    const sessions: Sessions = { live: 0, total: 0 };
    console.log(`kv ${store.name}: serving /service/kv (capacity ${store.capacity})`);
    let listener: Listener<KeyValue> = kv;
    for (;;) {
      const m = await listener.receive();
      switch (m.tag) {
        case 'Connect':
          if (sessions.live >= MAX_CLIENTS) {
            listener = m.ep.send('Refuse', { reason: `kv ${store.name}: ${MAX_CLIENTS} clients already`, client: m.client });
            break;
          }
          sessions.live++;
          sessions.total++;
          abi.spawn(session, m.client, store, abi, sessions, console);
          listener = m.ep.send('Accept');
          break;
        case '$closed':
          console.log(`kv ${store.name}: closed after ${sessions.total} clients`);
          return 0;
      }
    }
  },
});
