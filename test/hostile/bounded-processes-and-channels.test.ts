// Issue #11, point 4: processes (per program and per tree) and live endpoints (per process) are
// bounded by the system's limits; stopping a process ends the processes it started unless it
// handed them over; and the scheduler stays fair while a flood of new processes is ready.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LIMITS } from '../../src/index.ts';
import { said, until, within } from '../kit.ts';
import { neighbours } from './neighbours.ts';
import { PROGRAMS } from './programs/bounded.ts';

test('a self-replicating program stops at its tree\'s limit; the heartbeat keeps beating; stopping the root ends every descendant', async () => {
  const n = await neighbours(PROGRAMS);
  const root = n.k.spawn('replicator');
  const count = (): number => n.k.ps().filter((p) => p.program === 'replicator').length;
  await until(() => n.texts('replicator').some((t) => t === 'refused E_QUOTA_PROCESSES'), 'a create refused for the tree\'s limit', 20_000);
  await until(() => count() === DEFAULT_LIMITS.processesPerTree, 'the tree to fill up', 20_000);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(count(), DEFAULT_LIMITS.processesPerTree, 'the tree never grew past its limit');
  root.stop();
  await within(root.join());
  assert.equal(count(), 0, 'every descendant ended with the root');
  await n.finish();
});

test('the per-program limit bounds two trees of one program together', async () => {
  const n = await neighbours(PROGRAMS);
  const roots = [n.k.spawn('replicator'), n.k.spawn('replicator')];
  const count = (): number => n.k.ps().filter((p) => p.program === 'replicator').length;
  await until(() => count() === DEFAULT_LIMITS.processesPerProgram, 'the program to reach its limit', 20_000);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(count(), DEFAULT_LIMITS.processesPerProgram);
  assert.throws(() => n.k.spawn('replicator'), (e: Error & { code?: string }) => e.code === 'E_QUOTA_PROCESSES' && /processesPerProgram/.test(e.message));
  for (const r of roots) r.stop();
  await within(Promise.all(roots.map((r) => r.join())));
  assert.equal(count(), 0);
  await n.finish();
});

test('a channel flood is refused at the endpoint limit, the process holds no more than that, and the kernel is not held', async () => {
  const n = await neighbours(PROGRAMS);
  const s = n.k.spawn('channelflood');
  await until(() => said(n, s.pid).length > 0, 'the flood to be refused');
  // its console holds one endpoint; each channel two
  assert.deepEqual(said(n, s.pid), [`refused E_QUOTA_ENDPOINTS after ${Math.floor((DEFAULT_LIMITS.endpointsPerProcess - 1) / 2)}`]);
  await new Promise((r) => setTimeout(r, 200));
  const info = n.k.ps().find((p) => p.pid === s.pid);
  assert.ok(info !== undefined && info.endpoints <= DEFAULT_LIMITS.endpointsPerProcess, `it holds ${info?.endpoints} endpoints`);
  s.stop();
  await within(s.join());
  await n.finish();
});

test('a trusted process may hand a child to the host, which then outlives it; an untrusted one may not', async () => {
  const n = await neighbours(PROGRAMS);
  const t = n.k.spawn('handover');
  await within(t.join());
  const handed = said(n, t.pid);
  assert.match(handed[0] ?? '', /^handed \d+$/);
  const pid = Number((handed[0] as string).split(' ')[1]);
  assert.ok(n.k.ps().some((p) => p.pid === pid && p.state === 'running' && p.ppid === 0), 'the child lives on, answering to the host');
  const u = n.k.spawn('plainhandover');
  await within(u.join());
  assert.deepEqual(said(n, u.pid), ['kept E_SUPERVISOR']);
  await until(() => n.k.ps().filter((p) => p.program === 'sleeper').length === 1, 'the untrusted one\'s child to end with it');
  n.k.ps().filter((p) => p.program === 'sleeper').forEach((p) => assert.equal(p.pid, pid));
  await n.finish();
});
