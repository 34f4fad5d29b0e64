// A CPU-bound web app, for the satellite-kernel benchmark: each request costs `work` rounds of
// integer mixing (about a millisecond with the benchmark's setting) and is answered 200 with the
// result. It registers WebApp at the name it is given, so that several instances (one per kernel)
// can serve one route (`/busy=/web/busy0+/web/busy1`); its code is the same wherever it runs.
// Invariants: each channel is served by its own thread, one request at a time; the request's
// blocks are reused or freed for the answer, so the app holds no block between requests.
import { defineProgram, i32, str, type Abi, type Bytes, type Exp, type Listener } from 'sing/runtime';
import { WebApp } from 'sing/contracts/web';

/** The work: `rounds` of multiply-xor mixing, seeded by the request. */
function mix(rounds: number, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < rounds; i++) h = (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + i) | 0;
  return h >>> 0;
}

/** Writes `text` into `block` if it fits; otherwise frees it and allocates one that does. */
function fill(abi: Abi, block: Bytes, text: string): { readonly block: Bytes; readonly length: number } {
  if (text.length <= block.length) {
    const n = block.writeText(text, 0);
    return { block, length: n };
  }
  block.free();
  const b = abi.alloc(Math.max(1, text.length));
  const length = b.writeText(text, 0);
  return { block: b, length };
}

async function serve(client: Exp<typeof WebApp>, rounds: number, abi: Abi): Promise<void> {
  let idle = client.send('Ready');
  for (;;) {
    const r = await idle.receive();
    if (r.tag === '$closed') return;
    const h = mix(rounds, r.path.length + r.bodyLength);
    const head = fill(abi, r.head, 'content-type: text/plain\n');
    const body = fill(abi, r.body, `${h}\n`);
    idle = r.ep.send('Response', { status: 200, head: head.block, headLength: head.length, body: body.block, bodyLength: body.length });
  }
}

async function accept(listener: Listener<typeof WebApp>, rounds: number, abi: Abi): Promise<void> {
  let l = listener;
  for (;;) {
    const m = await l.receive();
    if (m.tag === '$closed') return;
    abi.spawn(serve, m.client, rounds, abi);
    l = m.ep.send('Accept');
  }
}

export default defineProgram({
  name: 'busyapp',
  parameters: { name: str, rounds: i32 },
  resources: { exchangeHeap: '1MiB' },
  console: true,
  async main({ params, abi, console }) {
    const web = abi.register(params.name, WebApp);
    console.log(`busyapp: serving ${params.name}`);
    await accept(web, params.rounds, abi);
    return 0;
  },
});
