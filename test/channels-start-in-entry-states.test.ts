// A contract may name entry states besides its initial one (Sing#'s NewChannel in a named state:
// the RDK's TCP Accept hands out a connection already connected). A program, or the host, opens a
// channel in such a state and the conversation goes on from there; any other state is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contract, inn, out, END, i32 } from 'sing/runtime';
import { boot, within } from './kit.ts';

const Conn = contract('TestEntryConn', {
  messages: { Connect: inn(), Connected: out(), Send: inn({ n: i32 }), Sent: out({ n: i32 }), Close: inn() },
  initial: 'Start',
  entries: ['Open'],
  states: { Start: { Connect: 'Connecting' }, Connecting: { Connected: 'Open' }, Open: { Send: 'Sending', Close: END }, Sending: { Sent: 'Open' } },
});

const CONN = `import { contract, inn, out, END, i32 } from 'sing/runtime';
export const Conn = contract('TestEntryConn', {
  messages: { Connect: inn(), Connected: out(), Send: inn({ n: i32 }), Sent: out({ n: i32 }), Close: inn() },
  initial: 'Start',
  entries: ['Open'],
  states: { Start: { Connect: 'Connecting' }, Connecting: { Connected: 'Open' }, Open: { Send: 'Sending', Close: END }, Sending: { Sent: 'Open' } },
});
`;

// Opens a channel already Open and plays both sides of one Send and a Close, then tries a state
// that is not an entry and reports what it got.
const OPENER = {
  'conn.ts': CONN,
  'main.ts': `import { defineProgram } from 'sing/runtime';
import { Conn } from './conn.ts';
export default defineProgram({
  name: 'opener',
  console: true,
  async main({ abi, console }) {
    const { imp, exp } = abi.channel(Conn, 'Open');
    const asked = imp.send('Send', { n: 41 });
    const m = await exp.receive();
    if (m.tag !== 'Send') return 1;
    const served = m.ep.send('Sent', { n: m.n + 1 });
    const r = await asked.receive();
    if (r.tag !== 'Sent') return 2;
    console.log('sent ' + String(r.n));
    r.ep.send('Close');
    const last = await served.receive();
    console.log('then ' + last.tag);
    try {
      const odd = abi.channel(Conn, 'Sending' as 'Open');
      odd.imp.close();
      odd.exp.close();
      console.log('opened Sending');
    } catch (e) {
      console.log('refused ' + String((e as { code?: string }).code));
    }
    return 0;
  },
});`,
};

test('a program opens a channel in an entry state and talks on from there; other states are refused', async () => {
  const b = await boot({ opener: OPENER });
  const p = b.k.spawn('opener');
  assert.equal((await within(p.join())).code, 0);
  assert.deepEqual(b.texts('opener'), ['sent 42', 'then Close', 'refused E_CHANNEL_STATE']);
});

test('the host opens a channel in an entry state; other states are refused with E_CHANNEL_STATE', async () => {
  const b = await boot({});
  const c = b.k.hostChannel(Conn, 'Open');
  const waiting = c.imp.send('Send', { n: 1 });
  const m = await within(c.exp.receive());
  assert.equal(m.tag, 'Send');
  if (m.tag !== 'Send') return;
  m.ep.send('Sent', { n: m.n + 1 });
  const back = await within(waiting.receive());
  assert.deepEqual([back.tag, back.tag === 'Sent' ? back.n : -1], ['Sent', 2]);
  assert.throws(() => b.k.hostChannel(Conn, 'Connecting' as 'Open'), (e: Error & { code?: string }) => e.code === 'E_CHANNEL_STATE' && /only in Start, Open, not in Connecting/.test(e.message));
  assert.throws(() => b.k.hostChannel(Conn, 'Nowhere' as 'Open'), /no such state/);
});
