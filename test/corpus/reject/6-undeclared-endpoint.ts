// expect: SING6010 9:22
// main destructures an endpoint the manifest never declares.
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'wants-disk',
  imports: { calc: Calculator.imp('/service/calc') },
  async main({ calc, disk }) {
    void disk;
    const ready = await calc.expect('Ready');
    ready.ep.send('Bye');
    return 0;
  },
});
