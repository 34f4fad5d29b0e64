// Fills a 64 KiB exchange-heap block and moves it to a consumer it starts. Then, on purpose, it
// touches the block it no longer owns: that ends the producer, and nobody else.
import { defineProgram } from 'sing/runtime';
import { BlockDrop } from 'sing/contracts/blocks';

export default defineProgram({
  name: 'producer',
  resources: { exchangeHeap: '64KiB' },
  console: true,
  async main({ abi, console }) {
    const data = abi.alloc(64 * 1024);
    data.writeText('hello from the exchange heap');
    console.log(`filled a ${data.length}-byte block; I own ${abi.heapUsage().bytes} bytes`);
    const { imp, exp } = abi.channel(BlockDrop);
    const consumer = abi.create('consumer', { endpoints: { drop: exp } });
    abi.start(consumer);
    const full = imp.send('Put', { data });
    console.log(`sent it (moved, not copied); I now own ${abi.heapUsage().bytes} bytes`);
    const m = await full.receive();
    if (m.tag === 'Got') console.log(`the consumer's checksum: ${m.checksum}`);
    await abi.join(consumer);
    console.log('now touching the block I gave away...');
    data.get(0);
    return 0;
  },
});
