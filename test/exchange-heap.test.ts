// The exchange heap through the public kernel and compiled programs: blocks move in messages
// without copying and revoke the sender's handles; quotas come from the manifest; double frees,
// views and stale handles fail only the offender; accounting in ps() and the ABI; split; records
// and vectors; host-allocated blocks; and reclamation with zero leaks after kill storms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Kernel, type ImageSource, type Spawned } from '../src/index.ts';
import type { Bytes, ExitStatus } from '../src/runtime/index.ts';
import { ECHO_SERVER, image, turns, until, within, type Line } from './kit.ts';
import { Echo } from './fixtures/contracts.ts';
import { Blocks, Burst, Nest, Sample } from './fixtures/exheap-contracts.ts';
import { prng } from '../src/lib/prng.ts';

const EXC = readFileSync(new URL('./fixtures/exheap-contracts.ts', import.meta.url), 'utf8');

// ---------------------------------------------------------------------------------------------
// Programs

/** Sends one block of `size` patterned bytes on `out`, then does what `after` says. */
const producer = (name: string, trusted: boolean): string => `
import { defineProgram, i32, enumOf } from 'sing/runtime';
import { Blocks } from './excontracts.ts';
export default defineProgram({
  name: '${name}',
  parameters: { size: i32, after: enumOf('reuse', 'resend', 'reply', 'hold') },
  endpoints: { out: Blocks.imp() },
  resources: { exchangeHeap: '128KiB' },
  trusted: ${String(trusted)},
  console: true,
  async main({ abi, out, params, console }) {
    const data = abi.alloc(params.size);
    const bytes = new Uint8Array(params.size);
    for (let i = 0; i < params.size; i++) bytes[i] = (i * 31 + 7) & 255;
    data.write(bytes);
    ${trusted ? "console.log('raw ' + data.raw().byteOffset);" : ''}
    console.log('usage ' + JSON.stringify(abi.heapUsage()));
    const busy = out.send('Put', { n: params.size, data });
    console.log('sent ' + JSON.stringify(abi.heapUsage()));
    if (params.after === 'reuse') {
      try { data.get(0); } catch (e) { console.log('caught ' + e.code); }
      console.log('still running');
      return 0;
    }
    const m = await busy.receive();
    console.log('reply ' + m.tag);
    if (params.after === 'resend' && m.tag !== '$closed') {
      m.ep.send('Put', { n: 0, data });
      console.log('still running');
      return 0;
    }
    if (params.after === 'hold') { await abi.sleep(1e9); return 0; }
    if (m.tag === 'Back') {
      console.log('back ' + m.data.length + ' ' + m.data.readText(0, Math.min(2, m.data.length)));
      m.data.free();
    }
    if (m.tag !== '$closed') m.ep.send('Bye');
    return 0;
  },
});
`;

/** Serves Blocks on \`inp\`: reports each block, then frees it and acks, keeps it and acks, or
 * sends it back with "ok" written at its start. */
const consumer = (name: string, trusted: boolean): string => `
import { defineProgram, enumOf } from 'sing/runtime';
import { Blocks } from './excontracts.ts';
export default defineProgram({
  name: '${name}',
  parameters: { reply: enumOf('ack', 'back', 'keep') },
  endpoints: { inp: Blocks.exp() },
  trusted: ${String(trusted)},
  console: true,
  async main({ abi, inp, params, console }) {
    let ep = inp;
    const kept = [];
    for (;;) {
      const m = await ep.receive();
      if (m.tag === '$closed') { console.log('closed'); return 0; }
      if (m.tag === 'Bye') { console.log('bye'); return 0; }
      if (m.tag === 'Rec') {
        const vec = [];
        for (let i = 0; i < m.vec.length; i++) vec.push([m.vec.get(i, 'id'), m.vec.get(i, 'value'), m.vec.get(i, 'ok')]);
        console.log('rec ' + JSON.stringify({ id: m.rec.get('id'), value: m.rec.get('value'), ok: m.rec.get('ok'), vec, usage: abi.heapUsage() }));
        m.rec.free();
        m.vec.free();
        ep = m.ep.send('Ack', { n: vec.length });
        continue;
      }
      const bytes = m.data.read();
      let sum = 0;
      for (let i = 0; i < bytes.length; i++) sum = (sum + bytes[i] * (i + 1)) | 0;
      console.log('got ' + JSON.stringify({ n: m.n, len: m.data.length, sum, text: m.data.readText(0, Math.min(16, m.data.length)), usage: abi.heapUsage() }));
      ${trusted ? "console.log('raw ' + m.data.raw().byteOffset);" : ''}
      if (params.reply === 'back') {
        if (m.data.length >= 2) m.data.writeText('ok', 0);
        ep = m.ep.send('Back', { n: m.n, data: m.data });
      } else if (params.reply === 'keep') {
        kept.push(m.data);
        ep = m.ep.send('Ack', { n: sum });
      } else {
        m.data.free();
        ep = m.ep.send('Ack', { n: sum });
      }
    }
  },
});
`;

/** Allocates each size in turn (bytes, or a vector of 8-byte records) and reports. */
const hog = (name: string, resources: string): string => `
import { defineProgram, array, i32, enumOf, exLayout } from 'sing/runtime';
const Pair = exLayout({ a: 'i32', b: 'i32' });
export default defineProgram({
  name: '${name}',
  parameters: { sizes: array(i32), kind: enumOf('bytes', 'vector') },
  ${resources}
  console: true,
  main({ abi, params, console }) {
    console.log('quota ' + abi.heapUsage().quota);
    const held = [];
    for (const size of params.sizes) {
      held.push(params.kind === 'bytes' ? abi.alloc(size) : abi.allocVector(Pair, size / 8));
      console.log('ok ' + size + ' ' + JSON.stringify(abi.heapUsage()));
    }
    return 0;
  },
});
`;

