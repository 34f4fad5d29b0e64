// A client that covers the rest of a receive with default:, handles each tag of its first receive
// explicitly, and uses every key its manifest declares: an import, a parameter, the console, an exchange-heap
// quota, a host resource and a literal bind path the manifest imports.
import { defineProgram, i32 } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'default-client',
  imports: { calc: Calculator.imp('/service/calc') },
  parameters: { n: i32 },
  console: true,
  resources: { exchangeHeap: '4KiB', host: { disk: { kind: 'file', path: '/var/sing/disk.img' } } },
  async main(ctx) {
    const { abi, console } = ctx;
    const block = abi.alloc(16);
    block.set(0, ctx.params.n);
    console.log(`disk at ${abi.resource('disk').target}, first byte ${block.get(0)}`);
    block.free();

    const first = await ctx.calc.receive();
    switch (first.tag) {
      case 'Ready': {
        const m = await first.ep.send('Add', { a: ctx.params.n, b: 1 }).receive();
        switch (m.tag) {
          case 'Sum':
            console.log(`sum ${m.value}`);
            m.ep.send('Bye');
            break;
          default:
            console.error('the calculator went away');
        }
        break;
      }
      case '$closed':
        return 1;
    }

    const { imp, exp } = abi.channel(Calculator);
    const r = await abi.bind('/service/calc', exp);
    if (!r.ok) {
      imp.close();
      return 3;
    }
    const again = await imp.receive();
    if (again.tag === '$closed') return 4;
    again.ep.send('Bye');
    return 0;
  },
});
