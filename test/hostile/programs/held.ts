// Hostile programs that hold the kernel's thread inside one builtin call, where no check and no
// metering reaches (see docs/design-notes.md §13): the watchdog must cut them off.
export const PROGRAMS = {
  // JSON.stringify is charged by its top-level length only: a hundred thousand references to one
  // array of a thousand strings is a hundred million values to write in one call.
  widejson: `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: 'widejson',
  resources: { memory: '64MiB' },
  main() {
    const inner: string[] = [];
    for (let i = 0; i < 1000; i++) inner.push('x');
    const outer: string[][] = [];
    for (let i = 0; i < 2000; i++) outer.push(inner);
    const wide: string[][][] = [];
    for (let i = 0; i < 2000; i++) wide.push(outer);
    return JSON.stringify(wide).length;
  },
});
`,
  // A trusted program may waive SING2018 and run a pattern the linear engine cannot: it backtracks.
  backref: `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: 'backref',
  trusted: true,
  unsafe: ['SING2018'],
  main() {
    return /^(a+)+\\1$/.test('a'.repeat(40) + 'b') ? 1 : 0;
  },
});
`,
} as const;
