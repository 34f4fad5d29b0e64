// expect: SING2008 8:23
// A __proto__ key in an object literal sets the new object's prototype.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'proto-literal',
  main() {
    const o = { a: 1, __proto__: null };
    void o;
    return 0;
  },
});
