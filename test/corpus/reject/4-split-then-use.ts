// Rule 4: a block used after `split` cut it in two (only the halves are live), and a half leaked.
// expect: SING4001 13:5
// expect: SING4005 15:5
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'split-then-use',
  resources: { exchangeHeap: '64KiB' },
  main({ abi }) {
    const b = abi.alloc(64);
    const [head, tail] = b.split(16);
    head.free();
    b.set(0, 1);
    tail.set(0, 2);
    return 0;
  },
});