const PROGRAMS: Record<string, string> = {
  echo: ECHO_SERVER,
  producer: producer('producer', false),
  tproducer: producer('tproducer', true),
  consumer: consumer('consumer', false),
  tconsumer: consumer('tconsumer', true),
  hog: hog('hog', "resources: { exchangeHeap: '1KiB' },"),
  pauper: hog('pauper', ''),

  // Allocates each size in turn under a large quota, reporting the errors it catches.
  whale: `
import { defineProgram, array, i32 } from 'sing/runtime';
export default defineProgram({
  name: 'whale',
  parameters: { sizes: array(i32) },
  resources: { exchangeHeap: '28KiB' },
  console: true,
  main({ abi, params, console }) {
    const held = [];
    for (const size of params.sizes) {
      try { held.push(abi.alloc(size)); console.log('ok ' + size); } catch (e) { console.log('caught ' + e.code); }
    }
    for (const b of held) b.free();
    console.log('usage ' + JSON.stringify(abi.heapUsage()));
    return 0;
  },
});
`,

  // Sends one block twice in one message: as itself and as a view covering all of it.
  pairer: `
import { defineProgram } from 'sing/runtime';
import { Blocks } from './excontracts.ts';
export default defineProgram({
  name: 'pairer',
  endpoints: { out: Blocks.imp() },
  resources: { exchangeHeap: '1KiB' },
  console: true,
  async main({ abi, out, console }) {
    const data = abi.alloc(16);
    out.send('Pair', { a: data, b: data.view(0) });
    console.log('unreachable: sent one block twice');
    return 0;
  },
});
`,

  // Frees a block twice while talking to an echo server.
  dfree: `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'dfree',
  endpoints: { ep: Echo.imp() },
  resources: { exchangeHeap: '1KiB' },
  console: true,
  async main({ abi, ep, console }) {
    const r = await ep.send('Ping', { x: 1 }).receive();
    console.log('echo ' + r.tag);
    const keep = abi.alloc(100);
    const b = abi.alloc(10);
    b.free();
    console.log('freed once ' + JSON.stringify(abi.heapUsage()));
    try { b.free(); } catch (e) { console.log('caught ' + e.code); }
    console.log('unreachable ' + keep.length);
    return 0;
  },
});
`,

  // Holds n blocks; keeps what arrives on inp; on Bye frees its own blocks and reports.
  holder: `
import { defineProgram, i32 } from 'sing/runtime';
import { Blocks } from './excontracts.ts';
export default defineProgram({
  name: 'holder',
  parameters: { n: i32, size: i32 },
  endpoints: { inp: Blocks.exp() },
  resources: { exchangeHeap: '64KiB' },
  console: true,
  async main({ abi, inp, params, console }) {
    const own = [];
    for (let i = 0; i < params.n; i++) own.push(abi.alloc(params.size));
    const got = [];
    console.log('usage ' + JSON.stringify(abi.heapUsage()));
    let ep = inp;
    for (;;) {
      const m = await ep.receive();
      if (m.tag === 'Put') {
        got.push(m.data);
        const u = abi.heapUsage();
        console.log('usage ' + JSON.stringify(u));
        ep = m.ep.send('Ack', { n: u.blocks });
      } else if (m.tag === 'Bye') {
        for (const b of own) b.free();
        console.log('usage ' + JSON.stringify(abi.heapUsage()));
        return 0;
      } else {
        return 1;
      }
    }
  },
});
`,

  // Cuts a header off a block and sends the rest (or, wrongly, the block it split).
  splitter: `
import { defineProgram, enumOf } from 'sing/runtime';
import { Blocks } from './excontracts.ts';
export default defineProgram({
  name: 'splitter',
  parameters: { send: enumOf('tail', 'original', 'use-original') },
  endpoints: { out: Blocks.imp() },
  resources: { exchangeHeap: '1KiB' },
  console: true,
  async main({ abi, out, params, console }) {
    const data = abi.alloc(64);
    data.writeText('HDR:payload-bytes');
    const [head, tail] = data.split(4);
    console.log('split ' + JSON.stringify([head.readText(), head.length, tail.length, tail.readText(0, 13), abi.heapUsage()]));
    if (params.send === 'use-original') { data.get(0); console.log('unreachable'); return 0; }
    if (params.send === 'original') { out.send('Put', { n: 64, data }); console.log('unreachable'); return 0; }
    const busy = out.send('Put', { n: tail.length, data: tail });
    head.free();
    console.log('usage ' + JSON.stringify(abi.heapUsage()));
    const m = await busy.receive();
    console.log('reply ' + m.tag);
    if (m.tag !== '$closed') m.ep.send('Bye');
    return 0;
  },
});
`,

  // Sends a view of a block: a window (refused) or one covering the whole block.
  viewer: `
import { defineProgram, enumOf } from 'sing/runtime';
import { Blocks } from './excontracts.ts';
export default defineProgram({
  name: 'viewer',
  parameters: { how: enumOf('window', 'whole') },
  endpoints: { out: Blocks.imp() },
  resources: { exchangeHeap: '1KiB' },
  console: true,
  async main({ abi, out, params, console }) {
    const data = abi.alloc(32);
    data.writeText('viewed');
    const v = params.how === 'window' ? data.view(0, 8) : data.view(0);
    console.log('sending');
    let busy;
    try { busy = out.send('Put', { n: 32, data: v }); } catch (e) { console.log('caught ' + e.code); return 0; }
    console.log('sent');
    const m = await busy.receive();
    console.log('reply ' + m.tag);
    if (m.tag !== '$closed') m.ep.send('Bye');
    return 0;
  },
});
`,

  // Sends a record and a vector of records (or blocks of the wrong kind or layout).
  recsender: `
import { defineProgram, enumOf } from 'sing/runtime';
import { Blocks, Sample, Other } from './excontracts.ts';
export default defineProgram({
  name: 'recsender',
  parameters: { how: enumOf('good', 'wrong-layout', 'bytes-for-record') },
  endpoints: { out: Blocks.imp() },
  resources: { exchangeHeap: '1KiB' },
  console: true,
  async main({ abi, out, params, console }) {
    const rec = params.how === 'wrong-layout' ? abi.allocRecord(Other) : params.how === 'bytes-for-record' ? abi.alloc(Sample.size) : abi.allocRecord(Sample);
    if (params.how === 'good') { rec.set('id', 7); rec.set('value', 2.5); rec.set('ok', true); }
    const vec = abi.allocVector(Sample, 3);
    for (let i = 0; i < 3; i++) { vec.set(i, 'id', i * 100 - 1); vec.set(i, 'value', i / 4); vec.set(i, 'ok', i === 1); }
    console.log('usage ' + JSON.stringify(abi.heapUsage()));
    const busy = out.send('Rec', { rec, vec });
    console.log('sent ' + JSON.stringify(abi.heapUsage()));
    const m = await busy.receive();
    console.log('reply ' + m.tag + (m.tag === 'Ack' ? ' ' + m.n : ''));
    if (m.tag !== '$closed') m.ep.send('Bye');
    return 0;
  },
});
`,

  // raw() without and with the trusted privilege.
  rawer: `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: 'rawer',
  resources: { exchangeHeap: '1KiB' },
  console: true,
  main({ abi, console }) {
    const b = abi.alloc(8);
    console.log('allocated');
    try { b.raw(); } catch (e) { console.log('caught ' + e.code); }
    console.log('unreachable');
    return 0;
  },
});
`,
  trawer: `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: 'trawer',
  resources: { exchangeHeap: '1KiB' },
  trusted: true,
  console: true,
  main({ abi, console }) {
    const b = abi.alloc(8);
    const raw = b.raw();
    raw[3] = 42;
    b.set(4, 43);
    console.log('raw ' + JSON.stringify([raw.length, b.get(3), raw[4]]));
    return 0;
  },
});
`,

  // Receives \`take\` blocks on a Burst (keeping them), then sleeps with the rest queued.
  bsleeper: `
import { defineProgram, i32 } from 'sing/runtime';
import { Burst } from './excontracts.ts';
export default defineProgram({
  name: 'bsleeper',
  parameters: { take: i32 },
  endpoints: { burst: Burst.exp() },
  async main({ abi, burst, params }) {
    const kept = [];
    let ep = burst;
    for (let i = 0; i < params.take; i++) {
      const m = await ep.receive();
      if (m.tag === '$closed') break;
      kept.push(m.data);
      ep = m.ep;
    }
    await abi.sleep(1e9);
    return kept.length;
  },
});
`,

  // Never receives on its Nest end.
  nsleeper: `
import { defineProgram } from 'sing/runtime';
import { Nest } from './excontracts.ts';
export default defineProgram({
  name: 'nsleeper',
  endpoints: { nest: Nest.exp() },
  async main({ abi, nest }) {
    await abi.sleep(1e9);
    nest.close();
    return 0;
  },
});
`,

  // Creates children that each take one block and have another queued; keeps blocks of its own.
  brood: `
import { defineProgram, i32 } from 'sing/runtime';
import { Burst } from './excontracts.ts';
export default defineProgram({
  name: 'brood',
  parameters: { kids: i32 },
  resources: { exchangeHeap: '64KiB' },
  console: true,
  async main({ abi, params, console }) {
    const mine = [abi.alloc(300), abi.alloc(5000)];
    const ends = [];
    for (let i = 0; i < params.kids; i++) {
      const { imp, exp } = abi.channel(Burst);
      const child = abi.create('bsleeper', { params: { take: 1 }, endpoints: { burst: exp } });
      abi.start(child);
      ends.push(imp.send('Blk', { data: abi.alloc(100 + i) }).send('Blk', { data: abi.alloc(2000 + i) }));
    }
    console.log('ready ' + JSON.stringify(abi.heapUsage()));
    await abi.sleep(1e9);
    return mine.length + ends.length;
  },
});
`,

  // One participant of a kill storm (see the storm test).
  stormer: `
import { defineProgram, i32, enumOf } from 'sing/runtime';
import { Burst } from './excontracts.ts';
export default defineProgram({
  name: 'stormer',
  parameters: { seed: i32, keep: i32, send: i32, fate: enumOf('sleep', 'return', 'throw', 'violate', 'exit', 'receive') },
  endpoints: { out: Burst.imp(), inp: Burst.exp() },
  resources: { exchangeHeap: '256KiB' },
  async main({ abi, out, inp, params }) {
    let s = (params.seed >>> 0) || 1;
    const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
    const kept = [];
    for (let i = 0; i < params.keep; i++) {
      kept.push(abi.alloc(1 + Math.floor(rnd() * (rnd() < 0.8 ? 2048 : 12000))));
      if (rnd() < 0.3) await abi.yield();
    }
    if (kept.length > 0 && rnd() < 0.5) {
      const b = kept.pop();
      const [h, t] = b.split(Math.floor(rnd() * b.length));
      kept.push(h);
      if (rnd() < 0.5) t.free(); else kept.push(t);
    }
    let ep = out;
    for (let i = 0; i < params.send; i++) {
      const d = abi.alloc(1 + Math.floor(rnd() * 6000));
      ep = ep.send('Blk', { data: d });
      if (rnd() < 0.5) await abi.yield();
    }
    if (params.fate === 'receive') {
      let e = inp;
      for (let i = 0; i < 3; i++) {
        const m = await e.receive();
        if (m.tag === '$closed') break;
        kept.push(m.data);
        e = m.ep;
        if (rnd() < 0.3) await abi.yield();
      }
    }
    if (params.fate === 'return') return 0;
    if (params.fate === 'exit') abi.exit(3);
    if (params.fate === 'throw') throw new Error('storm');
    if (params.fate === 'violate') { const b = abi.alloc(4); b.free(); b.free(); }
    await abi.sleep(1e9);
    return 0;
  },
});
`,
};

