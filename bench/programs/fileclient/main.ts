// The domain benchmark's file client: asks a file server for files by number (cycling through
// `files` of them), for `warmMs` of warm-up, then for `ms` timed; reports ns per file served.
// Each file arrives as an exchange-heap block, which the client checks (length, first byte) and
// frees; a wrong file ends it with code 2. Timing is the client's own loop; the clock is read
// every 16 files only.
import { defineProgram, i32 } from 'sing/runtime';
import { Files, Result } from '../contracts.ts';
import { Stopwatch } from '../stopwatch.ts';

export default defineProgram({
  name: 'fileclient',
  parameters: { files: i32, size: i32, warmMs: i32, ms: i32 },
  endpoints: { server: Files.imp(), result: Result.exp() },
  async main({ server, result, params, abi }) {
    let idle = server;
    const sw = new Stopwatch(() => abi.now(), params.warmMs, params.ms, 16);
    for (;;) {
      const n = sw.count % params.files;
      const m = await idle.send('Get', { n }).receive();
      if (m.tag === '$closed') return 1;
      const ok = m.b.length === params.size && m.b.get(0) === n + 1;
      m.b.free();
      if (!ok) { m.ep.close(); return 2; }
      idle = m.ep;
      const ns = sw.tick();
      if (ns < 0) continue;
      idle.close();
      result.send('Done', { ns, count: sw.count });
      return 0;
    }
  },
});
