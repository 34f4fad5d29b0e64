// expect: SING6011 11:19
// Parameters destructured through an alias of the context: c is not declared.
import { defineProgram, i32 } from 'sing/runtime';

export default defineProgram({
  name: 'reads-c',
  parameters: { a: i32, b: i32 },
  main(ctx) {
    const { params } = ctx;
    const p = params;
    const { a, b, c } = p;
    return a + b + c;
  },
});
