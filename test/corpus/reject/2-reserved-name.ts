// expect: SING2013 9:11
// expect: SING2013 10:10
// Names starting with __sing$ belong to the image compiler.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'reserved-name',
  main() {
    const __sing$g = 1;
    void __sing$g;
    return 0;
  },
});
