// Hostile programs for error stacks (source text; the test kit compiles each with contracts.ts
// and probe.ts beside it, and programs-pass-the-verifier.test.ts asks the verifier about it).

/** Catches every kind of error the kernel throws at a program (KernelError, HeapError, SingErrors
 * of the name service, RangeError and TypeError from kernel code) and one of its own, and prints
 * each one's `.stack`, first read by the program itself and then through the console's
 * formatter, as `stack <what> <JSON of the text>`. */
export const STACKTRACE = `
import { defineProgram, exLayout } from 'sing/runtime';
import { Echo } from './contracts.ts';
const Cell = exLayout({ n: 'i32' });
export default defineProgram({
  name: 'stacktrace',
  console: true,
  resources: { exchangeHeap: '4KiB' },
  async main({ abi, console }) {
    const report = (what: string, e: unknown): void => {
      const stack: unknown = e instanceof Error ? e.stack : undefined;
      console.log('stack ' + what + ' ' + JSON.stringify(typeof stack === 'string' ? stack : 'not a string'));
      console.log('logged ' + what, e);
    };
    const b = abi.alloc(16);
    try { b.get(100); console.log('no-throw range'); } catch (e) { report('range', e); }
    try { b.read(4, 400); console.log('no-throw read'); } catch (e) { report('read', e); }
    try { const [h0, h1] = b.view(0, 8).split(4); h0.free(); h1.free(); console.log('no-throw split-view'); } catch (e) { report('split-view', e); }
    b.free();
    const unknownKey: string = ['no', 'pe'].join('');
    const badPath: string = ['no', 'slash'].join(' ');
    const attempts: [string, () => unknown][] = [
      ['create', () => abi.create('no-such-program')],
      ['resource', () => abi.resource(unknownKey)],
      ['stop', () => { abi.stop({ pid: 999999, program: 'nobody' }); }],
      ['register', () => abi.register(badPath, Echo)],
      ['deregister', () => { abi.deregister('/service/not-mine'); }],
      ['vector', () => abi.allocVector(Cell, -1)],
      ['sleep', () => abi.sleep(-5)],
      ['own', () => { throw new Error('mine'); }],
    ];
    for (const [what, f] of attempts) {
      try {
        f();
        console.log('no-throw ' + what);
      } catch (e) {
        report(what, e);
      }
    }
    try {
      await abi.join({ pid: 999999, program: 'nobody' });
    } catch (e) {
      report('join', e);
    }
    return 0;
  },
});
`;

export const PROGRAMS: Record<string, string> = { stacktrace: STACKTRACE };
