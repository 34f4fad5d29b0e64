// expect: SING2003 8:18
// An arrow function's .constructor is the Function constructor: eval by another name.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'arrow-constructor',
  main() {
    const make = (() => 0).constructor;
    void make;
    return 0;
  },
});
