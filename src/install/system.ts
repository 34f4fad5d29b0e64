// The system manifest (a distribution file): which programs are installed, which contract each
// path in the name service carries (naming conventions), which programs start at boot and in what
// order, where programs run (domain placement), the policy (privileges, limits, and the domains
// programs without the trusted privilege may run in: policy.ts), and what `sing boot` brings up
// (the disks, services and supervision tree: distribution.ts).
// Rules for callers: the installer and the `sing` commands write it through InstallStore, holding
// the store's lock; a person may edit the file by hand, and every read passes `checkSystemJson`,
// so a bad edit is reported, never half-obeyed: a field the schema does not know, at any depth, is
// an error naming its path and the fields that are known there. A naming entry with no `program`
// (or `convention: true`) is a convention the system fixes in advance: whoever exports that path
// must use that contract, and the convention stays when that exporter is uninstalled. A convention
// may say `allowMultiple: true`: its path is then a family (`/dev/disk`) whose numbered members
// (`/dev/disk0`, `/dev/disk1`, ...) many programs may export, each with the family's contract; the
// kernel numbers a second exporter of a taken member anew (src/kernel/naming.ts).
// Not checked here (it needs the stored manifests): a boot entry's parameters against the
// program's declared ones, and whether a placement puts a program without the trusted privilege in
// a domain `policy.untrustedDomain` forbids it; the installer and the runner check those.
import { NAME_RE, PATH_RE } from '../verifier/manifest-schema.ts';
import { checkPolicyLimits, type PolicyLimits } from './policy.ts';
import { familyOf } from '../kernel/naming.ts';
import { checkDistribution, type DistributionSpec } from './distribution.ts';
import { isObj, unknownFields, type Bad, type Obj } from './schema-check.ts';

export const SYSTEM_SCHEMA = 1;
export const DOMAIN_KINDS = ['kernel', 'worker', 'process'] as const;
export type DomainKind = (typeof DOMAIN_KINDS)[number];
export const isDomainKind = (v: unknown): v is DomainKind => (DOMAIN_KINDS as readonly unknown[]).includes(v);

export interface InstalledEntry {
  readonly version: string;
  /** The sealed image's hash (images/<hash>.json). */
  readonly image: string;
  /** The stored manifest's hash (manifests/<hash>.json). */
  readonly manifest: string;
}

export interface NamingEntry {
  readonly contract: string;
  /** The contract declaration's fingerprint; absent in a convention written by hand (then only the name must match). */
  readonly fingerprint?: string;
  /** The installed program that exports the path; absent for a convention nobody fills yet. */
  readonly program?: string;
  /** A convention the system fixed in advance (it outlives the programs that fill it). */
  readonly convention?: boolean;
  /** On a convention: the path is a family whose members (`<path>0`, `<path>1`, ...) several
   * programs may export, and the kernel numbers a taken one anew. */
  readonly allowMultiple?: boolean;
}

export interface BootEntry {
  readonly program: string;
  readonly params?: Readonly<Record<string, unknown>>;
  /** The kernel it runs on, by affinity: 0 (the default) the boot kernel, 1.. the satellite
   * kernels the distribution's `kernels` asks for. */
  readonly kernel?: number;
}

export interface DomainEntry {
  readonly kind: DomainKind;
  readonly programs: readonly string[];
  /** A memory cap for worker and process domains, in MiB. */
  readonly memoryMb?: number;
}

export interface Policy {
  /** Programs granted the trusted privilege. */
  readonly trusted: readonly string[];
  /** Kernel limits the system sets (policy.ts); the rest keep their defaults. */
  readonly limits?: PolicyLimits;
  /** Where programs without the trusted privilege may run (policy.ts, `placementOf`): 'kernel'
   * (anywhere; the default), 'worker' (a worker or process domain) or 'process' (a process domain). */
  readonly untrustedDomain?: DomainKind;
}

export interface SystemManifest {
  readonly schema: typeof SYSTEM_SCHEMA;
  readonly programs: Readonly<Record<string, InstalledEntry>>;
  readonly naming: Readonly<Record<string, NamingEntry>>;
  readonly boot: readonly BootEntry[];
  readonly domains: Readonly<Record<string, DomainEntry>>;
  readonly policy: Policy;
  /** What `sing boot` brings up (distribution.ts); absent until the first boot writes the default. */
  readonly distribution?: DistributionSpec;
}

