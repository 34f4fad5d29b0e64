// expect: SING5003 11:33
// In state Start the calculator can only announce Ready: expecting a Sum can never succeed.
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'expects-sum',
  imports: { calc: Calculator.imp('/service/calc') },
  async main({ calc }) {

    const m = await calc.expect('Sum');
    m.ep.close();
    return 0;
  },
});
