// expect: SING6011 14:67
// The manifest declares a, the code also reads b.
import { defineProgram, i32 } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'reads-b',
  imports: { calc: Calculator.imp('/service/calc') },
  parameters: { a: i32 },
  async main({ calc, params }) {
    const ready = await calc.expect('Ready');


    const m = await ready.ep.send('Add', { a: params.a, b: params.b }).receive();
    if (m.tag === '$closed') return 1;
    m.ep.send('Bye');
    return m.value;
  },
});
