// expect: SING1003 9:5
// A @ts-ignore comment hides a type error instead of fixing it.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'ignores',
  console: true,
  main({ console }) {
    // @ts-ignore
    const n: number = 'one';
    console.log(n);
    return 0;
  },
});
