// Manifest values both sides read: sizes, file paths and the default fuel, and the error a bad
// manifest raises. Used by the kernel when a program declares its manifest at run time and by the
// verifier when it reads the same manifest from source, so the two agree by construction.
// Rules: pure functions only — no SES, no kernel — so the installer can load this cheaply.
import { posix } from 'node:path';
import { SingError } from '../lib/error.ts';

export class ManifestError extends SingError {
  constructor(program: string, message: string) { super('E_MANIFEST', `program ${program}: ${message}`); }
}

/** CPU fuel per turn when the manifest says nothing: about a tenth of a second of tight loop. */
export const DEFAULT_FUEL = 100_000_000;

/** A file resource's path in one spelling (`a//b/./c` is `a/b/c`), so that exclusivity cannot be
 * dodged by writing the same file two ways. */
export function normalizeResourcePath(p: string): string {
  return posix.normalize(p.split('\\').join('/'));
}

const UNITS: Readonly<Record<string, number>> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, KB: 1000, MB: 1000 ** 2, GB: 1000 ** 3 };

/** A size such as 4096, '64KiB', '1.5 MiB' or '2MB', in bytes. */
export function parseSize(v: unknown, program: string, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|KB|MB|GB)?\s*$/.exec(v) : null;
  if (m === null) throw new ManifestError(program, `${what} must be a size such as 4096 or '64KiB', got ${JSON.stringify(v)}`);
  return Math.floor(Number(m[1]) * (UNITS[m[2] ?? 'B'] as number));
}
