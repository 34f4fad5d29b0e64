// Mount points (Singularity's reparse): a provider mounts a contract at a prefix and serves binds
// of any path below it that no exact name serves, learning the rest of the path; an exact name
// wins over a mount, the nearest mount wins over a farther one, each contract mounted at a prefix
// is served separately, and a mount goes when its provider ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boot, until, within, type Booted } from './kit.ts';
import { Echo, Box } from './fixtures/contracts.ts';

// Mounts Echo at `prefix`; for each client it logs the path it was given (and the access, unless
// write), refuses paths that end in /secret, and answers each Ping with the length of the path.
const MOUNTER = `
import { defineProgram, str, type Exp } from 'sing/runtime';
import { Echo } from './contracts.ts';
async function serve(ep: Exp<typeof Echo>, n: number): Promise<void> {
  let at = ep;
  for (;;) {
    const m = await at.receive();
    if (m.tag !== 'Ping') return;
    at = m.ep.send('Pong', { x: n });
  }
}
export default defineProgram({
  name: 'mounter',
  parameters: { prefix: str },
  console: true,
  async main({ abi, params, console }) {
    let l = abi.mount(params.prefix, Echo);
    for (;;) {
      const m = await l.receive();
      if (m.tag === '$closed') return 0;
      console.log(params.prefix + ' got ' + JSON.stringify(m.path) + (m.access === 'write' ? '' : ' ' + m.access));
      if (m.path.endsWith('/secret')) { l = m.ep.send('Refuse', { reason: 'no such file', client: m.client }); continue; }
      abi.spawn(serve, m.client, m.path.length);
      l = m.ep.send('Accept');
    }
  },
});`;

// Registers Echo at exactly /fs/exact.
const EXACT = `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'exact',
  exports: { ep: Echo.exp('/fs/exact') },
  async main({ ep }) {
    let l = ep;
    for (;;) {
      const m = await l.receive();
      if (m.tag === '$closed') return 0;
      const client = m.client;
      l = m.ep.send('Accept');
      const c = await client.receive();
      if (c.tag === 'Ping') c.ep.send('Pong', { x: -1 });
    }
  },
});`;

async function ping(b: Booted, path: string): Promise<number | string> {
  const ch = b.k.hostChannel(Echo);
  const r = await within(b.k.names.bind(b.k.owner, path, ch.exp));
  if (!r.ok) return r.code;
  const m = await within(ch.imp.send('Ping', { x: 0 }).receive());
  return m.tag === 'Pong' ? m.x : m.tag;
}

async function bindBox(b: Booted, path: string): Promise<string> {
  const ch = b.k.hostChannel(Box);
  const r = await within(b.k.names.bind(b.k.owner, path, ch.exp));
  return r.ok ? 'bound' : r.code;
}

test('a mount serves the paths below it with the rest of the path; exact names and nearer mounts win', async () => {
  const b = await boot({ mounter: MOUNTER, exact: EXACT });
  const fs = b.k.spawn('mounter', { params: { prefix: '/fs' } });
  const www = b.k.spawn('mounter', { params: { prefix: '/fs/www' } });
  b.k.spawn('exact');
  await until(() => b.k.names.list().filter((e) => e.mount).length === 2 && b.k.names.list().some((e) => e.path === '/fs/exact'), 'two mounts and a name');
  assert.equal(await ping(b, '/fs/docs/readme.txt'), '/docs/readme.txt'.length);
  assert.equal(await ping(b, '/fs'), 0, 'the prefix itself is the mount\'s, with an empty rest');
  assert.equal(await ping(b, '/fs/www/index.html'), '/index.html'.length, 'the nearer mount serves it');
  assert.equal(await ping(b, '/fs/exact'), -1, 'an exact name wins over a mount');
  assert.equal(await ping(b, '/fs/www/secret'), 'E_REFUSED');
  assert.equal(await ping(b, '/other/x'), 'E_NO_NAME');
  assert.equal(await bindBox(b, '/fs/docs'), 'E_NO_NAME', 'a mount serves only the contract it mounted');
  assert.deepEqual(b.k.ps().find((p) => p.pid === fs.pid)?.names, ['/fs (mount)']);
  assert.deepEqual(b.texts('mounter').sort(), ['/fs got ""', '/fs got "/docs/readme.txt"', '/fs/www got "/index.html"', '/fs/www got "/secret"']);
  www.stop();
  await within(www.join());
  assert.equal(await ping(b, '/fs/www/index.html'), '/www/index.html'.length, 'with the nearer mount gone, the farther one serves');
  fs.stop();
  await within(fs.join());
  assert.equal(await ping(b, '/fs/www/index.html'), 'E_NO_NAME');
  assert.equal(b.k.names.list().filter((e) => e.mount).length, 0);
});

test('mounting a contract twice at one prefix is refused; a bad prefix too', async () => {
  const b = await boot({ mounter: MOUNTER });
  b.k.spawn('mounter', { params: { prefix: '/fs' } });
  await until(() => b.k.names.list().some((e) => e.mount), 'the mount');
  const second = b.k.spawn('mounter', { params: { prefix: '/fs' } });
  const st = await within(second.join());
  assert.deepEqual([st.state, st.error?.code], ['failed', 'E_NAME_TAKEN']);
  const bad = b.k.spawn('mounter', { params: { prefix: 'fs' } });
  assert.equal((await within(bad.join())).error?.code, 'E_NAME_PATH');
});

// Binds each path it is given and reports what came of it.
const BINDER = `
import { defineProgram, str } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'binder',
  parameters: { paths: str },
  resources: { files: { '/fs/www/**': 'read', '/fs/www/upload': 'write', '/fs/data.txt': 'write' } },
  console: true,
  async main({ abi, params, console }) {
    for (const path of params.paths.split(' ')) {
      const c = abi.channel(Echo);
      const r = await abi.bind(path, c.exp);
      console.log(path + ': ' + (r.ok ? 'ok' : r.code));
      c.imp.close();
    }
    return 0;
  },
});`;

test('a process binds only the mounted paths its manifest declares, with the access it declares', async () => {
  const b = await boot({ mounter: MOUNTER, binder: BINDER });
  b.k.spawn('mounter', { params: { prefix: '/fs' } });
  await until(() => b.k.names.list().some((e) => e.mount), 'the mount');
  const paths = ['/fs/www/index.html', '/fs/www', '/fs/www/upload', '/fs/data.txt', '/fs/etc/passwd', '/fs', '/fs/wwwx'];
  const p = b.k.spawn('binder', { params: { paths: paths.join(' ') } });
  assert.equal((await within(p.join())).code, 0);
  assert.deepEqual(b.texts('binder'), [
    '/fs/www/index.html: ok', '/fs/www: ok', '/fs/www/upload: ok', '/fs/data.txt: ok', '/fs/etc/passwd: E_DENIED', '/fs: E_DENIED', '/fs/wwwx: E_DENIED',
  ]);
  assert.deepEqual(b.texts('mounter'), ['/fs got "/www/index.html" read', '/fs got "/www" read', '/fs got "/www/upload"', '/fs got "/data.txt"']);
});
