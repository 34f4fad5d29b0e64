// Kernel errors and failure descriptions.
// Rules: KernelError is what ABI calls throw to programs (create, start, stop, join); its class
// is hardened because every process shares its prototype. `errorInfo` describes whatever a
// failing process threw without running any of its code: no getters, no Proxy traps.
import { types } from 'node:util';
import { SingError } from '../lib/error.ts';
import { harden } from '../lib/harden.ts';

export class KernelError extends SingError {}
harden(KernelError);

/** Who is asking, for error messages (built only when an error is). */
export function who(parent: { readonly label: string } | null): string { return parent === null ? 'host' : parent.label; }

function ownString(o: unknown, key: string): string | undefined {
  if (typeof o !== 'object' || o === null || types.isProxy(o)) return undefined;
  const d = Object.getOwnPropertyDescriptor(o, key);
  return d !== undefined && typeof d.value === 'string' ? d.value : undefined;
}

/** What a failure was: its code (or error class name) and message. */
export function errorInfo(e: unknown): { code: string; message: string } {
  if (typeof e === 'object' && e !== null && types.isProxy(e)) return { code: 'E_THROWN', message: 'a Proxy was thrown' };
  const code = ownString(e, 'code') ?? (types.isNativeError(e) ? ownString(Object.getPrototypeOf(e), 'name') ?? 'Error' : 'E_THROWN');
  const message = ownString(e, 'message') ?? (typeof e === 'object' && e !== null ? 'a non-Error object was thrown' : String(e));
  return { code, message };
}
