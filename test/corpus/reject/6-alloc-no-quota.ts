// expect: SING6013 10:18
// Allocates in the exchange heap with no resources.exchangeHeap in the manifest.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'no-quota',
  console: true,
  main({ abi, console }) {

    const data = abi.alloc(64);
    data.writeText('hello');
    console.log(data.readText(0, 5));
    data.free();
    return 0;
  },
});
