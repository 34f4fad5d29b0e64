// expect: SING1004 9:16
// A double cast through unknown turns a string into a "number" without a check.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'double-cast',
  console: true,
  main({ console }) {
    const n = ('forty-two' as unknown as number) + 1;
    console.log(`${n}`);
    return 0;
  },
});
