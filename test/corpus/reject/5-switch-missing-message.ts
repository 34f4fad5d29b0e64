// expect: SING5001 10:5
// A server loop that handles Add and a closed client, but has no case for the client's Bye.
import { defineProgram, type Exp, type Listener } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

async function serve(ep: Exp<typeof Calculator>): Promise<void> {
  let idle = ep.send('Ready');
  for (;;) {
    const m = await idle.receive();
    switch (m.tag) {
      case 'Add':
        idle = m.ep.send('Sum', { value: (m.a + m.b) | 0 });
        continue;
      case '$closed':
        return;
    }
    return;
  }
}

export default defineProgram({
  name: 'forgets-bye',
  exports: { calc: Calculator.exp('/service/calc') },
  async main({ calc, abi }) {
    let listener: Listener<typeof Calculator> = calc;
    for (;;) {
      const m = await listener.receive();
      if (m.tag === '$closed') return 0;
      abi.spawn(serve, m.client);
      listener = m.ep.send('Accept');
    }
  },
});
