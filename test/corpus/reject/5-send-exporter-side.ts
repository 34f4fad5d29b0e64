// expect: SING5002 11:10
// The calculator's exporter sends Bye, which only its importer (the client) may send.
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'server-says-bye',
  endpoints: { ep: Calculator.exp() },
  main({ ep }) {
    const idle = ep.send('Ready');
    idle.send('Bye').close();
    return 0;
  },
});
