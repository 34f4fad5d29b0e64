// The install store's lock: holders in one process take turns in call order, even across awaits;
// a lock file naming a live process is waited for and then refused clearly (E_STORE_LOCKED naming
// the holder); a stale one (dead pid, no pid, or a leftover naming this very thread) is taken over;
// the lock is released however the holder ends. (A second process waiting for a real holder:
// test/installs-take-the-store-lock.test.ts.)
// Rules: every test uses a fresh temp dir; "another process" is a real child process (alive, or
// run to its end so that its pid is dead); no test asserts how long anything took.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { SingError } from '../lib/error.ts';
import { LOCK_FILE, withStoreLock, type LockHolder } from './store-lock.ts';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function fresh(): string {
  const d = mkdtempSync(join(tmpdir(), 'sing-lock-'));
  dirs.push(d);
  return d;
}

const turns = async (n: number): Promise<void> => { for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r)); };
const lockText = (pid: number, what: string, thread = 0): string => JSON.stringify({ pid, thread, what, since: new Date(0).toISOString() });
const leftovers = (dir: string): string[] => readdirSync(dir).filter((f) => f.startsWith(`${LOCK_FILE}.`));

/** A pid that was alive a moment ago and is not any more. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  assert.ok(r.pid !== undefined && r.pid > 0);
  return r.pid;
}

test('holders in one process take turns in call order, even when each awaits while holding', async () => {
  const dir = fresh();
  const events: string[] = [];
  const holder = (i: number) => withStoreLock(dir, `holder ${i}`, async () => {
    events.push(`start ${i}`);
    await turns(3 - i); // the first holds longest: without the queue the others would overlap it
    events.push(`end ${i}`);
    return i;
  });
  assert.deepEqual(await Promise.all([holder(0), holder(1), holder(2)]), [0, 1, 2]);
  assert.deepEqual(events, ['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
  assert.ok(!existsSync(join(dir, LOCK_FILE)), 'released');
  assert.deepEqual(leftovers(dir), []);
});

test('while held, the lock file names this process, its thread and what it does; released after a throw too', async () => {
  const dir = fresh();
  const seen = await withStoreLock(dir, 'install adder', () => JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as Record<string, unknown>);
  assert.deepEqual([seen['pid'], seen['thread'], seen['what']], [process.pid, threadId, 'install adder']);
  await assert.rejects(withStoreLock(dir, 'doomed', () => { throw new Error('inside'); }), /inside/);
  assert.ok(!existsSync(join(dir, LOCK_FILE)));
  assert.equal(await withStoreLock(dir, 'after', () => 'ran'), 'ran');
});

test('the holder may take the lock again inside its own call chain (no deadlock)', async () => {
  const dir = fresh();
  const r = await withStoreLock(dir, 'outer', async () => {
    await turns(1);
    return withStoreLock(dir, 'inner', () => 'inner ran');
  });
  assert.equal(r, 'inner ran');
});

test('a lock left by a process that died is taken over', async () => {
  const dir = fresh();
  writeFileSync(join(dir, LOCK_FILE), lockText(deadPid(), 'install crashed'));
  let waited = false;
  assert.equal(await withStoreLock(dir, 'next', () => 'ran', { onWait: () => { waited = true; } }), 'ran');
  assert.equal(waited, false, 'a dead holder is not waited for');
  assert.ok(!existsSync(join(dir, LOCK_FILE)));
  assert.deepEqual(leftovers(dir), []);
});

test('a lock file that names no process, or names this very thread outside the queue, is stale', async () => {
  const dir = fresh();
  for (const text of ['', 'garbage', '{"pid": "x"}', lockText(process.pid, 'an earlier process with our pid', threadId)]) {
    writeFileSync(join(dir, LOCK_FILE), text);
    assert.equal(await withStoreLock(dir, 'next', () => 'ran', { timeoutMs: 5_000 }), 'ran', JSON.stringify(text));
    assert.ok(!existsSync(join(dir, LOCK_FILE)));
  }
});

test('a live holder in another process is waited for, then refused clearly: E_STORE_LOCKED naming it', async () => {
  const dir = fresh();
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
  const gone = new Promise((r) => { other.once('exit', r); });
  after(() => { other.kill('SIGKILL'); });
  const pid = other.pid as number;
  writeFileSync(join(dir, LOCK_FILE), lockText(pid, 'install calc'));
  const told: LockHolder[] = [];
  let ran = false;
  await assert.rejects(withStoreLock(dir, 'waiting', () => { ran = true; }, { timeoutMs: 50, onWait: (h) => { told.push(h); } }), (e: unknown) => {
    assert.ok(e instanceof SingError && e.code === 'E_STORE_LOCKED', String(e));
    assert.match(e.message, new RegExp(`^${join(dir, LOCK_FILE).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the install store is locked by process ${pid} \\(install calc, since `));
    return true;
  });
  assert.equal(ran, false);
  assert.deepEqual(told.map((h) => [h.pid, h.what]), [[pid, 'install calc']], 'told once, before waiting');
  assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), lockText(pid, 'install calc'), 'the holder\'s lock is untouched');
  other.kill('SIGKILL');
  await gone;
  assert.equal(await withStoreLock(dir, 'after the holder died', () => 'ran'), 'ran');
});

test('two spellings of one store share one queue', async () => {
  const dir = fresh();
  const events: string[] = [];
  const hold = (d: string, i: number) => withStoreLock(d, `h${i}`, async () => { events.push(`start ${i}`); await turns(2); events.push(`end ${i}`); });
  await Promise.all([hold(dir, 0), hold(`${dir}/./`, 1), hold(join(dir, '..', dir.split('/').at(-1) as string), 2)]);
  assert.deepEqual(events, ['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
});
