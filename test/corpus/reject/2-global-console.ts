// expect: SING2010 8:5
// The global console is the host's; a program logs through ctx.console.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'global-console',
  main() {
    console.log('hello');
    return 0;
  },
});
