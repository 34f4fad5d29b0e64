// Network claims (`resources.network: { listen: [ports], connect: ['host:port'] }`): what a
// program may ask the network service for. The kernel reads them (destinations normalized) and
// refuses malformed ones; the verifier refuses them at install (SING6004); and the installer
// refuses a second program claiming a port to listen on (E_RESOURCE_CONFLICT, naming the first),
// while destinations to connect to are shared freely.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InstallError } from '../src/install/installer.ts';
import { SingError } from '../src/lib/error.ts';
import { VerifyError } from '../src/verifier/index.ts';
import { boot } from './kit.ts';
import { world } from './store-kit.ts';

/** A program that declares `network` (a TypeScript object literal) and exits 0. */
const claimer = (name: string, network: string): string => `import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: '${name}',
  resources: { network: ${network} },
  main() {
    return 0;
  },
});
`;

test('the kernel reads network claims, normalizing destinations, and refuses malformed ones', async () => {
  const b = await boot({ web: claimer('web', `{ listen: [8080, 8443], connect: ['127.0.0.1:6379', '[::1]:6380', 'localhost:80'] }`) });
  assert.deepEqual(b.k.manifestOf('web').network, { listen: [8080, 8443], connect: ['127.0.0.1:6379', '[::1]:6380', 'localhost:80'] });
  b.k.shutdown();
  for (const network of [`{ listen: [0] }`, `{ listen: [8080, 8080] }`, `{ connect: ['example.com:80'] }`, `{ connect: ['127.0.0.1'] }`, `{ listen: 8080 }`, `{ accept: [1] }`]) {
    const bad = await boot({ bad: claimer('bad', network) });
    assert.throws(() => bad.k.spawn('bad'), (e: unknown) => e instanceof SingError && e.code === 'E_MANIFEST' && /resources\.network/.test(e.message), network);
    bad.k.shutdown();
  }
});

test('the installer refuses a second listener on a port, names the first, and lets destinations be shared', async () => {
  const w = world();
  await w.installer.install(w.program('web', claimer('web', `{ listen: [8080], connect: ['127.0.0.1:6379'] }`)));
  await w.installer.install(w.program('cache-user', claimer('cache-user', `{ listen: [9090], connect: ['127.0.0.1:6379'] }`)));
  await assert.rejects(w.installer.install(w.program('rival', claimer('rival', `{ listen: [8443, 8080] }`))), (e: unknown) => {
    assert.ok(e instanceof InstallError, String(e));
    assert.equal(e.code, 'E_RESOURCE_CONFLICT');
    assert.match(e.message, /resources\.network\.listen: port 8080 is claimed by web/);
    return true;
  });
  assert.deepEqual(Object.keys(w.store.readSystem().programs).sort(), ['cache-user', 'web']);
  await w.installer.uninstall('web');
  await w.installer.install(w.program('rival', claimer('rival', `{ listen: [8443, 8080] }`)));
});

test('the verifier refuses a malformed network claim at install', async () => {
  const w = world();
  await assert.rejects(w.installer.install(w.program('bad', claimer('bad', `{ listen: [70000] }`))), (e: unknown) => {
    assert.ok(e instanceof VerifyError, String(e));
    assert.ok(e.diagnostics.some((d) => d.code === 'SING6004' && /resources\.network\.listen/.test(d.message)), JSON.stringify(e.diagnostics.map((d) => d.message)));
    return true;
  });
});
