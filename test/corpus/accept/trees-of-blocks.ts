// A tree of blocks built, read through lent handles, taken apart and freed: accepted. Storing moves
// each block in; `open` lends without moving; `take` gives ownership back; freeing the root frees
// what is still inside.
import { defineProgram, exLayout, exPointers, exPtr, exVector, text } from 'sing/runtime';

const Entry = exLayout({ size: 'u64', name: exPtr(text) });
const Dir = exLayout({ title: exPtr(text), entries: exPtr(exVector(Entry)), lines: exPtr(exPointers(text)) });

export default defineProgram({
  name: 'trees-of-blocks',
  resources: { exchangeHeap: '64KiB' },
  console: true,
  main({ abi, console }) {
    const dir = abi.allocRecord(Dir);
    dir.put('title', abi.allocText('home'));
    const entries = abi.allocVector(Entry, 2);
    entries.put(0, 'name', abi.allocText('a.txt'));
    entries.set(0, 'size', 12n);
    dir.put('entries', entries);
    const lent = dir.open('entries');
    const name = lent === null ? null : lent.open(0, 'name');
    console.log(name === null ? '?' : name.readString());
    const title = dir.take('title');
    if (title !== null) {
      console.log(title.readString());
      title.free();
    }
    dir.free();
    return 0;
  },
});
