// expect: SING2002 8:21
// The Function constructor compiles a string into code at run time.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'new-function',
  main() {
    const add = new Function('a', 'b', 'return a + b');
    void add;
    return 0;
  },
});
