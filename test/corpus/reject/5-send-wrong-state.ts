// expect: SING5002 12:26
// The client sends Sum, which only the calculator may send (and only when Busy).
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'sends-sum',
  imports: { calc: Calculator.imp('/service/calc') },
  async main({ calc }) {
    const ready = await calc.expect('Ready');

    ready.ep.send('Sum', { value: 1 }).close();
    return 0;
  },
});
