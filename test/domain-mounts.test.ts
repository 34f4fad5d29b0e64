// Mounts made inside protection domains join the one directory the parent holds, as names do:
// a bind made in another domain reaches the mount with the access the binder's own manifest
// declares; a contract already mounted at that prefix elsewhere is refused after the fact (the
// mounter's listener closes); a library contract no manifest mentions can be mounted across; and
// the mount goes when its domain ends. (The domain conformance suite covers a mount bound from
// the kernel domain and from its own domain, for every domain kind.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Calculator } from 'sing/contracts/calculator';
import { openDomain, type Domain } from '../src/domains/domain-host.ts';
import { boot, ECHO_SERVER, image, until, within, type Booted } from './kit.ts';
import { Echo } from './fixtures/contracts.ts';
import { MOUNT_BINDER, MOUNT_SERVE } from './fixtures/mount-programs.ts';
import { status } from './places.ts';

// Mounts the library's Calculator (which no installed manifest mentions) at /test/calc and
// answers one client's Add.
const CALC_MOUNT = `
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';
export default defineProgram({
  name: 'calcmount',
  console: true,
  async main({ abi, console }) {
    const l = abi.mount('/test/calc', Calculator);
    const m = await l.receive();
    if (m.tag !== 'Connect') return 1;
    console.log('calc' + m.path + ' ' + m.access);
    const client = m.client;
    m.ep.send('Accept').close();
    const a = await client.send('Ready').receive();
    if (a.tag !== 'Add') return 2;
    const b = await a.ep.send('Sum', { value: a.a + a.b }).receive();
    if (b.tag === 'Bye') return 0;
    return 3;
  },
});`;

// The echo server's manifest names Echo, which is what lets Echo travel between domains (a
// contract crosses by fingerprint, looked up among the installed manifests' and the library's).
const PROGRAMS = { mountserve: MOUNT_SERVE, mntbinder: MOUNT_BINDER, calcmount: CALC_MOUNT, echo: ECHO_SERVER };

describe('mounts made inside protection domains', () => {
  let b: Booted;
  let worker: Domain;
  let proc: Domain;
  const mounts = (): string[] => b.k.names.list().filter((e) => e.mount).map((e) => `${e.path} ${e.contract}`).sort();
  before(async () => {
    b = await boot(PROGRAMS);
    const images = await Promise.all(Object.entries(PROGRAMS).map(([n, s]) => image(n, s)));
    const console = (l: Parameters<NonNullable<Parameters<typeof openDomain>[3]['console']>>[0]): void => { b.lines.push({ ...l }); };
    worker = openDomain(b.k, 'worker', images, { name: 'w', console });
    proc = openDomain(b.k, 'process', images, { name: 'p', console });
    await within(Promise.all([worker.ready, proc.ready]), 'the two domains', 30_000);
  });
  after(async () => {
    await Promise.all([worker.terminate(), proc.terminate()]);
    b.k.shutdown();
  });

  test('a bind from another domain reaches a mount made in a domain, with the access the binder declares', async () => {
    const m = worker.spawn('mountserve', { params: { clients: 1 } });
    await until(() => mounts().includes('/test/mnt TestEcho'), 'the worker\'s mount in the directory');
    const binder = proc.spawn('mntbinder');
    assert.equal((await status(binder, 'mntbinder in the process domain')).code, 0);
    assert.deepEqual(b.texts('mntbinder'), ['/test/mnt/closed/y: E_DENIED', '/test/mnt/open/x: 7']);
    assert.deepEqual(b.texts('mountserve'), ['/open/x read'], 'the undeclared path never reached the mounter');
    assert.equal((await status(m, 'mountserve')).code, 0);
    await until(() => !mounts().includes('/test/mnt TestEcho'), 'the mount gone with its program');
  });

  test('a contract already mounted at the prefix elsewhere is refused after the fact: the listener closes', async () => {
    const first = b.k.spawn('mountserve', { params: { clients: 1 } });
    await until(() => mounts().includes('/test/mnt TestEcho'), 'the kernel domain\'s mount');
    const second = worker.spawn('mountserve', { params: { clients: 1 } });
    assert.equal((await status(second, 'the second mounter')).code, 1, 'its listener closed');
    assert.deepEqual(b.k.names.list().filter((e) => e.mount).map((e) => e.pid), [first.pid], 'the first mount stays');
    first.stop();
    await status(first, 'the first mounter');
  });

  test('a library contract no installed manifest mentions can be mounted across domains', async () => {
    const m = proc.spawn('calcmount');
    await until(() => mounts().includes('/test/calc Calculator'), 'the Calculator mount');
    const ch = b.k.hostChannel(Calculator);
    assert.deepEqual(await within(b.k.names.bind(b.k.owner, '/test/calc/one', ch.exp)), { ok: true });
    const ready = await within(ch.imp.receive());
    assert.equal(ready.tag, 'Ready');
    if (ready.tag !== 'Ready') return;
    const sum = await within(ready.ep.send('Add', { a: 2, b: 40 }).receive());
    assert.equal(sum.tag === 'Sum' ? sum.value : -1, 42);
    if (sum.tag === 'Sum') sum.ep.send('Bye');
    assert.equal((await status(m, 'calcmount')).code, 0);
    assert.deepEqual(b.texts('calcmount'), ['calc/one write']);
  });

  test('a mount goes when its domain ends', async () => {
    worker.spawn('mountserve', { params: { clients: 5 } });
    await until(() => mounts().includes('/test/mnt TestEcho'), 'the worker\'s mount');
    await worker.terminate();
    await until(() => !mounts().includes('/test/mnt TestEcho'), 'the mount gone with its domain');
    const ch = b.k.hostChannel(Echo);
    const r = await within(b.k.names.bind(b.k.owner, '/test/mnt/x', ch.exp));
    assert.deepEqual([r.ok, r.ok ? '' : r.code], [false, 'E_NO_NAME']);
    ch.imp.close();
  });
});
