// Installer, system manifest and `sing run` scenarios, through their public interfaces
// (Installer, InstallStore, runInstalled, Kernel): install/list/run/uninstall, every refusal, store
// tampering, manifest agreement at run, host resources at start, boot order and parameters.
// Rules: each test writes its program folders and its own install store into a fresh temp dir;
// every refusal asserts its code AND that the store did not change (system.json byte-identical, no
// image or manifest added). Test programs are clean, correct programs (what the verifier accepts).
// Invariants checked: a refusal or a crash leaves nothing half-installed; what runs is exactly what
// was installed (hashes and manifests checked at load); host resources are claimed per process.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Kernel, compileImage } from '../src/index.ts';
import { Installer, InstallError } from '../src/install/installer.ts';
import { runInstalled } from '../src/install/runner.ts';
import { InstallStore } from '../src/install/store.ts';
import { Calculator } from '../src/contracts/lib/calculator.ts';
import { SingError } from '../src/lib/error.ts';
import type { ExitStatus } from '../src/runtime/abi.ts';
import { VerifyError } from '../src/verifier/index.ts';
import { within } from './kit.ts';

// ---- programs ----

const CALC = readFileSync(new URL('../examples/demo/calc/main.ts', import.meta.url), 'utf8');
const ADDER = readFileSync(new URL('../examples/demo/adder/main.ts', import.meta.url), 'utf8');

/** A program that prints one line and exits with 0. */
const hello = (version: string, text: string, name = 'hello'): string => `import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: '${name}',
  version: '${version}',
  console: true,
  main({ console }) {
    console.log('${text}');
    return 0;
  },
});
`;

/** A type error on line 6, column 11 (the declared name). */
const BROKEN = `import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'broken',
  main() {
    const n: number = 'not a number';
    return n;
  },
});
`;

/** A one-shot contract of the program's own; `name` is its declared contract name. */
const pingerContract = (name: string): string => `import { contract, inn, out, END } from 'sing/runtime';

export const Pinger = contract('${name}', {
  messages: { Ping: inn(), Pong: out() },
  initial: 'Idle',
  states: { Idle: { Ping: 'Busy' }, Busy: { Pong: END } },
});
`;

/** A client of its own Pinger contract, imported from `path`. */
const pinger = (name: string, path: string, contractName = 'Pinger'): Record<string, string> => ({
  'contracts.ts': pingerContract(contractName),
  'main.ts': `import { defineProgram } from 'sing/runtime';
import { Pinger } from './contracts.ts';

export default defineProgram({
  name: '${name}',
  imports: { svc: Pinger.imp('${path}') },
  async main({ svc }) {
    const m = await svc.send('Ping').receive();
    switch (m.tag) {
      case 'Pong': m.ep.close(); return 0;
      case '$closed': return 1;
    }
  },
});
`,
});

/** A provider of its own Pinger contract at `path`. */
const pingService = (name: string, path: string): Record<string, string> => ({
  'contracts.ts': pingerContract('Pinger'),
  'main.ts': `import { defineProgram, type Exp, type Listener } from 'sing/runtime';
import { Pinger } from './contracts.ts';

async function serve(ep: Exp<typeof Pinger>): Promise<void> {
  const m = await ep.receive();
  switch (m.tag) {
    case 'Ping': m.ep.send('Pong'); return;
    case '$closed': return;
  }
}

export default defineProgram({
  name: '${name}',
  exports: { svc: Pinger.exp('${path}') },
  async main({ svc, abi }) {
    let listener: Listener<typeof Pinger> = svc;
    for (;;) {
      const m = await listener.receive();
      if (m.tag === '$closed') return 0;
      abi.spawn(serve, m.client);
      listener = m.ep.send('Accept');
    }
  },
});
`,
});

/** The demo calculator under another name (and, optionally, another path). */
const calcAs = (name: string, path = '/service/calc', version = '0.0.0'): string =>
  CALC.replace("name: 'calc'", `name: '${name}', version: '${version}'`).replace("'/service/calc'", `'${path}'`);

/** A program that only declares one host resource `disk` (given as TypeScript source). */
const withResource = (name: string, resource: string): string => `import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: '${name}',
  resources: { host: { disk: ${resource} } },
  main() {
    return 0;
  },
});
`;

const fileRes = (path: string, exclusive?: boolean): string =>
  `{ kind: 'file', path: ${JSON.stringify(path)}${exclusive === undefined ? '' : `, exclusive: ${String(exclusive)}`} }`;

/** Prints what abi.resource('disk') returns, then tries abi.resource(<probe>) and prints the outcome.
 * (The probe key is a parameter: a literal undeclared key is the verifier's to refuse, SING6015.) */
const diskUser = (path: string): string => `import { defineProgram, str } from 'sing/runtime';

export default defineProgram({
  name: 'diskuser',
  parameters: { probe: str },
  console: true,
  resources: { host: { disk: { kind: 'file', path: ${JSON.stringify(path)} } } },
  main({ abi, params, console }) {
    console.log(\`disk \${JSON.stringify(abi.resource('disk'))}\`);
    try {
      const r = abi.resource(params.probe);
      console.log(\`probe granted \${r.key}\`);
    } catch (e) {
      console.log(\`probe refused \${typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : String(e)}\`);
    }
    return 0;
  },
});
`;

/** Declares a TCP port and exits at once. */
const webServer = (port: number): string => `import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'web',
  console: true,
  resources: { host: { web: { kind: 'tcp', port: ${port} } } },
  main({ abi, console }) {
    console.log(\`port \${abi.resource('web').target}\`);
    return 0;
  },
});
`;

/** Holds a host resource while it serves one Calculator client on its startup endpoint. */
const holder = (name: string, resource: string): string => `import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

export default defineProgram({
  name: '${name}',
  endpoints: { ctl: Calculator.exp() },
  resources: { host: { disk: ${resource} } },
  async main({ ctl }) {
    let idle = ctl.send('Ready');
    for (;;) {
      const m = await idle.receive();
      switch (m.tag) {
        case 'Add': idle = m.ep.send('Sum', { value: (m.a + m.b) | 0 }); break;
        case 'Bye': m.ep.close(); return 0;
        case '$closed': return 1;
      }
    }
  },
});
`;

