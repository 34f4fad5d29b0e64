// Regular expressions the linear-time engine runs, including ones that backtrack
// catastrophically in a backtracking engine (Sing runs them in linear time), escapes and classes
// that look like refused constructs but are not, and RegExp built from runnable literals.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'regexp-linear',
  console: true,
  main({ console }) {
    const nested = /^(a+)+$/;                 // exponential when backtracking; linear here
    const words = /^(\w+\s?)*$/gm;
    const escapes = /\(\?=[(?=](?:x)\\1/;  // an escaped and an in-class look-alike, an escaped backslash
    const counts = /^(?:[0-9a-f]{4}){4}$|^x{0,16}$/s;
    const lazy = /<b>(.*?)<\/b>/y;
    const named = /(?<year>\d{4})-(?<month>\d{2})/;
    const built = new RegExp('^[A-Za-z_$][\\w$]*$', 'g');
    const ok = [nested, words, escapes, counts, lazy, named, built].filter((r) => r.test('abc')).length;
    console.log(`${ok} matched; ${'a, b,c'.split(/\s*,\s*/).join('|')}`);
    return 0;
  },
});
