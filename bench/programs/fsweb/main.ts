// The storage benchmark's WebFiles client: reads its request list (one path below /fs per line,
// ASCII) from the volume, untimed; then, timed, for each request binds the file, reads it to its
// end in `chunk`-byte requests and closes it. Reports the time, the files and bytes read, and the
// check of the first bytes of every Read.
import { defineProgram, i32, str } from 'sing/runtime';
import { FsResult } from '../fskit/contracts.ts';
import { readWhole } from '../fskit/read.ts';

export default defineProgram({
  name: 'fsweb',
  parameters: { list: str, chunk: i32 },
  endpoints: { result: FsResult.exp() },
  resources: { exchangeHeap: '1MiB', files: { '/fs/**': 'read' } },
  async main({ result, params, abi }) {
    const text: string[] = [];
    const first = abi.alloc(params.chunk);
    const listed = await readWhole(abi, params.list, first, params.chunk, (data) => {
      for (let i = 0; i < data.length; i += 4096) text.push(String.fromCharCode(...data.subarray(i, Math.min(data.length, i + 4096))));
    });
    if (listed.error !== null || listed.buf === null) { listed.buf?.free(); result.send('Failed', { reason: listed.error ?? 'no buffer' }); return 1; }
    let buf = listed.buf;
    const paths = text.join('').split('\n').filter((p) => p !== '');
    let bytes = 0;
    let check = 0;
    const t0 = abi.now();
    for (const path of paths) {
      const r = await readWhole(abi, path, buf, params.chunk);
      if (r.error !== null || r.buf === null) { r.buf?.free(); result.send('Failed', { reason: r.error ?? 'no buffer' }); return 1; }
      buf = r.buf;
      bytes += r.bytes;
      check = (check + r.check) % 1_000_000_007;
    }
    const ns = (abi.now() - t0) * 1e6;
    buf.free();
    result.send('Done', { ns, files: paths.length, bytes, check });
    return 0;
  },
});
