// expect: SING5004 14:10
// Bye ends the conversation: nothing may be sent after it.
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'bye-twice',
  imports: { calc: Calculator.imp('/service/calc') },
  async main({ calc }) {
    const ready = await calc.expect('Ready');
    const done = ready.ep.send('Bye');


    done.send('Bye').close();
    return 0;
  },
});
