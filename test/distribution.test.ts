// The system manifest describes the system `sing boot` brings up: the first boot writes the default
// distribution, its naming conventions and the sample programs (installed in the store, as `sing
// install` would) into system.json; an edit to it changes what boots (a service left out, another
// strategy, a program installed with `sing install` runnable from the shell); and a bad edit is
// refused before anything starts, naming what is wrong (a cycle in `after`, a service exporting a
// path against a naming convention). Driven through `sing boot --script`, as a person would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

function sing(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function boot(store: string, lines: readonly string[]): { code: number | null; out: string; err: string } {
  const file = join(store, '..', `script-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return sing('boot', '--store', store, '--port', '0', '--script', file);
}

type Json = Record<string, unknown> & { distribution: { services: Record<string, unknown>[]; supervision: Record<string, unknown> }; naming: Record<string, unknown>; boot: unknown[]; programs: Record<string, unknown> };

test('system.json describes what boots, and a bad edit is refused before anything starts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sing-dist-'));
  const store = join(dir, 'store');
  const file = join(store, 'system.json');
  try {
    const first = boot(store, ['adder --a 40 --b 2']);
    assert.equal(first.code, 0, `${first.out}\n${first.err}`);
    assert.match(first.out, /first boot: installed calc, adder, ticker/);
    assert.match(first.out, /40 \+ 2 = 42/);
    const sys = JSON.parse(readFileSync(file, 'utf8')) as Json;
    assert.deepEqual(Object.keys(sys.programs).sort(), ['adder', 'calc', 'ticker']);
    assert.deepEqual(sys.boot, [{ program: 'calc' }]);
    assert.deepEqual(sys.distribution.services.map((s) => s['name']), ['disk', 'fat', 'net', 'web', 'counter', 'status', 'console']);
    assert.deepEqual(sys.naming['/dev/disk'], { contract: 'DiskDevice', convention: true, allowMultiple: true });
    assert.match(sing('list', '--store', store).out, /adder/);

    // Left out: the counter app; another strategy. The edit is what boots.
    const edited: Json = { ...sys, distribution: { ...sys.distribution, services: sys.distribution.services.filter((s) => s['name'] !== 'counter'), supervision: { ...sys.distribution.supervision, strategy: 'one_for_one' } } };
    writeFileSync(file, JSON.stringify(edited, null, 2));
    const second = boot(store, ['ps']);
    assert.equal(second.code, 0, `${second.out}\n${second.err}`);
    assert.doesNotMatch(second.out, /started counter/);
    assert.match(second.out, / status +running/);
    assert.doesNotMatch(second.out, / counter +running/);

    // A cycle in `after`: the schema names it, and nothing boots.
    const cyclic: Json = { ...edited, distribution: { ...edited.distribution, services: edited.distribution.services.map((s) => (s['name'] === 'disk' ? { ...s, after: ['web'] } : s)) } };
    writeFileSync(file, JSON.stringify(cyclic, null, 2));
    const third = boot(store, ['ps']);
    assert.equal(third.code, 1);
    assert.match(third.err, /distribution\.services: the services wait for each other in a cycle: disk → web → fat → disk/);
    assert.doesNotMatch(third.out, /supervisor: started/);

    // A service exporting a path against the system's naming convention.
    const misnamed: Json = { ...edited, naming: { ...edited.naming, '/status': { contract: 'Calculator', convention: true } } };
    writeFileSync(file, JSON.stringify(misnamed, null, 2));
    const fourth = boot(store, ['ps']);
    assert.equal(fourth.code, 1);
    assert.match(fourth.err, /service status \(status\) exports \/status on Status, but the system's naming convention for it is Calculator/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('satellite kernels: kernels: 2 runs a boot program and a supervised service on kernel 1, reached as before', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sing-dist-sat-'));
  const store = join(dir, 'store');
  const file = join(store, 'system.json');
  try {
    const first = boot(store, ['exit']);
    assert.equal(first.code, 0, `${first.out}\n${first.err}`);
    const sys = JSON.parse(readFileSync(file, 'utf8')) as Json;

    // calc runs on the satellite kernel; adder, started by the shell on kernel 0, reaches it by
    // name. The counter app is a service there, under that kernel's own supervisor.
    const services = sys.distribution.services.map((s) => (s['name'] === 'counter' ? { ...s, kernel: 1 } : s));
    writeFileSync(file, JSON.stringify({ ...sys, boot: [{ program: 'calc', kernel: 1 }], distribution: { ...sys.distribution, services, kernels: 2 } }, null, 2));
    const two = boot(store, ['adder --a 40 --b 2', 'names', 'ps']);
    assert.equal(two.code, 0, `${two.out}\n${two.err}`);
    assert.match(two.out, /40 \+ 2 = 42/);
    assert.match(two.out, /service\/calc/);
    assert.match(two.out, /serving \/service\/calc/);
    assert.match(two.out, /supervisor: started counter \(counter, pid 2\)/, 'the satellite\'s own supervisor (pid 1 there) started it');
    assert.match(two.out, /counter +WebApp/);
    assert.match(two.out, /supervisor1 +SupervisorControl/);
    assert.doesNotMatch(two.out, / counter +running/, 'it is not a process of the boot kernel');

    // A service that binds host resources stays on kernel 0, and a service cannot wait for one on
    // a kernel that starts after its own.
    const disk1 = sys.distribution.services.map((s) => (s['name'] === 'disk' ? { ...s, kernel: 1 } : s));
    writeFileSync(file, JSON.stringify({ ...sys, distribution: { ...sys.distribution, services: disk1, kernels: 2 } }, null, 2));
    const bound = boot(store, ['exit']);
    assert.equal(bound.code, 1);
    assert.match(bound.err + bound.out, /services\[0\]\.kernel: a service with host bindings or a terminal runs on kernel 0/);
    const late = sys.distribution.services.map((s) => (s['name'] === 'status' ? { ...s, kernel: 1 } : s['name'] === 'console' ? { ...s, after: ['status'] } : s));
    writeFileSync(file, JSON.stringify({ ...sys, distribution: { ...sys.distribution, services: late, kernels: 2 } }, null, 2));
    const order = boot(store, ['exit']);
    assert.equal(order.code, 1);
    assert.match(order.err + order.out, /after: status runs on kernel 1, which starts after kernel 0/);

    // A placement on a kernel the distribution does not run is refused before anything starts.
    writeFileSync(file, JSON.stringify({ ...sys, boot: [{ program: 'calc', kernel: 2 }], distribution: { ...sys.distribution, kernels: 2 } }, null, 2));
    const bad = boot(store, ['exit']);
    assert.equal(bad.code, 1);
    assert.match(bad.err + bad.out, /boot\[0\]: calc is placed on kernel 2, but the distribution runs 2 kernels/);

    // A bad count is the schema's to refuse.
    writeFileSync(file, JSON.stringify({ ...sys, distribution: { ...sys.distribution, kernels: 0 } }, null, 2));
    const zero = boot(store, ['exit']);
    assert.equal(zero.code, 1);
    assert.match(zero.err + zero.out, /distribution\.kernels.*must be 1\.\.64 kernels or 'per-core'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
