// expect: SING6014 12:35
// Registers under a path its manifest does not export.
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'registers-other',
  exports: { calc: Calculator.exp('/service/calc') },
  main({ calc, abi }) {
    calc.close();

    const listener = abi.register('/service/secret', Calculator);
    listener.close();
    return 0;
  },
});
