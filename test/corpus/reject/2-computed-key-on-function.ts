// expect: SING2003 10:27
// A computed key on a function can spell 'constructor' at run time.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'computed-key-on-function',
  main() {
    const f = (): number => 1;
    const key = ['con', 'structor'].join('');
    const make: unknown = f[key];
    void make;
    return 0;
  },
});