function filesOf(name: string, src: string): Record<string, string> {
  return name === 'echo' ? { 'main.ts': src } : { 'main.ts': src, 'excontracts.ts': EXC };
}

let compiled: Promise<ImageSource[]> | undefined;
function images(): Promise<ImageSource[]> {
  return (compiled ??= Promise.all(Object.entries(PROGRAMS).map(([name, src]) => image(name, filesOf(name, src)))));
}

interface Sys {
  readonly k: Kernel;
  readonly lines: Line[];
  said(pid: number): string[];
}

/** A fresh kernel (its own exchange heap) with every program installed. */
async function fresh(heapBytes = 4 * 1024 * 1024): Promise<Sys> {
  const lines: Line[] = [];
  const k = new Kernel({ exchangeHeap: heapBytes, console: (l) => { lines.push({ ...l }); } });
  for (const img of await images()) k.install(img);
  return { k, lines, said: (pid) => lines.filter((l) => l.pid === pid).map((l) => l.text) };
}

/** Waits for a line of `pid` starting with `prefix` (the n-th such line) and parses what follows. */
async function reportOf<T>(s: Sys, pid: number, prefix: string, nth = 0): Promise<T> {
  const find = (): string[] => s.said(pid).filter((t) => t.startsWith(prefix));
  await until(() => find().length > nth, `line ${nth} starting ${JSON.stringify(prefix)} from pid ${pid}`);
  return JSON.parse((find()[nth] as string).slice(prefix.length)) as T;
}

async function lineOf(s: Sys, pid: number, prefix: string): Promise<string> {
  await until(() => s.said(pid).some((t) => t.startsWith(prefix)), `a line starting ${JSON.stringify(prefix)} from pid ${pid}`);
  return s.said(pid).find((t) => t.startsWith(prefix)) as string;
}

function psOf(k: Kernel, pid: number): { heapBytes: number; heapBlocks: number; heapQuota: number } | undefined {
  return k.ps().find((p) => p.pid === pid);
}

function pattern(size: number): number[] {
  return Array.from({ length: size }, (_, i) => (i * 31 + 7) & 255);
}

function checksum(bytes: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i++) sum = (sum + (bytes[i] as number) * (i + 1)) | 0;
  return sum;
}

function rawOf(h: Bytes): Uint8Array {
  return (h as unknown as { raw(): Uint8Array }).raw();
}

