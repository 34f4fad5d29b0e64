// Rule 4: a block freed on one branch of an if, then freed again after the branches join.
// expect: SING4002 16:5
import { defineProgram, i32 } from 'sing/runtime';

export default defineProgram({
  name: 'moved-on-one-branch',
  parameters: { n: i32 },
  resources: { exchangeHeap: '64KiB' },
  main({ abi, params }) {
    const b = abi.alloc(64);
    if (params.n > 10) {
      b.free();
    } else {
      b.set(0, params.n);
    }
    b.free();
    return 0;
  },
});
