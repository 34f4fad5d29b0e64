// expect: SING2001 8:5
// eval runs code the verifier never saw.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'eval',
  main() {
    eval('1 + 1');
    return 0;
  },
});
