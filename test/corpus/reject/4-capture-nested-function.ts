// Rule 4: a block captured by a nested function declaration.
// expect: SING4003 11:36
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'capture-nested-function',
  resources: { exchangeHeap: '64KiB' },
  main({ abi }) {
    const b = abi.alloc(16);
    function fill(v: number): void {
      for (let i = 0; i < 16; i++) b.set(i, v);
    }
    fill(7);
    b.free();
    return 0;
  },
});
