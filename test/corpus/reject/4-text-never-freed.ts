// Rule 4: text in the exchange heap (char[] in ExHeap) is a block like any other: one made and
// never freed (nor sent) before main returns is refused.
// expect: SING4005 13:5
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'text-never-freed',
  resources: { exchangeHeap: '64KiB' },
  console: true,
  main({ abi, console }) {
    const t = abi.allocText('hello');
    console.log(t.readString());
    return 0;
  },
});
