// expect: SING2007 9:14
// arguments.callee hands out the running function.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'arguments-callee',
  main() {
    function self(): unknown {
      return arguments.callee;
    }
    void self;
    return 0;
  },
});
