// expect: SING3003 4:25
// There is no contract module by this name in Sing's library.
import { defineProgram } from 'sing/runtime';
import { Printer } from 'sing/contracts/printer';

export default defineProgram({
  name: 'imports-missing-contract',
  main() {
    return Printer === undefined ? 1 : 0;
  },
});
