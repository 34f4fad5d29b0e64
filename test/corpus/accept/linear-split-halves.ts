// Linearity, accepted: a block split in two; one half is sent away in a message, the other is read
// in place (non-consuming calls) and freed; the consumer's reply ends the conversation.
import { defineProgram } from 'sing/runtime';
import { BlockDrop } from 'sing/contracts/blocks';

export default defineProgram({
  name: 'linear-split-halves',
  endpoints: { drop: BlockDrop.imp() },
  resources: { exchangeHeap: '64KiB' },
  console: true,
  async main({ drop, abi, console }) {
    const whole = abi.alloc(128);
    whole.writeText('header|payload');
    const [head, tail] = whole.split(7);
    console.log(head.readText(0, 6), head.view(0, 3).length, tail.length);
    head.free();
    const full = drop.send('Put', { data: tail });
    const m = await full.receive();
    switch (m.tag) {
      case 'Got':
        console.log(`checksum ${m.checksum}`);
        return 0;
      case '$closed':
        return 1;
    }
  },
});
