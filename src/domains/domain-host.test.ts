// Worker and process domains: a SIP inside talks to a SIP in the kernel domain as over a local
// channel; a domain that runs out of memory or spins where no fuel check reaches fails only the
// processes inside it, and their peers see $closed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { boot, ECHO_SERVER, PINGER, image, until, within } from '../../test/kit.ts';
import { Blob, Dir, Echo, Entry, Tree } from '../../test/fixtures/contracts.ts';
import { openDomain, type DomainKind } from './domain-host.ts';


// Answers one Ping, then grows its heap, yielding between steps: the domain's kernel ends it for
// memory before the domain's cap is reached (the kernel never runs out of heap for a program).
const HOG = `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'hog',
  endpoints: { ep: Echo.exp() },
  resources: { cpuFuel: 2000000000 },
  async main({ ep, abi }) {
    const m = await ep.receive();
    if (m.tag !== 'Ping') return 1;
    m.ep.send('Pong', { x: m.x });
    const keep = [];
    for (;;) { keep.push(new Array(100000).fill(keep.length)); await abi.yield(); }
  },
});`;

// Answers one Ping, then spins inside one builtin call, where no fuel check can reach it: a
// pattern with a backreference, which V8's linear-time engine cannot run (see src/kernel/regexp.ts).
const SPINNER = `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'spinner',
  endpoints: { ep: Echo.exp() },
  async main({ ep }) {
    const m = await ep.receive();
    if (m.tag !== 'Ping') return 1;
    m.ep.send('Pong', { x: m.x });
    return /^(a+)+\\1$/.test('a'.repeat(40) + 'b') ? 1 : 0;
  },
});`;

// Sends a block of its own (64 KiB, filled with 5s) as a request, keeps the one it gets back
// (the parent's), then waits forever: its domain will be terminated holding it.
const KEEPER = `
import { defineProgram } from 'sing/runtime';
import { Blob } from './contracts.ts';
export default defineProgram({
  name: 'keeper',
  endpoints: { ep: Blob.imp() },
  resources: { exchangeHeap: '256KiB' },
  async main({ ep, abi }) {
    const mine = abi.alloc(65536);
    for (let i = 0; i < mine.length; i += 4096) mine.set(i, 5);
    const m = await ep.send('Data', { b: mine }).receive();
    if (m.tag !== 'Back') return 1;
    const kept = m.b;
    await abi.sleep(1e9);
    kept.free();
    return 0;
  },
});`;

// Receives one tree of blocks and keeps it, waiting forever: its domain will be terminated holding it.
const TREE_KEEPER = `
import { defineProgram } from 'sing/runtime';
import { Tree } from './contracts.ts';
export default defineProgram({
  name: 'treekeeper',
  endpoints: { ep: Tree.exp() },
  console: true,
  async main({ ep, abi, console }) {
    const m = await ep.receive();
    if (m.tag !== 'Give') return 1;
    const title = m.dir.open('title');
    console.log(title === null ? '-' : title.readString());
    await abi.sleep(1e9);
    m.dir.free();
    return 0;
  },
});`;

async function setup() {
  const programs = { pinger: PINGER, echo: ECHO_SERVER, hog: HOG, spinner: SPINNER, keeper: KEEPER, treekeeper: TREE_KEEPER };
  const b = await boot(programs);
  const images = await Promise.all(Object.entries(programs).map(([n, s]) => image(n, s)));
  return { b, images };
}

const KINDS: readonly DomainKind[] = ['worker', 'process'];

for (const kind of KINDS) test(`a SIP in a ${kind} domain and a SIP in the kernel domain talk as over a local channel`, async () => {
  const { b, images } = await setup();
  const d = openDomain(b.k, kind, images, { name: 'd1' });
  try {
    const c = b.k.hostChannel(Echo);
    const echo = d.spawn('echo', { endpoints: { ep: c.exp } });
    const pinger = b.k.spawn('pinger', { params: { n: 3 }, endpoints: { ep: c.imp } });
    assert.equal((await within(pinger.join(), 'pinger', 20000)).code, 0);
    assert.deepEqual(b.texts('pinger'), ['1', '11', '21']);
    assert.equal((await within(echo.join(), 'echo', 20000)).code, 0);
  } finally {
    await d.terminate();
  }
});

