// A calculator that crashes on purpose: it answers one Add, then throws on the next.
import { defineProgram, type Listener } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'flaky',
  exports: { calc: Calculator.exp('/service/flaky-calc') },
  console: true,
  async main({ calc, console }) {
    const listener: Listener<typeof Calculator> = calc;
    const m = await listener.receive();
    if (m.tag === '$closed') return 0;
    m.ep.send('Accept').close(); // one client is all this calculator serves
    let idle = m.client.send('Ready');
    let answered = 0;
    for (;;) {
      const r = await idle.receive();
      if (r.tag !== 'Add') return 0;
      if (answered === 1) throw new Error(`cannot add ${r.a} and ${r.b}: this calculator is broken on purpose`);
      console.log(`adding ${r.a} + ${r.b}`);
      idle = r.ep.send('Sum', { value: (r.a + r.b) | 0 });
      answered++;
    }
  },
});
