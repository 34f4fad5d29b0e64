// Linearity, accepted: a service that hands each client to its own thread (the endpoint moves as
// spawn's argument) and re-assigns its endpoints after every send and receive.
import { defineProgram, type Exp, type Listener } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

async function serve(ep: Exp<typeof Calculator>): Promise<void> {
  let idle = ep.send('Ready');
  for (;;) {
    const m = await idle.receive();
    switch (m.tag) {
      case 'Add':
        idle = m.ep.send('Sum', { value: (m.a + m.b) | 0 });
        break;
      case 'Bye':
        return;
      case '$closed':
        return;
    }
  }
}

export default defineProgram({
  name: 'linear-serve-loop',
  exports: { calc: Calculator.exp('/service/linear-calc') },
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
