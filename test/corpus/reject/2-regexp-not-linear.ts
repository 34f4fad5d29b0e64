// expect: SING2018 16:21
// expect: SING2018 17:20
// expect: SING2018 18:19
// expect: SING2018 19:18
// expect: SING2018 20:19
// expect: SING2018 21:18
// expect: SING2018 22:19
// Regular expressions V8's linear-time engine cannot run: a backreference, lookahead and
// lookbehind, the i and u flags, a count above 16, and string literals handed to RegExp. They could
// backtrack for ever, so they are refused at install (and built at run time, at run time).
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'regexp-not-linear',
  main() {
    const doubled = /(\w+) \1/;
    const before = /\d+(?=px)/g;
    const after = /(?<!\$)\d+/;
    const word = /hello/i;
    const emoji = /\p{L}+/u;
    const many = /^\d{1,20}$/;
    const built = new RegExp('(?=a)', 'g');
    return [doubled, before, after, word, emoji, many, built].length;
  },
});
