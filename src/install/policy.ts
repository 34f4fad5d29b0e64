// The system policy's limits and placement rule, as written in system.json under `policy`: the
// kernel limits (src/kernel/limits.ts) a system sets (`policy.limits`), checked, read back as
// numbers, and applied; and where programs without the trusted privilege may run
// (`policy.untrustedDomain`).
// Rules for callers: `checkPolicyLimits` is part of the system manifest's schema (system.ts);
// `policyLimits` is what the runner hands `new Kernel({ limits })` and every domain's kernel;
// `effectiveLimits` lays them over DEFAULT_LIMITS; `limitRefusals` is the installer's E_LIMIT check
// (a program may not ask for more exchange heap than the policy grants one process); `withLimit`
// sets one from text (`sing policy limit KEY VALUE`), and `limitUsers` names the installed programs
// a lower limit would shut out. `placementOf` is where the runner starts each program (E_POLICY
// when `--domain` or system.json's `domains` puts one where the rule forbids); `placementRefusals`
// is the installer's E_POLICY check of the program being installed; `withUntrustedDomain` sets the
// rule (`sing policy untrusted-domain KIND`), and `untrustedDomainUsers` names the placements a
// stricter rule would forbid.
// Invariants: the keys are exactly KernelLimits' keys, and an unknown one is an error naming its
// path; a limit counted in bytes (exchangeHeapQuota, exchangeHeapPerTree, memoryBudget) takes a size (a number of
// bytes or a string such as '4MiB', read by parseSize), the others a positive whole number. A
// program has the trusted privilege when its manifest asks for it and `policy.trusted` grants it;
// one that has it runs wherever it is placed. One that does not may run, by `untrustedDomain`:
// 'kernel' (the default) anywhere; 'worker' in a worker or process domain; 'process' only in a
// process domain; when nothing places it, it runs in a fresh domain of the rule's kind, alone.
import { DEFAULT_LIMITS, kernelLimits, type KernelLimits } from '../kernel/limits.ts';
import { SingError } from '../lib/error.ts';
import { parseSize } from '../runtime/manifest-values.ts';
import type { ProgramManifest } from '../verifier/manifest-schema.ts';
import type { Refusal } from './installer.ts';
import type { DomainKind, SystemManifest } from './system.ts';

export type LimitKey = keyof KernelLimits;
/** `policy.limits` as written: bytes may be given as sizes ('4MiB'). */
export type PolicyLimits = { readonly [K in LimitKey]?: number | string };

export const LIMIT_KEYS: readonly LimitKey[] = Object.freeze(Object.keys(DEFAULT_LIMITS) as LimitKey[]);
/** The limits counted in bytes. */
export const SIZE_LIMITS: readonly LimitKey[] = ['exchangeHeapQuota', 'exchangeHeapPerTree', 'memoryBudget'];

/** E_LIMITS: a limit that is not one, or a bad value for one; E_POLICY: a placement the policy
 * forbids. */
