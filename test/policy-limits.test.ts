// The system policy's limits (policy.limits in system.json): `sing policy limits` shows them,
// `sing policy limit KEY VALUE` sets one (checked); the installer and `sing verify` refuse a
// program asking for more exchange heap than the cap (E_LIMIT); `sing run` gives the limits to
// the kernel and to the kernel inside every worker and process domain.
// Rules: each test has its own world (store-kit.ts). The run test lowers the cap by hand below what
// an installed program asks (the command refuses to), so that each kernel's own check shows which
// limits it was given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInstalled } from '../src/install/runner.ts';
import { DEFAULT_LIMITS } from '../src/kernel/limits.ts';
import { SingError } from '../src/lib/error.ts';
import { within } from './kit.ts';
import { hello, world, type World } from './store-kit.ts';

const greedy = (quota: string): string => hello('greedy', 'greedy ran', `\n  resources: { exchangeHeap: '${quota}' },`);

test('sing policy limits / limit, and E_LIMIT at verify and install until the policy grants enough', () => {
  const w = world();
  const dir = w.program('greedy', greedy('8MiB'));
  const v = w.sing('verify', dir);
  assert.equal(v.status, 1);
  assert.deepEqual(v.err, ['E_LIMIT greedy asks for an exchange-heap quota of 8388608 bytes (8 MiB) (resources.exchangeHeap); the system policy grants one process at most 4194304 bytes (4 MiB) (the default; policy.limits.exchangeHeapQuota sets it; an administrator raises it with: sing policy limit exchangeHeapQuota SIZE)']);
  const i = w.sing('install', dir);
  assert.equal(i.status, 1);
  assert.deepEqual(i.err.slice(0, 2), ['sing install: E_LIMIT: cannot install greedy:', `  ${v.err[0] as string}`]);

  const shown = w.sing('policy', 'limits');
  assert.equal(shown.status, 0);
  assert.equal(shown.out.length, Object.keys(DEFAULT_LIMITS).length);
  assert.ok(shown.out.includes('exchangeHeapQuota      4194304 bytes (4 MiB)  (default)'), shown.out.join('\n'));
  assert.ok(shown.out.every((l) => l.endsWith('(default)')));

  assert.deepEqual(w.sing('policy', 'limit', 'exchangeHeapQuota', '16MiB').out, ['exchangeHeapQuota: 16777216 bytes (16 MiB)']);
  assert.deepEqual(w.sing('policy', 'limit', 'processesPerTree', '64').out, ['processesPerTree: 64']);
  const json = w.sing('policy', 'limits', '--json');
  assert.deepEqual(JSON.parse(json.out[0] ?? ''), { ...DEFAULT_LIMITS, exchangeHeapQuota: 16 * 1024 * 1024, processesPerTree: 64 });
  assert.ok(w.sing('policy', 'limits').out.includes('exchangeHeapQuota      16777216 bytes (16 MiB)'));
  assert.equal(w.sing('verify', dir).status, 0);
  assert.equal(w.sing('install', dir).status, 0);

  const system = (): string => readFileSync(join(w.storeDir, 'system.json'), 'utf8');
  const before = system();
  const lower = w.sing('policy', 'limit', 'exchangeHeapQuota', '1MiB');
  assert.equal(lower.status, 1);
  assert.match(lower.err.at(-1) ?? '', /^sing policy: E_IN_USE: policy limit exchangeHeapQuota 1MiB: greedy asks for an exchange-heap quota of 8388608 bytes \(8 MiB\)/);
  for (const bad of [['exchangeHeapQouta', '1MiB'], ['processesPerTree', '0'], ['processesPerTree', 'lots'], ['exchangeHeapQuota', '-1']]) {
    const r = w.sing('policy', 'limit', ...bad);
    assert.equal(r.status, 2, `${bad.join(' ')}: ${r.err.join('\n')}`);
    assert.match(r.err[0] ?? '', new RegExp(`^sing: policy limit ${bad[0] as string}: `));
  }
  assert.equal(system(), before, 'refused and bad limits changed nothing');

  assert.equal(w.sing('policy', 'grant', 'someone').status, 0);
  assert.equal(w.sing('policy', 'revoke', 'someone').status, 0);
  const sys = JSON.parse(w.sing('system', '--json').out[0] ?? '') as { policy: unknown };
  assert.deepEqual(sys.policy, { trusted: [], limits: { exchangeHeapQuota: '16MiB', processesPerTree: 64 } }, 'grant and revoke keep the limits');
});

/** Runs `name` with the policy's exchange-heap cap lowered (by hand) to `cap`. */
async function runCapped(w: World, cap: string, domain: string): Promise<{ lines: string[]; failure: string | undefined }> {
  const sys = w.store.readSystem();
  w.store.writeSystem({ ...sys, policy: { ...sys.policy, limits: { exchangeHeapQuota: cap } } });
  const lines: string[] = [];
  try {
    const st = await within(runInstalled(w.store, 'greedy', { domain, console: ({ text }) => { lines.push(text); } }), `run greedy in ${domain}`, 60_000);
    return { lines, failure: st.state === 'failed' ? `${st.error?.code ?? ''}: ${st.error?.message ?? ''}` : undefined };
  } catch (e) {
    assert.ok(e instanceof SingError, String(e));
    return { lines, failure: `${e.code}: ${e.message}` };
  }
}

test('sing run gives the policy\'s limits to the kernel and to the kernels of worker and process domains', async () => {
  const w = world();
  await w.installer.install(w.program('greedy', greedy('64KiB')));
  for (const domain of ['kernel', 'worker', 'process']) {
    const ok = await runCapped(w, '128KiB', domain);
    assert.deepEqual(ok, { lines: ['greedy ran'], failure: undefined }, domain);
    const refused = await runCapped(w, '16KiB', domain); // each kernel refuses create on its own limits
    assert.deepEqual(refused.lines, [], `${domain}: greedy must not run`);
    assert.match(refused.failure ?? '', /E_LIMIT.*asks for an exchange-heap quota of 65536 bytes; the system grants at most 16384 \(limits\.exchangeHeapQuota\)/, domain);
  }
});
