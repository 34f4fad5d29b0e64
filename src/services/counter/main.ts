// The counter web app: a small JSON service behind the web server, the example of a tenant's
// handler running as its own SIP. It exports WebApp (sing/contracts/web) at /web/counter; the web
// server routes a prefix to it (`apps: '/counter=/web/counter'`).
// What it answers (paths are below the prefix): GET / lists every counter; GET /NAME gives one;
// POST /NAME adds 1, or the body's {"by": n} (a whole number, |n| <= 1e9); DELETE /NAME removes
// it. Names are 1-64 letters, digits, '-', '_' or '.'. Anything else is a 4xx with a JSON error.
// Invariants: each WebApp channel is served by its own thread, one request at a time; the
// request's blocks are freed or reused for the answer, so the app holds no block between requests.
import { defineProgram, type Abi, type Bytes, type Exp, type Listener } from 'sing/runtime';
import { WebApp } from 'sing/contracts/web';
import { handle, type Counters } from './counters.ts';

/** Writes `text` into `block` if it fits; otherwise frees it and allocates one that does. */
function fill(abi: Abi, block: Bytes, text: string): { readonly block: Bytes; readonly length: number } {
  const need = text.length * 3;
  if (need <= block.length) {
    const n = block.writeText(text, 0);
    return { block, length: n };
  }
  block.free();
  const b = abi.alloc(Math.max(1, need));
  const length = b.writeText(text, 0);
  return { block: b, length };
}

/** One channel from the web server, one request at a time. */
async function serve(client: Exp<typeof WebApp>, c: Counters, abi: Abi): Promise<void> {
  let idle = client.send('Ready');
  for (;;) {
    const r = await idle.receive();
    if (r.tag === '$closed') return;
    const body = r.bodyLength === 0 ? '' : r.body.readText(0, Math.min(r.bodyLength, r.body.length));
    const a = handle(c, r.method, r.path, body);
    const head = fill(abi, r.head, 'content-type: application/json\ncache-control: no-store\n');
    const out = fill(abi, r.body, a.json);
    idle = r.ep.send('Response', { status: a.status, head: head.block, headLength: head.length, body: out.block, bodyLength: out.length });
  }
}

async function accept(listener: Listener<typeof WebApp>, c: Counters, abi: Abi): Promise<void> {
  let l = listener;
  for (;;) {
    const m = await l.receive();
    if (m.tag === '$closed') return;
    abi.spawn(serve, m.client, c, abi);
    l = m.ep.send('Accept');
  }
}

export default defineProgram({
  name: 'counter',
  version: '1.0.0',
  category: 'service',
  exports: { web: WebApp.exp('/web/counter') },
  resources: { exchangeHeap: '1MiB' },
  console: true,
  async main({ web, abi, console }) {
    console.log('counter: serving /web/counter');
    await accept(web, { values: new Map() }, abi);
    return 0;
  },
});
