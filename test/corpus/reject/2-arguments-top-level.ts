// expect: SING2015 6:29
// `arguments` outside a function (an arrow has none of its own) would name the image's own.
import { defineProgram } from 'sing/runtime';

/** At top level, this arrow's `arguments` is not its own. */
const leak = (): unknown => arguments;

export default defineProgram({
  name: 'arguments-top-level',
  main() {
    void leak;
    return 0;
  },
});
