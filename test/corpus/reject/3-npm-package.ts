// expect: SING3001 4:23
// A package from node_modules: its code was never verified as part of this program.
import { defineProgram } from 'sing/runtime';
import { chunk } from 'lodash';

export default defineProgram({
  name: 'uses-lodash',
  main() {
    return chunk([1, 2, 3], 2).length === 2 ? 0 : 1;
  },
});
