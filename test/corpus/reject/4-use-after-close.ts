// Rule 4: an endpoint used again after `close()`.
// expect: SING4001 12:5
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'use-after-close',
  imports: { calc: Calculator.imp('/service/calc') },
  async main({ calc }) {
    const ready = await calc.expect('Ready');
    ready.ep.close();
    ready.ep.send('Bye');
    return 0;
  },
});
