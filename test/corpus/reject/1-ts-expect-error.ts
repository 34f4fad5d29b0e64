// expect: SING1003 9:5
// A @ts-expect-error comment is @ts-ignore that insists on an error to hide.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'expects-error',
  console: true,
  main({ console }) {
    /* @ts-expect-error: strings are not numbers */
    const n: number = 'one';
    console.log(n);
    return 0;
  },
});
