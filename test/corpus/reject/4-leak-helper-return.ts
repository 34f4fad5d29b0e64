// Rule 4: a helper returns (early) while it still owns the endpoint it was given.
// expect: SING4005 7:27
import { defineProgram, type Imp } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

async function sum(ep: Imp<typeof Calculator, 'Idle'>, a: number, b: number): Promise<number> {
  if (a === 0 && b === 0) return 0;
  const m = await ep.send('Add', { a, b }).receive();
  if (m.tag === '$closed') return -1;
  m.ep.send('Bye');
  return m.value;
}

export default defineProgram({
  name: 'leak-helper-return',
  imports: { calc: Calculator.imp('/service/calc') },
  async main({ calc }) {
    const ready = await calc.expect('Ready');
    return sum(ready.ep, 2, 3);
  },
});
