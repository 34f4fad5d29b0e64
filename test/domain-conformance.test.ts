// The kernel's conformance suite, run against every protection domain kind: the same installed
// images, placed in the kernel domain, in a worker domain or in a process domain, must behave the
// same — channels (conversation, protocol violations, moved endpoints), failure isolation, the
// exchange heap (blocks in and out intact, nothing leaked, use after move) and the name service
// (names exported on either side of a domain boundary, missing names, mounts made there and bound
// from the kernel domain and from there, with the binder's declared access).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { boot, ECHO_SERVER, PINGER, within, until, type Booted } from './kit.ts';
import { Blob, Carrier, Dir, Echo, Entry, Tree, Words } from './fixtures/contracts.ts';
import { bytes, exPointers, type Bytes, type ExRecord, type Layout, type Pointer } from 'sing/runtime';
import { PLACE_KINDS, placeIn, status, type Place } from './places.ts';
import { FS_MOUNT, MOUNT_BINDER, MOUNT_SERVE } from './fixtures/mount-programs.ts';

// Answers the first Ping with a message its side may not send: a protocol violation.
const VIOLATOR = `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'violator',
  endpoints: { ep: Echo.exp() },
  async main({ ep }) {
    const m = await ep.receive();
    if (m.tag !== 'Ping') return 1;
    (m.ep as unknown as { send(t: string, p: object): void }).send('Ping', { x: 1 });
    return 0;
  },
});`;

// Answers one Ping, then throws.
const CRASHER = `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'crasher',
  endpoints: { ep: Echo.exp() },
  async main({ ep }) {
    const m = await ep.receive();
    if (m.tag !== 'Ping') return 1;
    m.ep.send('Pong', { x: m.x });
    throw new Error('crasher: on purpose');
  },
});`;

// Receives an Echo import end, pings through it, prints the answer, acknowledges.
const RELAY = `
import { defineProgram } from 'sing/runtime';
import { Carrier } from './contracts.ts';
export default defineProgram({
  name: 'relay',
  endpoints: { ep: Carrier.exp() },
  console: true,
  async main({ ep, console }) {
    const m = await ep.receive();
    if (m.tag !== 'Give') return 1;
    const r = await m.chan.send('Ping', { x: 99 }).receive();
    console.log(r.tag === 'Pong' ? 'pong ' + r.x : r.tag);
    if (r.tag === 'Pong') r.ep.send('Bye');
    m.ep.send('Took');
    return 0;
  },
});`;

// Returns every block it receives with each byte incremented; with touch=true, reads the block
// after sending it back (use after move).
const BLOB_ECHO = `
import { defineProgram, bool } from 'sing/runtime';
import { Blob } from './contracts.ts';
export default defineProgram({
  name: 'blobecho',
  parameters: { touch: bool },
  endpoints: { ep: Blob.exp() },
  async main({ ep, params }) {
    let idle = ep;
    for (;;) {
      const m = await idle.receive();
      if (m.tag === '$closed') return 0;
      const b = m.b;
      for (let i = 0; i < b.length; i += 1024) b.set(i, (b.get(i) + 1) & 255);
      b.set(b.length - 1, (b.get(b.length - 1) + 1) & 255);
      idle = m.ep.send('Back', { b });
      if (params.touch) return b.get(0);
    }
  },
});`;

// Provides /test/echo, serving each client in its own thread.
const NAMED_ECHO = `
import { defineProgram, type Exp, type Listener } from 'sing/runtime';
import { Echo } from './contracts.ts';
async function serve(ep: Exp<typeof Echo>): Promise<void> {
  let idle = ep;
  for (;;) {
    const m = await idle.receive();
    if (m.tag !== 'Ping') return;
    idle = m.ep.send('Pong', { x: m.x + 1 });
  }
}
export default defineProgram({
  name: 'namedecho',
  exports: { svc: Echo.exp('/test/echo') },
  async main({ svc, abi }) {
    let l: Listener<typeof Echo> = svc;
    for (;;) {
      const m = await l.receive();
      if (m.tag === '$closed') return 0;
      abi.spawn(serve, m.client);
      l = m.ep.send('Accept');
    }
  },
});`;

