// The system manifest's schema is strict: every field it does not know, at any depth, is an error
// naming its path and the fields known there; so is every field with a wrong value. A hand-edited
// system.json is therefore obeyed whole or refused (E_STORE_CORRUPT through the store), never
// half-obeyed. One test per misspelling named in issue #11, then the nested ones.
// Rules: pure checks on values built here (a valid system with one program), except the last test,
// which goes through an InstallStore in a temp dir.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SingError } from '../lib/error.ts';
import { InstallStore } from './store.ts';
import { checkSystemJson, emptySystem } from './system.ts';

const H = 'a'.repeat(64);
/** A valid system: calc installed, exporting /service/calc, at boot, in a worker domain. */
const valid = (): Record<string, unknown> => ({
  schema: 1,
  programs: { calc: { version: '1.0.0', image: H, manifest: H } },
  naming: { '/service/calc': { contract: 'Calculator', fingerprint: H, program: 'calc' } },
  boot: [{ program: 'calc', params: { n: 1 } }],
  domains: { servers: { kind: 'worker', programs: ['calc'], memoryMb: 64 } },
  policy: { trusted: ['calc'], limits: { exchangeHeapQuota: '8MiB', processesPerTree: 64 } },
});

type Path = readonly (string | number)[];

/** A copy of `base` (default `valid()`) with the value at `path` set, or deleted when undefined. */
function withAt(path: Path, value: unknown, base: Record<string, unknown> = valid()): Record<string, unknown> {
  const v = structuredClone(base);
  let o = v as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (value === undefined) delete o[last];
  else o[last] = value;
  return v;
}

test('a valid system manifest, and the empty one, have no problems', () => {
  assert.deepEqual(checkSystemJson(valid()), []);
  assert.deepEqual(checkSystemJson(emptySystem()), []);
});

test('domains.X.memroyMb: a misspelt domain field is an error naming its path and the known fields', () => {
  const v = withAt(['domains', 'servers'], { kind: 'process', programs: ['calc'], memroyMb: 1 });
  assert.deepEqual(checkSystemJson(v), ['domains.servers.memroyMb: is not a field of a domain entry (known: kind, programs, memoryMb)']);
});

test('boot[i].parms: a misspelt boot field is an error', () => {
  const v = withAt(['boot'], [{ program: 'calc' }, { program: 'calc', parms: { n: 2 } }]);
  assert.deepEqual(checkSystemJson(v), ['boot[1].parms: is not a field of a boot entry (known: program, params, kernel)']);
});

test('policy.trustd: a misspelt policy field is an error (and the missing trusted list too)', () => {
  const v = withAt(['policy'], { trustd: ['calc'] });
  assert.deepEqual(checkSystemJson(v), [
    'policy.trustd: is not a field of the policy (known: trusted, limits, untrustedDomain)',
    'policy.trusted: must be a list of program names',
  ]);
});

test('programs.X: an unknown key in a program entry is an error', () => {
  const v = withAt(['programs', 'calc', 'imgae'], H);
  assert.deepEqual(checkSystemJson(v), ['programs.calc.imgae: is not a field of a program entry (known: version, image, manifest)']);
});

test('naming entries: an unknown key is an error', () => {
  const v = withAt(['naming', '/service/calc', 'contrcat'], 'Calculator');
  assert.deepEqual(checkSystemJson(v), ['naming./service/calc.contrcat: is not a field of a naming entry (known: contract, fingerprint, program, convention, allowMultiple)']);
});

test('the top level: an unknown key is an error', () => {
  const v = withAt(['polciy'], { trusted: [] });
  assert.deepEqual(checkSystemJson(v), ['polciy: is not a field of the system manifest (known: schema, programs, naming, boot, domains, policy, distribution)']);
});

