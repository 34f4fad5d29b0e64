// A hostile program that reaches for the Function constructor through casts (source text; the
// test kit compiles it with contracts.ts and probe.ts beside it). The verifier refuses it
// (SING2003, see programs-pass-the-verifier.test.ts); compiled anyway, it must get nothing.

/** Each attempt hides a function behind a cast, then reads `constructor` (by property, optional
 * chaining, element access, destructuring, or through a variable typed as a plain object) and
 * calls what it got with code; prints `<what> refused <error class>` or `<what> ran <result>`. */
export const CASTCTOR = `
import { defineProgram } from 'sing/runtime';
type Maker = { constructor: { constructor: (body: string) => () => unknown } };
type Direct = { constructor: (body: string) => () => unknown };
function attempts(x: unknown): [string, () => unknown][] {
  return [
    ['as', () => (x as Maker).constructor.constructor('return 42')()],
    ['angle', () => (<Maker>x).constructor.constructor('return 42')()],
    ['optional', () => (x as Direct)?.constructor('return 42')()],
    ['element', () => (x as Direct)['constructor']('return 42')()],
    ['satisfies-nonnull', () => ((x satisfies unknown)! as Direct).constructor('return 42')()],
    ['destructured', () => { const { constructor: c } = x as Maker; return c.constructor('return 42')(); }],
    ['variable', () => { const o = x as Maker; const c = o.constructor; return c.constructor('return 42')(); }],
  ];
}
export default defineProgram({
  name: 'castctor',
  console: true,
  main({ console }) {
    for (const [what, f] of attempts(() => 0)) {
      try {
        console.log(what + ' ran ' + String(f()));
      } catch (e) {
        console.log(what + ' refused ' + (e instanceof Error ? e.name : typeof e));
      }
    }
    return 0;
  },
});
`;

export const PROGRAMS: Record<string, string> = { castctor: CASTCTOR };
