// The install store's lock: one writer of system.json at a time, across processes and within one.
// Rules for callers: `withStoreLock(dir, what, fn)` runs `fn` holding the lock and releases it
// however `fn` ends. Whatever reads system.json to decide what to write next (install, uninstall,
// policy and boot edits, gc) runs inside it and reads system.json again there. The lock is
// re-entrant within one async call chain (a holder calling it again just runs), and in nothing else.
// How: inside one process, holders queue in call order (a promise chain per store directory), so
// two async installs wait for each other; across processes the lock is the file `<store>/lock`,
// made in one step (a complete temporary file hard-linked to that name, which fails if it exists)
// and holding the owner's pid, thread and what it is doing.
// Invariants: a lock whose pid is not alive, that names no pid, or that names this very thread of
// this process while the queue says nobody here holds it (a leftover of an earlier process given
// the same pid) is stale and taken over; a live holder is waited for, polling, up to `timeoutMs`,
// then E_STORE_LOCKED names it. A stale lock is taken over by renaming it aside and checking it is
// still the stale one (a live lock renamed by mistake is put back), so two processes taking over
// the same stale lock do not both end up holding the store.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { errno, fsFailure, StoreError } from './store-error.ts';

export const LOCK_FILE = 'lock';
export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

/** What a lock file says about its holder. */
export interface LockHolder {
  readonly pid: number;
  readonly thread: number;
  /** What the holder is doing, e.g. 'install adder'. */
  readonly what: string;
  /** When it took the lock (ISO time). */
  readonly since: string;
}

export interface LockOptions {
  /** How long to wait for another process's lock before E_STORE_LOCKED; default 30 s. */
  readonly timeoutMs?: number;
  /** Called once when the lock is found held by another live holder, before waiting for it. */
  readonly onWait?: (holder: LockHolder, file: string) => void;
}

const queues = new Map<string, Promise<void>>();
const holding = new AsyncLocalStorage<ReadonlySet<string>>();

/** Runs `fn` holding the lock of the store at `dir` (created if missing); `what` is recorded for
 * whoever has to wait. */
export async function withStoreLock<T>(dir: string, what: string, fn: () => T | Promise<T>, opts: LockOptions = {}): Promise<T> {
  try { mkdirSync(dir, { recursive: true }); } catch (e) { throw fsFailure(e, dir, 'create the install store'); }
  let key: string;
  try { key = realpathSync(dir); } catch (e) { throw fsFailure(e, dir, 'find the install store'); } // two spellings of one store share one queue
  const mine = holding.getStore();
  if (mine?.has(key) === true) return await fn();
  const before = queues.get(key) ?? Promise.resolve();
  let done!: () => void;
  const turn = new Promise<void>((resolve) => { done = resolve; });
  const tail = before.then(() => turn);
  queues.set(key, tail);
  try {
    await before;
    const release = await takeLockFile(join(key, LOCK_FILE), what, opts);
    try {
      return await holding.run(new Set([...(mine ?? []), key]), fn);
    } finally {
      release();
    }
  } finally {
    done();
    if (queues.get(key) === tail) queues.delete(key);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => { setTimeout(resolve, ms); });
const nonce = (): string => randomBytes(4).toString('hex');

async function takeLockFile(file: string, what: string, opts: LockOptions): Promise<() => void> {
  const text = `${JSON.stringify({ pid: process.pid, thread: threadId, what, since: new Date().toISOString(), nonce: nonce() })}\n`;
  const limit = opts.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const started = Date.now();
  let told = false;
  for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
    if (tryLink(file, text)) return () => { release(file, text); };
    const seen = readLock(file);
    if (seen === undefined) continue; // released meanwhile: try again at once
    const h = seen.holder;
    if (h === undefined || stale(h)) { takeOver(file, seen.text); continue; }
    if (Date.now() - started >= limit) {
      throw new StoreError('E_STORE_LOCKED', `${file}: the install store is locked by process ${h.pid} (${h.what}, since ${h.since}); gave up waiting after ${limit} ms. If that process is not a Sing command still running, delete the file`);
    }
    if (!told) { told = true; opts.onWait?.(h, file); }
    await sleep(pause);
  }
}

/** Makes the lock file, complete, in one step; false when it exists. */
function tryLink(file: string, text: string): boolean {
  const tmp = `${file}.tmp-${process.pid}-${nonce()}`;
  try { writeFileSync(tmp, text, { flag: 'wx' }); } catch (e) { throw fsFailure(e, file, "take the install store's lock"); }
  try {
    linkSync(tmp, file);
    return true;
  } catch (e) {
    if (errno(e) === 'EEXIST') return false;
    throw fsFailure(e, file, "take the install store's lock");
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** The lock file's text and holder (undefined holder: it names nobody), or undefined if gone. */
function readLock(file: string): { text: string; holder: LockHolder | undefined } | undefined {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw fsFailure(e, file, "read the install store's lock");
  }
  let v: unknown;
  try { v = JSON.parse(text); } catch { return { text, holder: undefined }; }
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const ok = Number.isInteger(o['pid']) && (o['pid'] as number) > 0 && Number.isInteger(o['thread']) && typeof o['what'] === 'string' && typeof o['since'] === 'string';
  return { text, holder: ok ? { pid: o['pid'] as number, thread: o['thread'] as number, what: o['what'] as string, since: o['since'] as string } : undefined };
}

function stale(h: LockHolder): boolean {
  if (h.pid === process.pid) return h.thread === threadId; // this thread holds nothing outside the queue
  try {
    process.kill(h.pid, 0);
    return false;
  } catch (e) {
    return errno(e) === 'ESRCH'; // EPERM: alive, another user's
  }
}

function takeOver(file: string, seen: string): void {
  const aside = `${file}.stale-${process.pid}-${nonce()}`;
  try { renameSync(file, aside); } catch (e) {
    if (errno(e) === 'ENOENT') return;
    throw fsFailure(e, file, 'take over a stale lock');
  }
  let now: string | undefined;
  try { now = readFileSync(aside, 'utf8'); } catch { now = undefined; }
  if (now !== seen) { try { linkSync(aside, file); } catch { /* taken meanwhile: its holder's release checks the text */ } }
  rmSync(aside, { force: true });
}

function release(file: string, text: string): void {
  try {
    if (readFileSync(file, 'utf8') === text) rmSync(file, { force: true });
  } catch { /* already gone */ }
}
