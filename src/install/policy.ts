// The system policy's limits: the kernel limits (src/kernel/limits.ts) a system sets, as written in
// system.json under `policy.limits`, checked, read back as numbers, and applied.
// Rules for callers: `checkPolicyLimits` is part of the system manifest's schema (system.ts);
// `policyLimits` is what the runner hands `new Kernel({ limits })` and every domain's kernel;
// `effectiveLimits` lays them over DEFAULT_LIMITS; `limitRefusals` is the installer's E_LIMIT check
// (a program may not ask for more exchange heap than the policy grants one process); `withLimit`
// sets one from text (`sing policy limit KEY VALUE`), and `limitUsers` names the installed programs
// a lower limit would shut out.
// Invariants: the keys are exactly KernelLimits' keys, and an unknown one is an error naming its
// path; a limit counted in bytes (exchangeHeapQuota, exchangeHeapPerTree) takes a size (a number of
// bytes or a string such as '4MiB', read by parseSize), the others a positive whole number.
import { DEFAULT_LIMITS, kernelLimits, type KernelLimits } from '../kernel/limits.ts';
import { SingError } from '../lib/error.ts';
import { parseSize } from '../runtime/manifest-values.ts';
import type { ProgramManifest } from '../verifier/manifest-schema.ts';
import type { Refusal } from './installer.ts';
import type { SystemManifest } from './system.ts';

export type LimitKey = keyof KernelLimits;
/** `policy.limits` as written: bytes may be given as sizes ('4MiB'). */
export type PolicyLimits = { readonly [K in LimitKey]?: number | string };

export const LIMIT_KEYS: readonly LimitKey[] = Object.freeze(Object.keys(DEFAULT_LIMITS) as LimitKey[]);
/** The limits counted in bytes. */
export const SIZE_LIMITS: readonly LimitKey[] = ['exchangeHeapQuota', 'exchangeHeapPerTree'];

export class PolicyError extends SingError {
  constructor(message: string) { super('E_LIMITS', message); }
}

export const isLimitKey = (k: string): k is LimitKey => (LIMIT_KEYS as readonly string[]).includes(k);

/** `v` as the value of limit `key` in its unit (bytes for sizes), or the rule it breaks. */
function limitValue(key: LimitKey, v: unknown): number | { rule: string } {
  if (SIZE_LIMITS.includes(key)) {
    let n: number;
    try { n = parseSize(v, 'policy', key); } catch { return { rule: "must be a size such as 4194304 or '4MiB'" }; }
    return n > 0 && Number.isSafeInteger(n) ? n : { rule: 'must be a size of at least 1 byte' };
  }
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : { rule: 'must be a positive whole number' };
}

/** Reports every problem with `v` as `policy.limits` (`at` is its path) through `bad`. */
export function checkPolicyLimits(v: unknown, at: string, bad: (field: string, rule: string) => void): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) { bad(at, `must be an object of kernel limits (known: ${LIMIT_KEYS.join(', ')})`); return; }
  for (const [k, x] of Object.entries(v)) {
    if (!isLimitKey(k)) { bad(`${at}.${k}`, `is not a kernel limit (known: ${LIMIT_KEYS.join(', ')})`); continue; }
    const r = limitValue(k, x);
    if (typeof r !== 'number') bad(`${at}.${k}`, `${r.rule}, got ${JSON.stringify(x)}`);
  }
}

/** The limits the system's policy sets, in numbers (what the kernels are given). */
export function policyLimits(sys: SystemManifest): Partial<KernelLimits> {
  const out: Partial<Record<LimitKey, number>> = {};
  for (const [k, x] of Object.entries(sys.policy.limits ?? {})) {
    const r = isLimitKey(k) ? limitValue(k, x) : { rule: 'is not a kernel limit' };
    if (typeof r !== 'number') throw new PolicyError(`policy.limits.${k}: ${r.rule}, got ${JSON.stringify(x)}`);
    out[k as LimitKey] = r;
  }
  return out;
}

/** Every limit the kernels run with: the policy's, and the defaults for the rest. */
export function effectiveLimits(sys: SystemManifest): KernelLimits {
  return kernelLimits(policyLimits(sys));
}

/** Whether the policy sets `key` (else it is the default). */
export const limitIsSet = (sys: SystemManifest, key: LimitKey): boolean => Object.hasOwn(sys.policy.limits ?? {}, key);

/** A byte count for people: '65536 bytes (64 KiB)'. */
export function formatBytes(n: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (n >= size && n % size === 0) return `${n} bytes (${n / size} ${unit})`;
  }
  return `${n} bytes`;
}

/** E_LIMIT when `m` asks for more of what the policy caps than it grants one process. */
export function limitRefusals(sys: SystemManifest, m: ProgramManifest): Refusal[] {
  const cap = effectiveLimits(sys).exchangeHeapQuota;
  if (m.resources.exchangeHeap <= cap) return [];
  const where = limitIsSet(sys, 'exchangeHeapQuota') ? 'policy.limits.exchangeHeapQuota' : 'the default; policy.limits.exchangeHeapQuota sets it';
  return [{ code: 'E_LIMIT', message: `${m.name} asks for an exchange-heap quota of ${formatBytes(m.resources.exchangeHeap)} (resources.exchangeHeap); the system policy grants one process at most ${formatBytes(cap)} (${where}; an administrator raises it with: sing policy limit exchangeHeapQuota SIZE)` }];
}

/** `sys` with limit `key` set from command-line text; refuses (E_LIMITS) an unknown key or a bad value. */
export function withLimit(sys: SystemManifest, key: string, text: string): SystemManifest {
  if (!isLimitKey(key)) throw new PolicyError(`policy limit ${key}: not a kernel limit (known: ${LIMIT_KEYS.join(', ')})`);
  const given: number | string = /^\d+$/.test(text.trim()) ? Number(text.trim()) : text;
  const r = limitValue(key, given);
  if (typeof r !== 'number') throw new PolicyError(`policy limit ${key}: ${r.rule}, got ${JSON.stringify(text)}`);
  return { ...sys, policy: { ...sys.policy, limits: { ...sys.policy.limits, [key]: given } } };
}

/** The installed programs (with what they ask for) that `sys`'s limits would refuse. */
export function limitUsers(sys: SystemManifest, manifestOf: (name: string) => ProgramManifest): string[] {
  const out: string[] = [];
  for (const n of Object.keys(sys.programs).sort()) {
    for (const r of limitRefusals(sys, manifestOf(n))) out.push(r.message.split(';')[0] as string);
  }
  return out;
}