const NEEDY = `import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'needy',
  dependencies: ['calc'],
  console: true,
  main({ console }) {
    console.log('needy ran');
    return 0;
  },
});
`;

const TRUSTY = `import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'trusty',
  trusted: true,
  console: true,
  main({ console }) {
    console.log('trusted and running');
    return 0;
  },
});
`;

// ---- the world of one test ----

interface World {
  readonly base: string;
  readonly storeDir: string;
  readonly store: InstallStore;
  readonly installer: Installer;
  /** Writes a program folder under base/src/<name> and returns its path. */
  program(name: string, src: string | Readonly<Record<string, string>>): string;
}

const bases: string[] = [];
after(() => { for (const b of bases) rmSync(b, { recursive: true, force: true }); });

function world(): World {
  const base = mkdtempSync(join(tmpdir(), 'sing-'));
  bases.push(base);
  const storeDir = join(base, 'store');
  const store = new InstallStore(storeDir);
  return {
    base, storeDir, store, installer: new Installer(store),
    program(name, src) {
      const dir = join(base, 'src', name);
      const files = typeof src === 'string' ? { 'main.ts': src } : src;
      for (const [f, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, f)), { recursive: true });
        writeFileSync(join(dir, f), text);
      }
      return dir;
    },
  };
}

/** Every file under `dir` (relative path → sha256 of its bytes); empty when `dir` is missing. */
function listing(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    if (!existsSync(d)) return;
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p, `${rel}${n}/`);
      else out[`${rel}${n}`] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir, '');
  return out;
}

/** What a refusal must not change: system.json's bytes, and the images and manifests present. */
function state(w: World): { system: string | null; images: string[]; manifests: string[] } {
  const sys = join(w.storeDir, 'system.json');
  return {
    system: existsSync(sys) ? readFileSync(sys, 'utf8') : null,
    images: Object.keys(listing(join(w.storeDir, 'images'))),
    manifests: Object.keys(listing(join(w.storeDir, 'manifests'))),
  };
}

/** Awaits `act`, which must throw a SingError; returns it. */
async function caught(act: () => unknown): Promise<SingError> {
  try {
    await act();
  } catch (e) {
    assert.ok(e instanceof SingError, `expected a SingError, got ${String(e)}`);
    return e;
  }
  return assert.fail('expected a refusal, but it succeeded');
}

/** `act` must be refused with `code` (one of `code`), leaving the store as it was. */
async function refused(w: World, code: string | readonly string[], act: () => unknown): Promise<SingError> {
  const before = state(w);
  const e = await caught(act);
  const codes = typeof code === 'string' ? [code] : code;
  assert.ok(codes.includes(e.code), `expected ${codes.join(' or ')}, got ${e.code}: ${e.message}`);
  assert.deepEqual(state(w), before, `a refusal (${e.code}) changed the store`);
  return e;
}

interface Ran { readonly status: ExitStatus; readonly lines: string[]; readonly log: string[] }

/** Runs an installed program, capturing `program: text` console lines and the runner's log. */
async function run(w: World, name: string, opts: { params?: Record<string, string>; domain?: string } = {}): Promise<Ran> {
  const lines: string[] = [];
  const log: string[] = [];
  const status = await within(runInstalled(w.store, name, {
    ...opts,
    console: ({ program, text }) => { lines.push(`${program}: ${text}`); },
    log: (l) => { log.push(l); },
  }), `run ${name}`, 20_000);
  return { status, lines, log };
}

/** Runs `name`, which must be refused with `code` before any program prints anything. */
async function runRefused(w: World, name: string, code: string, opts: { params?: Record<string, string>; domain?: string } = {}): Promise<SingError> {
  const lines: string[] = [];
  const e = await caught(() => runInstalled(w.store, name, { ...opts, console: ({ program, text }) => { lines.push(`${program}: ${text}`); } }));
  assert.equal(e.code, code, e.message);
  assert.deepEqual(lines, [], 'a refused run printed something');
  return e;
}

const sysFile = (w: World): string => join(w.storeDir, 'system.json');
const imageFile = (w: World, hash: string): string => join(w.storeDir, 'images', `${hash}.json`);
const exited = (s: ExitStatus): { state: string; code: number } => ({ state: s.state, code: s.code });

// ---- install, list, run, uninstall ----

test('install → list → run → uninstall: the program runs from the store, and uninstall forgets it', async () => {
  const w = world();
  const r = await w.installer.install(w.program('hello', hello('1.0.0', 'hello from 1.0.0')));
  assert.equal(r.name, 'hello');
  assert.equal(r.version, '1.0.0');
  assert.equal(r.cached, false);
  assert.equal(r.replaced, false);
  assert.match(r.image, /^[0-9a-f]{64}$/);
  assert.ok(existsSync(imageFile(w, r.image)), 'the image is in the store under its hash');
  const sys = w.store.readSystem();
  assert.deepEqual(Object.keys(sys.programs), ['hello']);
  assert.equal(sys.programs['hello']?.image, r.image);
  assert.equal(sys.programs['hello']?.version, '1.0.0');

  const l = w.installer.list();
  assert.deepEqual(l.map((e) => [e.name, e.version, e.image, e.manifest.name, e.manifest.console]), [['hello', '1.0.0', r.image, 'hello', true]]);

  const ran = await run(w, 'hello');
  assert.deepEqual(exited(ran.status), { state: 'exited', code: 0 });
  assert.deepEqual(ran.lines, ['hello: hello from 1.0.0']);

  await w.installer.uninstall('hello');
  assert.deepEqual(w.installer.list(), []);
  assert.deepEqual(w.store.readSystem().programs, {});
  await runRefused(w, 'hello', 'E_NOT_INSTALLED');
  // The image stays until collected, then goes.
  assert.ok(existsSync(imageFile(w, r.image)));
  assert.ok(await w.store.collect() >= 2);
  assert.ok(!existsSync(imageFile(w, r.image)), 'gc removes the unused image');
});

