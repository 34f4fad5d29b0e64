// The system manifest (a distribution file): which programs are installed, which contract each
// path in the name service carries (naming conventions), which programs start at boot and in what
// order, where programs run (domain placement), and the privilege policy.
// Rules for callers: the installer is the only writer, through InstallStore.writeSystem; a person
// may edit the file by hand, and every read passes `checkSystemJson`, so a bad edit is reported,
// never half-obeyed. A naming entry with no `program` (or `convention: true`) is a convention the
// system fixes in advance: whoever exports that path must use that contract, and the convention
// stays when that exporter is uninstalled.
import { NAME_RE, PATH_RE } from '../verifier/manifest-schema.ts';

export const SYSTEM_SCHEMA = 1;
export const DOMAIN_KINDS = ['kernel', 'worker', 'process'] as const;
export type DomainKind = (typeof DOMAIN_KINDS)[number];

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
}

export interface BootEntry {
  readonly program: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

export interface DomainEntry {
  readonly kind: DomainKind;
  readonly programs: readonly string[];
  /** A memory cap for worker and process domains, in MiB. */
  readonly memoryMb?: number;
}

export interface SystemManifest {
  readonly schema: typeof SYSTEM_SCHEMA;
  readonly programs: Readonly<Record<string, InstalledEntry>>;
  readonly naming: Readonly<Record<string, NamingEntry>>;
  readonly boot: readonly BootEntry[];
  readonly domains: Readonly<Record<string, DomainEntry>>;
  readonly policy: { readonly trusted: readonly string[] };
}

export function emptySystem(): SystemManifest {
  return { schema: SYSTEM_SCHEMA, programs: {}, naming: {}, boot: [], domains: {}, policy: { trusted: [] } };
}

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const HEX = /^[0-9a-f]{64}$/;

/** The problems with `v` as a system manifest (empty when it is one), each naming the field. */
export function checkSystemJson(v: unknown): string[] {
  const out: string[] = [];
  const bad = (field: string, rule: string): void => { out.push(`${field}: ${rule}`); };
  if (!isObj(v)) return ['system: must be an object'];
  for (const k of Object.keys(v)) if (!['schema', 'programs', 'naming', 'boot', 'domains', 'policy'].includes(k)) bad(k, 'is not a system manifest field');
  if (v['schema'] !== SYSTEM_SCHEMA) bad('schema', `must be ${SYSTEM_SCHEMA}`);
  const programs = v['programs'];
  if (!isObj(programs)) bad('programs', 'must be an object');
  else for (const [n, e] of Object.entries(programs)) {
    if (!NAME_RE.test(n)) bad(`programs.${n}`, 'is not a program name');
    if (!isObj(e) || typeof e['version'] !== 'string' || typeof e['image'] !== 'string' || !HEX.test(e['image']) || typeof e['manifest'] !== 'string' || !HEX.test(e['manifest'])) {
      bad(`programs.${n}`, 'must be { version, image: <sha256>, manifest: <sha256> }');
    }
  }
  const installed = (n: unknown): boolean => isObj(programs) && typeof n === 'string' && Object.hasOwn(programs, n);
  const naming = v['naming'];
  if (!isObj(naming)) bad('naming', 'must be an object');
  else for (const [p, e] of Object.entries(naming)) {
    if (!PATH_RE.test(p)) bad(`naming.${p}`, "is not a path such as '/service/calc'");
    if (!isObj(e) || typeof e['contract'] !== 'string' || (e['fingerprint'] !== undefined && (typeof e['fingerprint'] !== 'string' || !HEX.test(e['fingerprint'])))
      || (e['convention'] !== undefined && typeof e['convention'] !== 'boolean') || (e['program'] === undefined && e['convention'] === false)) bad(`naming.${p}`, 'must be { contract, fingerprint?, program?, convention? }');
    else if (e['program'] !== undefined && !installed(e['program'])) bad(`naming.${p}.program`, `${String(e['program'])} is not installed`);
  }
  const boot = v['boot'];
  if (!Array.isArray(boot)) bad('boot', 'must be a list');
  else boot.forEach((b: unknown, i) => {
    if (!isObj(b) || !installed(b['program'])) bad(`boot[${i}]`, 'must name an installed program');
    else if (b['params'] !== undefined && !isObj(b['params'])) bad(`boot[${i}].params`, 'must be an object');
  });
  const domains = v['domains'];
  if (!isObj(domains)) bad('domains', 'must be an object');
  else {
    const placed = new Set<string>();
    for (const [d, e] of Object.entries(domains)) {
      if (!isObj(e) || !(DOMAIN_KINDS as readonly unknown[]).includes(e['kind']) || !Array.isArray(e['programs'])) { bad(`domains.${d}`, `must be { kind: ${DOMAIN_KINDS.join('|')}, programs: [...] }`); continue; }
      for (const p of e['programs'] as unknown[]) {
        if (!installed(p)) bad(`domains.${d}.programs`, `${String(p)} is not installed`);
        else if (placed.has(p as string)) bad(`domains.${d}.programs`, `${String(p)} is placed in two domains`);
        placed.add(p as string);
      }
      if (e['memoryMb'] !== undefined && !(Number.isInteger(e['memoryMb']) && (e['memoryMb'] as number) > 0)) bad(`domains.${d}.memoryMb`, 'must be a whole number of MiB');
    }
  }
  const policy = v['policy'];
  if (!isObj(policy) || !Array.isArray(policy['trusted']) || !(policy['trusted'] as unknown[]).every((n) => typeof n === 'string')) bad('policy', 'must be { trusted: [program names] }');
  return out;
}