/** Nothing left anywhere: no block, no byte, no owner holding anything, all memory free. */
function assertNoLeaks(k: Kernel, what: string): void {
  const s = k.heap.stats();
  assert.equal(s.blocks, 0, `${what}: blocks`);
  assert.equal(s.live, 0, `${what}: live bytes`);
  assert.equal(s.used, 0, `${what}: used bytes`);
  for (const p of k.ps()) {
    assert.equal(p.heapBytes, 0, `${what}: ps heapBytes of ${p.pid}`);
    assert.equal(p.heapBlocks, 0, `${what}: ps heapBlocks of ${p.pid}`);
  }
  assert.equal(k.owner.heapBytes, 0, `${what}: the host's bytes`);
  assert.equal(k.owner.heapBlocks, 0, `${what}: the host's blocks`);
  k.heap.trim();
  const t = k.heap.stats();
  assert.equal(t.free, t.capacity, `${what}: every page free`);
  assert.equal(t.fragmentation, 0, `${what}: one free run`);
}


// ---------------------------------------------------------------------------------------------
// Moving blocks

test('a block sent between two processes arrives with the same bytes; the sender\'s later use fails it with E_MOVED', async () => {
  const s = await fresh();
  const ch = s.k.hostChannel(Blocks);
  const c = s.k.spawn('consumer', { params: { reply: 'ack' }, endpoints: { inp: ch.exp } });
  const p = s.k.spawn('producer', { params: { size: 1000, after: 'reuse' }, endpoints: { out: ch.imp } });
  const got = await reportOf<{ n: number; len: number; sum: number; usage: { bytes: number; blocks: number } }>(s, c.pid, 'got ');
  assert.equal(got.n, 1000);
  assert.equal(got.len, 1000);
  assert.equal(got.sum, checksum(pattern(1000)), 'every byte arrived');
  assert.deepEqual(got.usage, { bytes: 1000, blocks: 1, quota: 0 }, 'the receiver owns the block (no quota needed to receive)');
  const st = await within(p.join());
  assert.equal(st.state, 'failed');
  assert.equal(st.reason, 'protocol');
  assert.equal(st.error?.code, 'E_MOVED');
  assert.match(st.error?.message ?? '', /used after move/);
  const said = s.said(p.pid);
  assert.deepEqual(said.slice(1), ['sent {"bytes":0,"blocks":0,"quota":131072}'], 'the send moved the bytes out of its account; nothing ran after the violation');
  assert.deepEqual(JSON.parse((said[0] as string).slice('usage '.length)), { bytes: 1000, blocks: 1, quota: 131072 });
  // only the offender failed: its peer sees $closed and returns normally
  const cs = await within(c.join());
  assert.deepEqual([cs.state, cs.code], ['exited', 0]);
  assert.ok(s.said(c.pid).includes('closed'));
  assertNoLeaks(s.k, 'after both ended');
});

test('sending a block that was already sent fails the sender with E_MOVED', async () => {
  const s = await fresh();
  const ch = s.k.hostChannel(Blocks);
  const c = s.k.spawn('consumer', { params: { reply: 'keep' }, endpoints: { inp: ch.exp } });
  const p = s.k.spawn('producer', { params: { size: 40, after: 'resend' }, endpoints: { out: ch.imp } });
  const st = await within(p.join());
  assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', 'protocol', 'E_MOVED']);
  assert.ok(!s.said(p.pid).includes('still running'));
  assert.equal((await within(c.join())).code, 0);
  assertNoLeaks(s.k, 'after both ended');
});

test('moving does not copy: the receiver sees the same memory, and the heap\'s totals do not change', async () => {
  const s = await fresh();
  const ch = s.k.hostChannel(Blocks);
  const c = s.k.spawn('tconsumer', { params: { reply: 'keep' }, endpoints: { inp: ch.exp } });
  const size = 64 * 1024;
  const p = s.k.spawn('tproducer', { params: { size, after: 'hold' }, endpoints: { out: ch.imp } });
  await lineOf(s, c.pid, 'raw ');
  await lineOf(s, p.pid, 'reply ');
  const sent = Number((await lineOf(s, p.pid, 'raw ')).slice(4));
  const received = Number((await lineOf(s, c.pid, 'raw ')).slice(4));
  assert.equal(received, sent, 'the receiver\'s block is the sender\'s memory');
  const got = await reportOf<{ sum: number }>(s, c.pid, 'got ');
  assert.equal(got.sum, checksum(pattern(size)), 'with the bytes written just before the send');
  const stats = s.k.heap.stats();
  assert.equal(stats.blocks, 1, 'one block in the whole heap: no copy was made');
  assert.equal(stats.live, size);
  assert.equal(stats.used, size);
  assert.deepEqual([psOf(s.k, p.pid)?.heapBytes, psOf(s.k, p.pid)?.heapBlocks], [0, 0]);
  assert.deepEqual([psOf(s.k, c.pid)?.heapBytes, psOf(s.k, c.pid)?.heapBlocks], [size, 1]);
  p.stop();
  c.stop();
  await within(c.join());
  assertNoLeaks(s.k, 'after both were stopped');
});

test('the heap totals are the same before and after a move (host sends to a process and gets it back)', async () => {
  const s = await fresh();
  const ch = s.k.hostChannel(Blocks);
  const c = s.k.spawn('tconsumer', { params: { reply: 'back' }, endpoints: { inp: ch.exp } });
  const h = s.k.hostAlloc(4096);
  h.writeText('from the host');
  const at = rawOf(h).byteOffset;
  const before = s.k.heap.stats();
  assert.deepEqual([s.k.owner.heapBytes, s.k.owner.heapBlocks], [4096, 1]);
  const busy = ch.imp.send('Put', { n: 4096, data: h });
  assert.deepEqual(s.k.heap.stats(), before, 'the send allocated and freed nothing');
  assert.deepEqual([s.k.owner.heapBytes, s.k.owner.heapBlocks], [0, 0], 'the host no longer owns it');
  assert.throws(() => h.length, { code: 'E_MOVED' }, 'the host\'s handle is revoked too (thrown to the host)');
  assert.throws(() => h.readText(), { code: 'E_MOVED' });
  const m = await within(busy.receive());
  assert.equal(m.tag, 'Back');
  if (m.tag !== 'Back') return;
  assert.deepEqual(s.k.heap.stats(), before, 'two moves later, still the same totals');
  const got = await reportOf<{ text: string; usage: { bytes: number } }>(s, c.pid, 'got ');
  assert.equal(got.text, 'from the host\0\0\0');
  assert.equal(got.usage.bytes, 4096);
  assert.equal(Number((await lineOf(s, c.pid, 'raw ')).slice(4)), at, 'the process saw the host\'s memory');
  assert.equal(rawOf(m.data).byteOffset, at, 'and the same memory came back');
  assert.equal(m.data.readText(0, 13), 'okom the host', 'with the process\'s write in it');
  assert.equal(m.n, 4096);
  m.data.free();
  m.ep.send('Bye');
  assert.equal((await within(c.join())).code, 0);
  assertNoLeaks(s.k, 'after the round trip');
});