test('policy.limits: an unknown or misspelt limit is an error naming it and the known limits', () => {
  const v = withAt(['policy', 'limits'], { exchangeHeapQouta: '8MiB' });
  const problems = checkSystemJson(v);
  assert.equal(problems.length, 1);
  assert.match(problems[0] ?? '', /^policy\.limits\.exchangeHeapQouta: is not a kernel limit \(known: exchangeHeapQuota, .*processesPerTree/);
});

test('policy.limits: values are checked: sizes for bytes, positive whole numbers for the rest', () => {
  const bad: [unknown, RegExp][] = [
    [{ exchangeHeapQuota: 'lots' }, /^policy\.limits\.exchangeHeapQuota: must be a size such as/],
    [{ exchangeHeapQuota: 0 }, /^policy\.limits\.exchangeHeapQuota: must be a size of at least 1 byte/],
    [{ exchangeHeapQuota: -5 }, /^policy\.limits\.exchangeHeapQuota: /],
    [{ processesPerTree: '64' }, /^policy\.limits\.processesPerTree: must be a positive whole number, got "64"/],
    [{ processesPerTree: 1.5 }, /^policy\.limits\.processesPerTree: must be a positive whole number/],
    [{ endpointsPerProcess: 0 }, /^policy\.limits\.endpointsPerProcess: /],
    [[], /^policy\.limits: must be an object of kernel limits/],
    ['4MiB', /^policy\.limits: must be an object of kernel limits/],
  ];
  for (const [limits, expected] of bad) {
    const problems = checkSystemJson(withAt(['policy', 'limits'], limits));
    assert.equal(problems.length, 1, JSON.stringify(limits));
    assert.match(problems[0] ?? '', expected, JSON.stringify(limits));
  }
  for (const ok of [{}, { exchangeHeapQuota: 4096 }, { exchangeHeapPerTree: '1.5MiB', consoleLineChars: 80 }]) {
    assert.deepEqual(checkSystemJson(withAt(['policy', 'limits'], ok)), [], JSON.stringify(ok));
  }
});

test('policy.untrustedDomain: kernel, worker or process; anything else is an error naming the path, the kinds and the value', () => {
  for (const ok of ['kernel', 'worker', 'process']) assert.deepEqual(checkSystemJson(withAt(['policy', 'untrustedDomain'], ok)), [], ok);
  for (const bad of ['vm', 'Worker', '', 1, true, null, ['worker'], { kind: 'worker' }]) {
    const problems = checkSystemJson(withAt(['policy', 'untrustedDomain'], bad));
    assert.equal(problems.length, 1, JSON.stringify(bad));
    assert.match(problems[0] ?? '', /^policy\.untrustedDomain: must be one of kernel, worker, process \(the domains programs without the trusted privilege may run in: /, JSON.stringify(bad));
    assert.ok((problems[0] ?? '').endsWith(`got ${JSON.stringify(bad)}`), problems[0]);
  }
  assert.deepEqual(checkSystemJson(withAt(['policy', 'untrustedDomian'], 'worker')), ['policy.untrustedDomian: is not a field of the policy (known: trusted, limits, untrustedDomain)']);
});

test('nested values: wrong types deep in entries are named by their full path', () => {
  const cases: [Path, unknown, string][] = [
    [['programs', 'calc', 'version'], 1, 'programs.calc.version: must be a version such as "1.2.0"'],
    [['naming', '/service/calc', 'convention'], 'yes', 'naming./service/calc.convention: must be true or false'],
    [['naming', '/service/calc', 'contract'], 7, 'naming./service/calc.contract: must be a contract name'],
    [['boot', 0, 'params'], [1], 'boot[0].params: must be an object'],
    [['boot', 0, 'program'], 'ghost', 'boot[0].program: must name an installed program (ghost is not installed)'],
    [['domains', 'servers', 'kind'], 'mainframe', 'domains.servers.kind: must be one of kernel, worker, process'],
    [['domains', 'servers', 'memoryMb'], '64', 'domains.servers.memoryMb: must be a whole number of MiB'],
  ];
  for (const [path, value, problem] of cases) assert.deepEqual(checkSystemJson(withAt(path, value)), [problem]);
});

test('every problem is listed, not only the first', () => {
  let v = withAt(['domains', 'servers', 'memroyMb'], 1);
  v = withAt(['boot', 0, 'parms'], {}, v);
  v = withAt(['policy', 'trustd'], [], v);
  v = withAt(['programs', 'calc', 'extra'], true, v);
  assert.deepEqual(checkSystemJson(v).map((p) => p.split(':')[0]), ['programs.calc.extra', 'boot[0].parms', 'domains.servers.memroyMb', 'policy.trustd']);
});

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

test('through the store: a misspelt field is E_STORE_CORRUPT naming system.json and the path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sing-'));
  dirs.push(dir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'system.json'), JSON.stringify(withAt(['domains', 'servers', 'memroyMb'], 1)));
  assert.throws(() => new InstallStore(dir).readSystem(), (e: unknown) => e instanceof SingError && e.code === 'E_STORE_CORRUPT'
    && e.message.includes(join(dir, 'system.json')) && e.message.includes('domains.servers.memroyMb: is not a field of a domain entry'));
});