test('reinstalling identical sources is answered from the cache and reuses the image', async () => {
  const w = world();
  const dir = w.program('hello', hello('1.0.0', 'same'));
  const first = await w.installer.install(dir);
  const images = state(w).images;
  const again = await w.installer.install(dir);
  assert.equal(again.cached, true);
  assert.equal(again.image, first.image);
  assert.deepEqual(again.manifest, first.manifest);
  assert.deepEqual(state(w).images, images, 'no new image');
  // The same sources in another folder are the same program.
  const copy = join(w.base, 'elsewhere');
  mkdirSync(copy);
  writeFileSync(join(copy, 'main.ts'), readFileSync(join(dir, 'main.ts')));
  const third = await w.installer.install(copy);
  assert.equal(third.cached, true);
  assert.equal(third.image, first.image);
  assert.equal(w.store.readSystem().programs['hello']?.image, first.image);
  assert.deepEqual((await run(w, 'hello')).lines, ['hello: same']);
});

test('installing a changed program under the same name replaces it', async () => {
  const w = world();
  const dir = w.program('hello', hello('1.0.0', 'old'));
  const v1 = await w.installer.install(dir);
  writeFileSync(join(dir, 'main.ts'), hello('1.1.0', 'new'));
  const v2 = await w.installer.install(dir);
  assert.equal(v2.replaced, true);
  assert.equal(v2.cached, false);
  assert.notEqual(v2.image, v1.image);
  assert.deepEqual(w.installer.list().map((e) => [e.name, e.version, e.image]), [['hello', '1.1.0', v2.image]]);
  assert.deepEqual((await run(w, 'hello')).lines, ['hello: new']);
  await w.store.collect();
  assert.ok(!existsSync(imageFile(w, v1.image)), 'the replaced image is no longer referenced');
  assert.ok(existsSync(imageFile(w, v2.image)));
});

test('an upgrade of a provider keeps its own path (no E_PATH_OWNED against itself)', async () => {
  const w = world();
  await w.installer.install(w.program('calc', CALC));
  await w.installer.install(w.program('adder', ADDER));
  const up = await w.installer.install(w.program('calc2', calcAs('calc', '/service/calc', '1.0.1')));
  assert.equal(up.replaced, true);
  assert.equal(w.store.readSystem().naming['/service/calc']?.program, 'calc');
});

test('an upgrade that takes away what installed programs import is refused', async () => {
  // adder imports Calculator at /service/calc from calc; a "calc" that now exports another contract
  // there (or nothing) would leave adder bound to nothing, a state uninstall refuses to create.
  const w = world();
  await w.installer.install(w.program('calc', CALC));
  await w.installer.install(w.program('adder', ADDER));
  const impostor = pingService('calc', '/service/calc');
  await refused(w, ['E_IN_USE', 'E_UNKNOWN_CONTRACT', 'E_MISSING_DEPENDENCY'], () => w.installer.install(w.program('calc-v2', impostor)));
  const silent = hello('2.0.0', 'no longer a calculator', 'calc');
  await refused(w, ['E_IN_USE', 'E_MISSING_DEPENDENCY'], () => w.installer.install(w.program('calc-v3', silent)));
});

// ---- refusals ----

test('E_VERIFY: a program with a type error is refused with located diagnostics, and nothing is written', async () => {
  const w = world();
  const dir = w.program('broken', BROKEN);
  const e = await refused(w, 'E_VERIFY', () => w.installer.install(dir));
  assert.ok(e instanceof VerifyError);
  assert.ok(e.diagnostics.length >= 1);
  const d = e.diagnostics[0];
  assert.deepEqual(d && { file: d.file, line: d.line, col: d.col, code: d.code }, { file: 'main.ts', line: 6, col: 11, code: 'SING1001' });
  assert.match(d?.message ?? '', /string.*number/);
  assert.ok(!existsSync(w.storeDir), 'a refused first install does not even create the store');
  // The same refusal with a populated store leaves it as it was.
  await w.installer.install(w.program('hello', hello('1.0.0', 'hi')));
  await refused(w, 'E_VERIFY', () => w.installer.install(dir));
  // And a second try is not let through by a cache.
  await refused(w, 'E_VERIFY', () => w.installer.install(dir));
});

test('E_UNKNOWN_CONTRACT: importing /service/calc with a contract other than its exporter\'s', async () => {
  const w = world();
  await w.installer.install(w.program('calc', CALC));
  const e = await refused(w, 'E_UNKNOWN_CONTRACT', () => w.installer.install(w.program('pinger', pinger('pinger', '/service/calc'))));
  assert.ok(e instanceof InstallError);
  assert.deepEqual(e.refusals.map((r) => r.code), ['E_UNKNOWN_CONTRACT']);
  assert.match(e.message, /Pinger/);
  assert.match(e.message, /Calculator/);
  // The same contract name with another declaration is another contract.
  const f = await refused(w, 'E_UNKNOWN_CONTRACT', () => w.installer.install(w.program('impostor', pinger('impostor', '/service/calc', 'Calculator'))));
  assert.match(f.message, /declarations differ/);
});

test('E_UNKNOWN_CONTRACT: exporting a path the system\'s naming fixes for another contract', async () => {
  const w = world();
  w.store.writeSystem({ ...w.store.readSystem(), naming: { '/service/ping': { contract: 'Calculator' } } });
  const e = await refused(w, 'E_UNKNOWN_CONTRACT', () => w.installer.install(w.program('pingsvc', pingService('pingsvc', '/service/ping'))));
  assert.match(e.message, /\/service\/ping/);
  // The contract the convention names is accepted there.
  const ok = await w.installer.install(w.program('calcping', calcAs('calcping', '/service/ping')));
  assert.equal(ok.name, 'calcping');
  assert.equal(w.store.readSystem().naming['/service/ping']?.program, 'calcping');
  assert.equal(w.store.readSystem().naming['/service/ping']?.contract, 'Calculator');
});

