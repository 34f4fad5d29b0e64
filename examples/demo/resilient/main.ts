// A client that survives its server: it uses /service/flaky-calc until that process dies (its
// endpoint reports $closed), then binds /service/calc and carries on.
import { defineProgram, type Abi, type Console, type Imp } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

type Calc = Imp<typeof Calculator, 'Idle'>;

async function connect(abi: Abi, path: string): Promise<Calc | null> {
  const { imp, exp } = abi.channel(Calculator);
  const r = await abi.bind(path, exp);
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

async function work(abi: Abi, console: Console): Promise<number> {
  let calc = await connect(abi, '/service/flaky-calc');
  if (calc === null) return 1;
  const jobs: [number, number][] = [[1, 2], [3, 4], [5, 6]];
  for (const [a, b] of jobs) {
    let r = await add(calc, a, b);
    if (r === null) {
      console.log('my calculator died ($closed); reconnecting to /service/calc');
      const again = await connect(abi, '/service/calc');
      if (again === null) return 2;
      r = await add(again, a, b);
      if (r === null) return 3;
    }
    console.log(`${a} + ${b} = ${r.sum}`);
    calc = r.calc;
  }
  calc.send('Bye');
  return 0;
}

export default defineProgram({
  name: 'resilient',
  console: true,
  main({ abi, console }) {
    return work(abi, console);
  },
});
