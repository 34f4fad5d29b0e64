// The domain benchmark's storage: holds `files` files of `size` bytes in its own memory (file n is
// filled with the byte n + 1) and answers each Read with a fresh exchange-heap block holding a
// copy of the file, as a disk cache would. Returns 0 when its client goes.
import { defineProgram, i32 } from 'sing/runtime';
import { Store } from '../contracts.ts';

export default defineProgram({
  name: 'filestore',
  parameters: { files: i32, size: i32 },
  endpoints: { ep: Store.exp() },
  resources: { exchangeHeap: '1MiB' },
  async main({ ep, params, abi }) {
    const cache: Uint8Array[] = [];
    for (let n = 0; n < params.files; n++) cache.push(new Uint8Array(params.size).fill(n + 1));
    let idle = ep;
    for (;;) {
      const m = await idle.receive();
      if (m.tag === '$closed') return 0;
      const file = cache[m.n];
      if (file === undefined) { m.ep.close(); return 1; }
      const b = abi.alloc(params.size);
      b.write(file);
      idle = m.ep.send('Data', { b });
    }
  },
});
