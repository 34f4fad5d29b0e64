// The storage benchmark's WebFiles client: reads its request list (one path below /fs per line,
// ASCII) from the volume, untimed; then, timed, for each request binds the file, reads it to its
// end in `chunk`-byte requests and closes it. Reports the time, the files and bytes read, and the
// check of the first bytes of every Read.
import { defineProgram, i32, str } from 'sing/runtime';
import { FsResult } from '../fskit/contracts.ts';
import { readAll, readWhole } from '../fskit/read.ts';

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
    const paths = text.join('').split('\n').filter((p) => p !== '');
    const t0 = abi.now();
    const r = await readAll(abi, paths, listed.buf, params.chunk);
    const ns = (abi.now() - t0) * 1e6;
    const back = r.buf;
    if (back !== null) back.free();
    if (r.error !== null) { result.send('Failed', { reason: r.error }); return 1; }
    result.send('Done', { ns, files: paths.length, bytes: r.bytes, check: r.check });
    return 0;
  },
});
