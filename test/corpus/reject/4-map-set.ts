// Rule 4: an endpoint kept in a Map.
// expect: SING4004 13:27
import { defineProgram, type Imp } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'map-set',
  imports: { calc: Calculator.imp('/service/calc') },
  console: true,
  async main({ calc, console }) {
    const sessions = new Map<string, Imp<typeof Calculator, 'Idle'>>();
    const ready = await calc.expect('Ready');
    sessions.set('first', ready.ep);
    console.log(sessions.size);
    return 0;
  },
});
