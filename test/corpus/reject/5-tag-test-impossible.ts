// expect: SING5003 13:9
// Testing for a tag the state cannot deliver.
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'tests-bye',
  imports: { calc: Calculator.imp('/service/calc') },
  async main({ calc }) {
    const ready = await calc.expect('Ready');
    const m = await ready.ep.send('Add', { a: 1, b: 2 }).receive();
    if (m.tag === '$closed') return 1;
    if (m.tag === 'Bye') return 2;
    m.ep.send('Bye');
    return 0;
  },
});
