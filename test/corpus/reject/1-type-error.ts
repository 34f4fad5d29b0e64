// expect: SING1001 9:11
// A string where a number is declared: the program does not type-check.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'mistyped',
  console: true,
  main({ console }) {
    const n: number = 'one';
    console.log(n);
    return 0;
  },
});
