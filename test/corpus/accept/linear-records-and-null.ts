// Linearity, accepted: helpers that return an endpoint or null and a record carrying one; the
// caller narrows with null checks and takes the endpoint out of the record.
import { defineProgram, type Abi, type Imp } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

type Calc = Imp<typeof Calculator, 'Idle'>;

async function connect(abi: Abi): Promise<Calc | null> {
  const { imp, exp } = abi.channel(Calculator);
  const r = await abi.bind('/service/calc', exp);
  if (!r.ok) {
    imp.close();
    return null;
  }
  const m = await imp.receive();
  return m.tag === 'Ready' ? m.ep : null;
}

async function add(calc: Calc, a: number, b: number): Promise<{ sum: number; calc: Calc } | null> {
  const m = await calc.send('Add', { a, b }).receive();
  return m.tag === 'Sum' ? { sum: m.value, calc: m.ep } : null;
}

export default defineProgram({
  name: 'linear-records-and-null',
  imports: { calc: Calculator.imp('/service/calc') },
  console: true,
  async main({ calc, abi, console }) {
    calc.close();
    let c = await connect(abi);
    if (c === null) return 1;
    for (let i = 0; i < 3; i++) {
      const r = await add(c, i, i);
      if (r === null) return 2;
      console.log(r.sum);
      c = r.calc;
    }
    c.send('Bye');
    return 0;
  },
});
