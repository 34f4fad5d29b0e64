// Rule 4: blocks pushed into a plain array.
// expect: SING4004 12:15
import { defineProgram, type Bytes } from 'sing/runtime';

export default defineProgram({
  name: 'push-array',
  resources: { exchangeHeap: '64KiB' },
  console: true,
  main({ abi, console }) {
    const pool: Bytes[] = [];
    const b = abi.alloc(32);
    pool.push(b);
    console.log(pool.length);
    return 0;
  },
});
