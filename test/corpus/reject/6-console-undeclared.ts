// expect: SING6012 10:5
// The console is used, but the manifest does not ask for one (console: true).
import { defineProgram, i32 } from 'sing/runtime';

export default defineProgram({
  name: 'chatty',
  parameters: { a: i32 },
  main({ params, console }) {

    console.log(`a is ${params.a}`);
    return 0;
  },
});
