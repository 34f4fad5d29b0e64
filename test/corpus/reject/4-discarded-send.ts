// Rule 4: the endpoint `send` returns is dropped (the conversation is not over).
// expect: SING4005 11:5
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'discarded-send',
  imports: { calc: Calculator.imp('/service/calc') },
  async main({ calc }) {
    const ready = await calc.expect('Ready');
    ready.ep.send('Add', { a: 1, b: 2 });
    return 0;
  },
});
