// expect: SING2003 12:6
// expect: SING2003 13:10
// Destructuring `constructor` from a cast of an `unknown` value, then calling the constructor
// of what came out: both steps are refused (the second because a constructor is called
// without `new`, whatever its type says).
import { defineProgram } from 'sing/runtime';

type Maker = { constructor: { constructor: (body: string) => () => number } };

function reach(x: unknown): number {
  let made: Maker['constructor'];
  ({ constructor: made } = x as Maker);
  return made.constructor('return 7')();
}

export default defineProgram({
  name: 'constructor-destructured-cast',
  main() {
    return reach(() => 0);
  },
});
