// Rule 4: a block touched after it was moved into a message payload.
// expect: SING4001 15:17
import { defineProgram } from 'sing/runtime';
import { BlockDrop } from 'sing/contracts/blocks';

export default defineProgram({
  name: 'use-after-payload',
  endpoints: { drop: BlockDrop.imp() },
  resources: { exchangeHeap: '64KiB' },
  console: true,
  async main({ drop, abi, console }) {
    const data = abi.alloc(1024);
    data.writeText('moved, not copied');
    const full = drop.send('Put', { data });
    console.log(data.readText(0, 5));
    const m = await full.receive();
    return m.tag === 'Got' ? 0 : 1;
  },
});
