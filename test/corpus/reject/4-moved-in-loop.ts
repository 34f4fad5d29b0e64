// Rule 4: an endpoint sent on inside a loop but never re-assigned: the next iteration uses the
// endpoint the previous one moved.
// expect: SING4001 16:23
import { defineProgram, i32 } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'moved-in-loop',
  imports: { calc: Calculator.imp('/service/calc') },
  parameters: { n: i32 },
  console: true,
  async main({ calc, params, console }) {
    const ready = await calc.expect('Ready');
    const idle = ready.ep;
    for (let i = 0; i < params.n; i++) {
      const m = await idle.send('Add', { a: i, b: i }).receive();
      if (m.tag === '$closed') return 1;
      console.log(m.value);
      m.ep.send('Bye');
    }
    return 0;
  },
});
