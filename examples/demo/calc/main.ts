// The calculator service: provides /service/calc and serves each client in its own thread.
import { defineProgram, type Exp, type Listener } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

async function serve(ep: Exp<typeof Calculator>): Promise<void> {
  let idle = ep.send('Ready');
  for (;;) {
    const m = await idle.receive();
    switch (m.tag) {
      case 'Add': idle = m.ep.send('Sum', { value: (m.a + m.b) | 0 }); break;
      case 'Bye': m.ep.close(); return;
      case '$closed': return;
    }
  }
}

export default defineProgram({
  name: 'calc',
  exports: { calc: Calculator.exp('/service/calc') },
  console: true,
  async main({ calc, abi, console }) {
    console.log('serving /service/calc');
    let listener: Listener<typeof Calculator> = calc;
    for (;;) {
      const m = await listener.receive();
      if (m.tag === '$closed') return 0;
      abi.spawn(serve, m.client);
      listener = m.ep.send('Accept');
    }
  },
});