test('a naming convention outlives the program that exported under it', async () => {
  // The convention is the system's, not the exporter's: uninstalling the exporter must not free
  // the path for another contract.
  const w = world();
  w.store.writeSystem({ ...w.store.readSystem(), naming: { '/service/ping': { contract: 'Calculator' } } });
  await w.installer.install(w.program('calcping', calcAs('calcping', '/service/ping')));
  await w.installer.uninstall('calcping');
  assert.equal(w.store.readSystem().naming['/service/ping']?.contract, 'Calculator', 'the convention is still there');
  await refused(w, 'E_UNKNOWN_CONTRACT', () => w.installer.install(w.program('pingsvc', pingService('pingsvc', '/service/ping'))));
});

test('code outside the program folder: a relative import of ../x.ts is refused, nothing written', async () => {
  const w = world();
  mkdirSync(join(w.base, 'src'), { recursive: true });
  writeFileSync(join(w.base, 'src', 'shared.ts'), "export const GREETING = 'from outside';\n");
  const dir = w.program('leaky', `import { defineProgram } from 'sing/runtime';
import { GREETING } from '../shared.ts';

export default defineProgram({
  name: 'leaky',
  console: true,
  main({ console }) {
    console.log(GREETING);
    return 0;
  },
});
`);
  const e = await refused(w, ['E_VERIFY', 'E_BUNDLE'], () => w.installer.install(dir));
  if (e instanceof VerifyError) assert.ok(e.diagnostics.some((d) => d.file === 'main.ts' && d.line === 2 && d.code.startsWith('SING3')), e.message);
  else assert.match(e.message, /leaves the program folder/);
  assert.deepEqual(w.installer.list(), []);
});

test('code outside the program folder: a link inside the folder that leads out is refused with E_SOURCE', async () => {
  const w = world();
  mkdirSync(join(w.base, 'outside'), { recursive: true });
  writeFileSync(join(w.base, 'outside', 'lib.ts'), "export const GREETING = 'from outside';\n");
  const dir = w.program('linky', `import { defineProgram } from 'sing/runtime';
import { GREETING } from './lib.ts';

export default defineProgram({
  name: 'linky',
  console: true,
  main({ console }) {
    console.log(GREETING);
    return 0;
  },
});
`);
  symlinkSync(join(w.base, 'outside', 'lib.ts'), join(dir, 'lib.ts'));
  const e = await refused(w, 'E_SOURCE', () => w.installer.install(dir));
  assert.match(e.message, /outside the program folder/);
  assert.throws(() => w.installer.check(dir), (x: unknown) => x instanceof SingError && x.code === 'E_SOURCE');
  // A linked directory leading out is refused the same way.
  const dir2 = w.program('linkydir', hello('1.0.0', 'hi', 'linkydir'));
  symlinkSync(join(w.base, 'outside'), join(dir2, 'vendor'));
  await refused(w, 'E_SOURCE', () => w.installer.install(dir2));
  // A link that stays inside is fine.
  const dir3 = w.program('linkyok', { 'main.ts': readFileSync(join(dir, 'main.ts'), 'utf8').replaceAll('linky', 'linkyok'), 'real.ts': "export const GREETING = 'from inside';\n" });
  symlinkSync(join(dir3, 'real.ts'), join(dir3, 'lib.ts'));
  await w.installer.install(dir3);
  assert.deepEqual((await run(w, 'linkyok')).lines, ['linkyok: from inside']);
});

test('E_MISSING_DEPENDENCY: an explicit dependency or an import nobody exports; then E_IN_USE on uninstall', async () => {
  const w = world();
  const needy = w.program('needy', NEEDY);
  const adder = w.program('adder', ADDER);
  const e = await refused(w, 'E_MISSING_DEPENDENCY', () => w.installer.install(needy));
  assert.match(e.message, /needy depends on calc/);
  const f = await refused(w, 'E_MISSING_DEPENDENCY', () => w.installer.install(adder));
  assert.match(f.message, /\/service\/calc/);

  await w.installer.install(w.program('calc', CALC));
  await w.installer.install(needy);
  await w.installer.install(adder);
  const g = await refused(w, 'E_IN_USE', () => w.installer.uninstall('calc'));
  assert.match(g.message, /adder/);
  assert.match(g.message, /needy/);
  await w.installer.uninstall('adder');
  await refused(w, 'E_IN_USE', () => w.installer.uninstall('calc'));
  await w.installer.uninstall('needy');
  await w.installer.uninstall('calc');
  assert.deepEqual(w.store.readSystem().naming, {}, 'the exporter\'s naming entry goes with it');
});

test('E_RESOURCE_CONFLICT: an exclusive host resource claimed by an installed program; shared + shared is fine', async () => {
  const w = world();
  const disk = join(w.base, 'disk.img');
  const shared = join(w.base, 'shared.img');
  await w.installer.install(w.program('diska', withResource('diska', fileRes(disk))));
  const e = await refused(w, 'E_RESOURCE_CONFLICT', () => w.installer.install(w.program('diskb', withResource('diskb', fileRes(disk)))));
  assert.match(e.message, /diska/);
  // Wanting it shared does not help while another holds it exclusively.
  await refused(w, 'E_RESOURCE_CONFLICT', () => w.installer.install(w.program('diskc', withResource('diskc', fileRes(disk, false)))));
  await w.installer.install(w.program('sharea', withResource('sharea', fileRes(shared, false))));
  await w.installer.install(w.program('shareb', withResource('shareb', fileRes(shared, false))));
  await refused(w, 'E_RESOURCE_CONFLICT', () => w.installer.install(w.program('sharex', withResource('sharex', fileRes(shared)))));
  // TCP ports conflict the same way.
  await w.installer.install(w.program('porta', withResource('porta', "{ kind: 'tcp', port: 8089 }")));
  await refused(w, 'E_RESOURCE_CONFLICT', () => w.installer.install(w.program('portb', withResource('portb', "{ kind: 'tcp', port: 8089 }"))));
  // Once the holder is gone the resource is free.
  await w.installer.uninstall('diska');
  await w.installer.install(w.program('diskb', withResource('diskb', fileRes(disk))));
});

