// expect: SING5003 19:12
// A case for Ready in state Busy: the calculator can only answer Sum (or go away).
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'case-ready',
  imports: { calc: Calculator.imp('/service/calc') },
  async main({ calc }) {
    const ready = await calc.expect('Ready');
    const m = await ready.ep.send('Add', { a: 1, b: 2 }).receive();
    switch (m.tag) {
      case 'Sum':
        m.ep.send('Bye');
        return 0;
      case '$closed':
        return 1;

      case 'Ready':
        return 2;
    }
  },
});
