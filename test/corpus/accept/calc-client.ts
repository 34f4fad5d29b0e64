// The adder from DESIGN.md §3: binds /service/calc, adds its parameters, says Bye.
import { defineProgram, i32 } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'adder',
  version: '1.0.0',
  imports: { calc: Calculator.imp('/service/calc') },
  parameters: { a: i32, b: i32 },
  console: true,
  async main({ calc, params, console }) {
    const ready = await calc.expect('Ready');
    const m = await ready.ep.send('Add', { a: params.a, b: params.b }).receive();
    switch (m.tag) {
      case 'Sum':
        console.log(`${params.a} + ${params.b} = ${m.value}`);
        m.ep.send('Bye');
        return 0;
      case '$closed':
        return 1;
    }
  },
});
