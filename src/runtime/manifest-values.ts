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

/** A TCP destination (`resources.host.x.connect`) in one spelling — `127.0.0.1:6379`,
 * `[::1]:6379`, `localhost:6379` — or undefined when `s` is not one. The host must be a literal
 * IPv4 or IPv6 address (IPv6 in brackets) or `localhost`: no name is looked up, so the manifest
 * says exactly where the program may connect. A listen port's target is digits only, so the two
 * never collide. */
export function tcpDestination(s: string): string | undefined {
  const m = /^(?:(\d{1,3}(?:\.\d{1,3}){3})|\[([0-9A-Fa-f:.]+)\]|(localhost)):(\d{1,5})$/.exec(s);
  if (m === null) return undefined;
  const port = Number(m[4]);
  if (port < 1 || port > 65535 || String(port) !== m[4]) return undefined;
  if (m[1] !== undefined) return m[1].split('.').every((o) => Number(o) <= 255 && String(Number(o)) === o) ? `${m[1]}:${port}` : undefined;
  if (m[2] !== undefined) return isIPv6(m[2]) ? `[${m[2].toLowerCase()}]:${port}` : undefined;
  return `localhost:${port}`;
}

function isIPv6(s: string): boolean {
  const parts = s.split('::');
  if (parts.length > 2) return false;
  const groups = parts.flatMap((p) => (p === '' ? [] : p.split(':')));
  const last = groups[groups.length - 1];
  const v4 = last !== undefined && last.includes('.');
  if (v4 && !/^\d{1,3}(?:\.\d{1,3}){3}$/.test(last)) return false;
  const hex = v4 ? groups.slice(0, -1) : groups;
  if (!hex.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  const n = hex.length + (v4 ? 2 : 0);
  return parts.length === 2 ? n < 8 : n === 8;
}

/** Whether a tcp resource's target is a connect destination (host:port) rather than a listen port. */
export function isTcpDestination(target: string): boolean { return !/^\d+$/.test(target); }
