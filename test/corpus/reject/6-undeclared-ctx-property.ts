// expect: SING6010 12:16
// main reads ctx.net, which is neither abi/params/console nor a declared endpoint.
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'wants-net',
  imports: { calc: Calculator.imp('/service/calc') },
  async main(ctx) {
    const ready = await ctx.calc.expect('Ready');
    ready.ep.send('Bye');
    return ctx.net === undefined ? 0 : 1;
  },
});
