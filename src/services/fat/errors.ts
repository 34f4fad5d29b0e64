// FatError: the one error class the FAT engine throws. Every public call of the engine either
// returns or rejects with a FatError; anything else escaping is a bug (the public entry points
// wrap unexpected errors as E_INTERNAL so a caller still sees this class).
// Rules for callers: match on `code`, never on message text. `path` names the file or directory
// the operation was about (when there is one) and `sector` the volume sector involved in an I/O
// or corruption error (when known); messages name the thing, the place and the rule broken.
// Invariants: codes are stable strings; the list below is the whole set.
export type FatErrorCode =
  | 'E_IO'            // the device failed a read, write or flush
  | 'E_READ_ONLY'     // the volume or the device is read-only
  | 'E_ACCESS'        // the file has the read-only attribute, or a handle was opened without write
  | 'E_BAD_BOOT'      // the boot sector (or FSInfo) breaks a rule of the on-disk format
  | 'E_TRUNCATED'     // the volume claims more sectors than the device holds
  | 'E_CORRUPT'       // on-disk structures contradict each other (bad chain, bad entry, ...)
  | 'E_LOOP'          // a cluster chain loops
  | 'E_NOT_FOUND'
  | 'E_EXISTS'
  | 'E_NOT_DIRECTORY'
  | 'E_IS_DIRECTORY'
  | 'E_NOT_EMPTY'
  | 'E_NAME'          // a name the format cannot hold
  | 'E_NO_SPACE'      // no free cluster left
  | 'E_DIR_FULL'      // a directory cannot hold another entry (fixed root, or 65,536 entries)
  | 'E_TOO_BIG'       // a file would pass 4 GiB - 1 bytes
  | 'E_INVALID'       // an argument breaks the API's rules
  | 'E_BUSY'          // the file is open
  | 'E_CLOSED'        // the handle was closed
  | 'E_UNMOUNTED'     // the volume was unmounted (or its mount failed)
  | 'E_FORMAT'        // format cannot lay out a volume of this size and type
  | 'E_INTERNAL';     // an engine bug surfaced as an unexpected exception

export class FatError extends Error {
  readonly code: FatErrorCode;
  readonly path: string | undefined;
  readonly sector: number | undefined;
  constructor(code: FatErrorCode, message: string, where: { path?: string; sector?: number } = {}) {
    super(message);
    this.code = code;
    this.name = 'FatError';
    this.path = where.path;
    this.sector = where.sector;
  }
}

/** A non-FatError caught at a public entry point, turned into E_INTERNAL with the operation named. */
export function asFatError(e: unknown, op: string, path?: string): FatError {
  if (e instanceof FatError) return e;
  const why = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new FatError('E_INTERNAL', `${op}${path === undefined ? '' : ` ${path}`}: unexpected failure inside the FAT engine (${why})`, path === undefined ? {} : { path });
}

/** Runs `fn`, turning any escaping non-FatError into E_INTERNAL. */
export async function guarded<T>(op: string, path: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw asFatError(e, op, path);
  }
}