// Binds /test/echo (or /test/nobody) through its manifest and pings it twice.
const namedClient = (name: string, path: string): string => `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: '${name}',
  imports: { svc: Echo.imp('${path}') },
  console: true,
  async main({ svc, console }) {
    let idle = svc;
    for (const x of [1, 2]) {
      const m = await idle.send('Ping', { x }).receive();
      if (m.tag !== 'Pong') return 3;
      console.log(String(m.x));
      idle = m.ep;
    }
    idle.send('Bye');
    return 0;
  },
});`;

// Answers each Say with the text reversed (by code unit) and each id plus one, in the same blocks.
const WORDS_ECHO = `
import { defineProgram } from 'sing/runtime';
import { Words } from './contracts.ts';
export default defineProgram({
  name: 'wordsecho',
  endpoints: { ep: Words.exp() },
  async main({ ep }) {
    let at = ep;
    for (;;) {
      const m = await at.receive();
      if (m.tag !== 'Say') return 0;
      const s = m.t.readString();
      let r = '';
      for (let i = s.length - 1; i >= 0; i--) r += s[i];
      m.t.writeString(r);
      for (let i = 0; i < m.ids.length; i++) m.ids.set(i, m.ids.get(i) + 1n);
      at = m.ep.send('Said', { t: m.t, ids: m.ids });
    }
  },
});`;

// Answers each Give with the same tree changed in place: names upper-cased, sizes plus one, the
// title replaced by a new text (the old one taken out and freed), each blob's first byte plus one.
// With crash set, it takes the first tree apart, makes one of its own, and throws holding them.
const TREE_ECHO = `
import { defineProgram, bool } from 'sing/runtime';
import { Tree } from './contracts.ts';
export default defineProgram({
  name: 'treeecho',
  parameters: { crash: bool },
  resources: { exchangeHeap: '256KiB' },
  endpoints: { ep: Tree.exp() },
  async main({ ep, params, abi }) {
    let at = ep;
    for (;;) {
      const m = await at.receive();
      if (m.tag !== 'Give') return 0;
      const dir = m.dir;
      const entries = dir.open('entries');
      for (let i = 0; entries !== null && i < entries.length; i++) {
        const name = entries.open(i, 'name');
        if (name !== null) name.writeString(name.readString().toUpperCase());
        entries.set(i, 'size', entries.get(i, 'size') + 1n);
      }
      const blobs = dir.open('blobs');
      for (let i = 0; blobs !== null && i < blobs.length; i++) {
        const b = blobs.open(i, 'value');
        if (b !== null && b.length > 0) b.set(0, (b.get(0) + 1) & 255);
      }
      const old = dir.take('title');
      const title = abi.allocText('re: ' + (old === null ? '' : old.readString()));
      if (old !== null) old.free();
      dir.put('title', title);
      if (params.crash) {
        const mine = abi.allocText('mine');
        const taken = dir.take('entries');
        if (taken !== null) taken.free();
        mine.free();
        throw new Error('treeecho: on purpose, holding a tree');
      }
      at = m.ep.send('Got', { dir });
    }
  },
});`;

// Binds two paths below the host's mount at /test/fs: one its manifest declares, one it does not.
const FILE_BINDER = `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'filebinder',
  resources: { files: { '/test/fs/open/**': 'read' } },
  console: true,
  async main({ abi, console }) {
    for (const path of ['/test/fs/open/a.txt', '/test/fs/closed/b.txt']) {
      const c = abi.channel(Echo);
      const r = await abi.bind(path, c.exp);
      console.log(path + ': ' + (r.ok ? 'ok' : r.code));
      c.imp.close();
    }
    return 0;
  },
});`;


const PROGRAMS = {
  wordsecho: WORDS_ECHO, treeecho: TREE_ECHO, filebinder: FILE_BINDER, fsmount: FS_MOUNT, mountserve: MOUNT_SERVE, mntbinder: MOUNT_BINDER,
  pinger: PINGER, echo: ECHO_SERVER, violator: VIOLATOR, crasher: CRASHER, relay: RELAY, blobecho: BLOB_ECHO,
  namedecho: NAMED_ECHO, client: namedClient('client', '/test/echo'), lost: namedClient('lost', '/test/nobody'),
};


