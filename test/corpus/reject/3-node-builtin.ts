// expect: SING3001 4:30
// Node's file system is outside the closed world: a program reaches files through endpoints.
import { defineProgram } from 'sing/runtime';
import { readFileSync } from 'node:fs';

export default defineProgram({
  name: 'reads-files',
  main() {
    return readFileSync('/etc/passwd').length > 0 ? 0 : 1;
  },
});
