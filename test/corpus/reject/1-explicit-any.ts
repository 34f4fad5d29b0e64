// expect: SING1002 6:19
// An explicit `any` parameter: everything done with it escapes the checker.
import { defineProgram } from 'sing/runtime';

/** Doubles whatever it is given. */
function twice(x: any): number {
  return x * 2;
}

export default defineProgram({
  name: 'explicit-any',
  main() {
    return twice(21) === 42 ? 0 : 1;
  },
});