/** The families the system's conventions mark allowMultiple (`/dev/disk`), for the kernel. */
export function allowMultipleFamilies(sys: SystemManifest): string[] {
  return Object.entries(sys.naming).filter(([, e]) => e.allowMultiple === true).map(([p]) => p);
}

/** The allowMultiple convention `path` is a numbered member of (`/dev/disk` for `/dev/disk1`; the
 * longest family that matches), with its path, or undefined. */
export function familyConvention(sys: SystemManifest, path: string): { readonly family: string; readonly entry: NamingEntry } | undefined {
  const family = familyOf(allowMultipleFamilies(sys), path);
  return family === null ? undefined : { family, entry: sys.naming[family] as NamingEntry };
}

export function emptySystem(): SystemManifest {
  return { schema: SYSTEM_SCHEMA, programs: {}, naming: {}, boot: [], domains: {}, policy: { trusted: [] } };
}

const HEX = /^[0-9a-f]{64}$/;

/** The fields each kind of object in the system manifest may have. */
const FIELDS = {
  'the system manifest': ['schema', 'programs', 'naming', 'boot', 'domains', 'policy', 'distribution'],
  'a program entry': ['version', 'image', 'manifest'],
  'a naming entry': ['contract', 'fingerprint', 'program', 'convention', 'allowMultiple'],
  'a boot entry': ['program', 'params', 'kernel'],
  'a domain entry': ['kind', 'programs', 'memoryMb'],
  'the policy': ['trusted', 'limits', 'untrustedDomain'],
} as const;

/** Reports every key of `v` that is not a field of `kind`; `at` is `v`'s own path ('' at the top). */
function onlyKnown(v: Obj, at: string, kind: keyof typeof FIELDS, bad: Bad): void { unknownFields(v, at, kind, FIELDS[kind], bad); }

/** The problems with `v` as a system manifest (empty when it is one), each naming the field. */
export function checkSystemJson(v: unknown): string[] {
  const out: string[] = [];
  const bad: Bad = (field, rule) => { out.push(`${field}: ${rule}`); };
  if (!isObj(v)) return ['system: must be an object'];
  onlyKnown(v, '', 'the system manifest', bad);
  if (v['schema'] !== SYSTEM_SCHEMA) bad('schema', `must be ${SYSTEM_SCHEMA}`);
  const programs = v['programs'];
  if (!isObj(programs)) bad('programs', 'must be an object');
  else for (const [n, e] of Object.entries(programs)) checkProgram(n, e, bad);
  const installed = (n: unknown): boolean => isObj(programs) && typeof n === 'string' && Object.hasOwn(programs, n);
  const naming = v['naming'];
  if (!isObj(naming)) bad('naming', 'must be an object');
  else for (const [p, e] of Object.entries(naming)) checkNaming(p, e, installed, bad);
  const boot = v['boot'];
  if (!Array.isArray(boot)) bad('boot', 'must be a list');
  else boot.forEach((b: unknown, i) => { checkBoot(`boot[${i}]`, b, installed, bad); });
  const domains = v['domains'];
  if (!isObj(domains)) bad('domains', 'must be an object');
  else {
    const placed = new Set<string>();
    for (const [d, e] of Object.entries(domains)) checkDomain(`domains.${d}`, e, installed, placed, bad);
  }
  if (v['distribution'] !== undefined) checkDistribution(v['distribution'], bad);
  const policy = v['policy'];
  if (!isObj(policy)) bad('policy', `must be an object: { trusted: [program names], limits?, untrustedDomain?: ${DOMAIN_KINDS.join('|')} }`);
  else {
    onlyKnown(policy, 'policy', 'the policy', bad);
    const trusted = policy['trusted'];
    if (!Array.isArray(trusted) || !trusted.every((n) => typeof n === 'string')) bad('policy.trusted', 'must be a list of program names');
    if (policy['limits'] !== undefined) checkPolicyLimits(policy['limits'], 'policy.limits', bad);
    const u = policy['untrustedDomain'];
    if (u !== undefined && !isDomainKind(u)) bad('policy.untrustedDomain', `must be one of ${DOMAIN_KINDS.join(', ')} (the domains programs without the trusted privilege may run in: kernel allows any, worker a worker or process domain, process only a process domain), got ${JSON.stringify(u)}`);
  }
  return out;
}