export class PolicyError extends SingError {
  constructor(message: string, code: 'E_LIMITS' | 'E_POLICY' = 'E_LIMITS') { super(code, message); }
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
  const out: Refusal[] = [];
  const cap = effectiveLimits(sys).exchangeHeapQuota;
  if (m.resources.exchangeHeap > cap) {
    const where = limitIsSet(sys, 'exchangeHeapQuota') ? 'policy.limits.exchangeHeapQuota' : 'the default; policy.limits.exchangeHeapQuota sets it';
    out.push({ code: 'E_LIMIT', message: `${m.name} asks for an exchange-heap quota of ${formatBytes(m.resources.exchangeHeap)} (resources.exchangeHeap); the system policy grants one process at most ${formatBytes(cap)} (${where}; an administrator raises it with: sing policy limit exchangeHeapQuota SIZE)` });
  }
  // A memory budget above the system's is for programs with the trusted privilege only.
  const budget = effectiveLimits(sys).memoryBudget;
  const memory = m.resources.memory ?? 0;
  if (memory > budget && !hasTrustedPrivilege(sys, m)) {
    const where = limitIsSet(sys, 'memoryBudget') ? 'policy.limits.memoryBudget' : 'the default; policy.limits.memoryBudget sets it';
    out.push({ code: 'E_LIMIT', message: `${m.name} asks for a memory budget of ${formatBytes(memory)} (resources.memory); the system policy grants a program without the trusted privilege at most ${formatBytes(budget)} (${where}; an administrator raises it with: sing policy limit memoryBudget SIZE, or grants the program the trusted privilege)` });
  }
  return out;
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

// ---- policy.untrustedDomain: where programs without the trusted privilege may run ----

/** The domain kinds a program without the trusted privilege may run in, under each rule. */
const ALLOWED: Readonly<Record<DomainKind, readonly DomainKind[]>> = { kernel: ['kernel', 'worker', 'process'], worker: ['worker', 'process'], process: ['process'] };
const ALLOWED_TEXT: Readonly<Record<DomainKind, string>> = { kernel: 'in any domain', worker: 'only in a worker or process domain', process: 'only in a process domain' };

/** The system's rule for programs without the trusted privilege ('kernel' when the policy sets none). */
export const untrustedDomain = (sys: SystemManifest): DomainKind => sys.policy.untrustedDomain ?? 'kernel';

/** Whether `m` has the trusted privilege: its manifest asks for it and the policy grants it. */
export const hasTrustedPrivilege = (sys: SystemManifest, m: ProgramManifest): boolean => m.trusted && sys.policy.trusted.includes(m.name);

/** Where a program runs, and what decided it. */
export interface Placement {
  readonly kind: DomainKind;
  /** The entry of system.json's `domains` that holds the program (by: 'set'). */
  readonly set?: string;
  /** That entry's memory cap. */
  readonly memoryMb?: number;
  /** `--domain` (asked); a `domains` entry (set); the policy, for a program without the trusted
   * privilege that nothing places (a fresh domain of its own); else the kernel domain (default). */
  readonly by: 'asked' | 'set' | 'policy' | 'default';
}

function decide(sys: SystemManifest, m: ProgramManifest, asked: DomainKind | undefined): Placement {
  if (asked !== undefined) return { kind: asked, by: 'asked' };
  const e = Object.entries(sys.domains).find(([, d]) => d.programs.includes(m.name));
  if (e !== undefined) return { kind: e[1].kind, set: e[0], ...(e[1].memoryMb !== undefined ? { memoryMb: e[1].memoryMb } : {}), by: 'set' };
  const kind = hasTrustedPrivilege(sys, m) ? 'kernel' : untrustedDomain(sys);
  return { kind, by: kind === 'kernel' ? 'default' : 'policy' };
}

/** The rule `p` breaks for `m` ('A puts m in a kernel domain, but ...'), or undefined. */
function broken(sys: SystemManifest, m: ProgramManifest, p: Placement): string | undefined {
  const rule = untrustedDomain(sys);
  if (hasTrustedPrivilege(sys, m) || ALLOWED[rule].includes(p.kind)) return undefined;
  const by = p.by === 'asked' ? `--domain ${p.kind} puts` : `domains.${p.set ?? ''} (system.json) places`;
  return `${by} ${m.name} in a ${p.kind} domain, but ${m.name} does not have the trusted privilege, and the system policy runs such programs ${ALLOWED_TEXT[rule]} (policy.untrustedDomain: ${rule})`;
}

/** Where `m` runs (`asked`: the `--domain` given for it); E_POLICY, named after `what` (`run adder`),
 * when that is a domain the policy forbids it. */
export function placementOf(what: string, sys: SystemManifest, m: ProgramManifest, asked?: DomainKind): Placement {
  const p = decide(sys, m, asked);
  const rule = broken(sys, m, p);
  if (rule === undefined) return p;
  const fix = p.by === 'asked' ? `leave --domain out to run it in a fresh ${untrustedDomain(sys)} domain` : `place it in a domain the policy allows, or take it out of domains.${p.set ?? ''} to run it in a fresh ${untrustedDomain(sys)} domain`;
  throw new PolicyError(`${what}: ${rule}; ${fix}`, 'E_POLICY');
}

/** E_POLICY when system.json places `m` in a domain the policy forbids it (the installer's check). */
export function placementRefusals(sys: SystemManifest, m: ProgramManifest): Refusal[] {
  const p = decide(sys, m, undefined);
  const rule = broken(sys, m, p);
  return rule === undefined ? [] : [{ code: 'E_POLICY', message: `${rule}; place it in a domain the policy allows, or take it out of domains.${p.set ?? ''} (it then runs in a fresh ${untrustedDomain(sys)} domain)` }];
}

/** `sys` with the rule for programs without the trusted privilege set to `kind`. */
export function withUntrustedDomain(sys: SystemManifest, kind: DomainKind): SystemManifest {
  return { ...sys, policy: { ...sys.policy, untrustedDomain: kind } };
}

/** The placements in `sys` its rule forbids, each as 'domains.X (system.json) places NAME in ...'. */
export function untrustedDomainUsers(sys: SystemManifest, manifestOf: (name: string) => ProgramManifest): string[] {
  const out: string[] = [];
  for (const n of Object.keys(sys.programs).sort()) {
    const m = manifestOf(n);
    const rule = broken(sys, m, decide(sys, m, undefined));
    if (rule !== undefined) out.push(rule);
  }
  return out;
}

/** What `untrustedDomain` means, for people: 'programs without the trusted privilege run only in a worker or process domain'. */
export const untrustedDomainText = (kind: DomainKind): string => `programs without the trusted privilege run ${ALLOWED_TEXT[kind]}`;