test('E_RESOURCE_CONFLICT: the same file spelled another way is the same resource', async () => {
  const w = world();
  const disk = join(w.base, 'disk.img');
  await w.installer.install(w.program('diska', withResource('diska', fileRes(disk))));
  await refused(w, 'E_RESOURCE_CONFLICT', () => w.installer.install(w.program('diskb', withResource('diskb', fileRes(`${w.base}/./disk.img`)))));
  await refused(w, 'E_RESOURCE_CONFLICT', () => w.installer.install(w.program('diskc', withResource('diskc', fileRes(`${w.base}//disk.img`)))));
});

test('E_PATH_OWNED: a second exporter of /service/calc', async () => {
  const w = world();
  await w.installer.install(w.program('calc', CALC));
  const e = await refused(w, 'E_PATH_OWNED', () => w.installer.install(w.program('calcb', calcAs('calcb'))));
  assert.match(e.message, /already exported by calc/);
  assert.equal(w.store.readSystem().naming['/service/calc']?.program, 'calc');
});

test('E_PRIVILEGE: trusted is refused until the policy grants it, then accepted', async () => {
  const w = world();
  const dir = w.program('trusty', TRUSTY);
  const e = await refused(w, 'E_PRIVILEGE', () => w.installer.install(dir));
  assert.match(e.message, /sing policy grant trusty/);
  // Granting another program's privilege does not help.
  w.store.writeSystem({ ...w.store.readSystem(), policy: { trusted: ['someone-else'] } });
  await refused(w, 'E_PRIVILEGE', () => w.installer.install(dir));
  w.store.writeSystem({ ...w.store.readSystem(), policy: { trusted: ['trusty'] } });
  const r = await w.installer.install(dir);
  assert.equal(r.manifest.trusted, true);
  assert.deepEqual((await run(w, 'trusty')).lines, ['trusty: trusted and running']);
});

test('E_NOT_INSTALLED: uninstalling an unknown name changes nothing', async () => {
  const w = world();
  await refused(w, 'E_NOT_INSTALLED', () => w.installer.uninstall('ghost'));
  assert.ok(!existsSync(w.storeDir));
  await w.installer.install(w.program('hello', hello('1.0.0', 'hi')));
  await refused(w, 'E_NOT_INSTALLED', () => w.installer.uninstall('ghost'));
  await refused(w, 'E_NOT_INSTALLED', () => w.installer.uninstall('__proto__'));
  await refused(w, 'E_NOT_INSTALLED', () => w.installer.uninstall('constructor'));
});

test('check (sing verify) writes nothing to the store', async () => {
  const w = world();
  const c = w.installer.check(w.program('calc', CALC));
  assert.equal(c.name, 'calc');
  assert.deepEqual([c.diagnostics, c.refusals, c.cached], [[], [], false]);
  assert.ok(!existsSync(w.storeDir), 'checking against an empty store does not create it');

  await w.installer.install(join(w.base, 'src', 'calc'));
  const before = listing(w.storeDir);
  const adder = w.installer.check(w.program('adder', ADDER));
  assert.deepEqual([adder.name, adder.diagnostics, adder.refusals], ['adder', [], []]);
  const broken = w.installer.check(w.program('broken', BROKEN));
  assert.deepEqual(broken.diagnostics.map((d) => d.code), ['SING1001']);
  assert.deepEqual(broken.refusals, []);
  const imp = w.installer.check(w.program('pinger', pinger('pinger', '/service/calc')));
  assert.deepEqual(imp.refusals.map((r) => r.code), ['E_UNKNOWN_CONTRACT']);
  const again = w.installer.check(join(w.base, 'src', 'calc'));
  assert.equal(again.cached, true);
  assert.deepEqual(listing(w.storeDir), before, 'check wrote to the store');
});

// ---- the store, tampered with ----

test('tampered image code: getImage and runInstalled report E_STORE_CORRUPT, nothing runs', async () => {
  const w = world();
  const r = await w.installer.install(w.program('hello', hello('1.0.0', 'genuine')));
  const file = imageFile(w, r.image);
  const img = JSON.parse(readFileSync(file, 'utf8')) as { code: string };
  assert.ok(img.code.includes('genuine'));
  writeFileSync(file, JSON.stringify({ ...img, code: img.code.replace('genuine', 'HACKED!') }));
  assert.throws(() => w.store.getImage(r.image), (e: unknown) => e instanceof SingError && e.code === 'E_STORE_CORRUPT' && e.message.includes(r.image));
  await runRefused(w, 'hello', 'E_STORE_CORRUPT');
});

test('a tampered image is repaired by installing the program again', async () => {
  const w = world();
  const dir = w.program('hello', hello('1.0.0', 'genuine'));
  const r = await w.installer.install(dir);
  const file = imageFile(w, r.image);
  const img = JSON.parse(readFileSync(file, 'utf8')) as { code: string };
  writeFileSync(file, JSON.stringify({ ...img, code: img.code.replace('genuine', 'HACKED!') }));
  const again = await w.installer.install(dir);
  assert.equal(again.image, r.image);
  assert.doesNotThrow(() => w.store.getImage(again.image), 'reinstalling rewrites the damaged image');
  assert.deepEqual((await run(w, 'hello')).lines, ['hello: genuine']);
});

test('a tampered manifest is repaired by installing the program again', async () => {
  const w = world();
  const dir = w.program('hello', hello('1.0.0', 'genuine'));
  await w.installer.install(dir);
  const mh = w.store.readSystem().programs['hello']?.manifest as string;
  const file = join(w.storeDir, 'manifests', `${mh}.json`);
  writeFileSync(file, readFileSync(file, 'utf8').replace('"console": true', '"console": false'));
  await w.installer.install(dir);
  assert.equal(w.store.readSystem().programs['hello']?.manifest, mh);
  assert.equal(w.store.getManifest(mh).console, true);
  assert.deepEqual((await run(w, 'hello')).lines, ['hello: genuine']);
});

