// Rule 4: a vector of wide integers (long[] in ExHeap) used after it was freed.
// expect: SING4001 12:24
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'array-used-after-free',
  resources: { exchangeHeap: '64KiB' },
  console: true,
  main({ abi, console }) {
    const ids = abi.allocArray('i64', 4);
    ids.free();
    console.log(String(ids.get(0)));
    return 0;
  },
});
