// Linearity, accepted: a block moved through a channel to a thread of the same process and back,
// round after round; the loop re-assigns both the endpoint and the block it gets back.
import { bytes, contract, defineProgram, i32, inn, out, type Exp } from 'sing/runtime';

const Relay = contract('Relay', {
  messages: { Data: inn({ b: bytes }), Back: out({ b: bytes }) },
  initial: 'Idle',
  states: { Idle: { Data: 'Busy' }, Busy: { Back: 'Idle' } },
});

async function echo(ep: Exp<typeof Relay>): Promise<void> {
  let idle = ep;
  for (;;) {
    const m = await idle.receive();
    if (m.tag === '$closed') return;
    m.b.set(0, m.b.get(0) + 1);
    idle = m.ep.send('Back', { b: m.b });
  }
}

export default defineProgram({
  name: 'linear-block-relay',
  parameters: { rounds: i32 },
  resources: { exchangeHeap: '64KiB' },
  console: true,
  async main({ abi, params, console }) {
    const { imp, exp } = abi.channel(Relay);
    abi.spawn(echo, exp);
    let idle = imp;
    let b = abi.alloc(64);
    for (let i = 0; i < params.rounds; i++) {
      const m = await idle.send('Data', { b }).receive();
      if (m.tag === '$closed') return 1;
      b = m.b;
      idle = m.ep;
    }
    console.log(`the block came back ${b.get(0)} times`);
    b.free();
    idle.close();
    return 0;
  },
});
