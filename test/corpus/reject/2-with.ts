// expect: SING2004 9:5
// with makes names resolve at run time (and is not even strict-mode JavaScript).
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'with',
  main() {
    const scope = { n: 1 };
    with (scope) { void n; }
    return 0;
  },
});
