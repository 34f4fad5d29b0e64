// Web apps as SIPs behind the web server: the counter example answers JSON; an app that fails
// (throws, or breaks the WebApp protocol, or answers something unsendable) costs only its own
// requests, which get 502, including the ones in flight on its other channels, while the other
// apps and the static files carry on; the app started again is found by name on the next request;
// an app that does not answer in time gets 504.
// web-kit first: serve-static's modules must load before Sing locks the shared intrinsics down.
import { site, type Site } from './web-kit.ts';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { WebSession } from '../src/cli/web-session.ts';
import { filterKills, image, until } from './kit.ts';

// `path` says what it does: /boom throws, /slow answers after 300 ms, /rude answers twice (a
// protocol violation), /bad answers status 99, /hang answers after 5 s, anything else answers its pid.
const CRASHY = `
import { defineProgram, type Abi, type Exp, type Listener } from 'sing/runtime';
import { WebApp } from 'sing/contracts/web';

async function serve(client: Exp<typeof WebApp>, abi: Abi): Promise<void> {
  let idle = client.send('Ready');
  for (;;) {
    const r = await idle.receive();
    if (r.tag === '$closed') return;
    if (r.path === '/boom') throw new Error('boom: the app failed on purpose');
    if (r.path === '/slow') await abi.sleep(300);
    if (r.path === '/hang') await abi.sleep(5000);
    const text = 'pid ' + String(abi.pid());
    r.body.free();
    const out = abi.alloc(64);
    const n = out.writeText(text, 0);
    const status = r.path === '/bad' ? 99 : 200;
    const next = r.ep.send('Response', { status, head: r.head, headLength: 0, body: out, bodyLength: n });
    if (r.path === '/rude') {
      const extra = abi.alloc(1);
      const more = abi.alloc(1);
      (next as unknown as { send(t: string, p: object): unknown }).send('Response', { status: 200, head: extra, headLength: 0, body: more, bodyLength: 0 });
    }
    idle = next;
  }
}

async function accept(listener: Listener<typeof WebApp>, abi: Abi): Promise<void> {
  let l = listener;
  for (;;) {
    const m = await l.receive();
    if (m.tag === '$closed') return;
    abi.spawn(serve, m.client, abi);
    l = m.ep.send('Accept');
  }
}

export default defineProgram({
  name: 'crashy',
  exports: { web: WebApp.exp('/web/crashy') },
  resources: { exchangeHeap: '1MiB' },
  async main({ web, abi }) {
    await accept(web, abi);
    return 0;
  },
});
`;

let s: Site;
let web: WebSession;

before(async () => {
  filterKills();
  s = await site();
  web = await WebSession.start({ image: s.image, counter: true, params: { apps: '/counter=/web/counter,/crashy=/web/crashy', bodyTimeoutMs: 2000 } });
  web.kernel.install(await image('crashy', CRASHY));
});

after(async () => {
  await web?.close();
  if (s !== undefined) rmSync(s.dir, { recursive: true, force: true });
});

async function get(path: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
  const r = await fetch(web.url + path, init);
  return { status: r.status, text: await r.text() };
}

test('the counter app answers JSON: create, add, read, list, delete, refuse', async () => {
  assert.deepEqual(JSON.parse((await get('/counter/visits', { method: 'POST' })).text), { name: 'visits', count: 1 });
  assert.deepEqual(JSON.parse((await get('/counter/visits', { method: 'POST', body: '{"by": 41}' })).text), { name: 'visits', count: 42 });
  assert.deepEqual(JSON.parse((await get('/counter/visits')).text), { name: 'visits', count: 42 });
  assert.equal(JSON.parse((await get('/counter')).text).counters.visits, 42);
  const r = await fetch(`${web.url}/counter/visits`);
  assert.equal(r.headers.get('content-type'), 'application/json');
  await r.text();
  assert.equal((await get('/counter/visits', { method: 'POST', body: 'not json' })).status, 400);
  assert.equal((await get('/counter/visits', { method: 'PUT' })).status, 405);
  assert.equal((await get('/counter/visits', { method: 'DELETE' })).status, 200);
  assert.equal((await get('/counter/visits')).status, 404);
});

test('an app that is not running gets 502, and once started it is found by name', async () => {
  const down = await get('/crashy/hello');
  assert.equal(down.status, 502);
  assert.match(down.text, /\/web\/crashy is not running/);
  const p = web.kernel.spawn('crashy');
  await until(() => web.kernel.names.list().some((e) => e.path === '/web/crashy'), 'crashy to export its name');
  const up = await get('/crashy/hello');
  assert.equal(up.status, 200);
  assert.equal(up.text, `pid ${p.pid}`);
});

test('a failing app: its in-flight requests get 502, other apps and files carry on, a restart is bound again', async () => {
  if (!web.kernel.names.list().some((e) => e.path === '/web/crashy')) web.kernel.spawn('crashy');
  await until(() => web.kernel.names.list().some((e) => e.path === '/web/crashy'), 'crashy to export its name');
  const slow = get('/crashy/slow');
  await new Promise((r) => setTimeout(r, 50));
  const boom = await get('/crashy/boom');
  assert.equal(boom.status, 502);
  assert.equal((await slow).status, 502, 'the request in flight on another channel of the failed app');
  assert.equal((await get('/counter/other', { method: 'POST' })).status, 200);
  assert.equal((await get('/data.json')).status, 200);
  const again = web.kernel.spawn('crashy');
  await until(() => web.kernel.names.list().some((e) => e.path === '/web/crashy' && e.pid === again.pid), 'the restarted app to export its name');
  const r = await get('/crashy/hi');
  assert.equal(r.status, 200);
  assert.equal(r.text, `pid ${again.pid}`);
});

test('an app that breaks the protocol or answers an unsendable status gets 502; the server goes on', async () => {
  const p = web.kernel.names.list().some((e) => e.path === '/web/crashy') ? null : web.kernel.spawn('crashy');
  void p;
  await until(() => web.kernel.names.list().some((e) => e.path === '/web/crashy'), 'crashy to export its name');
  assert.equal((await get('/crashy/bad')).status, 502);
  const rude = await get('/crashy/rude');
  assert.ok(rude.status === 200 || rude.status === 502, `the first answer was complete (${rude.status})`);
  await until(() => !web.kernel.names.list().some((e) => e.path === '/web/crashy'), 'the rude app to be ended by the kernel');
  assert.equal((await get('/crashy/hi')).status, 502);
  assert.equal((await get('/a.txt')).status, 200);
});

test('an app that does not answer within the time given gets 504', async () => {
  if (!web.kernel.names.list().some((e) => e.path === '/web/crashy')) web.kernel.spawn('crashy');
  await until(() => web.kernel.names.list().some((e) => e.path === '/web/crashy'), 'crashy to export its name');
  const r = await get('/crashy/hang');
  assert.equal(r.status, 504);
  assert.equal((await get('/crashy/hi')).status, 200, 'a new channel serves the next request');
});