test('an image relabelled with another program\'s name does not run', async () => {
  // The image's name is not covered by its hash: relabelling must still not let it run as
  // (or displace) another program.
  const w = world();
  await w.installer.install(w.program('calc', CALC));
  const h = await w.installer.install(w.program('hello', hello('1.0.0', 'hi')));
  const file = imageFile(w, h.image);
  writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, 'utf8')) as object), name: 'calc' }));
  const e = await caught(() => run(w, 'hello'));
  assert.equal(e.code, 'E_STORE_CORRUPT', `${e.code}: ${e.message}`);
});

test('tampered manifest: list, getManifest and runInstalled report E_STORE_CORRUPT', async () => {
  const w = world();
  await w.installer.install(w.program('hello', hello('1.0.0', 'hi')));
  const mh = w.store.readSystem().programs['hello']?.manifest as string;
  const file = join(w.storeDir, 'manifests', `${mh}.json`);
  writeFileSync(file, readFileSync(file, 'utf8').replace('"console": true', '"console": false'));
  assert.throws(() => w.store.getManifest(mh), (e: unknown) => e instanceof SingError && e.code === 'E_STORE_CORRUPT');
  assert.throws(() => w.installer.list(), (e: unknown) => e instanceof SingError && e.code === 'E_STORE_CORRUPT');
  await runRefused(w, 'hello', 'E_STORE_CORRUPT');
});

test('garbage system.json: E_STORE_CORRUPT with a clear message, and nothing overwrites it', async () => {
  const w = world();
  const dir = w.program('hello', hello('1.0.0', 'hi'));
  await w.installer.install(dir);
  writeFileSync(sysFile(w), '{ "schema": 1, "programs": ');
  assert.throws(() => w.store.readSystem(), (e: unknown) => e instanceof SingError && e.code === 'E_STORE_CORRUPT' && /system\.json: the system manifest does not parse/.test(e.message));
  await refused(w, 'E_STORE_CORRUPT', () => w.installer.install(dir));
  await refused(w, 'E_STORE_CORRUPT', () => w.installer.install(w.program('other', hello('1.0.0', 'hi', 'other'))));
  await refused(w, 'E_STORE_CORRUPT', () => w.installer.uninstall('hello'));
  await refused(w, 'E_STORE_CORRUPT', () => w.installer.list());
  await runRefused(w, 'hello', 'E_STORE_CORRUPT');
  // Valid JSON that breaks the schema is reported by field.
  writeFileSync(sysFile(w), JSON.stringify({ schema: 1, programs: { hello: { version: '1.0.0', image: '../../etc/passwd', manifest: 'x' } }, naming: {}, boot: [], domains: {}, policy: { trusted: [] } }));
  assert.throws(() => w.store.readSystem(), (e: unknown) => e instanceof SingError && e.code === 'E_STORE_CORRUPT' && /programs\.hello/.test(e.message));
  await runRefused(w, 'hello', 'E_STORE_CORRUPT');
});

test('a missing image: E_STORE_MISSING at load, repaired by installing again', async () => {
  const w = world();
  const dir = w.program('hello', hello('1.0.0', 'back'));
  const r = await w.installer.install(dir);
  rmSync(imageFile(w, r.image));
  assert.throws(() => w.store.getImage(r.image), (e: unknown) => e instanceof SingError && e.code === 'E_STORE_MISSING');
  await runRefused(w, 'hello', 'E_STORE_MISSING');
  const again = await w.installer.install(dir);
  assert.equal(again.image, r.image);
  assert.deepEqual((await run(w, 'hello')).lines, ['hello: back']);
});

test('no temporary files are left behind by installs, upgrades and uninstalls', async () => {
  const w = world();
  const dir = w.program('hello', hello('1.0.0', 'a'));
  await w.installer.install(dir);
  await w.installer.install(dir);
  writeFileSync(join(dir, 'main.ts'), hello('1.0.1', 'b'));
  await w.installer.install(dir);
  await w.installer.install(w.program('calc', CALC));
  await w.installer.uninstall('hello');
  await w.store.collect();
  const files = Object.keys(listing(w.storeDir));
  assert.ok(files.length > 0);
  assert.deepEqual(files.filter((f) => f.includes('.tmp-')), []);
});

// ---- manifest agreement at run ----

test('a stored manifest that disagrees with the code ends the program at create with E_MANIFEST_MISMATCH', async () => {
  const w = world();
  await w.installer.install(w.program('hello', hello('1.0.0', 'hi')));
  const sys = w.store.readSystem();
  const entry = sys.programs['hello'];
  assert.ok(entry !== undefined);
  const m = w.store.getManifest(entry.manifest);
  const forged = w.store.putManifest({ ...m, resources: { ...m.resources, cpuFuel: m.resources.cpuFuel + 1 } });
  w.store.writeSystem({ ...sys, programs: { ...sys.programs, hello: { ...entry, manifest: forged } } });
  const e = await runRefused(w, 'hello', 'E_MANIFEST_MISMATCH');
  assert.match(e.message, /resources\.cpuFuel/);
});

test('a stored manifest that hides a host resource the code declares is caught at create', async () => {
  const w = world();
  const disk = join(w.base, 'disk.img');
  writeFileSync(disk, '');
  await w.installer.install(w.program('diskuser', diskUser(disk)));
  const sys = w.store.readSystem();
  const entry = sys.programs['diskuser'];
  assert.ok(entry !== undefined);
  const m = w.store.getManifest(entry.manifest);
  const forged = w.store.putManifest({ ...m, resources: { ...m.resources, host: {} } });
  w.store.writeSystem({ ...sys, programs: { ...sys.programs, diskuser: { ...entry, manifest: forged } } });
  const e = await runRefused(w, 'diskuser', 'E_MANIFEST_MISMATCH', { params: { probe: 'disk' } });
  assert.match(e.message, /resources\.host/);
});

// ---- host resources at start ----

