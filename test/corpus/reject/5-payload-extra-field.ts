// expect: SING5005 13:53
// A field the message does not declare.
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'extra-field',
  imports: { calc: Calculator.imp('/service/calc') },
  async main({ calc }) {
    const ready = await calc.expect('Ready');


    const busy = ready.ep.send('Add', { a: 1, b: 2, c: 3 });
    const m = await busy.receive();
    if (m.tag === '$closed') return 1;
    m.ep.send('Bye');
    return m.value;
  },
});