test('a block of every size class and a large one round-trip between processes intact', async () => {
  const s = await fresh();
  for (const size of [1, 16, 17, 100, 2048, 2049, 10_000]) {
    const ch = s.k.hostChannel(Blocks);
    const c = s.k.spawn('consumer', { params: { reply: 'back' }, endpoints: { inp: ch.exp } });
    const p = s.k.spawn('producer', { params: { size, after: 'reply' }, endpoints: { out: ch.imp } });
    const got = await reportOf<{ len: number; sum: number }>(s, c.pid, 'got ');
    assert.deepEqual([got.len, got.sum], [size, checksum(pattern(size))], `size ${size}`);
    const back = await lineOf(s, p.pid, 'back ');
    assert.equal(back, `back ${size} ${size >= 2 ? 'ok' : '\x07'}`);
    assert.equal((await within(p.join())).code, 0);
    assert.equal((await within(c.join())).code, 0);
  }
  assertNoLeaks(s.k, 'after all sizes');
});

// ---------------------------------------------------------------------------------------------
// Quotas, faults, accounting

test('the manifest\'s quota: 1 KiB allows 1 KiB and refuses 2 KiB with E_QUOTA', async () => {
  const s = await fresh();
  const big = s.k.spawn('hog', { params: { sizes: [2048], kind: 'bytes' } });
  const st = await within(big.join());
  assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', 'quota', 'E_QUOTA']);
  assert.deepEqual(s.said(big.pid), ['quota 1024']);

  const exact = s.k.spawn('hog', { params: { sizes: [1024], kind: 'bytes' } });
  assert.deepEqual(await within(exact.join()), { pid: exact.pid, program: 'hog', state: 'exited', code: 0, reason: 'returned' });

  // The quota bounds arena bytes: 500 bytes take a 512-byte slot, 1 byte a 16-byte one.
  const creep = s.k.spawn('hog', { params: { sizes: [512, 500, 1], kind: 'bytes' } });
  const cst = await within(creep.join());
  assert.equal(cst.error?.code, 'E_QUOTA', 'the slot beyond 1 KiB is refused');
  assert.deepEqual(s.said(creep.pid).slice(1).map((l) => l.split(' ')[1]), ['512', '500']);

  const vec = s.k.spawn('hog', { params: { sizes: [1024, 8], kind: 'vector' } });
  const vst = await within(vec.join());
  assert.equal(vst.error?.code, 'E_QUOTA', 'records and vectors count against the quota too');
  assert.equal(s.said(vec.pid).length, 2);
  assertNoLeaks(s.k, 'after the hogs');
});

test('without resources in its manifest a process cannot allocate at all', async () => {
  const s = await fresh();
  const p = s.k.spawn('pauper', { params: { sizes: [1], kind: 'bytes' } });
  const st = await within(p.join());
  assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', 'quota', 'E_QUOTA']);
  assert.deepEqual(s.said(p.pid), ['quota 0']);
  assertNoLeaks(s.k, 'after the pauper');
});

test('a quota is set aside when the process is created: one the heap cannot promise refuses the create (E_HEAP_RESERVE) and changes nothing', async () => {
  const s = await fresh(16 * 1024);
  const before = s.k.heap.stats();
  assert.throws(() => s.k.spawn('whale', { params: { sizes: [100] } }), (e: Error & { code?: string }) => e.code === 'E_HEAP_RESERVE' && /28672/.test(e.message));
  assert.deepEqual(s.k.heap.stats(), before);
  assert.equal(s.k.processCount, 0);
});

test('an allocation within the quota that only fragmentation refuses is E_HEAP_FULL, which the program can catch: it is not the program\'s fault', async () => {
  const s = await fresh(64 * 1024);
  // The host (which has no reservation) fragments the free pages: it takes twelve single pages
  // and gives back every other one, leaving six lone pages and one run of four.
  const held = Array.from({ length: 12 }, () => s.k.hostAlloc(4096));
  for (let i = 1; i < 12; i += 2) (held[i] as Bytes).free();
  const p = s.k.spawn('whale', { params: { sizes: [16_384, 8192, 100] } });
  const st = await within(p.join());
  assert.deepEqual([st.state, st.code], ['exited', 0]);
  assert.deepEqual(s.said(p.pid), ['ok 16384', 'caught E_HEAP_FULL', 'ok 100', 'usage {"bytes":0,"blocks":0,"quota":28672}']);
  for (let i = 0; i < 12; i += 2) (held[i] as Bytes).free();
  assertNoLeaks(s.k, 'after the whale');
});

test('the host\'s own allocations take only what no quota reserves: beyond that they are E_HEAP_FULL', async () => {
  const s = await fresh(64 * 1024);
  const whale = s.k.spawn('whale', { params: { sizes: [] } }); // reserves 28 KiB while it lives
  assert.throws(() => s.k.hostAlloc(40 * 1024), (e: Error & { code?: string }) => e.code === 'E_HEAP_FULL' && /no quota reserves/.test(e.message));
  const b = s.k.hostAlloc(32 * 1024);
  b.free();
  await within(whale.join());
  s.k.hostAlloc(60 * 1024).free();
  assertNoLeaks(s.k, 'after the host\'s allocations');
});

test('a zero-size allocation is refused without a quota too ("cannot allocate at all")', async () => {
  const s = await fresh();
  const p = s.k.spawn('pauper', { params: { sizes: [0], kind: 'bytes' } });
  const st = await within(p.join());
  assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', 'quota', 'E_QUOTA']);
});

test('a double free fails only the offender with E_FREED; its peer sees $closed', async () => {
  const s = await fresh();
  const echo = s.k.hostChannel(Echo);
  const peer = s.k.spawn('echo', { endpoints: { ep: echo.exp } });
  const bystander = s.k.hostChannel(Blocks);
  const by = s.k.spawn('holder', { params: { n: 2, size: 700 }, endpoints: { inp: bystander.exp } });
  await reportOf(s, by.pid, 'usage ');
  const p = s.k.spawn('dfree', { endpoints: { ep: echo.imp } });
  const st = await within(p.join());
  assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', 'protocol', 'E_FREED']);
  assert.match(st.error?.message ?? '', /used after free/);
  assert.deepEqual(s.said(p.pid), ['echo Pong', 'freed once {"bytes":100,"blocks":1,"quota":1024}'], 'the catch clause never ran');
  const ps = await within(peer.join());
  assert.deepEqual([ps.state, ps.code], ['exited', 7], 'the echo server saw $closed and returned');
  // the bystander is untouched
  assert.equal(by.state, 'running');
  assert.deepEqual([psOf(s.k, by.pid)?.heapBytes, psOf(s.k, by.pid)?.heapBlocks], [1400, 2]);
  assert.equal(s.k.heap.stats().blocks, 2, 'the offender\'s other block was reclaimed');
  bystander.imp.send('Bye');
  assert.equal((await within(by.join())).code, 0);
  bystander.imp.close();
  assertNoLeaks(s.k, 'after the double free');
});

