// expect: SING6014 13:30
// Binds a service path its manifest does not import.
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'binds-other',
  imports: { calc: Calculator.imp('/service/calc') },
  async main({ calc, abi }) {
    const first = await calc.expect('Ready');
    first.ep.send('Bye');
    const { imp, exp } = abi.channel(Calculator);
    const r = await abi.bind('/service/other-calc', exp);
    imp.close();
    return r.ok ? 0 : 1;
  },
});
