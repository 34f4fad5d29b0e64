// Hostile programs (source text; the test kit compiles each with contracts.ts and probe.ts
// beside it, and programs-pass-the-verifier.test.ts asks the verifier about every one).
const HEADER = `
import { defineProgram } from 'sing/runtime';
import { marker } from './probe.ts';
`;

/** Registers a mark every 2,000 awaits, so the test can see the program is running. */
export const PROGRAMS: Record<string, string> = {
  // The case: an async function that holds a `for await` stays native; its own loop of
  // `await null` used to refuel at every resumption and never let the host run.
  forawaitnull: `${HEADER}
async function spin(mark: (what: string) => void): Promise<void> {
  for await (const x of []) mark(String(x));
  for (let i = 1; ; i++) { await null; if (i % 2000 === 0) mark('spin'); }
}
export default defineProgram({
  name: 'forawaitnull',
  async main({ abi }) { await spin(marker(abi)); return 0; },
});
`,
  // `super` keeps a method native too.
  supermethod: `${HEADER}
class Base { tick(): number { return 1; } }
class Spinner extends Base {
  async spin(mark: (what: string) => void): Promise<void> {
    for (let i = 1; ; i += super.tick()) { await Promise.resolve(i); if (i % 2000 === 0) mark('spin'); }
  }
}
export default defineProgram({
  name: 'supermethod',
  async main({ abi }) { await new Spinner().spin(marker(abi)); return 0; },
});
`,
  // An endless async generator, consumed by a for await.
  asyncgen: `${HEADER}
async function* numbers(): AsyncGenerator<number> {
  for (let i = 1; ; i++) { await null; yield i; }
}
export default defineProgram({
  name: 'asyncgen',
  async main({ abi }) {
    const mark = marker(abi);
    for await (const i of numbers()) if (i % 2000 === 0) mark('spin');
    return 0;
  },
});
`,
  // A for await over an endless synchronous iterable: every step is an implicit await.
  syncforawait: `${HEADER}
function* forever(): Generator<number> { for (let i = 1; ; i++) yield i; }
export default defineProgram({
  name: 'syncforawait',
  async main({ abi }) {
    const mark = marker(abi);
    for await (const i of forever()) if (i % 2000 === 0) mark('spin');
    return 0;
  },
});
`,
  // An async iterator whose next() answers at once with a plain object (no promise at all).
  eageriter: `${HEADER}
export default defineProgram({
  name: 'eageriter',
  async main({ abi }) {
    const mark = marker(abi);
    let i = 0;
    const it = { [Symbol.asyncIterator]() { return { next() { i++; return { value: i, done: false }; } }; } };
    for await (const n of it) if (n % 2000 === 0) mark('spin');
    return 0;
  },
});
`,
};
