// expect: SING5001 15:5
// A client whose receive switch forgets that the calculator may go away ($closed).
import { defineProgram, i32 } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'forgets-closed',
  imports: { calc: Calculator.imp('/service/calc') },
  parameters: { a: i32, b: i32 },
  async main({ calc, params }) {
    const ready = await calc.expect('Ready');
    const m = await ready.ep.send('Add', { a: params.a, b: params.b }).receive();
    // Sing# requires every message the state allows, and ChannelClosed, to be handled.

    switch (m.tag) {
      case 'Sum':
        m.ep.send('Bye');
        return m.value;
    }
    return 1;
  },
});
