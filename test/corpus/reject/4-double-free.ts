// Rule 4: a block freed twice.
// expect: SING4001 12:5
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'double-free',
  resources: { exchangeHeap: '64KiB' },
  main({ abi }) {
    const b = abi.alloc(64);
    b.writeText('hello');
    b.free();
    b.free();
    return 0;
  },
});
