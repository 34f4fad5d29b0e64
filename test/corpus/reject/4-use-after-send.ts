// Rule 4: an endpoint used again after `send` moved it (send returned the endpoint at the next state).
// expect: SING4001 14:5
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'use-after-send',
  imports: { calc: Calculator.imp('/service/calc') },
  async main({ calc }) {
    const ready = await calc.expect('Ready');
    const idle = ready.ep;
    const busy = idle.send('Add', { a: 1, b: 2 });
    busy.close();
    idle.send('Bye');
    return 0;
  },
});
