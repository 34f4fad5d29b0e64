// abi.peer: the kernel says which program holds the other end of a channel — its pid, name, image
// hash and network claims, from the kernel's own records — and says nothing (null) for the host, for an end
// still in transit, or once the holder has ended; asking about someone else's endpoint is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boot, image, until, within } from './kit.ts';
import { Echo } from './fixtures/contracts.ts';

// Registers Echo at /test/who; for each client it logs what abi.peer says about the client, then
// ends after `clients`. It also asks about its own listener's peer (the kernel: null).
const WHO = `
import { defineProgram, i32 } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'who',
  parameters: { clients: i32 },
  exports: { svc: Echo.exp('/test/who') },
  console: true,
  async main({ svc, abi, params, console }) {
    let l = svc;
    console.log('listener peer ' + JSON.stringify(abi.peer(l)));
    for (let i = 0; i < params.clients; i++) {
      const m = await l.receive();
      if (m.tag !== 'Connect') return 1;
      const p = abi.peer(m.client);
      console.log(p === null ? 'peer null' : 'peer ' + p.program + ' ' + p.pid + ' ' + p.image + ' ' + JSON.stringify(p.network));
      m.client.close();
      l = m.ep.send('Accept');
    }
    return 0;
  },
});`;

// Binds /test/who and ends.
const CALLER = `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'caller',
  resources: { network: { listen: [8080], connect: ['127.0.0.1:6379'] } },
  console: true,
  async main({ abi, console }) {
    const c = abi.channel(Echo);
    const r = await abi.bind('/test/who', c.exp);
    console.log('bound ' + r.ok);
    c.imp.close();
    return 0;
  },
});`;

test('a service learns which program holds the other end, from the kernel; the host and the kernel are null', async () => {
  const b = await boot({ who: WHO, caller: CALLER });
  const who = b.k.spawn('who', { params: { clients: 2 } });
  await until(() => b.k.names.list().some((e) => e.path === '/test/who'), 'the service');
  const caller = b.k.spawn('caller');
  await within(caller.join());
  const host = b.k.hostChannel(Echo);
  assert.deepEqual(await within(b.k.names.bind(b.k.owner, '/test/who', host.exp)), { ok: true });
  assert.equal((await within(who.join())).code, 0, b.texts().join('\n'));
  const lines = b.texts('who');
  assert.equal(lines[0], 'listener peer null');
  assert.equal(lines[1], `peer caller ${caller.pid} ${(await image('caller', CALLER)).hash} {"listen":[8080],"connect":["127.0.0.1:6379"]}`, 'the caller\'s pid, image hash and network claims');
  assert.equal(lines[2], 'peer null', 'the host holds that end');
  b.k.shutdown();
});
