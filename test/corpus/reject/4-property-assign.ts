// Rule 4: an endpoint stored in an object's property.
// expect: SING4004 15:18
import { defineProgram, type Imp } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

interface Session { id: number; ep?: Imp<typeof Calculator, 'Idle'> }

export default defineProgram({
  name: 'property-assign',
  imports: { calc: Calculator.imp('/service/calc') },
  console: true,
  async main({ calc, console }) {
    const session: Session = { id: 1 };
    const ready = await calc.expect('Ready');
    session.ep = ready.ep;
    console.log(session.id);
    return 0;
  },
});