test('a file resource: E_RESOURCE_UNAVAILABLE while missing; then abi.resource hands out exactly what is declared', async () => {
  const w = world();
  const disk = join(w.base, 'disk.img');
  await w.installer.install(w.program('diskuser', diskUser(disk)));
  const e = await runRefused(w, 'diskuser', 'E_RESOURCE_UNAVAILABLE', { params: { probe: 'other' } });
  assert.ok(e.message.includes(disk), e.message);
  writeFileSync(disk, 'a disk image');
  const ran = await run(w, 'diskuser', { params: { probe: 'other' } });
  assert.deepEqual(exited(ran.status), { state: 'exited', code: 0 });
  assert.equal(ran.lines.length, 2, ran.lines.join('\n'));
  const first = ran.lines[0] ?? '';
  assert.ok(first.startsWith('diskuser: disk '), first);
  assert.deepEqual(JSON.parse(first.slice('diskuser: disk '.length)), { key: 'disk', kind: 'file', target: disk, exclusive: true });
  assert.equal(ran.lines[1], 'diskuser: probe refused E_RESOURCE');
  // Inherited and prototype names are not resources either.
  for (const probe of ['toString', '__proto__', 'constructor', '']) {
    assert.equal((await run(w, 'diskuser', { params: { probe } })).lines[1], 'diskuser: probe refused E_RESOURCE', probe);
  }
  assert.equal((await run(w, 'diskuser', { params: { probe: 'disk' } })).lines[1], 'diskuser: probe granted disk');
});

test('a TCP resource whose port is in use on the host: E_RESOURCE_UNAVAILABLE; free, it runs', async () => {
  const w = world();
  const server: Server = createServer();
  await new Promise<void>((resolve) => { server.listen({ port: 0, host: '127.0.0.1' }, resolve); });
  const addr = server.address();
  assert.ok(addr !== null && typeof addr === 'object');
  const port = addr.port;
  try {
    await w.installer.install(w.program('web', webServer(port)));
    const e = await runRefused(w, 'web', 'E_RESOURCE_UNAVAILABLE');
    assert.ok(e.message.includes(String(port)), e.message);
  } finally {
    await new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
  }
  const ran = await run(w, 'web');
  assert.deepEqual(exited(ran.status), { state: 'exited', code: 0 });
  assert.deepEqual(ran.lines, [`web: port ${port}`]);
});

// ---- exclusive claims in one kernel ----

async function holderKernel(base: string, progs: Record<string, string>): Promise<Kernel> {
  const k = new Kernel();
  for (const [name, src] of Object.entries(progs)) {
    k.install(await compileImage(name, { root: join(base, 'virtual', name), entry: 'main.ts', files: { 'main.ts': src } }));
  }
  return k;
}

