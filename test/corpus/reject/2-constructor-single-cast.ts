// expect: SING2003 13:10
// expect: SING2003 14:7
// expect: SING2003 15:7
// expect: SING2003 16:7
// A value typed `unknown` cast once (`as`, `<T>`, after `satisfies` or `!`, in parentheses) to a
// shape with a `constructor`: its type before the cast says it may be a function, so reading
// its constructor is refused, through optional chaining and element access too.
import { defineProgram } from 'sing/runtime';

type Maker = { constructor: (body: string) => () => number };

function reach(x: unknown): number {
  return (x as Maker).constructor('return 1')()
    + (<Maker>x)?.constructor('return 2')()
    + ((x satisfies unknown)! as Maker)['constructor']('return 3')()
    + (x as Maker)?.['constructor']('return 4')();
}

export default defineProgram({
  name: 'constructor-single-cast',
  main() {
    return reach(() => 0);
  },
});
