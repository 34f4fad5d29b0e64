// The domain benchmark's file client: asks a file server for files by number (cycling through
// `files` of them), for `warmMs` of warm-up, then for `ms` timed; reports ns per file served.
// Each file arrives as an exchange-heap block, which the client checks (length, first byte) and
// frees; a wrong file ends it with code 2. Timing is the client's own loop; the clock is read
// every 16 files only.
import { defineProgram, i32 } from 'sing/runtime';
import { Files, Result } from '../contracts.ts';

export default defineProgram({
  name: 'fileclient',
  parameters: { files: i32, size: i32, warmMs: i32, ms: i32 },
  endpoints: { server: Files.imp(), result: Result.exp() },
  async main({ server, result, params, abi }) {
    let idle = server;
    let i = 0;
    let t0 = abi.now();
    let end = t0 + params.warmMs;
    let timing = false;
    for (;;) {
      const n = i % params.files;
      const m = await idle.send('Get', { n }).receive();
      if (m.tag === '$closed') return 1;
      const ok = m.b.length === params.size && m.b.get(0) === n + 1;
      m.b.free();
      if (!ok) { m.ep.close(); return 2; }
      idle = m.ep;
      i++;
      if ((i & 15) !== 0) continue;
      const t = abi.now();
      if (t < end) continue;
      if (timing) {
        idle.close();
        result.send('Done', { ns: ((t - t0) * 1e6) / i, count: i });
        return 0;
      }
      timing = true;
      i = 0;
      t0 = t;
      end = t + params.ms;
    }
  },
});
