// expect: SING3004 5:21
// './helpers.ts' is not in the program's folder (util.ts is, and is fine).
import { defineProgram } from 'sing/runtime';
import { one } from './util.ts';
import { two } from './helpers.ts';

export default defineProgram({
  name: 'missing-local',
  main() {
    return one() + two() === 3 ? 0 : 1;
  },
});
