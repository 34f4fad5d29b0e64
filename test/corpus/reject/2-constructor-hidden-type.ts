// expect: SING2003 17:13
// expect: SING2003 18:11
// expect: SING2003 19:10
// A shape that declares its `constructor` as a plain object: a cast made elsewhere (here, at
// the call) laundered a function into it, so reading that `constructor` is refused wherever it
// happens, by property or by destructuring, and calling any constructor without `new` is refused.
import { defineProgram } from 'sing/runtime';

interface Labelled {
  readonly label: string;
  readonly constructor: { readonly constructor: (body: string) => () => number };
}

const asLabelled = (x: unknown): Labelled => x as Labelled;

function reach(o: Labelled, p: Labelled): number {
  const c = o.constructor;
  const { constructor: d } = p;
  return c.constructor('return 1')() + p.label.length + (d === c ? 0 : 1);
}

export default defineProgram({
  name: 'constructor-hidden-type',
  main() {
    const f = (): number => 0;
    return reach(asLabelled(f), asLabelled(f));
  },
});
