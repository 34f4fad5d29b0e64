// expect: SING1002 10:17
// `new Map()` without type arguments is a Map<any, any>: what comes out of it is unchecked.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'map-any',
  main() {
    const m = new Map();
    m.set('a', 1);
    const got = m.get('a');
    return got === 1 ? 0 : 1;
  },
});
