// Text and scalar vectors in the exchange heap, used and freed: accepted.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'text-and-arrays',
  resources: { exchangeHeap: '64KiB' },
  console: true,
  main({ abi, console }) {
    const t = abi.allocText('h\u00e9llo');
    const ids = abi.allocArray('u64', 2);
    ids.set(1, 2n ** 64n - 1n);
    const flags = abi.allocArray('bool', 3);
    flags.write([true, false, true]);
    console.log(t.readString() + ' ' + String(ids.get(1)) + ' ' + String(flags.read()));
    t.free();
    ids.free();
    flags.free();
    return 0;
  },
});