test('per-process accounting: k.ps() and abi.heapUsage() follow allocation, receipt and free', async () => {
  const s = await fresh();
  const ch = s.k.hostChannel(Blocks);
  const p = s.k.spawn('holder', { params: { n: 3, size: 100 }, endpoints: { inp: ch.exp } });
  assert.deepEqual(await reportOf(s, p.pid, 'usage '), { bytes: 300, blocks: 3, quota: 65536 });
  const info = psOf(s.k, p.pid);
  assert.deepEqual([info?.heapBytes, info?.heapBlocks, info?.heapQuota], [300, 3, 65536]);
  const others = s.k.ps().filter((x) => x.pid !== p.pid);
  assert.ok(others.every((x) => x.heapBytes === 0));

  const h = s.k.hostAlloc(5000);
  const r = await within(ch.imp.send('Put', { n: 1, data: h }).receive());
  assert.equal(r.tag, 'Ack');
  if (r.tag !== 'Ack') return;
  assert.equal(r.n, 4, 'heapUsage counted the received block');
  assert.deepEqual(await reportOf(s, p.pid, 'usage ', 1), { bytes: 5300, blocks: 4, quota: 65536 });
  assert.deepEqual([psOf(s.k, p.pid)?.heapBytes, psOf(s.k, p.pid)?.heapBlocks], [5300, 4], 'receiving above the sender\'s own allocation');
  assert.deepEqual([s.k.owner.heapBytes, s.k.owner.heapBlocks], [0, 0]);
  const stats = s.k.heap.stats();
  assert.deepEqual([stats.blocks, stats.live], [4, 5300]);

  r.ep.send('Bye');
  assert.deepEqual(await reportOf(s, p.pid, 'usage ', 2), { bytes: 5000, blocks: 1, quota: 65536 }, 'after freeing its own three');
  assert.equal((await within(p.join())).code, 0);
  assert.equal(psOf(s.k, p.pid), undefined, 'an ended process leaves the table');
  assertNoLeaks(s.k, 'the received block went with its owner');
});

test('raw() is refused to an untrusted program (E_PRIVILEGE) and granted by the trusted privilege', async () => {
  const s = await fresh();
  const u = s.k.spawn('rawer');
  const st = await within(u.join());
  assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', 'protocol', 'E_PRIVILEGE']);
  assert.deepEqual(s.said(u.pid), ['allocated']);
  const t = s.k.spawn('trawer');
  assert.equal((await within(t.join())).code, 0);
  assert.deepEqual(s.said(t.pid), ['raw [8,42,43]']);
  assertNoLeaks(s.k, 'after raw');
});

// ---------------------------------------------------------------------------------------------
// Split, views, records

test('split a block and send one half: the receiver gets the tail\'s bytes, the memory returns when both halves are freed', async () => {
  const s = await fresh();
  const ch = s.k.hostChannel(Blocks);
  const p = s.k.spawn('splitter', { params: { send: 'tail' }, endpoints: { out: ch.imp } });
  const m = await within(ch.exp.receive());
  assert.equal(m.tag, 'Put');
  if (m.tag !== 'Put') return;
  assert.equal(m.n, 60);
  assert.equal(m.data.length, 60);
  assert.equal(m.data.readText(0, 13), 'payload-bytes');
  assert.deepEqual(await reportOf(s, p.pid, 'split '), ['HDR:', 4, 60, 'payload-bytes', { bytes: 64, blocks: 2, quota: 1024 }]);
  assert.deepEqual(await reportOf(s, p.pid, 'usage '), { bytes: 0, blocks: 0, quota: 1024 });
  let stats = s.k.heap.stats();
  assert.deepEqual([stats.blocks, stats.live, stats.used], [1, 60, 64], 'the head was freed, the region lives on in the tail');
  const busy = m.ep.send('Ack', { n: 0 });
  assert.equal((await within(p.join())).code, 0);
  assert.equal(s.k.owner.heapBytes, 60);
  m.data.free();
  stats = s.k.heap.stats();
  assert.deepEqual([stats.blocks, stats.live, stats.used], [0, 0, 0]);
  assert.equal((await within(busy.receive())).tag, 'Bye');
  assertNoLeaks(s.k, 'after the split');
});

test('a block that was split is revoked: using it or sending it fails the process with E_MOVED', async () => {
  const s = await fresh();
  for (const send of ['original', 'use-original'] as const) {
    const ch = s.k.hostChannel(Blocks);
    const p = s.k.spawn('splitter', { params: { send }, endpoints: { out: ch.imp } });
    const st = await within(p.join());
    assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', 'protocol', 'E_MOVED'], send);
    assert.ok(!s.said(p.pid).includes('unreachable'));
    assert.equal((await within(ch.exp.receive())).tag, '$closed', `${send}: nothing was sent`);
  }
  assertNoLeaks(s.k, 'both halves reclaimed');
});

test('a view cannot be sent (E_PROTOCOL); a view covering the whole block can', async () => {
  const s = await fresh();
  const ch = s.k.hostChannel(Blocks);
  const p = s.k.spawn('viewer', { params: { how: 'window' }, endpoints: { out: ch.imp } });
  const st = await within(p.join());
  assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', 'protocol', 'E_PROTOCOL']);
  assert.match(st.error?.message ?? '', /view/);
  assert.deepEqual(s.said(p.pid), ['sending'], 'the violation could not be caught');
  assert.equal((await within(ch.exp.receive())).tag, '$closed');
  assertNoLeaks(s.k, 'the block of the refused view was reclaimed');

  const ch2 = s.k.hostChannel(Blocks);
  const q = s.k.spawn('viewer', { params: { how: 'whole' }, endpoints: { out: ch2.imp } });
  const m = await within(ch2.exp.receive());
  assert.equal(m.tag, 'Put');
  if (m.tag !== 'Put') return;
  assert.equal(m.data.length, 32);
  assert.equal(m.data.readText(0, 6), 'viewed');
  m.data.free();
  m.ep.send('Ack', { n: 1 });
  assert.equal((await within(q.join())).code, 0);
  assertNoLeaks(s.k, 'after the whole view');
});

test('the host sending a view gets E_PROTOCOL thrown, and keeps its block', async () => {
  const s = await fresh();
  const ch = s.k.hostChannel(Blocks);
  const h = s.k.hostAlloc(16);
  assert.throws(() => ch.imp.send('Put', { n: 1, data: h.view(1) }), { code: 'E_PROTOCOL' });
  assert.equal(h.length, 16);
  assert.equal(ch.imp.state, 'Idle');
  h.free();
  ch.imp.close();
  ch.exp.close();
  assertNoLeaks(s.k, 'after the refused view');
});

test('one block cannot travel twice in one message, as its handle and as a whole view (host sender)', async () => {
  const s = await fresh();
  const ch = s.k.hostChannel(Blocks);
  const h = s.k.hostAlloc(16);
  assert.throws(() => ch.imp.send('Pair', { a: h, b: h.view(0) }), { code: 'E_PROTOCOL' });
  assert.equal(h.length, 16, 'nothing moved');
  assert.deepEqual([s.k.heap.stats().blocks, s.k.owner.heapBlocks], [1, 1]);
});

