// Rule 4: a block placed in an object literal kept in a local (not a call argument or a return).
// expect: SING4004 11:35
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'object-literal-local',
  resources: { exchangeHeap: '64KiB' },
  console: true,
  main({ abi, console }) {
    const data = abi.alloc(8);
    const packet = { kind: 'raw', data };
    console.log(packet.kind);
    return 0;
  },
});
