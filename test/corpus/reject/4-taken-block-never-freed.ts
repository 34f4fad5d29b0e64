// Rule 4: what `take` moves out of a tree is the program's again; dropping it is refused.
// expect: SING4005 15:5
import { defineProgram, exLayout, exPtr, bytes } from 'sing/runtime';

const Row = exLayout({ n: 'u32', data: exPtr(bytes) });

export default defineProgram({
  name: 'taken-block-never-freed',
  resources: { exchangeHeap: '64KiB' },
  main({ abi }) {
    const rows = abi.allocVector(Row, 2);
    rows.put(1, 'data', abi.alloc(32));
    const data = rows.take(1, 'data');
    rows.free();
    return data === null ? 0 : 1;
  },
});
