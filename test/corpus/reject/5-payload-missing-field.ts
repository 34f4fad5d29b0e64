// expect: SING5005 11:65
// Add takes two numbers; this sends one.
import { defineProgram, i32 } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'half-add',
  imports: { calc: Calculator.imp('/service/calc') },
  parameters: { a: i32 },
  async main({ calc, params }) {
    const m = await (await calc.expect('Ready')).ep.send('Add', { a: params.a }).receive();
    if (m.tag === '$closed') return 1;
    m.ep.send('Bye');
    return m.value;
  },
});
