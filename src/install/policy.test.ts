// The policy's limits: read from system.json as numbers (sizes in bytes), laid over the kernel's
// defaults, set one at a time from command-line text, and the installer's E_LIMIT check.
// Rules: pure functions over systems built here; nothing touches the disk.
// Invariants checked: only KernelLimits' keys are accepted; a size is bytes; a program's
// exchange-heap request above the cap (the policy's, else the default) is refused naming the
// program, what it asked for and the cap; a request at the cap passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LIMITS } from '../kernel/limits.ts';
import { SingError } from '../lib/error.ts';
import { MANIFEST_SCHEMA, type ProgramManifest } from '../verifier/manifest-schema.ts';
import { effectiveLimits, formatBytes, LIMIT_KEYS, limitRefusals, limitUsers, policyLimits, withLimit, type PolicyLimits } from './policy.ts';
import { checkSystemJson, emptySystem, type SystemManifest } from './system.ts';

const H = 'a'.repeat(64);
const withLimits = (limits: PolicyLimits): SystemManifest => ({ ...emptySystem(), policy: { trusted: [], limits } });

const asking = (name: string, exchangeHeap: number): ProgramManifest => ({
  schema: MANIFEST_SCHEMA, name, version: '1.0.0', category: 'application', entry: 'main.ts',
  trusted: false, unsafe: [], console: false, parameters: {}, endpoints: {}, imports: {}, exports: {},
  resources: { exchangeHeap, cpuFuel: 100_000_000, host: {} }, dependencies: [],
});

const code = (c: string) => (e: unknown): boolean => e instanceof SingError && e.code === c;

test('the keys are exactly the kernel\'s limits', () => {
  assert.deepEqual([...LIMIT_KEYS].sort(), Object.keys(DEFAULT_LIMITS).sort());
});

test('policyLimits: only what the policy sets, in numbers; sizes become bytes', () => {
  assert.deepEqual(policyLimits(emptySystem()), {});
  assert.deepEqual(policyLimits(withLimits({ exchangeHeapQuota: '8MiB', exchangeHeapPerTree: 1000, processesPerTree: 64 })),
    { exchangeHeapQuota: 8 * 1024 * 1024, exchangeHeapPerTree: 1000, processesPerTree: 64 });
});

test('effectiveLimits: the policy\'s over the defaults', () => {
  assert.deepEqual(effectiveLimits(emptySystem()), DEFAULT_LIMITS);
  const e = effectiveLimits(withLimits({ endpointsPerProcess: 16 }));
  assert.deepEqual(e, { ...DEFAULT_LIMITS, endpointsPerProcess: 16 });
});

test('E_LIMIT: a program asking for more exchange heap than the default cap is refused, naming what and the cap', () => {
  const cap = DEFAULT_LIMITS.exchangeHeapQuota;
  assert.deepEqual(limitRefusals(emptySystem(), asking('greedy', cap)), [], 'at the cap passes');
  const r = limitRefusals(emptySystem(), asking('greedy', cap + 1));
  assert.deepEqual(r.map((x) => x.code), ['E_LIMIT']);
  assert.match(r[0]?.message ?? '', new RegExp(`^greedy asks for an exchange-heap quota of ${cap + 1} bytes \\(resources\\.exchangeHeap\\); the system policy grants one process at most ${formatBytes(cap).replace(/[()]/g, '\\$&')} \\(the default`));
});

test('E_LIMIT: the policy\'s cap replaces the default, both ways', () => {
  const low = withLimits({ exchangeHeapQuota: '64KiB' });
  assert.deepEqual(limitRefusals(low, asking('p', 64 * 1024)), []);
  const r = limitRefusals(low, asking('p', 64 * 1024 + 1));
  assert.match(r[0]?.message ?? '', /at most 65536 bytes \(64 KiB\) \(policy\.limits\.exchangeHeapQuota;/);
  const high = withLimits({ exchangeHeapQuota: '64MiB' });
  assert.deepEqual(limitRefusals(high, asking('p', 32 * 1024 * 1024)), [], 'a request above the default, under the policy\'s cap');
});

test('withLimit: sets one limit from text, keeping the rest of the policy', () => {
  const base: SystemManifest = { ...emptySystem(), policy: { trusted: ['calc'], limits: { processesPerTree: 10 } } };
  const a = withLimit(base, 'exchangeHeapQuota', '8MiB');
  assert.deepEqual(a.policy, { trusted: ['calc'], limits: { processesPerTree: 10, exchangeHeapQuota: '8MiB' } });
  const b = withLimit(a, 'exchangeHeapQuota', '4096');
  assert.equal(b.policy.limits?.exchangeHeapQuota, 4096, 'digits alone are a number of bytes');
  assert.equal(withLimit(emptySystem(), 'endpointsPerProcess', '32').policy.limits?.endpointsPerProcess, 32);
  assert.deepEqual(checkSystemJson(b), []);
  assert.deepEqual(base.policy.limits, { processesPerTree: 10 }, 'the system given is not changed');
});

test('withLimit: an unknown key or a bad value is refused with E_LIMITS naming it', () => {
  const bad: [string, string, RegExp][] = [
    ['exchangeHeapQouta', '8MiB', /exchangeHeapQouta: not a kernel limit \(known: /],
    ['exchangeHeapQuota', 'lots', /exchangeHeapQuota: must be a size/],
    ['exchangeHeapQuota', '0', /exchangeHeapQuota: must be a size of at least 1 byte/],
    ['processesPerTree', '8MiB', /processesPerTree: must be a positive whole number/],
    ['processesPerTree', '0', /processesPerTree: must be a positive whole number/],
    ['processesPerTree', '-3', /processesPerTree: must be a positive whole number/],
    ['toString', '1', /toString: not a kernel limit/],
  ];
  for (const [key, value, expected] of bad) {
    assert.throws(() => withLimit(emptySystem(), key, value), (e: unknown) => code('E_LIMITS')(e) && expected.test((e as Error).message), `${key} ${value}`);
  }
});

test('limitUsers: the installed programs a lower cap would refuse', () => {
  const manifests: Record<string, ProgramManifest> = { big: asking('big', 1024 * 1024), small: asking('small', 1024) };
  const sys: SystemManifest = {
    ...withLimits({ exchangeHeapQuota: '512KiB' }),
    programs: { big: { version: '1.0.0', image: H, manifest: H }, small: { version: '1.0.0', image: H, manifest: H } },
  };
  const users = limitUsers(sys, (n) => manifests[n] as ProgramManifest);
  assert.equal(users.length, 1);
  assert.match(users[0] ?? '', /^big asks for an exchange-heap quota of 1048576 bytes \(1 MiB\)/);
});
