// Rule 4: a block allocated and never freed (nor sent) before main returns.
// expect: SING4005 13:5
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'block-never-freed',
  resources: { exchangeHeap: '64KiB' },
  console: true,
  main({ abi, console }) {
    const scratch = abi.alloc(256);
    const n = scratch.writeText('scratch space');
    console.log(scratch.readText(0, n));
    return 0;
  },
});
