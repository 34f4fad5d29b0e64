// Rule 4: an endpoint closed in one case of a switch and used after it.
// expect: SING4002 20:5
import { defineProgram, i32 } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'moved-on-one-case',
  imports: { calc: Calculator.imp('/service/calc') },
  parameters: { n: i32 },
  async main({ calc, params }) {
    const ready = await calc.expect('Ready');
    const idle = ready.ep;
    switch (params.n) {
      case 0:
        idle.close();
        break;
      default:
        break;
    }
    idle.send('Bye');
    return 0;
  },
});
