// Eager forwarding (issue #17): a message a process sends just before it holds its domain's thread
// reaches its peer in the parent, though the domain never gets its thread back, and is not lost
// when the domain is then ended. The link forwards at delivery, inside the sender's send, onto
// the domain's pipe (a shared-memory ring or a socket), instead of in a later turn of the loop.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { boot, image, within } from './kit.ts';
import { Echo } from './fixtures/contracts.ts';
import { openDomain, type Domain } from '../src/domains/domain-host.ts';

// Answers the first Ping, then holds the thread (its fuel, and its kernel's turn and watchdog
// limits, are set out of reach).
const HOLDER = `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'holder',
  endpoints: { ep: Echo.exp() },
  resources: { cpuFuel: 1000000000000000 },
  async main({ ep }) {
    const m = await ep.receive();
    if (m.tag !== 'Ping') return 1;
    m.ep.send('Pong', { x: m.x + 1 });
    let n = 0;
    for (;;) n = (n + 1) % 1000;
  },
});`;

for (const kind of ['worker', 'process'] as const) {
  describe(`a ${kind} domain whose process holds its thread`, () => {
    const domains: Domain[] = [];
    after(async () => { for (const d of domains) await d.terminate(); });

    test('the message it sent just before still arrives, and the domain ends cleanly', async () => {
      const holder = await image('holder', HOLDER);
      const b = await boot({ holder });
      const d = openDomain(b.k, kind, [holder], { name: `held-${kind}`, limits: { turnMs: 3_600_000, watchdogMs: 3_600_000 } });
      domains.push(d);
      await within(d.ready, `the ${kind} domain`, 30_000);
      const ch = b.k.hostChannel(Echo);
      const p = d.spawn('holder', { endpoints: { ep: ch.exp } });
      await within(p.pid, 'the holder\'s start', 10_000);
      const reply = await within(ch.imp.send('Ping', { x: 41 }).receive(), 'the Pong sent just before the thread was held', 10_000);
      assert.equal(reply.tag, 'Pong');
      assert.equal((reply as { x?: number }).x, 42);
      assert.equal(d.ended, null, 'the domain is still held, not ended');
      await d.terminate();
      const s = await within(p.join(), 'the holder\'s exit', 10_000);
      assert.equal(s.state, 'failed');
      assert.equal(s.reason, 'killed');
      b.k.shutdown();
    });
  });
}