test('one block cannot travel twice in one message: the sending process fails with E_PROTOCOL', async () => {
  const s = await fresh();
  const ch = s.k.hostChannel(Blocks);
  const p = s.k.spawn('pairer', { endpoints: { out: ch.imp } });
  const st = await within(p.join());
  assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', 'protocol', 'E_PROTOCOL']);
  const m = await within(ch.exp.receive());
  assert.equal(m.tag, '$closed', 'nothing was delivered');
  assertNoLeaks(s.k, 'after the refused pair');
});

test('a record and a vector of records move with their values; wrong layouts and kinds are E_PROTOCOL', async () => {
  const s = await fresh();
  const ch = s.k.hostChannel(Blocks);
  const c = s.k.spawn('consumer', { params: { reply: 'ack' }, endpoints: { inp: ch.exp } });
  const p = s.k.spawn('recsender', { params: { how: 'good' }, endpoints: { out: ch.imp } });
  const rec = await reportOf<{ id: number; value: number; ok: boolean; vec: unknown[]; usage: { blocks: number } }>(s, c.pid, 'rec ');
  assert.deepEqual([rec.id, rec.value, rec.ok], [7, 2.5, true]);
  assert.deepEqual(rec.vec, [[-1, 0, false], [99, 0.25, true], [199, 0.5, false]]);
  assert.equal(rec.usage.blocks, 2);
  assert.equal(await lineOf(s, p.pid, 'reply '), 'reply Ack 3');
  assert.equal(await lineOf(s, p.pid, 'sent '), 'sent {"bytes":0,"blocks":0,"quota":1024}');
  assert.equal((await within(p.join())).code, 0);
  assert.equal((await within(c.join())).code, 0);
  assertNoLeaks(s.k, 'after the records');

  for (const how of ['wrong-layout', 'bytes-for-record'] as const) {
    const ch2 = s.k.hostChannel(Blocks);
    const q = s.k.spawn('recsender', { params: { how }, endpoints: { out: ch2.imp } });
    const st = await within(q.join());
    assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', 'protocol', 'E_PROTOCOL'], how);
    assert.ok(!s.said(q.pid).some((l) => l.startsWith('sent')));
    assert.equal((await within(ch2.exp.receive())).tag, '$closed', `${how}: nothing was delivered (all-or-nothing)`);
    assertNoLeaks(s.k, how);
  }
});

test('the host receives record and vector handles it can read', async () => {
  const s = await fresh();
  const ch = s.k.hostChannel(Blocks);
  const p = s.k.spawn('recsender', { params: { how: 'good' }, endpoints: { out: ch.imp } });
  const m = await within(ch.exp.receive());
  assert.equal(m.tag, 'Rec');
  if (m.tag !== 'Rec') return;
  assert.deepEqual([m.rec.get('id'), m.rec.get('value'), m.rec.get('ok')], [7, 2.5, true]);
  assert.equal(m.vec.length, 3);
  assert.equal(m.vec.get(2, 'id'), 199);
  m.vec.set(0, 'id', 5);
  assert.equal(m.vec.get(0, 'id'), 5);
  assert.throws(() => m.vec.get(3, 'id'), RangeError);
  assert.deepEqual([s.k.owner.heapBlocks, s.k.owner.heapBytes], [2, 4 * Sample.size]);
  m.rec.free();
  m.vec.free();
  m.ep.send('Ack', { n: 0 });
  assert.equal((await within(p.join())).code, 0);
  assertNoLeaks(s.k, 'after the host read the records');
});

// ---------------------------------------------------------------------------------------------
// Reclamation

test('a process that ends (returns, fails, is killed) frees every block it owns', async () => {
  const s = await fresh();
  const ch = s.k.hostChannel(Blocks);
  const p = s.k.spawn('holder', { params: { n: 5, size: 3000 }, endpoints: { inp: ch.exp } });
  await reportOf(s, p.pid, 'usage ');
  assert.equal(s.k.heap.stats().blocks, 5);
  p.stop();
  assert.deepEqual(await within(p.join()), { pid: p.pid, program: 'holder', state: 'failed', code: 1, reason: 'killed' });
  assertNoLeaks(s.k, 'after the kill');
  const r = s.k.spawn('hog', { params: { sizes: [100, 200, 300], kind: 'bytes' } });
  assert.equal((await within(r.join())).code, 0);
  assertNoLeaks(s.k, 'after a process returned holding blocks');
  const f = s.k.spawn('hog', { params: { sizes: [100, 2000], kind: 'bytes' } });
  assert.equal((await within(f.join())).reason, 'quota');
  assertNoLeaks(s.k, 'after a process failed holding blocks');
});

test('blocks queued to a process that dies are freed, host-sent and process-sent alike', async () => {
  const s = await fresh();
  const a = s.k.hostChannel(Burst);
  const sleeper = s.k.spawn('bsleeper', { params: { take: 1 }, endpoints: { burst: a.exp } });
  a.imp.send('Blk', { data: s.k.hostAlloc(10) }).send('Blk', { data: s.k.hostAlloc(3000) }).send('Blk', { data: s.k.hostAlloc(9000) });
  await until(() => psOf(s.k, sleeper.pid)?.heapBlocks === 1, 'the sleeper took one block');
  assert.equal(s.k.heap.stats().blocks, 3, 'one owned, two queued');
  assert.equal(psOf(s.k, sleeper.pid)?.heapBytes, 10, 'queued blocks belong to no one yet');
  sleeper.stop();
  await within(sleeper.join());
  assertNoLeaks(s.k, 'the owned and the queued blocks');

  // a process sends three blocks to a sleeper that never receives, and returns
  const b = s.k.hostChannel(Burst);
  const idle = s.k.spawn('bsleeper', { params: { take: 0 }, endpoints: { burst: b.exp } });
  const inp = s.k.hostChannel(Burst);
  const sender = s.k.spawn('stormer', { params: { seed: 5, keep: 2, send: 3, fate: 'return' }, endpoints: { out: b.imp, inp: inp.exp } });
  await within(sender.join());
  const queued = s.k.heap.stats();
  assert.equal(queued.blocks, 3, 'the sender\'s own blocks are gone; the three it sent wait in the queue');
  assert.equal(psOf(s.k, idle.pid)?.heapBlocks, 0);
  idle.stop();
  await within(idle.join());
  inp.imp.close();
  assertNoLeaks(s.k, 'blocks queued to a dead receiver');
});

