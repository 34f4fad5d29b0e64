// Rule 4: an endpoint stored in a class field.
// expect: SING4004 9:15
import { defineProgram, type Imp } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

class Client {
  private ep: Imp<typeof Calculator, 'Idle'> | undefined;
  attach(ep: Imp<typeof Calculator, 'Idle'>): void {
    this.ep = ep;
  }
  attached(): boolean {
    return this.ep !== undefined;
  }
}

export default defineProgram({
  name: 'this-field',
  imports: { calc: Calculator.imp('/service/calc') },
  async main({ calc }) {
    const ready = await calc.expect('Ready');
    const client = new Client();
    client.attach(ready.ep);
    return client.attached() ? 0 : 1;
  },
});
