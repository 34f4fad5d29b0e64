// expect: SING2016 8:5
// A debugger statement would stop a sealed program in the host's debugger.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'debugger',
  main() {
    debugger;
    return 0;
  },
});
