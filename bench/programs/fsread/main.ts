// The storage benchmark's sequential reader: reads the file at `path` from start to end `repeat`
// times in `chunk`-byte requests (one File channel per pass), and reports the time of all passes,
// the bytes read and the check of their first bytes. The volume may be the file-backed one at /fs
// or the RAM disk's at /rfs.
import { defineProgram, i32, str } from 'sing/runtime';
import { FsResult } from '../fskit/contracts.ts';
import { readAll } from '../fskit/read.ts';

export default defineProgram({
  name: 'fsread',
  parameters: { path: str, chunk: i32, repeat: i32 },
  endpoints: { result: FsResult.exp() },
  resources: { exchangeHeap: '1MiB', files: { '/fs/**': 'read', '/rfs/**': 'read' } },
  async main({ result, params, abi }) {
    const t0 = abi.now();
    const r = await readAll(abi, Array.from({ length: params.repeat }, () => params.path), abi.alloc(params.chunk), params.chunk);
    const ns = (abi.now() - t0) * 1e6;
    const back = r.buf;
    if (back !== null) back.free();
    if (r.error !== null) { result.send('Failed', { reason: r.error }); return 1; }
    result.send('Done', { ns, files: params.repeat, bytes: r.bytes, check: r.check });
    return 0;
  },
});
