// Recursive contracts across protection domains, run for every domain kind (the conformance
// suite's habit): a contract that carries its own endpoints (a factory of factories) and two that
// carry each other's (a directory and its files) work the same in the kernel, a worker and a child
// process; an endpoint of the wrong side where the contract's own is expected ends the sender there.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { boot, within, type Booted, type Source } from './kit.ts';
import { Factory, TestDir } from './fixtures/recursive-contracts.ts';
import { PLACE_KINDS, placeIn, status, type Place } from './places.ts';

const RECURSIVE = readFileSync(new URL('./fixtures/recursive-contracts.ts', import.meta.url), 'utf8');
const withContracts = (main: string): Source => ({ 'main.ts': main, 'recursive.ts': RECURSIVE });

// Serves a factory channel depth first: Make opens a channel of its own kind, hands out its import
// end, and serves the export end until its Bye before going on. With wrong set, it hands out the
// export end instead (the wrong side).
const FACTORY = withContracts(`
import { defineProgram, bool } from 'sing/runtime';
import { Factory } from './recursive.ts';
export default defineProgram({
  name: 'factory',
  parameters: { wrong: bool },
  endpoints: { ep: Factory.exp() },
  async main({ ep, params, abi }) {
    const serve = async (start: typeof ep): Promise<number> => {
      let at = start;
      for (;;) {
        const m = await at.receive();
        switch (m.tag) {
          case 'Ping': at = m.ep.send('Pong', { x: m.x + 1 }); break;
          case 'Make': {
            const c = abi.channel(Factory);
            const next = params.wrong ? m.ep.send('Made', { child: c.exp as never }) : m.ep.send('Made', { child: c.imp });
            const r = await serve(c.exp);
            if (r !== 0) return r;
            at = next;
            break;
          }
          case 'Bye': return 0;
          case '$closed': return 2;
        }
      }
    };
    return serve(ep);
  },
});`);

// A directory: each Open hands out a file whose Parent hands back a new directory (served the same
// way), until Bye.
const DIRS = withContracts(`
import { defineProgram } from 'sing/runtime';
import { TestDir, TestFile } from './recursive.ts';
export default defineProgram({
  name: 'dirs',
  endpoints: { ep: TestDir.exp() },
  async main({ ep, abi }) {
    const dir = async (start: typeof ep): Promise<void> => {
      let at = start;
      for (;;) {
        const m = await at.receive();
        if (m.tag !== 'Open') return;
        const f = abi.channel(TestFile);
        at = m.ep.send('Opened', { file: f.imp });
        let fat = f.exp;
        for (;;) {
          const q = await fat.receive();
          if (q.tag === 'Read') { fat = q.ep.send('Data', { x: m.n * 10 }); continue; }
          if (q.tag === 'Parent') {
            const d = abi.channel(TestDir);
            fat = q.ep.send('ParentIs', { dir: d.imp });
            await dir(d.exp);
            continue;
          }
          break;
        }
      }
    };
    await dir(ep);
    return 0;
  },
});`);

const PROGRAMS = { factory: FACTORY, dirs: DIRS };


for (const kind of PLACE_KINDS) {
  describe(`recursive contracts: programs placed in the ${kind} domain`, () => {
    let b: Booted;
    let place: Place;
    before(async () => {
      b = await boot(PROGRAMS);
      place = await placeIn(kind, b, PROGRAMS);
    });
    after(async () => { await place.domain?.terminate(); });

    test('a contract carrying its own endpoints: factories made there work here, two levels deep', async () => {
      const c = b.k.hostChannel(Factory);
      const f = place.run('factory', { params: { wrong: false }, endpoints: { ep: c.exp } });
      const made = await within(c.imp.send('Make').receive());
      assert.equal(made.tag, 'Made');
      if (made.tag !== 'Made') return;
      const child = made.child;
      assert.deepEqual([child.contract, child.side, child.state], ['TestFactory', 'imp', 'Ready']);
      const pong = await within(child.send('Ping', { x: 1 }).receive());
      assert.equal(pong.tag === 'Pong' ? pong.x : -1, 2);
      if (pong.tag !== 'Pong') return;
      const made2 = await within(pong.ep.send('Make').receive());
      if (made2.tag !== 'Made') return assert.fail(made2.tag);
      const pong2 = await within(made2.child.send('Ping', { x: 10 }).receive());
      assert.equal(pong2.tag === 'Pong' ? pong2.x : -1, 11);
      if (pong2.tag === 'Pong') pong2.ep.send('Bye');
      made2.ep.send('Bye');
      const rootPong = await within(made.ep.send('Ping', { x: 100 }).receive());
      assert.equal(rootPong.tag === 'Pong' ? rootPong.x : -1, 101);
      if (rootPong.tag === 'Pong') rootPong.ep.send('Bye');
      assert.equal((await status(f, 'factory')).code, 0);
    });

    test('hostile: handing out the export end where the import end is expected ends the factory there; its peer sees $closed', async () => {
      const c = b.k.hostChannel(Factory);
      const f = place.run('factory', { params: { wrong: true }, endpoints: { ep: c.exp } });
      const m = await within(c.imp.send('Make').receive());
      assert.equal(m.tag, '$closed');
      const st = await status(f, 'factory');
      assert.deepEqual([st.state, st.reason], ['failed', 'protocol']);
      assert.match(st.error?.message ?? '', /field child of Made must be TestFactory\.imp in state Ready/);
    });

    test('contracts carrying each other\'s endpoints: a file handed out there hands back a directory', async () => {
      const c = b.k.hostChannel(TestDir);
      const d = place.run('dirs', { endpoints: { ep: c.exp } });
      const opened = await within(c.imp.send('Open', { n: 4 }).receive());
      if (opened.tag !== 'Opened') return assert.fail(opened.tag);
      const data = await within(opened.file.send('Read').receive());
      assert.equal(data.tag === 'Data' ? data.x : -1, 40);
      if (data.tag !== 'Data') return;
      const parent = await within(data.ep.send('Parent').receive());
      if (parent.tag !== 'ParentIs') return assert.fail(parent.tag);
      assert.deepEqual([parent.dir.contract, parent.dir.state], ['TestDir', 'Start']);
      const inner = await within(parent.dir.send('Open', { n: 7 }).receive());
      if (inner.tag !== 'Opened') return assert.fail(inner.tag);
      const innerData = await within(inner.file.send('Read').receive());
      assert.equal(innerData.tag === 'Data' ? innerData.x : -1, 70);
      if (innerData.tag === 'Data') innerData.ep.send('Close');
      inner.ep.send('Bye');
      parent.ep.send('Close');
      opened.ep.send('Bye');
      assert.equal((await status(d, 'dirs')).code, 0);
    });
  });
}
