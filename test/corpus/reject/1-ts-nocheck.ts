// @ts-nocheck
// expect: SING1003 1:1
// A @ts-nocheck comment switches the checker off for the whole file.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'nocheck',
  main() {
    return 0;
  },
});
