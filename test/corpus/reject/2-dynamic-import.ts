// expect: SING2005 8:16
// import() loads code chosen at run time.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'dynamic-import',
  main() {
    const rt = import('sing/runtime');
    void rt;
    return 0;
  },
});
