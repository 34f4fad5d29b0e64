// The status service (src/services/status): a client binds /status and sees the system as the
// kernel knows it — processes with their program, parent, domain, fuel, exchange-heap use and
// endpoints; channels with their contract and both ends' states and queued messages; the names;
// the exchange heap. Reading the kernel's status is a declared host resource: a program that does
// not declare it is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { compileImage } from '../src/index.ts';
import { Status } from '../src/contracts/lib/status.ts';
import { boot, until, within, type Booted } from './kit.ts';

const SERVICES = fileURLToPath(new URL('../src/services', import.meta.url));

// Holds a Calculator channel to calc (past its Ready, so the ends are in Idle), a second channel of
// its own making whose two ends it holds, and a block of the exchange heap.
const HOLDER = `
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';
export default defineProgram({
  name: 'holder',
  imports: { calc: Calculator.imp('/service/calc') },
  resources: { exchangeHeap: '64KiB' },
  console: true,
  async main({ calc, abi, console }) {
    const r = await calc.receive();
    if (r.tag !== 'Ready') return 1;
    const mine = abi.channel(Calculator);
    console.log('holding ' + String(abi.alloc(3000).length));
    for (;;) await abi.sleep(60000);
  },
});
`;

const SNOOP = `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: 'snoop',
  console: true,
  main({ abi, console }) {
    try { abi.status(); console.log('read it'); } catch (e) { console.log(String(e.code) + ' ' + e.message); }
  },
});
`;

let booted: Promise<Booted> | null = null;
function system(): Promise<Booted> {
  booted ??= (async () => boot({
    status: await compileImage('status', { root: SERVICES, entry: 'status/main.ts' }),
    calc: await compileImage('calc', { root: fileURLToPath(new URL('../examples/demo/calc', import.meta.url)), entry: 'main.ts' }),
    holder: HOLDER, snoop: SNOOP,
  }))();
  return booted;
}

async function ask(b: Booted): Promise<{ processes: { pid: number; ppid: number; program: string; state: string; domain: string; endpoints: number; heapBytes: number; heapBlocks: number; fuel: number }[]; channels: { contract: string; imp: { pid: number; state: string; queued: number }; exp: { pid: number; state: string; queued: number } }[]; names: { path: string; pid: number; contract: string; mount: boolean }[]; heap: { capacity: number; used: number; blocks: number } }> {
  const ch = b.k.hostChannel(Status);
  const bound = await b.k.names.bind(b.k.owner, '/status', ch.exp);
  assert.ok(bound.ok, 'binds /status');
  const p = await ch.imp.send('GetProcesses').receive();
  assert.equal(p.tag, 'Processes');
  if (p.tag !== 'Processes') throw new Error('unreachable');
  const c = await p.ep.send('GetChannels').receive();
  if (c.tag !== 'Channels') throw new Error(`got ${c.tag}`);
  const n = await c.ep.send('GetNames').receive();
  if (n.tag !== 'Names') throw new Error(`got ${n.tag}`);
  const h = await n.ep.send('GetHeap').receive();
  if (h.tag !== 'Heap') throw new Error(`got ${h.tag}`);
  h.ep.close();
  return { processes: p.processes, channels: c.channels, names: n.names, heap: h.heap };
}

test('the status service reports processes, channels, names and the exchange heap', async () => {
  const b = await system();
  const status = b.k.spawn('status');
  const calc = b.k.spawn('calc');
  const holder = b.k.spawn('holder');
  await until(() => b.texts('holder').some((t) => t.startsWith('holding')), 'the holder to hold its block').catch(async (e: unknown) => { throw new Error(`${String(e)}: ${JSON.stringify(b.lines)} ${JSON.stringify(await holder.join())}`); });
  const s = await within(ask(b), 'the status answers');
  const row = s.processes.find((p) => p.pid === holder.pid);
  assert.ok(row !== undefined, 'the holder is listed');
  assert.equal(row.program, 'holder');
  assert.equal(row.state, 'running');
  assert.equal(row.domain, 'kernel');
  assert.equal(row.ppid, 0);
  assert.equal(row.heapBlocks, 1);
  assert.ok(row.heapBytes >= 3000, `heap bytes ${row.heapBytes}`);
  assert.ok(row.fuel > 0, 'fuel is counted');
  assert.ok(row.endpoints >= 3, `the holder holds its calc import and both ends of its own channel (${row.endpoints})`);
  assert.ok(s.processes.some((p) => p.pid === status.pid && p.program === 'status'));
  // The holder's conversation with calc: the import end in Idle on the holder, the export on calc.
  const conv = s.channels.find((c) => c.contract === 'Calculator' && c.imp.pid === holder.pid && c.exp.pid === calc.pid);
  assert.ok(conv !== undefined, `the holder–calc channel is listed: ${JSON.stringify(s.channels.filter((c) => c.contract === 'Calculator'))}`);
  assert.equal(conv.imp.state, 'Idle');
  // Its own channel: both ends on the holder, nothing queued.
  const own = s.channels.find((c) => c.contract === 'Calculator' && c.imp.pid === holder.pid && c.exp.pid === holder.pid);
  assert.ok(own !== undefined, 'a channel whose two ends one process holds is listed once');
  assert.equal(own.imp.queued + own.exp.queued, 0);
  assert.ok(s.names.some((n) => n.path === '/status' && n.pid === status.pid && n.contract === 'Status' && !n.mount));
  assert.ok(s.names.some((n) => n.path === '/service/calc' && n.pid === calc.pid));
  assert.ok(s.heap.capacity > 0 && s.heap.blocks >= 1 && s.heap.used > 0);
  holder.stop();
  await holder.join();
  const after = await ask(b);
  assert.ok(!after.processes.some((p) => p.pid === holder.pid), 'an ended process leaves the list');
  assert.ok(!after.channels.some((c) => c.imp.pid === holder.pid || c.exp.pid === holder.pid), 'and its channels with it');
  calc.stop();
  status.stop();
});

test('a program that does not declare the status resource cannot read the status', async () => {
  const b = await system();
  const p = b.k.spawn('snoop');
  await p.join();
  const said = b.texts('snoop').join('\n');
  assert.match(said, /^E_RESOURCE .*status\(\).*\{ kind: 'status' \}/);
});

test("a manifest cannot claim the status exclusively", async () => {
  const b = await boot({
    greedy: `import { defineProgram } from 'sing/runtime';
export default defineProgram({ name: 'greedy', resources: { host: { s: { kind: 'status', exclusive: true } } }, main() {} });`,
  }).catch((e: unknown) => e);
  const err = b instanceof Error ? b : await (async () => {
    try { (b as Booted).k.spawn('greedy'); return null; } catch (e) { return e as Error; }
  })();
  assert.ok(err instanceof Error);
  assert.match(err.message, /never exclusive/);
});
