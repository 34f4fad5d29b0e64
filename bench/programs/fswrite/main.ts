// The storage benchmark's sequential writer: creates `name` in the directory `dir` (which must not
// hold it), opens it for writing, writes `size` bytes in `chunk`-byte requests from one buffer,
// flushes (the volume and the disk: the host file's fsync) and closes; all of it timed. The
// buffer is filled before the clock starts. On failure, channels are closed without a Close.
import { defineProgram, f64, i32, str, type Exp } from 'sing/runtime';
import { Directory, File } from 'sing/contracts/fs';
import { FsResult } from '../fskit/contracts.ts';

function fail(result: Exp<typeof FsResult, 'Start'>, reason: string): number {
  result.send('Failed', { reason });
  return 1;
}

export default defineProgram({
  name: 'fswrite',
  parameters: { dir: str, name: str, size: f64, chunk: i32 },
  endpoints: { result: FsResult.exp() },
  resources: { exchangeHeap: '1MiB', files: { '/fs/bench/**': 'write' } },
  async main({ result, params, abi }) {
    let buf = abi.alloc(params.chunk);
    const pattern = new Uint8Array(params.chunk);
    for (let i = 0; i < pattern.length; i++) pattern[i] = (i * 7 + 1) & 0xff;
    buf.write(pattern, 0);
    const t0 = abi.now();
    const d = abi.channel(Directory);
    const r = await abi.bind(params.dir, d.exp);
    if (!r.ok) { d.imp.close(); buf.free(); return fail(result, `bind ${params.dir}: ${r.code}: ${r.reason}`); }
    const hello = await d.imp.receive();
    if (hello.tag !== 'Success') { buf.free(); return fail(result, `${params.dir}: the file system went away`); }
    const made = await hello.ep.send('CreateFile', { name: params.name }).receive();
    if (made.tag === '$closed') { buf.free(); return fail(result, `${params.dir}: the file system went away at CreateFile`); }
    if (made.tag === 'NakOp') { made.ep.close(); buf.free(); return fail(result, `create ${params.name}: ${made.code}: ${made.reason}`); }
    const fc = abi.channel(File);
    const o = await made.ep.send('OpenFile', { name: params.name, write: true, file: fc.exp }).receive();
    if (o.tag === '$closed') { fc.imp.close(); buf.free(); return fail(result, `${params.dir}: the file system went away at OpenFile`); }
    if (o.tag === 'NakOpenFile') { o.file.close(); o.ep.close(); fc.imp.close(); buf.free(); return fail(result, `open ${params.name}: ${o.code}: ${o.reason}`); }
    const dirClosed = await o.ep.send('Close').receive();
    if (dirClosed.tag === '$closed') { fc.imp.close(); buf.free(); return fail(result, `${params.dir}: the file system went away at Close`); }
    const fh = await fc.imp.receive();
    if (fh.tag !== 'Success') { buf.free(); return fail(result, `${params.name}: no Success`); }
    let f = fh.ep;
    let off = 0;
    while (off < params.size) {
      const n = Math.min(params.chunk, params.size - off);
      const w = await f.send('Write', { buf, bufOffset: 0, fileOffset: off, length: n }).receive();
      if (w.tag === '$closed') return fail(result, `${params.name}: the file system went away during a Write`);
      f = w.ep;
      buf = w.buf;
      if (w.tag === 'NakWrite') { buf.free(); f.close(); return fail(result, `write at ${off}: ${w.code}: ${w.reason}`); }
      if (w.bytesWritten <= 0) { buf.free(); f.close(); return fail(result, `write at ${off}: nothing written`); }
      off += w.bytesWritten;
    }
    buf.free();
    const fl = await f.send('Flush').receive();
    if (fl.tag === '$closed') return fail(result, `${params.name}: the file system went away at Flush`);
    if (fl.tag === 'NakFlush') { fl.ep.close(); return fail(result, `flush: ${fl.code}: ${fl.reason}`); }
    const closed = await fl.ep.send('Close').receive();
    if (closed.tag === '$closed') return fail(result, `${params.name}: the file system went away at Close`);
    const ns = (abi.now() - t0) * 1e6;
    result.send('Done', { ns, files: 1, bytes: off, check: 0 });
    return 0;
  },
});
