// expect: SING2011 8:5
// Writing to the global object changes what other code sees.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'globalthis-mutation',
  main() {
    globalThis.hacked = true;
    return 0;
  },
});
