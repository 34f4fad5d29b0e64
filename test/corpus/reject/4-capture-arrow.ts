// Rule 4: an endpoint captured by an arrow function (pass it as an argument instead).
// expect: SING4003 14:19
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'capture-arrow',
  imports: { calc: Calculator.imp('/service/calc') },
  console: true,
  async main({ calc, abi, console }) {
    const ready = await calc.expect('Ready');
    const idle = ready.ep;
    abi.spawn(() => {
      console.log(idle.state);
    });
    idle.send('Bye');
    return 0;
  },
});
