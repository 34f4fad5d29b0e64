// The policy's limits: read from system.json as numbers (sizes in bytes), laid over the kernel's
// defaults, set one at a time from command-line text, and the installer's E_LIMIT check.
// Rules: pure functions over systems built here; nothing touches the disk.
// Invariants checked: only KernelLimits' keys are accepted; a size is bytes; a program's
// exchange-heap request above the cap (the policy's, else the default) is refused naming the
// program, what it asked for and the cap; a request at the cap passes. Placement: a program with
// the trusted privilege runs where it is placed; one without it, under `untrustedDomain` worker or
// process, runs in a fresh domain of that kind when nothing places it, and a `--domain` or a
// `domains` entry the rule forbids is E_POLICY naming the program, what placed it and the rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LIMITS } from '../kernel/limits.ts';
import { SingError } from '../lib/error.ts';
import { MANIFEST_SCHEMA, type ProgramManifest } from '../verifier/manifest-schema.ts';
import { effectiveLimits, formatBytes, hasTrustedPrivilege, LIMIT_KEYS, limitRefusals, limitUsers, placementOf, placementRefusals, policyLimits, untrustedDomain, untrustedDomainUsers, withLimit, withUntrustedDomain, type PolicyLimits } from './policy.ts';
import { checkSystemJson, emptySystem, type DomainEntry, type DomainKind, type SystemManifest } from './system.ts';

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

