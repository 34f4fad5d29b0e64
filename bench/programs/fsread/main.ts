// The storage benchmark's sequential reader: reads the file at `path` from start to end `repeat`
// times in `chunk`-byte requests (one File channel per pass), and reports the time of all passes,
// the bytes read and the check of their first bytes. The volume may be the file-backed one at /fs
// or the RAM disk's at /rfs.
import { defineProgram, i32, str } from 'sing/runtime';
import { FsResult } from '../fskit/contracts.ts';
import { readWhole } from '../fskit/read.ts';

export default defineProgram({
  name: 'fsread',
  parameters: { path: str, chunk: i32, repeat: i32 },
  endpoints: { result: FsResult.exp() },
  resources: { exchangeHeap: '1MiB', files: { '/fs/**': 'read', '/rfs/**': 'read' } },
  async main({ result, params, abi }) {
    let buf = abi.alloc(params.chunk);
    let bytes = 0;
    let check = 0;
    const t0 = abi.now();
    for (let i = 0; i < params.repeat; i++) {
      const r = await readWhole(abi, params.path, buf, params.chunk);
      if (r.error !== null || r.buf === null) { r.buf?.free(); result.send('Failed', { reason: r.error ?? 'no buffer' }); return 1; }
      buf = r.buf;
      bytes += r.bytes;
      check = (check + r.check) % 1_000_000_007;
    }
    const ns = (abi.now() - t0) * 1e6;
    buf.free();
    result.send('Done', { ns, files: params.repeat, bytes, check });
    return 0;
  },
});
