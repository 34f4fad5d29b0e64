// Installs are serialized by the store's lock, and judged again at commit (issue #11, point 7):
// two installs in one process of programs exporting the same path cannot both pass the
// path-ownership check; another process's commands wait for a lock that is held, say so, and
// then work on the system.json the holder left (no update is lost).
// Rules: each test has its own world (store-kit.ts). The holder in the second test is a real
// process (test/fixtures/hold-store-lock.ts) that holds the lock until the test tells it to go;
// the test waits for the waiting commands to say they wait, so nothing depends on timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InstallError, type Installed } from '../src/install/installer.ts';
import { background, calcAs, CALC, hello, lineMatching, REPO, world } from './store-kit.ts';
import { within } from './kit.ts';

test('two installs at once of programs exporting the same path: exactly one wins, the other is E_PATH_OWNED', async () => {
  const w = world();
  const dirs = { calc: w.program('calc', CALC), calcb: w.program('calcb', calcAs('calcb')) };
  const results = await Promise.allSettled([w.installer.install(dirs.calc), w.installer.install(dirs.calcb)]);
  const won = results.filter((r): r is PromiseFulfilledResult<Installed> => r.status === 'fulfilled').map((r) => r.value.name);
  const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  assert.equal(won.length, 1, `exactly one install succeeds (won: ${won.join(', ')})`);
  assert.equal(lost.length, 1);
  const e = lost[0];
  assert.ok(e instanceof InstallError && e.code === 'E_PATH_OWNED', String(e));
  assert.match(e.message, new RegExp(`/service/calc is already exported by ${won[0] as string}`));
  const sys = w.store.readSystem();
  assert.deepEqual(Object.keys(sys.programs), won);
  assert.equal(sys.naming['/service/calc']?.program, won[0]);
});

test('installs at once of programs that do not conflict all land: no update is lost', async () => {
  const w = world();
  const names = ['one', 'two', 'three', 'four'];
  const done = await Promise.all(names.map((n) => w.installer.install(w.program(n, hello(n, `hi from ${n}`)))));
  assert.deepEqual(done.map((r) => r.name), names);
  assert.deepEqual(Object.keys(w.store.readSystem().programs).sort(), [...names].sort());
});

test('another process\'s sing commands wait for a held lock, say whose it is, then work on what the holder wrote', async () => {
  const w = world();
  const calc = w.program('calc', CALC);
  assert.equal(w.sing('policy', 'grant', 'early').status, 0);
  const holder = background(spawn(process.execPath, ['--import', 'tsx', join(REPO, 'test/fixtures/hold-store-lock.ts'), w.storeDir], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] }));
  await lineMatching(holder.out, /^held$/, 'the holder to take the lock');
  const pid = holder.child.pid as number;
  const system = (): string => readFileSync(join(w.storeDir, 'system.json'), 'utf8');
  const before = system();

  const grant = w.singLater('policy', 'grant', 'from-cli');
  const install = w.singLater('install', calc);
  const waiting = new RegExp(`^sing (policy|install): waiting for the install store's lock, held by process ${pid} \\(test holder\\)$`);
  await lineMatching(grant.err, waiting, 'sing policy grant to say it waits');
  await lineMatching(install.err, waiting, 'sing install to say it waits');
  assert.equal(system(), before, 'nothing was written while the lock was held');

  holder.child.stdin?.write('go\n');
  const [h, g, i] = await within(Promise.all([holder.done, grant.done, install.done]), 'the holder and both commands to end', 120_000);
  assert.deepEqual([h.status, h.out], [0, ['held', 'released']]);
  assert.equal(g.status, 0, g.err.join('\n'));
  assert.equal(i.status, 0, i.err.join('\n'));
  const sys = w.store.readSystem();
  assert.deepEqual([...sys.policy.trusted].sort(), ['early', 'from-cli', 'from-holder'], 'both edits landed on top of the holder\'s');
  assert.deepEqual(Object.keys(sys.programs), ['calc']);
});
