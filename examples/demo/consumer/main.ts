// Receives a block, reads it in place, answers with a checksum; the block is now its own.
import { defineProgram } from 'sing/runtime';
import { BlockDrop } from 'sing/contracts/blocks';

export default defineProgram({
  name: 'consumer',
  endpoints: { drop: BlockDrop.exp() },
  console: true,
  async main({ drop, abi, console }) {
    const m = await drop.receive();
    if (m.tag !== 'Put') return 1;
    let sum = 0;
    for (let i = 0; i < m.data.length; i++) sum = (sum + m.data.get(i)) | 0;
    console.log(`received ${m.data.length} bytes ("${m.data.readText(0, 16)}..."); I now own ${abi.heapUsage().bytes} bytes of the exchange heap`);
    m.ep.send('Got', { checksum: sum });
    m.data.free();
    return 0;
  },
});
