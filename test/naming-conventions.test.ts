// allowMultiple naming conventions (Singularity's `/dev/disk` → /dev/disk0, /dev/disk1, ...):
// a manifest export of a taken member of a family takes the family's lowest free member, so one
// driver image serves several devices; the host learns which name each process got; names outside
// a family are still refused when taken; the install store's conventions mark families the
// installer lets several programs export, and `sing run` hands them to the kernel it boots.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiskDevice } from 'sing/contracts/disk';
import type { Imp } from 'sing/runtime';
import { compileImage, DEFAULT_ALLOW_MULTIPLE, Kernel, type ImageSource, type Spawned } from '../src/index.ts';
import { openDomain } from '../src/domains/domain-host.ts';
import { InstallError } from '../src/install/installer.ts';
import { runInstalled } from '../src/install/runner.ts';
import { checkSystemJson } from '../src/install/system.ts';
import { SingError } from '../src/lib/error.ts';
import { image, until, within } from './kit.ts';
import { ADDER, calcAs, world, type World } from './store-kit.ts';

const SERVICES = fileURLToPath(new URL('../src/services', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sing-naming-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });

/** Its names once it has registered its exports (they are registered on its first turn). */
async function namesOf(s: Spawned, what: string): Promise<string[]> {
  await until(() => s.names().length > 0 || s.state !== 'running', `${what}'s names`);
  return s.names();
}

async function connect(k: Kernel, path: string): Promise<Imp<typeof DiskDevice, 'Ready'>> {
  const c = k.hostChannel(DiskDevice);
  assert.deepEqual(await within(k.names.bind(k.owner, path, c.exp)), { ok: true }, `bind ${path}`);
  const m = await within(c.imp.receive());
  if (m.tag !== 'Success') throw new Error(`${path}: no Success`);
  return m.ep;
}

/** What the driver at `path` says of itself: its device name and sector count. */
async function describe(k: Kernel, path: string): Promise<[string, number]> {
  const ep = await connect(k, path);
  const name = await within(ep.send('GetDeviceName').receive());
  if (name.tag !== 'AckGetDeviceName') throw new Error(`${path}: no name`);
  const count = await within((name.ep as typeof ep).send('GetSectorCount').receive());
  if (count.tag !== 'AckGetSectorCount') throw new Error(`${path}: no count`);
  count.ep.close();
  return [name.name, count.sectorCount];
}

let diskImage: Promise<ImageSource> | undefined;
const disk = (): Promise<ImageSource> => (diskImage ??= compileImage('disk', { root: SERVICES, entry: 'disk/main.ts' }));

test('two disk drivers from one image get /dev/disk0 and /dev/disk1, and both serve', async () => {
  const k = new Kernel({ console: () => undefined });
  try {
    k.install(await disk());
    const files = [join(dir, 'a.img'), join(dir, 'b.img')];
    writeFileSync(files[0] as string, Buffer.alloc(64 * 512));
    writeFileSync(files[1] as string, Buffer.alloc(128 * 512));
    const a = k.spawn('disk', { params: { name: 'first', readOnly: false }, host: { disk: files[0] as string } });
    assert.deepEqual(await namesOf(a, 'the first driver'), ['/dev/disk0']);
    const b = k.spawn('disk', { params: { name: 'second', readOnly: false }, host: { disk: files[1] as string } });
    assert.deepEqual(await namesOf(b, 'the second driver'), ['/dev/disk1'], 'the second instance is numbered anew');
    assert.equal(b.state, 'running');
    assert.deepEqual(await describe(k, '/dev/disk0'), ['first', 64]);
    assert.deepEqual(await describe(k, '/dev/disk1'), ['second', 128]);
    assert.deepEqual(k.names.list().filter((e) => e.path.startsWith('/dev/disk')).map((e) => [e.path, e.pid]).sort(), [['/dev/disk0', a.pid], ['/dev/disk1', b.pid]]);
    assert.deepEqual(k.ps().find((p) => p.pid === b.pid)?.names, ['/dev/disk1']);
  } finally {
    k.shutdown();
  }
});

