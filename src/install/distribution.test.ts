// The distribution section's rules on their own: the start order follows `after` (ties keep the
// written order), a cycle or an unknown service is named, and a bad field is reported with its path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDistribution, serviceOrder, type ServiceSpec } from './distribution.ts';
import { DEFAULT_DISTRIBUTION } from '../cli/distribution.ts';

const svc = (name: string, after: string[] = []): ServiceSpec => ({ name, program: name, after });

function problems(v: unknown): string[] {
  const out: string[] = [];
  checkDistribution(v, (f, r) => { out.push(`${f}: ${r}`); });
  return out;
}

test('services start after what they lean on, otherwise in the written order', () => {
  const order = serviceOrder([svc('web', ['fat', 'net']), svc('status'), svc('fat', ['disk']), svc('net'), svc('disk')]).map((s) => s.name);
  assert.deepEqual(order, ['disk', 'fat', 'net', 'web', 'status']);
  assert.deepEqual(serviceOrder(DEFAULT_DISTRIBUTION.services).map((s) => s.name), ['disk', 'fat', 'net', 'web', 'counter', 'status', 'console']);
});

test('a cycle and an unknown service are named', () => {
  assert.throws(() => serviceOrder([svc('a', ['b']), svc('b', ['c']), svc('c', ['a'])]), /cycle: a → b → c → a/);
  assert.throws(() => serviceOrder([svc('a', ['nope'])]), /a starts after nope, which is not a service/);
});

test('the default distribution passes its own schema, and bad fields are reported by path', () => {
  assert.deepEqual(problems(DEFAULT_DISTRIBUTION), []);
  const bad = problems({
    disks: [{ path: '../outside.img', sizeMiB: 0, label: 'lower' }],
    port: 70000,
    supervision: { strategy: 'one_for_some', intensity: 0, periodMs: 1000, backoffMs: 0, maxBackoffMs: 10, extra: 1 },
    services: [
      { name: 'disk', program: 'disk', bindings: { disk: 'a.img' } },
      { name: 'disk2', program: 'disk', bindings: { disk: 'b.img' } },
      { name: 'disk', program: 'x', after: ['ghost'], restart: 'sometimes', when: 'always' },
    ],
  });
  for (const want of [
    /^distribution\.disks\[0\]\.path: must be a path inside the store/, /^distribution\.disks\[0\]\.sizeMiB/, /^distribution\.disks\[0\]\.label/,
    /^distribution\.port/, /^distribution\.supervision\.strategy/, /^distribution\.supervision\.intensity/, /^distribution\.supervision\.extra: is not a field/,
    /^distribution\.services\[1\]\.bindings: disk is bound differently/, /^distribution\.services\[2\]\.name: disk is named twice/,
    /^distribution\.services\[2\]\.restart/, /^distribution\.services\[2\]\.when/, /^distribution\.services\[2\]\.after: ghost is not a service/,
  ]) assert.ok(bad.some((p) => want.test(p)), `reported ${String(want)}: ${bad.join('\n')}`);
});