test('blocks in flight to a dead receiver are freed at once', async () => {
  const s = await fresh();
  const ch = s.k.hostChannel(Blocks);
  const c = s.k.spawn('consumer', { params: { reply: 'ack' }, endpoints: { inp: ch.exp } });
  c.stop();
  await within(c.join());
  const h = s.k.hostAlloc(777);
  assert.equal(s.k.heap.stats().blocks, 1);
  const busy = ch.imp.send('Put', { n: 1, data: h });
  assertNoLeaks(s.k, 'the block sent to the dead receiver');
  assert.throws(() => h.get(0), { code: 'E_MOVED' });
  assert.equal((await within(busy.receive())).tag, '$closed');

  // process to process: the producer sends to a consumer that is already dead
  const ch2 = s.k.hostChannel(Blocks);
  const c2 = s.k.spawn('consumer', { params: { reply: 'ack' }, endpoints: { inp: ch2.exp } });
  c2.stop();
  const p = s.k.spawn('producer', { params: { size: 5000, after: 'reply' }, endpoints: { out: ch2.imp } });
  assert.equal((await within(p.join())).code, 0);
  assert.deepEqual(s.said(p.pid).slice(2), ['reply $closed']);
  assertNoLeaks(s.k, 'the block sent by a process to a dead one');
});

test('blocks queued on an endpoint that itself waits in a dead process\'s queue are freed', async () => {
  const s = await fresh();
  const burst = s.k.hostChannel(Burst);
  burst.imp.send('Blk', { data: s.k.hostAlloc(100) }).send('Blk', { data: s.k.hostAlloc(200) }).send('Blk', { data: s.k.hostAlloc(5000) });
  const nest = s.k.hostChannel(Nest);
  const p = s.k.spawn('nsleeper', { endpoints: { nest: nest.exp } });
  nest.imp.send('Hand', { chan: burst.exp });
  const st = s.k.heap.stats();
  assert.deepEqual([st.blocks, st.live], [3, 5300]);
  assert.deepEqual([s.k.owner.heapBlocks, psOf(s.k, p.pid)?.heapBlocks], [0, 0], 'all three are in transit');
  p.stop();
  await within(p.join());
  assertNoLeaks(s.k, 'the nested queue');
});

test('a parent killed with blocks, children holding and queued blocks: its children end with it and everything is reclaimed', async () => {
  const s = await fresh();
  const parent = s.k.spawn('brood', { params: { kids: 4 } });
  const ready = await reportOf<{ bytes: number; blocks: number }>(s, parent.pid, 'ready ');
  assert.deepEqual([ready.bytes, ready.blocks], [5300, 2], 'the parent holds only its own two');
  await until(() => s.k.ps().filter((p) => p.program === 'bsleeper' && p.heapBlocks === 1).length === 4, 'each child took one block');
  assert.equal(s.k.heap.stats().blocks, 2 + 4 + 4, 'two of the parent\'s, four taken, four queued');
  const ended: ExitStatus[] = [];
  const off = s.k.observe((e) => { if (e.type === 'exit' && e.program === 'bsleeper') ended.push(e.status); });
  parent.stop();
  await within(parent.join());
  off();
  assert.equal(ended.length, 4, 'every child ended with its parent');
  for (const st of ended) assert.deepEqual([st.reason, st.error?.code], ['killed', 'E_SUPERVISOR_ENDED']);
  assert.equal(s.k.ps().filter((p) => p.program === 'bsleeper').length, 0);
  assert.equal(s.k.heap.stats().blocks, 0, 'the blocks they held and those queued to them went with them');
  assertNoLeaks(s.k, 'after the brood ended');
});

for (const seed of [11, 2024, 777777]) {
  test(`kill storm (seed ${seed}): processes allocate, send, receive and die at random moments; nothing leaks`, async () => {
    const s = await fresh(16 * 1024 * 1024);
    const { k } = s;
    const rnd = prng(seed);
    const N = 36;
    const HOST = 6;
    const fates = ['sleep', 'sleep', 'return', 'throw', 'violate', 'exit', 'receive', 'receive'] as const;
    // N channels out of processes, HOST out of the host; their receiving ends are shuffled among
    // the N processes and the host (which never receives on its own).
    const chans = Array.from({ length: N + HOST }, () => k.hostChannel(Burst));
    const order = chans.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const procs: Spawned[] = [];
    for (let i = 0; i < N; i++) {
      const fate = fates[Math.floor(rnd() * fates.length)] as (typeof fates)[number];
      const params = { seed: Math.floor(rnd() * 2 ** 31), keep: Math.floor(rnd() * 6), send: Math.floor(rnd() * 4), fate };
      const out = (chans[i] as (typeof chans)[number]).imp;
      const inp = (chans[order[i] as number] as (typeof chans)[number]).exp;
      procs.push(k.spawn('stormer', { params, endpoints: { out, inp } }));
    }
    const hostImps = chans.slice(N).map((c) => ({ ep: c.imp as { send(t: 'Blk', p: { data: Bytes }): unknown } | null, sent: 0 }));
    const hostExps = order.slice(N).map((i) => (chans[i] as (typeof chans)[number]).exp);
    const hostSend = (): void => {
      const h = hostImps[Math.floor(rnd() * hostImps.length)] as (typeof hostImps)[number];
      if (h.ep === null || h.sent >= 3) return;
      h.ep = h.ep.send('Blk', { data: k.hostAlloc(1 + Math.floor(rnd() * 8000)) }) as typeof h.ep;
      h.sent++;
    };
    // kill at random moments, sometimes before a process has run at all
    const alive = (): Spawned[] => procs.filter((p) => p.state === 'created' || p.state === 'running');
    let kills = 0;
    while (alive().length > 0) {
      await turns(Math.floor(rnd() * 4));
      if (rnd() < 0.4) hostSend();
      const live = alive();
      if (live.length === 0) break;
      const victim = live[Math.floor(rnd() * live.length)] as Spawned;
      victim.stop();
      kills++;
      const st = k.heap.stats();
      const owned = k.ps().reduce((n, p) => n + p.heapBytes, 0) + k.owner.heapBytes;
      assert.ok(owned <= st.live, 'owned bytes never exceed the live bytes (the rest are in transit)');
    }
    const statuses = await within(Promise.all(procs.map((p) => p.join())));
    assert.ok(kills > 0);
    assert.ok(statuses.some((st) => st.reason === 'killed'), 'some were killed');
    assert.equal(k.processCount, 0);
    // the host keeps sending to dead receivers: each block is freed at once
    for (let i = 0; i < 6; i++) hostSend();
    assert.deepEqual([k.owner.heapBytes, k.owner.heapBlocks], [0, 0], 'the host holds no block itself');
    // what is left lives only in the host's unreceived queues; closing them frees it
    for (const e of hostExps) e.close();
    for (const h of hostImps) if (h.ep !== null) (h.ep as unknown as { close(): void }).close();
    assertNoLeaks(k, `storm ${seed}`);
    assert.deepEqual(k.ps(), []);
  });
}
