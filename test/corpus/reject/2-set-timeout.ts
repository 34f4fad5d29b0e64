// expect: SING2012 8:5
// A host timer: programs are scheduled by the kernel, not by the host's event loop.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'set-timeout',
  main() {
    setTimeout(() => undefined, 10);
    return 0;
  },
});
