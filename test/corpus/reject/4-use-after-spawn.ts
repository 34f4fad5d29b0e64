// Rule 4: an endpoint used after it was passed to `abi.spawn` (the new thread owns it now).
// expect: SING4001 17:5
import { defineProgram, type Imp } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

async function work(ep: Imp<typeof Calculator, 'Idle'>): Promise<void> {
  const m = await ep.send('Add', { a: 1, b: 2 }).receive();
  if (m.tag === 'Sum') m.ep.send('Bye');
}

export default defineProgram({
  name: 'use-after-spawn',
  imports: { calc: Calculator.imp('/service/calc') },
  async main({ calc, abi }) {
    const ready = await calc.expect('Ready');
    abi.spawn(work, ready.ep);
    ready.ep.send('Bye');
    return 0;
  },
});
