// expect: SING2003 12:10
// expect: SING1004 12:11
// The Function constructor through a value typed `unknown` and then cast to a shape whose
// `constructor.constructor` compiles code (issue #11). The double cast is the type rule's
// business; the constructor rule refuses the chain on its own, whatever the cast claims.
import { defineProgram } from 'sing/runtime';

type Maker = { constructor: { constructor: (body: string) => () => number } };

function reach(x: unknown): number {
  const f: unknown = x;
  return ((f as unknown) as Maker).constructor.constructor('return 42')();
}

export default defineProgram({
  name: 'constructor-double-cast',
  main() {
    return reach(() => 0);
  },
});
