// Hostile programs (source text; the test kit compiles each with contracts.ts and probe.ts
// beside it, and programs-pass-the-verifier.test.ts asks the verifier about every one).
/** `n` conversations with the calculator, one after another: bind, Add, Sum, Bye (the end). The
 * calculator's thread returns at Bye without closing its end; neither side closes. */
export const CHATTER = `
import { defineProgram, i32 } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';
export default defineProgram({
  name: 'chatter',
  parameters: { n: i32 },
  imports: { calc: Calculator.imp('/service/calc') },
  async main({ abi, params, calc }) {
    calc.close(); // bound at start; each conversation below binds afresh
    for (let i = 0; i < params.n; i++) {
      const { imp, exp } = abi.channel(Calculator);
      const bound = await abi.bind('/service/calc', exp);
      if (!bound.ok) { imp.close(); return 1; }
      const ready = await imp.expect('Ready');
      const m = await ready.ep.send('Add', { a: i, b: 1 }).receive();
      if (m.tag !== 'Sum') return 2;
      m.ep.send('Bye');
      if (m.value !== i + 1) return 3;
    }
    return 0;
  },
});
`;

export const PROGRAMS = { chatter: CHATTER };
