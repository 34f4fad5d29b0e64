// expect: SING3005 2:21
/// <reference lib="dom" />
// A reference directive pulls the DOM's declarations into a program that has no DOM.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'references-dom',
  main() {
    return 0;
  },
});