// Provides `/test/svc0` (a member of the family /test/svc when the kernel says so). MANUAL
// registers /test/svc0 itself through the ABI instead.
const SVC = `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'svc',
  exports: { ep: Echo.exp('/test/svc0') },
  async main({ ep }) {
    let l = ep;
    for (;;) {
      const m = await l.receive();
      if (m.tag === '$closed') return 0;
      m.client.close();
      l = m.ep.send('Accept');
    }
  },
});`;
const MANUAL = `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'manual',
  main({ abi }) {
    abi.register('/test/svc0', Echo).close();
    return 0;
  },
});`;

test('the lowest free member is taken; abi.register and names outside a family are not numbered', async () => {
  const k = new Kernel({ console: () => undefined, naming: { allowMultiple: ['/test/svc'] } });
  try {
    k.install(await image('svc', SVC));
    k.install(await image('manual', MANUAL));
    const one = k.spawn('svc');
    const two = k.spawn('svc');
    const three = k.spawn('svc');
    assert.deepEqual([await namesOf(one, 'one'), await namesOf(two, 'two'), await namesOf(three, 'three')], [['/test/svc0'], ['/test/svc1'], ['/test/svc2']]);
    two.stop();
    await within(two.join());
    assert.deepEqual(two.names(), [], 'an ended process provides nothing');
    const four = k.spawn('svc');
    assert.deepEqual(await namesOf(four, 'four'), ['/test/svc1'], 'the lowest free member, not the next after the highest');
    const manual = await within(k.spawn('manual').join());
    assert.deepEqual([manual.state, manual.error?.code], ['failed', 'E_NAME_TAKEN'], 'a name the program registers itself is exactly the one it asks for');
  } finally {
    k.shutdown();
  }
  // The same program under a kernel without that family: the second instance cannot start.
  const plain = new Kernel({ console: () => undefined });
  try {
    plain.install(await image('svc', SVC));
    const first = plain.spawn('svc');
    assert.deepEqual(await namesOf(first, 'first'), ['/test/svc0']);
    const st = await within(plain.spawn('svc').join());
    assert.deepEqual([st.state, st.reason, st.error?.code], ['failed', 'start', 'E_NAME_TAKEN']);
    assert.match(st.error?.message ?? '', /\/test\/svc0.*already provided by process svc\[/);
  } finally {
    plain.shutdown();
  }
});

test('the default families are /dev/disk and /dev/ramdisk; a host may give others, or none; a family must be a path', async () => {
  assert.deepEqual([...DEFAULT_ALLOW_MULTIPLE], ['/dev/disk', '/dev/ramdisk']);
  const ramdisk = await compileImage('ramdisk', { root: SERVICES, entry: 'ramdisk/main.ts' });
  const ramdisks = async (k: Kernel): Promise<[string[], string]> => {
    try {
      k.install(ramdisk);
      const a = k.spawn('ramdisk', { params: { name: '', sizeKiB: 16 } });
      await namesOf(a, 'the first RAM disk');
      const b = k.spawn('ramdisk', { params: { name: '', sizeKiB: 16 } });
      await until(() => b.names().length > 0 || b.state !== 'running', 'the second RAM disk');
      return [[...a.names(), ...b.names()], b.state === 'running' ? 'running' : (await within(b.join())).error?.code ?? b.state];
    } finally {
      k.shutdown();
    }
  };
  assert.deepEqual(await ramdisks(new Kernel({ console: () => undefined })), [['/dev/ramdisk0', '/dev/ramdisk1'], 'running']);
  assert.deepEqual(await ramdisks(new Kernel({ console: () => undefined, naming: { allowMultiple: [] } })), [['/dev/ramdisk0'], 'E_NAME_TAKEN']);
  for (const bad of [['dev/disk'], ['/dev/disk/'], [7]]) {
    assert.throws(() => new Kernel({ naming: { allowMultiple: bad as string[] } }), (e: unknown) => e instanceof SingError && e.code === 'E_NAME_FAMILY' && /naming\.allowMultiple\[0\]/.test(e.message));
  }
});

test('a domain\'s kernel numbers the families its parent names', async () => {
  const k = new Kernel({ console: () => undefined, naming: { allowMultiple: ['/test/svc'] } });
  const svc = await image('svc', SVC);
  k.install(svc);
  const d = openDomain(k, 'worker', [svc], { name: 'fam' });
  try {
    await within(d.ready, 'the worker domain', 30_000);
    const a = d.spawn('svc');
    const b = d.spawn('svc');
    await within(Promise.all([a.pid, b.pid]));
    await until(() => k.names.list().filter((e) => e.path.startsWith('/test/svc')).length === 2, 'both published');
    assert.deepEqual(k.names.list().map((e) => e.path).filter((p) => p.startsWith('/test/svc')).sort(), ['/test/svc0', '/test/svc1']);
  } finally {
    await d.terminate();
    k.shutdown();
  }
});

// ---- the install store ----

/** A program exporting another contract (DiskDevice) at `path`. */
const wrongContract = (name: string, path: string): string => `import { defineProgram } from 'sing/runtime';
import { DiskDevice } from 'sing/contracts/disk';

export default defineProgram({
  name: '${name}',
  exports: { dev: DiskDevice.exp('${path}') },
  main({ dev }) {
    dev.close();
    return 0;
  },
});
`;

async function refusedWith(code: string, act: () => Promise<unknown>): Promise<InstallError> {
  try {
    await act();
  } catch (e) {
    assert.ok(e instanceof InstallError, String(e));
    assert.equal(e.code, code, e.message);
    return e;
  }
  return assert.fail(`expected ${code}`);
}

test('install: members of an allowMultiple family may have several exporters, each with the family\'s contract; other paths stay owned', async () => {
  const w: World = world();
  w.store.writeSystem({ ...w.store.readSystem(), naming: { '/dev/calc': { contract: 'Calculator', allowMultiple: true }, '/dev/once': { contract: 'Calculator' } } });
  await w.installer.install(w.program('calca', calcAs('calca', '/dev/calc0')));
  await w.installer.install(w.program('calcb', calcAs('calcb', '/dev/calc0')));
  assert.equal(w.store.readSystem().naming['/dev/calc0']?.program, 'calca', 'the first exporter keeps the entry');
  const wrong = await refusedWith('E_UNKNOWN_CONTRACT', () => w.installer.install(w.program('wrong', wrongContract('wrong', '/dev/calc3'))));
  assert.match(wrong.message, /the family \/dev\/calc \(allowMultiple\)/);
  const taken = await refusedWith('E_UNKNOWN_CONTRACT', () => w.installer.install(w.program('wrong2', wrongContract('wrong2', '/dev/calc0'))));
  assert.match(taken.message, /calca exports Calculator at \/dev\/calc0, not DiskDevice/);
  // Not a family (no allowMultiple), and a family's own path: one exporter each.
  await w.installer.install(w.program('oncea', calcAs('oncea', '/dev/once0')));
  const owned = await refusedWith('E_PATH_OWNED', () => w.installer.install(w.program('onceb', calcAs('onceb', '/dev/once0'))));
  assert.match(owned.message, /\/dev\/once0 is already exported by oncea/);
  await w.installer.install(w.program('fama', calcAs('fama', '/dev/calc')));
  await refusedWith('E_PATH_OWNED', () => w.installer.install(w.program('famb', calcAs('famb', '/dev/calc'))));
  // An importer of the member is served while either exporter stays: the entry passes to the
  // remaining one, and only the last one's uninstall is refused.
  await w.installer.install(w.program('user', ADDER.replace("name: 'adder'", "name: 'user'").replace("'/service/calc'", "'/dev/calc0'")));
  await w.installer.uninstall('calca');
  assert.equal(w.store.readSystem().naming['/dev/calc0']?.program, 'calcb');
  await refusedWith('E_IN_USE', () => w.installer.uninstall('calcb'));
  await w.installer.uninstall('user');
  // The convention keeps its allowMultiple when the program that filled it goes.
  await w.installer.uninstall('fama');
  assert.deepEqual(w.store.readSystem().naming['/dev/calc'], { contract: 'Calculator', convention: true, allowMultiple: true });
  await w.installer.uninstall('calcb');
  assert.equal(w.store.readSystem().naming['/dev/calc0'], undefined);
});

test('system.json: allowMultiple is true or false, and only on a convention', () => {
  const sys = (naming: unknown): unknown => ({ schema: 1, programs: { p: { version: '1.0.0', image: 'a'.repeat(64), manifest: 'b'.repeat(64) } }, naming, boot: [], domains: {}, policy: { trusted: [] } });
  assert.deepEqual(checkSystemJson(sys({ '/dev/x': { contract: 'C', allowMultiple: true } })), []);
  assert.deepEqual(checkSystemJson(sys({ '/dev/x': { contract: 'C', program: 'p', convention: true, allowMultiple: true } })), []);
  assert.deepEqual(checkSystemJson(sys({ '/dev/x': { contract: 'C', allowMultiple: 'yes' } })), ['naming./dev/x.allowMultiple: must be true or false']);
  assert.match(checkSystemJson(sys({ '/dev/x': { contract: 'C', program: 'p', allowMultiple: true } })).join('\n'), /naming\.\/dev\/x\.allowMultiple: only a convention/);
});

// A Calculator at /dev/calc0 whose sums are off by `bias` (so a client can tell instances apart).
const CALC_SVC = `import { defineProgram, i32, type Exp, type Listener } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

async function serve(ep: Exp<typeof Calculator>, bias: number): Promise<void> {
  let idle = ep.send('Ready');
  for (;;) {
    const m = await idle.receive();
    switch (m.tag) {
      case 'Add': idle = m.ep.send('Sum', { value: (m.a + m.b + bias) | 0 }); break;
      case 'Bye': m.ep.close(); return;
      case '$closed': return;
    }
  }
}

export default defineProgram({
  name: 'calcsvc',
  parameters: { bias: i32 },
  exports: { calc: Calculator.exp('/dev/calc0') },
  async main({ calc, abi, params }) {
    let listener: Listener<typeof Calculator> = calc;
    for (;;) {
      const m = await listener.receive();
      if (m.tag === '$closed') return 0;
      abi.spawn(serve, m.client, params.bias);
      listener = m.ep.send('Accept');
    }
  },
});
`;

// Binds the Calculator at --path and prints a + b as it answers, or why the bind failed.
const CALC_USER = `import { defineProgram, i32, str } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: 'calcuser',
  parameters: { path: str, a: i32, b: i32 },
  console: true,
  async main({ abi, params, console }) {
    const c = abi.channel(Calculator);
    const r = await abi.bind(params.path, c.exp);
    if (!r.ok) {
      console.log(r.code);
      c.imp.close();
      return 1;
    }
    const ready = await c.imp.expect('Ready');
    const m = await ready.ep.send('Add', { a: params.a, b: params.b }).receive();
    switch (m.tag) {
      case 'Sum': console.log(String(m.value)); m.ep.send('Bye'); return 0;
      case '$closed': return 1;
    }
  },
});
`;

test('sing run gives the kernel the system\'s allowMultiple families: one program booted twice serves /dev/calc0 and /dev/calc1', async () => {
  const w = world();
  await w.installer.install(w.program('calcsvc', CALC_SVC));
  await w.installer.install(w.program('calcuser', CALC_USER));
  const run = async (): Promise<{ code: number; lines: string[]; log: string[] }> => {
    const lines: string[] = [];
    const log: string[] = [];
    const st = await within(runInstalled(w.store, 'calcuser', {
      params: { path: '/dev/calc1', a: '2', b: '40' },
      console: ({ program, text }) => { lines.push(`${program}: ${text}`); },
      log: (l) => { log.push(l); },
    }), 'run calcuser', 30_000);
    return { code: st.code, lines, log };
  };
  const boot = [{ program: 'calcsvc', params: { bias: 0 } }, { program: 'calcsvc', params: { bias: 100 } }];
  w.store.writeSystem({ ...w.store.readSystem(), boot });
  const without = await run();
  assert.deepEqual([without.code, without.lines], [1, ['calcuser: E_NO_NAME']]);
  assert.ok(without.log.some((l) => /\[boot\] calcsvc\[\d+\] failed \(start\): .*\/dev\/calc0.*already provided/.test(l)), without.log.join('\n'));
  w.store.writeSystem({ ...w.store.readSystem(), naming: { ...w.store.readSystem().naming, '/dev/calc': { contract: 'Calculator', allowMultiple: true } } });
  const ran = await run();
  assert.deepEqual([ran.code, ran.lines], [0, ['calcuser: 142']], 'the second instance (bias 100) serves /dev/calc1');
});