test('an exclusive resource has one live holder: a second instance fails E_RESOURCE_BUSY until the first exits', async () => {
  const w = world();
  const disk = join(w.base, 'held.img');
  const shared = join(w.base, 'shared.img');
  const k = await holderKernel(w.base, {
    holder: holder('holder', fileRes(disk)),
    sharer: holder('sharer', fileRes(shared, false)),
    grabber: holder('grabber', fileRes(shared)),
  });
  try {
    const c1 = k.hostChannel(Calculator);
    const h1 = k.spawn('holder', { endpoints: { ctl: c1.exp } });
    const r1 = await within(c1.imp.expect('Ready'));
    assert.match(k.resources.holder('file', disk) ?? '', /holder\[/);

    const c2 = k.hostChannel(Calculator);
    assert.throws(() => k.spawn('holder', { endpoints: { ctl: c2.exp } }), (e: unknown) => e instanceof SingError && e.code === 'E_RESOURCE_BUSY');
    assert.match(k.resources.holder('file', disk) ?? '', /holder\[/, 'the refused claim changed nothing');
    c2.imp.close();

    // The live holder still works.
    const sum = await within(r1.ep.send('Add', { a: 2, b: 40 }).receive());
    assert.ok(sum.tag === 'Sum' && sum.value === 42);
    sum.ep.send('Bye');
    assert.deepEqual(exited(await within(h1.join())), { state: 'exited', code: 0 });
    assert.equal(k.resources.holder('file', disk), undefined);

    const c3 = k.hostChannel(Calculator);
    const h3 = k.spawn('holder', { endpoints: { ctl: c3.exp } });
    await within(c3.imp.expect('Ready'));
    // A killed holder releases too.
    h3.stop();
    assert.equal((await within(h3.join())).reason, 'killed');
    assert.equal(k.resources.holder('file', disk), undefined);

    // Shared claims coexist; an exclusive claim waits for all of them.
    const s1 = k.hostChannel(Calculator);
    const s2 = k.hostChannel(Calculator);
    const p1 = k.spawn('sharer', { endpoints: { ctl: s1.exp } });
    const p2 = k.spawn('sharer', { endpoints: { ctl: s2.exp } });
    const g = k.hostChannel(Calculator);
    assert.throws(() => k.spawn('grabber', { endpoints: { ctl: g.exp } }), (e: unknown) => e instanceof SingError && e.code === 'E_RESOURCE_BUSY');
    g.imp.close();
    p1.stop();
    await within(p1.join());
    const g2 = k.hostChannel(Calculator);
    assert.throws(() => k.spawn('grabber', { endpoints: { ctl: g2.exp } }), (e: unknown) => e instanceof SingError && e.code === 'E_RESOURCE_BUSY');
    g2.imp.close();
    p2.stop();
    await within(p2.join());
    const g3 = k.hostChannel(Calculator);
    const pg = k.spawn('grabber', { endpoints: { ctl: g3.exp } });
    await within(g3.imp.expect('Ready'));
    pg.stop();
    await within(pg.join());
    s1.imp.close();
    s2.imp.close();
  } finally {
    k.shutdown();
  }
});

test('a create refused with E_RESOURCE_BUSY moves nothing: the creator keeps its endpoints', async () => {
  // docs/abi.md: create's errors are "thrown to the caller, and nothing is moved when one is thrown".
  const w = world();
  const disk = join(w.base, 'held.img');
  const k = await holderKernel(w.base, { holder: holder('holder', fileRes(disk)) });
  try {
    const c1 = k.hostChannel(Calculator);
    const h1 = k.spawn('holder', { endpoints: { ctl: c1.exp } });
    const r1 = await within(c1.imp.expect('Ready'));
    const c2 = k.hostChannel(Calculator);
    assert.throws(() => k.spawn('holder', { endpoints: { ctl: c2.exp } }), (e: unknown) => e instanceof SingError && e.code === 'E_RESOURCE_BUSY');
    r1.ep.send('Bye');
    await within(h1.join());
    // The endpoint offered to the refused create is still the host's to give.
    const h2 = k.spawn('holder', { endpoints: { ctl: c2.exp } });
    const r2 = await within(c2.imp.expect('Ready'));
    r2.ep.send('Bye');
    assert.deepEqual(exited(await within(h2.join())), { state: 'exited', code: 0 });
  } finally {
    k.shutdown();
  }
});

// ---- boot order, parameters, domains ----

test('boot programs start before the target: calc at boot, adder prints 2 + 40 = 42', async () => {
  const w = world();
  await w.installer.install(w.program('calc', CALC));
  await w.installer.install(w.program('adder', ADDER));
  // Without calc at boot nobody serves /service/calc: adder fails to start.
  const alone = await run(w, 'adder', { params: { a: '2', b: '40' } });
  assert.equal(alone.status.state, 'failed');
  assert.equal(alone.status.reason, 'start');
  assert.equal(alone.status.error?.code, 'E_BIND');

  w.store.writeSystem({ ...w.store.readSystem(), boot: [{ program: 'calc' }] });
  const ran = await run(w, 'adder', { params: { a: '2', b: '40' } });
  assert.deepEqual(exited(ran.status), { state: 'exited', code: 0 });
  assert.deepEqual(ran.lines, ['calc: serving /service/calc', 'adder: 2 + 40 = 42']);
  assert.ok(ran.log.some((l) => /\[boot\] started calc as pid \d+/.test(l)), ran.log.join('\n'));
  assert.ok(ran.status.pid > 1, 'adder started after calc');
  // Negative and explicit-domain runs work too.
  const neg = await run(w, 'adder', { params: { a: '-7', b: '5' }, domain: 'kernel' });
  assert.deepEqual(neg.lines, ['calc: serving /service/calc', 'adder: -7 + 5 = -2']);
  // Uninstalling a boot program takes it out of the boot list.
  await w.installer.uninstall('adder');
  await w.installer.uninstall('calc');
  assert.deepEqual(w.store.readSystem().boot, []);
});

test('placement by the system manifest: calc in a process domain, adder in a worker, names bound across domains', async () => {
  const w = world();
  await w.installer.install(w.program('calc', CALC));
  await w.installer.install(w.program('adder', ADDER));
  w.store.writeSystem({ ...w.store.readSystem(), boot: [{ program: 'calc' }], domains: { svc: { kind: 'process', programs: ['calc'], memoryMb: 64 }, apps: { kind: 'worker', programs: ['adder'] } } });
  const ran = await run(w, 'adder', { params: { a: '2', b: '40' } });
  assert.deepEqual(exited(ran.status), { state: 'exited', code: 0 });
  assert.deepEqual(ran.lines, ['calc: serving /service/calc', 'adder: 2 + 40 = 42']);
  assert.ok(ran.log.includes('[domain] svc: a process domain') && ran.log.includes('[domain] apps: a worker domain'), ran.log.join('\n'));
  // --domain overrides the placement of the program asked for.
  const here = await run(w, 'adder', { params: { a: '1', b: '1' }, domain: 'kernel' });
  assert.deepEqual(here.lines, ['calc: serving /service/calc', 'adder: 1 + 1 = 2']);
});

test('parameters are parsed by type; bad, unknown and missing ones are refused with E_PARAMS before anything starts', async () => {
  const w = world();
  await w.installer.install(w.program('calc', CALC));
  await w.installer.install(w.program('adder', ADDER));
  w.store.writeSystem({ ...w.store.readSystem(), boot: [{ program: 'calc' }] });
  const bad: Record<string, string>[] = [
    { a: 'x', b: '1' },
    { a: '1.5', b: '1' },
    { a: '2147483648', b: '1' },
    { a: '', b: '1' },
    { a: '0x10', b: '1' },
    { a: '1e3', b: '1' },
    { a: '2', b: '40', zz: '1' },
    { a: '2' },
    {},
  ];
  for (const params of bad) {
    const e = await runRefused(w, 'adder', 'E_PARAMS', { params });
    assert.ok(e.message.length > 0, JSON.stringify(params));
  }
  const unknown = await runRefused(w, 'adder', 'E_PARAMS', { params: { a: '2', b: '40', zz: '1' } });
  assert.match(unknown.message, /--zz/);
  const missing = await runRefused(w, 'adder', 'E_PARAMS', { params: { a: '2' } });
  assert.match(missing.message, /--b/);
  // A parameter named like an Object.prototype member is not a parameter either.
  await runRefused(w, 'adder', 'E_PARAMS', { params: { a: '2', b: '40', toString: '1' } });
  await runRefused(w, 'adder', 'E_DOMAIN', { params: { a: '2', b: '40' }, domain: 'elsewhere' });
  await runRefused(w, 'nobody', 'E_NOT_INSTALLED');
});

test('names that are Object.prototype members are not installed programs', async () => {
  const w = world();
  await w.installer.install(w.program('hello', hello('1.0.0', 'hi')));
  for (const name of ['toString', '__proto__', 'constructor', 'hasOwnProperty']) {
    await runRefused(w, name, 'E_NOT_INSTALLED');
    await refused(w, 'E_NOT_INSTALLED', () => w.installer.manifestOf(w.store.readSystem(), name));
    await refused(w, 'E_NOT_INSTALLED', () => w.installer.uninstall(name));
  }
});
