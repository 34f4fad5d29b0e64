// Rule 4: storing a block into a record's pointer field moves it into the tree; reading the old
// handle afterwards is a use after move, reported with the place of the store.
// expect: SING4001 16:17
import { defineProgram, exLayout, exPtr, text } from 'sing/runtime';

const Named = exLayout({ id: 'i32', name: exPtr(text) });

export default defineProgram({
  name: 'text-used-after-store',
  resources: { exchangeHeap: '64KiB' },
  console: true,
  main({ abi, console }) {
    const r = abi.allocRecord(Named);
    const t = abi.allocText('hello');
    r.put('name', t);
    console.log(t.readString());
    r.free();
    return 0;
  },
});
