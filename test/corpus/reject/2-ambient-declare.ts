// expect: SING2017 5:1
// `declare` promises the checker a value the program never defines.
import { defineProgram } from 'sing/runtime';

declare const hostSecret: string;

export default defineProgram({
  name: 'ambient-declare',
  main() {
    return hostSecret.length;
  },
});
