// Hostile programs (source text; the test kit compiles each with contracts.ts and probe.ts
// beside it, and programs-pass-the-verifier.test.ts asks the verifier about every one): regular
// expressions that backtrack catastrophically. Without V8's linear-time fallback each of the
// `runs` programs holds the kernel for seconds to minutes (/^(a+)+$/ on 32 a's and a '!' took 94 s
// on the development machine); with it each finishes in milliseconds and prints what it found.
// The `refused` programs build, at run time, a pattern the linear engine cannot run (a
// backreference, a lookaround, or flags a program changed under a regular expression) and must
// fail with E_REGEXP. Patterns built at run time are assembled from parts so that the verifier,
// which judges string literals passed to RegExp too, cannot see them: the kernel must refuse them.
// Note the doubled backslashes: these are sources inside template literals.

function program(name: string, body: string): string {
  return `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: '${name}',
  console: true,
  main({ console }) {
${body}
  },
});
`;
}

/** How each program must end: a clean return with the lines it prints, or a failure code. */
export const EXPECTED: Readonly<Record<string, { readonly said: readonly string[] } | { readonly code: string }>> = {
  nestedplus: { said: ['nestedplus 0 of 9 matched'] },
  wordsreplace: { said: ['wordsreplace kept 1 line'] },
  splitalternation: { said: ['splitalternation unsplit'] },
  polynomial: { said: ['polynomial false -1'] },
  dynamicmatch: { said: ['dynamicmatch null 0'] },
  dynamicmatchall: { said: ['dynamicmatchall 0 matches'] },
  caughtrefusal: { said: ['caughtrefusal refused SyntaxError E_REGEXP', 'caughtrefusal fell back: true'] },
  backreference: { code: 'E_REGEXP' },
  searchlookahead: { code: 'E_REGEXP' },
  flagsunderfoot: { code: 'E_REGEXP' },
};

export const PROGRAMS: Record<string, string> = {
  // The case, literal, at nine lengths up to 36 (2^36 paths each without the fallback).
  nestedplus: program('nestedplus', `
    let n = 0;
    for (let len = 28; len <= 36; len++) if (/^(a+)+$/.test('a'.repeat(len) + '!')) n++;
    console.log('nestedplus ' + n + ' of 9 matched');
    return 0;`),
  // A literal in replace: words with optional spaces, nested; the line ends in a '!'.
  wordsreplace: program('wordsreplace', `
    const line = 'ab '.repeat(26) + 'cd!';
    const out = [line, 'plain words'].map((l) => l.replace(/^(\\w+\\s?)*$/, '')).filter((l) => l.length > 0);
    console.log('wordsreplace kept ' + out.length + ' line');
    return 0;`),
  // A literal separator whose alternatives overlap: split builds its own sticky copy of it (through
  // the species constructor), which must fall back too.
  splitalternation: program('splitalternation', `
    const parts = ('a'.repeat(30) + 'c' + 'a'.repeat(30)).split(/(?:a|a)*b/);
    console.log('splitalternation ' + (parts.length === 1 ? 'unsplit' : 'split'));
    return 0;`),
  // Polynomial rather than exponential: three stars in a row try every split of the a's at every
  // start position (300 a's: 2.5 s without the fallback; 1,000: a minute; here, 30,000).
  polynomial: program('polynomial', `
    const s = 'a'.repeat(30000) + 'b';
    console.log('polynomial ' + /a*a*a*c/.test(s) + ' ' + s.search(/a*a*a*c/));
    return 0;`),
  // Built from strings at run time: match with a string builds the regular expression.
  dynamicmatch: program('dynamicmatch', `
    const pattern = ['^(a', '+)+', '$'].join('');
    const m = ('a'.repeat(34) + '!').match(pattern);
    const n = ('a'.repeat(30) + '!').replace(new RegExp(pattern, 'g'), 'x').indexOf('x') + 1;
    console.log('dynamicmatch ' + String(m) + ' ' + n);
    return 0;`),
  // Built with new RegExp, run by matchAll (which copies it through the species constructor).
  dynamicmatchall: program('dynamicmatchall', `
    const re = new RegExp(['(x', '+x', '+)+', 'y'].join(''), 'g');
    const found = [...'x'.repeat(32).matchAll(re)];
    console.log('dynamicmatchall ' + found.length + ' matches');
    return 0;`),
  // A program that handles the refusal as it would an invalid pattern.
  caughtrefusal: program('caughtrefusal', `
    const user = ['(\\\\w+)', ' \\\\1'].join(''); // "repeated word", with a backreference
    let re: RegExp;
    try {
      re = new RegExp(user);
    } catch (e) {
      console.log('caughtrefusal refused ' + (e instanceof SyntaxError ? 'SyntaxError' : 'other') + ' ' + String((e as { code?: unknown }).code));
      re = /(\\w+) (\\w+)/;
    }
    const m = re.exec('the the cat');
    console.log('caughtrefusal fell back: ' + (m !== null && m[1] === m[2]));
    return 0;`),
  // A backreference built at run time: refused.
  backreference: program('backreference', `
    const re = new RegExp(['^(a+)+', '\\\\1$'].join(''));
    console.log('backreference built ' + String(re.test('a'.repeat(32) + '!')));
    return 0;`),
  // A lookahead handed to search as a string: refused.
  searchlookahead: program('searchlookahead', `
    const at = ('a'.repeat(32) + '!').search(['^(?=', '(a+)+', '$)'].join(''));
    console.log('searchlookahead ran ' + at);
    return 0;`),
  // A runnable regular expression whose flags are changed under it, and whose species is taken
  // away, so that split would copy it with the engine's own constructor and the `i` flag.
  flagsunderfoot: program('flagsunderfoot', `
    const re = new RegExp('^(a+)+$');
    Object.defineProperty(re, 'flags', { value: 'i' });
    Object.defineProperty(re, 'constructor', { value: undefined });
    const parts = ('a'.repeat(32) + '!').split(re);
    console.log('flagsunderfoot ran ' + parts.length);
    return 0;`),
};
