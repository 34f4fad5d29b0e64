// Smoke test of `sing bench domains`: a quick run reports every configuration of both loads and
// the message cost for each domain kind and the raw peers' round trips, in the shape the CLI prints as JSON. Timings are noisy:
// nothing here asserts a duration, a ratio or an ordering — only that figures exist and are sane.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDomains } from '../bench/domains.ts';

const NAMES = ['reqreply', 'files'].flatMap((load) =>
  ['all-kernel', 'server-worker', 'all-worker', 'server-process', 'all-process'].map((c) => `${load}/${c}`));

const positive = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x > 0;

test('bench domains --quick reports 10 configurations, the message cost of 3 domain kinds and the MSPC table and the satellite kernels', { timeout: 240_000 }, async () => {
  const r = await runDomains({ quick: true });
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r, 'the result is plain JSON');
  assert.deepEqual(r.configurations.map((c) => c.name), NAMES);
  for (const c of r.configurations) {
    assert.ok(positive(c.opsPerSec), `${c.name}: opsPerSec ${c.opsPerSec}`);
    assert.ok(Number.isFinite(c.overheadPct), `${c.name}: overheadPct ${c.overheadPct}`);
    if (c.name.endsWith('/all-kernel')) assert.equal(c.overheadPct, 0);
  }
  assert.deepEqual(Object.keys(r.messageCost).sort(), ['kernel', 'process', 'worker']);
  for (const [kind, m] of Object.entries(r.messageCost)) {
    assert.deepEqual(Object.keys(m).sort(), ['b4Ns', 'b64kNs', 'ratio'], kind);
    for (const v of Object.values(m)) assert.ok(positive(v), `${kind}: ${JSON.stringify(m)}`);
  }
  assert.deepEqual(r.mspc.map((m) => m.name), ['all-kernel', 'fs-worker', 'all-worker', 'fs-process', 'all-process']);
  for (const m of r.mspc) {
    assert.ok(positive(m.opsPerSec), `${m.name}: opsPerSec ${m.opsPerSec}`);
    assert.ok(Number.isFinite(m.overheadPct), `${m.name}: overheadPct ${m.overheadPct}`);
    assert.ok(m.paperPct === null || Number.isFinite(m.paperPct), `${m.name}: paperPct ${String(m.paperPct)}`);
  }
  assert.equal(r.mspc.filter((m) => m.name.includes('worker')).length, 2);
  for (const key of ['oneKernelReqPerSec', 'twoKernelsReqPerSec', 'ratio', 'oneKernelMsPerRequest'] as const) {
    assert.ok(positive(r.satellite[key]), `satellite.${key}: ${r.satellite[key]}`);
  }
  for (const key of ['rawSabRoundTripNs', 'rawPostMessageRoundTripNs', 'rawChildIpcRoundTripNs', 'workerRoundTripNs', 'processRoundTripNs'] as const) {
    assert.ok(positive(r[key]), `${key}: ${r[key]}`);
  }
});
