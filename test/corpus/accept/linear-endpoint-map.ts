// A calculator serving every client from one thread: the clients' endpoints live in an
// EndpointMap (Sing#'s ESet), the sanctioned container for many endpoints. Each turn takes the
// endpoint with a message out of the map, answers, and puts the next state back.
import { defineProgram, EndpointMap, type Exp, type Listener } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

type Client = Exp<typeof Calculator, 'Idle'>;

export default defineProgram({
  name: 'mapcalc',
  exports: { calc: Calculator.exp('/service/calc') },
  console: true,
  async main({ calc, console }) {
    const clients = new EndpointMap<number, Client>();
    let listener: Listener<typeof Calculator> = calc;
    let next = 0;
    let served = 0;
    while (served < 3) {
      if (clients.size < 3 - served) {
        const c = await listener.receive();
        if (c.tag === '$closed') return 1;
        clients.put(next++, c.client.send('Ready'));
        listener = c.ep.send('Accept');
        continue;
      }
      const r = await clients.receive();
      if (r.key === undefined) continue;
      const m = r.msg;
      switch (m.tag) {
        case 'Add': clients.put(r.key, m.ep.send('Sum', { value: (m.a + m.b) | 0 })); break;
        case 'Bye': served++; console.log(`client ${r.key} said bye`); break;
        case '$closed': served++; break;
      }
    }
    listener.close();
    return 0;
  },
});
