// expect: SING2006 8:16
// require is CommonJS: a program imports with import, inside its closed world.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'require',
  main() {
    const fs = require('node:fs');
    void fs;
    return 0;
  },
});
