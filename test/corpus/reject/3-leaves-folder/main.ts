// expect: SING3002 4:24
// A relative import that climbs out of the program's folder.
import { defineProgram } from 'sing/runtime';
import { helper } from '../shared/helper.ts';

export default defineProgram({
  name: 'leaves-folder',
  main() {
    return helper();
  },
});
