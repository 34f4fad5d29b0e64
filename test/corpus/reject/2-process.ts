// expect: SING2010 8:17
// process is Node's host object: environment, exit, the file system's doorstep.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'process',
  main() {
    const env = process.env;
    void env;
    return 0;
  },
});
