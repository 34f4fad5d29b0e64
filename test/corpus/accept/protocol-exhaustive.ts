// A calculator service whose every receive switch handles each message its state allows and
// $closed, on the listener and on each client; every manifest key it declares is used.
import { defineProgram, i32, type Exp, type Listener } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

async function serve(ep: Exp<typeof Calculator>, bias: number): Promise<void> {
  let idle = ep.send('Ready');
  for (;;) {
    const m = await idle.receive();
    switch (m.tag) {
      case 'Add':
        idle = m.ep.send('Sum', { value: (m.a + m.b + bias) | 0 });
        break;
      case 'Bye':
        return;
      case '$closed':
        return;
    }
  }
}

export default defineProgram({
  name: 'exhaustive-calc',
  exports: { calc: Calculator.exp('/service/calc') },
  parameters: { bias: i32 },
  console: true,
  async main({ calc, abi, params, console }) {
    console.log('serving /service/calc');
    let listener: Listener<typeof Calculator> = calc;
    for (;;) {
      const m = await listener.receive();
      switch (m.tag) {
        case 'Connect':
          abi.spawn(serve, m.client, params.bias);
          listener = m.ep.send('Accept');
          break;
        case '$closed':
          return 0;
      }
    }
  },
});