test('E_LIMIT: a memory budget above the system\'s is refused unless the program has the trusted privilege', () => {
  const budget = DEFAULT_LIMITS.memoryBudget;
  const wanting = (trusted: boolean, memory: number): ProgramManifest => {
    const m = asking('big', 0);
    return { ...m, trusted, resources: { ...m.resources, memory } };
  };
  assert.deepEqual(limitRefusals(emptySystem(), wanting(false, budget)), [], 'at the budget passes');
  const r = limitRefusals(emptySystem(), wanting(false, budget + 1));
  assert.deepEqual(r.map((x) => x.code), ['E_LIMIT']);
  assert.match(r[0]?.message ?? '', /^big asks for a memory budget of .* \(resources\.memory\); .* without the trusted privilege at most 67108864 bytes \(64 MiB\) \(the default/);
  assert.equal(limitRefusals(emptySystem(), wanting(true, budget * 8)).length, 1, 'asking for the privilege is not having it');
  const granted: SystemManifest = { ...emptySystem(), policy: { trusted: ['big'], limits: {} } };
  assert.deepEqual(limitRefusals(granted, wanting(true, budget * 8)), [], 'the trusted privilege may be given more');
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

// ---- policy.untrustedDomain ----

const plain = asking('plain', 0);
const root: ProgramManifest = { ...asking('root', 0), trusted: true };
/** A system with plain and root installed (root granted), the rule and the placements given. */
const placing = (rule: DomainKind | undefined, domains: Readonly<Record<string, DomainEntry>> = {}): SystemManifest => ({
  ...emptySystem(),
  programs: { plain: { version: '1.0.0', image: H, manifest: H }, root: { version: '1.0.0', image: H, manifest: H } },
  domains,
  policy: { trusted: ['root'], ...(rule !== undefined ? { untrustedDomain: rule } : {}) },
});
const where = (sys: SystemManifest, m: ProgramManifest, asked?: DomainKind): string => {
  const p = placementOf('run x', sys, m, asked);
  return `${p.kind} by ${p.by}${p.set !== undefined ? ` ${p.set}` : ''}`;
};

test('untrustedDomain: kernel unless the policy says; the trusted privilege is asked for and granted', () => {
  assert.equal(untrustedDomain(emptySystem()), 'kernel');
  assert.equal(untrustedDomain(placing('worker')), 'worker');
  assert.equal(hasTrustedPrivilege(placing('worker'), root), true);
  assert.equal(hasTrustedPrivilege(placing('worker'), plain), false);
  assert.equal(hasTrustedPrivilege({ ...placing('worker'), policy: { trusted: [] } }, root), false, 'asked for but not granted (a hand edit)');
  assert.equal(hasTrustedPrivilege(placing('worker'), { ...plain, name: 'root' }), false, 'granted but not asked for');
});

test('placementOf: without the trusted privilege, an unplaced program runs in a fresh domain of the rule\'s kind', () => {
  assert.equal(where(placing(undefined), plain), 'kernel by default', 'no rule: today\'s behaviour');
  assert.equal(where(placing('kernel'), plain), 'kernel by default');
  assert.equal(where(placing('worker'), plain), 'worker by policy');
  assert.equal(where(placing('process'), plain), 'process by policy');
  for (const rule of ['kernel', 'worker', 'process'] as const) assert.equal(where(placing(rule), root), 'kernel by default', `trusted, ${rule}`);
});

test('placementOf: --domain and domains entries the rule allows are obeyed', () => {
  assert.equal(where(placing('worker'), plain, 'process'), 'process by asked');
  assert.equal(where(placing('worker'), plain, 'worker'), 'worker by asked');
  assert.equal(where(placing('process'), root, 'kernel'), 'kernel by asked', 'a trusted program goes where it is asked');
  assert.equal(where(placing('worker', { apps: { kind: 'worker', programs: ['plain'], memoryMb: 64 } }), plain), 'worker by set apps');
  assert.equal(placementOf('run x', placing('worker', { apps: { kind: 'worker', programs: ['plain'], memoryMb: 64 } }), plain).memoryMb, 64);
  assert.equal(where(placing('process', { k: { kind: 'kernel', programs: ['root'] } }), root), 'kernel by set k');
  assert.equal(where(placing(undefined, { k: { kind: 'kernel', programs: ['plain'] } }), plain), 'kernel by set k', 'no rule: any placement');
});

test('placementOf: E_POLICY for a --domain or a domains entry the rule forbids, naming the program, what placed it and the rule', () => {
  const refused = (sys: SystemManifest, asked: DomainKind | undefined, expected: RegExp): void => {
    assert.throws(() => placementOf('run plain', sys, plain, asked), (e: unknown) => code('E_POLICY')(e) && expected.test((e as Error).message), `${String(asked)}: ${expected}`);
  };
  refused(placing('worker'), 'kernel', /^run plain: --domain kernel puts plain in a kernel domain, but plain does not have the trusted privilege, and the system policy runs such programs only in a worker or process domain \(policy\.untrustedDomain: worker\); leave --domain out to run it in a fresh worker domain$/);
  refused(placing('process'), 'worker', /--domain worker puts plain in a worker domain, .* only in a process domain \(policy\.untrustedDomain: process\); leave --domain out to run it in a fresh process domain$/);
  refused(placing('process'), 'kernel', /--domain kernel puts plain in a kernel domain/);
  refused(placing('worker', { k: { kind: 'kernel', programs: ['plain'] } }), undefined, /^run plain: domains\.k \(system\.json\) places plain in a kernel domain, but plain does not have the trusted privilege, .*\(policy\.untrustedDomain: worker\); place it in a domain the policy allows, or take it out of domains\.k/);
  refused(placing('process', { apps: { kind: 'worker', programs: ['plain'] } }), undefined, /domains\.apps \(system\.json\) places plain in a worker domain, .*only in a process domain/);
  // --domain overrides the placement: an allowed one wins over a forbidden entry.
  assert.equal(where(placing('worker', { k: { kind: 'kernel', programs: ['plain'] } }), plain, 'worker'), 'worker by asked');
});

test('placementRefusals: the installer refuses only a domains entry the rule forbids', () => {
  assert.deepEqual(placementRefusals(placing('worker'), plain), [], 'unplaced: it will run in a fresh domain');
  assert.deepEqual(placementRefusals(placing('worker', { k: { kind: 'kernel', programs: ['root'] } }), root), [], 'trusted');
  assert.deepEqual(placementRefusals(placing('worker', { a: { kind: 'process', programs: ['plain'] } }), plain), []);
  const r = placementRefusals(placing('worker', { k: { kind: 'kernel', programs: ['plain'] } }), plain);
  assert.deepEqual(r.map((x) => x.code), ['E_POLICY']);
  assert.match(r[0]?.message ?? '', /^domains\.k \(system\.json\) places plain in a kernel domain, but plain does not have the trusted privilege, .*\(policy\.untrustedDomain: worker\); place it in a domain the policy allows, or take it out of domains\.k \(it then runs in a fresh worker domain\)$/);
});

test('withUntrustedDomain and untrustedDomainUsers: set the rule, keeping the rest; name the placements it would forbid', () => {
  const base: SystemManifest = { ...placing(undefined, { k: { kind: 'kernel', programs: ['plain', 'root'] }, w: { kind: 'worker', programs: [] } }), policy: { trusted: ['root'], limits: { processesPerTree: 8 } } };
  const next = withUntrustedDomain(base, 'worker');
  assert.deepEqual(next.policy, { trusted: ['root'], limits: { processesPerTree: 8 }, untrustedDomain: 'worker' });
  assert.deepEqual(checkSystemJson(next), []);
  assert.equal(base.policy.untrustedDomain, undefined, 'the system given is not changed');
  const manifestOf = (n: string): ProgramManifest => (n === 'root' ? root : plain);
  assert.deepEqual(untrustedDomainUsers(base, manifestOf), []);
  const users = untrustedDomainUsers(next, manifestOf);
  assert.equal(users.length, 1, users.join('\n'));
  assert.match(users[0] ?? '', /^domains\.k \(system\.json\) places plain in a kernel domain/);
  assert.deepEqual(untrustedDomainUsers(withUntrustedDomain(base, 'kernel'), manifestOf), []);
});
