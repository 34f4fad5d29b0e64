// The install store's errors, and the one place a file-system failure is turned into one.
// Rules for callers: every read or write of a store file goes through `fsFailure` when the file
// system refuses it, so the code says what happened: a file that is not there is E_STORE_MISSING,
// one this user may not read or write is E_STORE_PERMISSION (never "corrupt"), anything else the
// operating system refuses is E_STORE_IO. E_STORE_CORRUPT is kept for content that was read and is
// wrong; E_STORE_LOCKED for a store another live process holds for longer than a caller waits.
// Invariants: every message names the file (or the store) and what was being done to it.
import { SingError } from '../lib/error.ts';

export type StoreErrorCode = 'E_STORE_CORRUPT' | 'E_STORE_MISSING' | 'E_STORE_IO' | 'E_STORE_PERMISSION' | 'E_STORE_LOCKED';

export class StoreError extends SingError {
  constructor(code: StoreErrorCode, message: string) { super(code, message); }
}

/** The `code` of a Node file-system error (`ENOENT`, `EACCES`, ...), if it has one. */
export function errno(e: unknown): string | undefined {
  const c = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof c === 'string' ? c : undefined;
}

/** The store error for a file-system failure `e` while `doing` (e.g. 'read the system manifest')
 * to `file`. */
export function fsFailure(e: unknown, file: string, doing: string): StoreError {
  if (e instanceof StoreError) return e;
  const code = errno(e);
  if (code === 'EACCES' || code === 'EPERM') {
    const who = typeof process.getuid === 'function' ? ` (uid ${process.getuid()})` : '';
    return new StoreError('E_STORE_PERMISSION', `${file}: permission denied: cannot ${doing}: this user${who} may not; give it access to the install store or use another (--store)`);
  }
  if (code === 'ENOENT') return new StoreError('E_STORE_MISSING', `${file}: cannot ${doing}: no such file in the install store`);
  const why = e instanceof Error ? e.message : String(e);
  return new StoreError('E_STORE_IO', `${file}: cannot ${doing}: ${why}`);
}
