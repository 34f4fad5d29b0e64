// expect: SING2014 5:16
// Top-level await: module initialisation must be synchronous.
import { defineProgram } from 'sing/runtime';

const answer = await Promise.resolve(42);

export default defineProgram({
  name: 'top-level-await',
  main() {
    return answer === 42 ? 0 : 1;
  },
});