function checkProgram(n: string, e: unknown, bad: Bad): void {
  const at = `programs.${n}`;
  if (!NAME_RE.test(n)) bad(at, 'is not a program name');
  if (!isObj(e)) { bad(at, 'must be { version, image: <sha256>, manifest: <sha256> }'); return; }
  onlyKnown(e, at, 'a program entry', bad);
  if (typeof e['version'] !== 'string') bad(`${at}.version`, 'must be a version such as "1.2.0"');
  if (typeof e['image'] !== 'string' || !HEX.test(e['image'])) bad(`${at}.image`, 'must be a sha256 digest (64 hex digits)');
  if (typeof e['manifest'] !== 'string' || !HEX.test(e['manifest'])) bad(`${at}.manifest`, 'must be a sha256 digest (64 hex digits)');
}

function checkNaming(p: string, e: unknown, installed: (n: unknown) => boolean, bad: Bad): void {
  const at = `naming.${p}`;
  if (!PATH_RE.test(p)) bad(at, "is not a path such as '/service/calc'");
  if (!isObj(e)) { bad(at, 'must be { contract, fingerprint?, program?, convention?, allowMultiple? }'); return; }
  onlyKnown(e, at, 'a naming entry', bad);
  if (typeof e['contract'] !== 'string') bad(`${at}.contract`, 'must be a contract name');
  if (e['fingerprint'] !== undefined && (typeof e['fingerprint'] !== 'string' || !HEX.test(e['fingerprint']))) bad(`${at}.fingerprint`, 'must be a sha256 digest (64 hex digits)');
  if (e['convention'] !== undefined && typeof e['convention'] !== 'boolean') bad(`${at}.convention`, 'must be true or false');
  if (e['program'] === undefined && e['convention'] === false) bad(`${at}.convention`, 'an entry without a program is a convention: it cannot say convention: false');
  if (e['allowMultiple'] !== undefined && typeof e['allowMultiple'] !== 'boolean') bad(`${at}.allowMultiple`, 'must be true or false');
  else if (e['allowMultiple'] === true && e['program'] !== undefined && e['convention'] !== true) bad(`${at}.allowMultiple`, 'only a convention (an entry without a program, or with convention: true) names a family several programs may export members of');
  if (e['program'] !== undefined && !installed(e['program'])) bad(`${at}.program`, `${String(e['program'])} is not installed`);
}

function checkBoot(at: string, b: unknown, installed: (n: unknown) => boolean, bad: Bad): void {
  if (!isObj(b)) { bad(at, 'must be { program, params?, kernel? } naming an installed program'); return; }
  onlyKnown(b, at, 'a boot entry', bad);
  if (!installed(b['program'])) bad(`${at}.program`, `must name an installed program${typeof b['program'] === 'string' ? ` (${b['program']} is not installed)` : ''}`);
  if (b['params'] !== undefined && !isObj(b['params'])) bad(`${at}.params`, 'must be an object');
  if (b['kernel'] !== undefined && !(Number.isInteger(b['kernel']) && (b['kernel'] as number) >= 0)) bad(`${at}.kernel`, 'must be a kernel number: 0 (the boot kernel) or a satellite kernel 1..');
}

function checkDomain(at: string, e: unknown, installed: (n: unknown) => boolean, placed: Set<string>, bad: Bad): void {
  if (!isObj(e)) { bad(at, `must be { kind: ${DOMAIN_KINDS.join('|')}, programs: [...], memoryMb? }`); return; }
  onlyKnown(e, at, 'a domain entry', bad);
  if (!isDomainKind(e['kind'])) bad(`${at}.kind`, `must be one of ${DOMAIN_KINDS.join(', ')}`);
  if (!Array.isArray(e['programs'])) bad(`${at}.programs`, 'must be a list of installed programs');
  else for (const p of e['programs'] as unknown[]) {
    if (!installed(p)) bad(`${at}.programs`, `${String(p)} is not installed`);
    else if (placed.has(p as string)) bad(`${at}.programs`, `${String(p)} is placed in two domains`);
    placed.add(p as string);
  }
  if (e['memoryMb'] !== undefined && !(Number.isInteger(e['memoryMb']) && (e['memoryMb'] as number) > 0)) bad(`${at}.memoryMb`, 'must be a whole number of MiB');
}