for (const kind of PLACE_KINDS) {
  describe(`conformance: programs placed in the ${kind} domain`, () => {
    let b: Booted;
    let place: Place;
    before(async () => {
      b = await boot(PROGRAMS);
      place = await placeIn(kind, b, PROGRAMS);
    });
    after(async () => { await place.domain?.terminate(); });

    test('channels: a request/reply conversation, ended by Bye', async () => {
      const c = b.k.hostChannel(Echo);
      const echo = place.run('echo', { endpoints: { ep: c.exp } });
      const pinger = b.k.spawn('pinger', { params: { n: 3 }, endpoints: { ep: c.imp } });
      assert.equal((await status(pinger, 'pinger')).code, 0);
      assert.deepEqual(b.texts('pinger').slice(-3), ['1', '11', '21']);
      assert.deepEqual([(await status(echo, 'echo')).code], [0]);
    });

    test('channels: a protocol violation ends the violator only; its peer sees $closed', async () => {
      const c = b.k.hostChannel(Echo);
      const v = place.run('violator', { endpoints: { ep: c.exp } });
      const m = await within(c.imp.send('Ping', { x: 1 }).receive());
      assert.equal(m.tag, '$closed');
      const st = await status(v, 'violator');
      assert.deepEqual([st.state, st.reason], ['failed', 'protocol']);
    });

    test('channels: an endpoint moved to a process there works as its sender\'s did', async () => {
      const echoCh = b.k.hostChannel(Echo);
      const echo = b.k.spawn('echo', { endpoints: { ep: echoCh.exp } });
      const g = b.k.hostChannel(Carrier);
      const relay = place.run('relay', { endpoints: { ep: g.exp } });
      const took = await within(g.imp.send('Give', { chan: echoCh.imp }).receive());
      assert.equal(took.tag, 'Took');
      assert.equal((await status(relay, 'relay')).code, 0);
      assert.equal(b.texts('relay').at(-1), 'pong 100');
      assert.equal((await status(echo, 'echo')).code, 0, 'the echo got its Bye through the moved endpoint');
    });

    test('failure isolation: a process that throws fails alone; its peer sees $closed; the place goes on', async () => {
      const c = b.k.hostChannel(Echo);
      const crasher = place.run('crasher', { endpoints: { ep: c.exp } });
      const pinger = b.k.spawn('pinger', { params: { n: 3 }, endpoints: { ep: c.imp } });
      const st = await status(crasher, 'crasher');
      assert.deepEqual([st.state, st.reason, st.error?.message], ['failed', 'error', 'crasher: on purpose']);
      assert.equal((await status(pinger, 'pinger')).code, 3, 'the peer saw $closed');
      const again = b.k.hostChannel(Echo);
      const echo = place.run('echo', { endpoints: { ep: again.exp } });
      const m = await within(again.imp.send('Ping', { x: 5 }).receive());
      assert.equal(m.tag === 'Pong' ? m.x : -1, 6);
      if (m.tag === 'Pong') m.ep.send('Bye');
      assert.equal((await status(echo, 'echo')).code, 0);
    });

    test('exchange heap: blocks of 4 B and 64 KiB go there and back intact; nothing is left allocated', async () => {
      const c = b.k.hostChannel(Blob);
      const e = place.run('blobecho', { params: { touch: false }, endpoints: { ep: c.exp } });
      let idle = c.imp;
      for (const size of [4, 65536, 4]) {
        const blk = b.k.hostAlloc(size);
        blk.set(0, 7);
        blk.set(size - 1, 200);
        const m = await within(idle.send('Data', { b: blk }).receive());
        assert.equal(m.tag, 'Back');
        if (m.tag !== 'Back') return;
        assert.equal(m.b.length, size);
        assert.equal(m.b.get(0), 8);
        assert.equal(m.b.get(size - 1), 201);
        m.b.free();
        idle = m.ep;
      }
      idle.close();
      assert.equal((await status(e, 'blobecho')).code, 0);
      await until(() => b.k.heapStats().blocks === 0, 'every block freed in the parent');
    });

    test('exchange heap: text and a vector of wide integers go there and back intact; the sender\'s handles are revoked', async () => {
      const c = b.k.hostChannel(Words);
      const e = place.run('wordsecho', { endpoints: { ep: c.exp } });
      const s = 'abc \u{1F600} d\u00e9f';
      const t = b.k.hostAllocArray('char', s.length);
      t.writeString(s);
      const ids = b.k.hostAllocArray('i64', 3);
      ids.write([-(2n ** 63n), 0n, 2n ** 62n]);
      const m = await within(c.imp.send('Say', { t, ids }).receive());
      assert.throws(() => t.readString(), /used after move/);
      assert.equal(m.tag, 'Said');
      if (m.tag !== 'Said') return;
      assert.equal(m.t.readString(), [...s].reverse().join('').replace('\u{1F600}', '\ude00\ud83d'));
      assert.deepEqual(m.ids.read(), [-(2n ** 63n) + 1n, 1n, 2n ** 62n + 1n]);
      m.t.free();
      m.ids.free();
      m.ep.close();
      assert.equal((await status(e, 'wordsecho')).code, 0);
      await until(() => b.k.heapStats().blocks === 0, 'every block freed in the parent');
    });

    test('exchange heap: a tree of blocks goes there and back whole; handles into any part of it are revoked by the send', async () => {
      const c = b.k.hostChannel(Tree);
      const e = place.run('treeecho', { params: { crash: false }, endpoints: { ep: c.exp } });
      const build = (): ExRecord<typeof Dir> => {
        const dir = b.k.hostAllocRecord(Dir);
        dir.set('count', 3);
        const title = b.k.hostAllocArray('char', 4);
        title.writeString('docs');
        dir.put('title', title);
        const entries = b.k.hostAllocRecord(Entry, 3);
        ['a.txt', 'b\u00e9', ''].forEach((n, i) => {
          const t = b.k.hostAllocArray('char', n.length);
          t.writeString(n);
          entries.put(i, 'name', t);
          entries.set(i, 'size', BigInt(i) * 2n ** 40n);
        });
        dir.put('entries', entries);
        const blobs = b.k.hostAllocRecord(exPointers(bytes).block.layout as Layout<{ value: Pointer<Bytes> }>, 2);
        const big = b.k.hostAlloc(65536);
        big.set(0, 41);
        blobs.put(1, 'value', big);
        dir.put('blobs', blobs);
        return dir;
      };
      let idle = c.imp;
      for (let round = 0; round < 2; round++) {
        const dir = build();
        const lent = dir.open('entries');
        const name = lent?.open(0, 'name');
        const m = await within(idle.send('Give', { dir }).receive());
        assert.throws(() => lent?.length, /used after move/, 'a lent handle into the tree');
        assert.throws(() => name?.readString(), /used after move/, 'a handle two levels down');
        assert.equal(m.tag, 'Got');
        if (m.tag !== 'Got') return;
        const got = m.dir;
        assert.equal(got.get('count'), 3);
        assert.equal(got.open('title')?.readString(), 're: docs');
        const entries = got.open('entries');
        assert.deepEqual([0, 1, 2].map((i) => entries?.open(i, 'name')?.readString()), ['A.TXT', 'B\u00c9', '']);
        assert.deepEqual([0, 1, 2].map((i) => entries?.get(i, 'size')), [1n, 2n ** 40n + 1n, 2n ** 41n + 1n]);
        const blobs = got.open('blobs');
        assert.equal(blobs?.open(0, 'value'), null);
        assert.deepEqual([blobs?.open(1, 'value')?.length, blobs?.open(1, 'value')?.get(0)], [65536, 42]);
        got.free();
        idle = m.ep;
      }
      idle.close();
      assert.equal((await status(e, 'treeecho')).code, 0);
      await until(() => b.k.heapStats().blocks === 0, 'every block of every tree freed in the parent');
    });

    test('exchange heap: a process dying with trees held and queued leaves no block behind', async () => {
      const c = b.k.hostChannel(Tree);
      const e = place.run('treeecho', { params: { crash: true }, endpoints: { ep: c.exp } });
      const tree = (): ExRecord<typeof Dir> => {
        const dir = b.k.hostAllocRecord(Dir);
        dir.put('entries', b.k.hostAllocRecord(Entry, 2));
        dir.open('entries')?.put(1, 'name', b.k.hostAllocArray('char', 9));
        dir.put('title', b.k.hostAllocArray('char', 1));
        return dir;
      };
      c.imp.send('Give', { dir: tree() }).send('Give', { dir: tree() });
      const st = await status(e, 'treeecho');
      assert.deepEqual([st.state, st.reason, st.error?.message], ['failed', 'error', 'treeecho: on purpose, holding a tree']);
      c.imp.close();
      await until(() => b.k.heapStats().blocks === 0, 'every tree, held or queued, freed');
    });

    test('name service: a program there binds the mounted paths its manifest declares, and no others', async () => {
      const m = b.k.spawn('fsmount');
      await until(() => b.k.names.list().some((e) => e.mount && e.path === '/test/fs'), 'the mount at /test/fs');
      const p = place.run('filebinder');
      assert.equal((await status(p, 'filebinder')).code, 0);
      assert.deepEqual(b.texts('filebinder').slice(-2), ['/test/fs/open/a.txt: ok', '/test/fs/closed/b.txt: E_DENIED']);
      assert.deepEqual(b.texts('fsmount').slice(-1), ['/open/a.txt read']);
      m.stop();
      await status(m, 'fsmount');
    });

    test('name service: a mount made there serves binds from the host, the kernel domain and there, with the access each declared; it goes when its program ends', async () => {
      const mounted = (): boolean => b.k.names.list().some((e) => e.mount && e.path === '/test/mnt');
      const ping = async (path: string): Promise<number | string> => {
        const ch = b.k.hostChannel(Echo);
        const r = await within(b.k.names.bind(b.k.owner, path, ch.exp));
        if (!r.ok) { ch.imp.close(); return r.code; }
        const m = await within(ch.imp.send('Ping', { x: 0 }).receive());
        if (m.tag === 'Pong') m.ep.close();
        return m.tag === 'Pong' ? m.x : m.tag;
      };
      const mounter = place.run('mountserve', { params: { clients: 3 } });
      await until(mounted, 'the mount at /test/mnt in the kernel domain\'s directory');
      assert.equal(await ping('/test/mnt/a/b.txt'), '/a/b.txt'.length, 'the host binds below it');
      const here = b.k.spawn('mntbinder');
      assert.equal((await status(here, 'mntbinder here')).code, 0);
      assert.deepEqual(b.texts('mntbinder').slice(-2), ['/test/mnt/closed/y: E_DENIED', '/test/mnt/open/x: 7']);
      const there = place.run('mntbinder');
      assert.equal((await status(there, 'mntbinder there')).code, 0);
      assert.deepEqual(b.texts('mntbinder').slice(-2), ['/test/mnt/closed/y: E_DENIED', '/test/mnt/open/x: 7']);
      assert.deepEqual(b.texts('mountserve').slice(-3), ['/a/b.txt write', '/open/x read', '/open/x read']);
      assert.equal((await status(mounter, 'mountserve')).code, 0);
      await until(() => !mounted(), 'the mount gone with its program');
      assert.equal(await ping('/test/mnt/a/b.txt'), 'E_NO_NAME');
    });

    test('exchange heap: using a block after sending it ends only the offender (E_MOVED)', async () => {
      const c = b.k.hostChannel(Blob);
      const e = place.run('blobecho', { params: { touch: true }, endpoints: { ep: c.exp } });
      const m = await within(c.imp.send('Data', { b: b.k.hostAlloc(16) }).receive());
      assert.equal(m.tag, 'Back', 'the block came back before the offence');
      if (m.tag === 'Back') m.b.free();
      const st = await status(e, 'blobecho');
      assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', 'protocol', 'E_MOVED']);
    });

    test('name service: a name provided there is bound from the kernel domain, and the other way', async () => {
      const provider = place.run('namedecho');
      await until(() => b.k.names.list().some((e) => e.path === '/test/echo'), '/test/echo in the directory');
      const here = b.k.spawn('client');
      assert.equal((await status(here, 'client here')).code, 0);
      assert.deepEqual(b.texts('client').slice(-2), ['2', '3']);
      const there = place.run('client');
      assert.equal((await status(there, 'client there')).code, 0);
      assert.deepEqual(b.texts('client').slice(-2), ['2', '3']);
      assert.equal(b.k.names.list().filter((e) => e.path === '/test/echo').length, 1);
      void provider;
    });

    test('name service: a missing name fails the importer at start with E_BIND', async () => {
      const st = await status(place.run('lost'), 'lost');
      assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', 'start', 'E_BIND']);
      assert.match(st.error?.message ?? '', /no process provides \/test\/nobody/);
    });
  });
}
