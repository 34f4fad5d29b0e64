// Rule 4: a variable that still owns a block is overwritten with a new one (the old one leaks).
// expect: SING4005 11:5
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'overwritten',
  resources: { exchangeHeap: '64KiB' },
  main({ abi }) {
    let b = abi.alloc(64);
    b.set(0, 1);
    b = abi.alloc(128);
    b.free();
    return 0;
  },
});