for (const kind of KINDS) for (const [program, why] of [['hog', /heap is near its limit|over its memory budget/], ['spinner', /terminated|exited|killed/]] as const) {
  test(`a ${kind} domain ${program === 'hog' ? 'whose process grows towards its cap ends that process for memory' : 'that spins beyond fuel and is terminated fails only its processes'}; the peer sees $closed`, async () => {
    const { b, images } = await setup();
    const d = openDomain(b.k, kind, images, { name: program, memoryMb: 32 });
    after(() => d.terminate());
    const c = b.k.hostChannel(Echo);
    const inside = d.spawn(program, { endpoints: { ep: c.exp } });
    const pinger = b.k.spawn('pinger', { params: { n: 2 }, endpoints: { ep: c.imp } });
    if (program === 'spinner') {
      await within(inside.pid, 'spawned', 20000);
      await new Promise((r) => setTimeout(r, 300)); // the spinner has its Ping and is stuck in the regex
      await d.terminate();
    }
    const st = await within(inside.join(), program, 30000);
    assert.deepEqual([st.state, st.reason, st.error?.code], program === 'hog' ? ['failed', 'memory', 'E_MEMORY'] : ['failed', 'killed', 'E_DOMAIN']);
    assert.match(st.error?.message ?? '', why);
    const ps = await within(pinger.join(), 'pinger', 20000);
    assert.equal(ps.code, 3, 'the kernel-domain peer saw $closed');
    // The reply sent just before the domain stopped dies with it when the domain's thread never
    // got back to its links (the process inside held the thread): in flight is lost, as on a crash.
    assert.ok(['0,closed', 'closed'].includes(b.texts('pinger').join()), b.texts('pinger').join());
    const again = b.k.hostChannel(Echo); // the kernel domain carries on
    const echo = b.k.spawn('echo', { endpoints: { ep: again.exp } });
    const m = await within(again.imp.send('Ping', { x: 1 }).receive());
    assert.equal(m.tag === 'Pong' ? m.x : -1, 2);
    echo.stop();
  });
}

test('a worker domain that dies holding blocks: the parent\'s come home, and its own stay readable until freed', async () => {
  const { b, images } = await setup();
  const before = b.k.heapStats();
  const d = openDomain(b.k, 'worker', images, { name: 'keeper', exchangeHeapMb: 1 });
  after(() => d.terminate());
  const reserved = b.k.heapStats().used;
  assert.ok(reserved >= before.used + 1024 * 1024, 'the partition is reserved from the parent arena');
  const c = b.k.hostChannel(Blob);
  assert.throws(() => d.spawn('keeper', { endpoints: { ep: c.exp } }), { code: 'E_ENDPOINTS' }, 'the wrong end is refused');
  const keeper = d.spawn('keeper', { endpoints: { ep: c.imp } });
  const m = await within(c.exp.receive(), 'the keeper\'s block', 20000);
  if (m.tag !== 'Data') assert.fail(`the keeper ended: ${JSON.stringify(await keeper.join())}`);
  const theirs = m.b; // lives in the domain's partition, read here without a copy
  assert.equal(theirs.get(4096), 5);
  m.ep.send('Back', { b: b.k.hostAlloc(3000) }); // the parent's block, into the domain
  await until(() => b.k.heapStats().blocks === 1, 'the parent block is in the domain');
  await d.terminate();
  const st = await within(keeper.join(), 'keeper', 20000);
  assert.deepEqual([st.state, st.reason], ['failed', 'killed']);
  await until(() => b.k.heapStats().blocks === 1, 'the block the dead domain held came home and was freed');
  assert.equal(theirs.get(4096), 5, 'the dead domain\'s block is still readable');
  assert.ok(b.k.heapStats().used >= reserved, 'the partition stays while a block of it is out');
  theirs.free();
  await until(() => b.k.heapStats().used === before.used, 'the partition returns once its last block is freed');
  assert.equal(b.k.heapStats().blocks, 0);
});

for (const kind of KINDS) test(`a ${kind} domain that dies holding a tree of the parent's blocks gives every block of it back`, async () => {
  const { b, images } = await setup();
  const d = openDomain(b.k, kind, images, { name: 'treekeeper', console: (l) => { b.lines.push({ ...l }); } });
  after(() => d.terminate());
  const c = b.k.hostChannel(Tree);
  const keeper = d.spawn('treekeeper', { endpoints: { ep: c.exp } });
  const dir = b.k.hostAllocRecord(Dir);
  const title = b.k.hostAllocArray('char', 5);
  title.writeString('kept!');
  dir.put('title', title);
  const entries = b.k.hostAllocRecord(Entry, 4);
  for (let i = 0; i < 4; i++) entries.put(i, 'name', b.k.hostAllocArray('char', 100 * (i + 1)));
  dir.put('entries', entries);
  c.imp.send('Give', { dir });
  await until(() => b.texts('treekeeper').includes('kept!'), 'the keeper to hold the tree', 20000);
  await d.terminate();
  const st = await within(keeper.join(), 'treekeeper', 20000);
  assert.deepEqual([st.state, st.reason], ['failed', 'killed']);
  c.imp.close();
  await until(() => b.k.heapStats().blocks === 0, 'all seven blocks of the tree back in the parent and freed');
});
