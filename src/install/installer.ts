// The installer: checks a program folder against the verifier and the system, compiles it once,
// and records it in the install store.
// Rules for callers: `check` judges without writing anything (`sing verify`); `install` verifies
// and compiles first, then, holding the store's lock, reads system.json again, judges the program
// against it a second time and only then writes the image and manifest (content-addressed) and the
// system manifest, in that order, so two installs racing for one path cannot both pass, and a
// refusal or a crash leaves nothing half-installed. A cached verdict is used only when the store
// says it belongs to these sources (InstallStore.verdict); any other is judged afresh and replaced.
// Refusals are InstallErrors with stable codes: E_VERIFY (the verifier's diagnostics),
// E_UNKNOWN_CONTRACT, E_MISSING_DEPENDENCY, E_RESOURCE_CONFLICT (an exclusive host resource, a
// network listen port another program claims, or
// overlapping file claims one of which is exclusive: file-claims.ts), E_PATH_OWNED (a path another
// program exports, unless it is a member of an allowMultiple family), E_PRIVILEGE, E_LIMIT (more
// exchange heap than the policy grants, policy.ts), E_POLICY (system.json places a program without
// the trusted privilege in a domain `policy.untrustedDomain` forbids it); `uninstall` refuses
// E_NOT_INSTALLED and E_IN_USE, judged again under the lock. Installing a program whose name is
// installed replaces it (an upgrade); it is judged against the rest of the system as if the old
// version were gone.
import { SingError } from '../lib/error.ts';
import { checkProgram, VerifyError, type Diagnostic, type ProgramManifest } from '../verifier/index.ts';
import { bundle } from './bundle.ts';
import { fileClaimConflicts } from './file-claims.ts';
import { sealImage } from './compile.ts';
import { limitRefusals, placementRefusals } from './policy.ts';
import { readProgramFolder, sourceKey, type ProgramFolder } from './source.ts';
import type { InstallStore, Verdict } from './store.ts';
import { familyConvention, type InstalledEntry, type NamingEntry, type SystemManifest } from './system.ts';

export type RefusalCode = 'E_UNKNOWN_CONTRACT' | 'E_MISSING_DEPENDENCY' | 'E_RESOURCE_CONFLICT' | 'E_PATH_OWNED' | 'E_PRIVILEGE' | 'E_LIMIT' | 'E_POLICY' | 'E_IN_USE';

export interface Refusal { readonly code: RefusalCode; readonly message: string }

export class InstallError extends SingError {
  readonly refusals: readonly Refusal[];
  constructor(code: string, message: string, refusals: readonly Refusal[] = []) {
    super(code, message);
    this.refusals = refusals;
  }
}

export interface Checked {
  readonly name: string | undefined;
  readonly manifest: ProgramManifest | undefined;
  readonly diagnostics: readonly Diagnostic[];
  readonly refusals: readonly Refusal[];
  /** True when the verdict came from the store's cache (the same sources, the same toolchain). */
  readonly cached: boolean;
}

export interface Installed {
  readonly name: string;
  readonly version: string;
  readonly image: string;
  readonly manifest: ProgramManifest;
  readonly cached: boolean;
  /** True when an installed program of the same name was replaced by a different one. */
  readonly replaced: boolean;
  /** True when exactly this image and manifest were installed already. */
  readonly unchanged: boolean;
}

/** What the system says about installing `m`: every refusal, in a stable order. */
export function systemRefusals(sys: SystemManifest, m: ProgramManifest, manifestOf: (name: string) => ProgramManifest): Refusal[] {
  const out: Refusal[] = [];
  const others = Object.keys(sys.programs).filter((n) => n !== m.name);
  if (m.trusted && !sys.policy.trusted.includes(m.name)) {
    out.push({ code: 'E_PRIVILEGE', message: `${m.name} asks for the trusted privilege, which the system policy does not grant it (an administrator grants it with: sing policy grant ${m.name})` });
  }
  out.push(...limitRefusals(sys, m));
  out.push(...placementRefusals(sys, m));
  for (const d of m.dependencies) {
    if (!others.includes(d)) out.push({ code: 'E_MISSING_DEPENDENCY', message: `${m.name} depends on ${d}, which is not installed` });
  }
  const owner = (e: NamingEntry): string | undefined => (e.program === m.name ? undefined : e.program);
  const sameContract = (e: NamingEntry, c: { contract: string; fingerprint: string }): boolean =>
    e.contract === c.contract && (e.fingerprint === undefined || e.fingerprint === c.fingerprint);
  for (const [key, x] of Object.entries(m.exports)) {
    const path = x.path as string;
    // A member of an allowMultiple family (`/dev/disk0` of `/dev/disk`) may have many exporters:
    // the kernel numbers the later ones anew. Each must speak the family's contract.
    const fam = familyConvention(sys, path);
    const e = sys.naming[path] ?? fam?.entry;
    if (e === undefined) continue;
    const o = owner(e);
    const at = sys.naming[path] === undefined && fam !== undefined ? `the family ${fam.family} (allowMultiple), and so at ${path}` : path;
    if (o !== undefined && fam === undefined) out.push({ code: 'E_PATH_OWNED', message: `exports.${key}: ${path} is already exported by ${o}` });
    else if (!sameContract(e, x)) out.push({ code: 'E_UNKNOWN_CONTRACT', message: `exports.${key}: ${o === undefined ? "the system's naming conventions publish" : `${o} exports`} ${e.contract} at ${at}, not ${x.contract}${e.contract === x.contract ? ' as declared here (the declarations differ)' : ''}` });
  }
  for (const [key, x] of Object.entries(m.imports)) {
    const path = x.path as string;
    const e = sys.naming[path];
    const selfExported = Object.values(m.exports).some((y) => y.path === path);
    if (e === undefined || (e.program === undefined && !selfExported) || e.program === m.name) {
      if (!selfExported) out.push({ code: 'E_MISSING_DEPENDENCY', message: `imports.${key}: no installed program exports ${path} (install its provider first)` });
      continue;
    }
    if (!sameContract(e, x)) out.push({ code: 'E_UNKNOWN_CONTRACT', message: `imports.${key}: expects ${x.contract} at ${path}, but ${e.program ?? 'the system'} publishes ${e.contract} there${e.contract === x.contract ? ' (the two declarations differ)' : ''}` });
  }
  // An upgrade must keep publishing what installed programs import from it (unless another program
  // exports the same member of an allowMultiple family).
  for (const n of others) {
    for (const [key, x] of Object.entries(manifestOf(n).imports)) {
      const e = sys.naming[x.path as string];
      if (e?.program !== m.name || exporterOf(sys, x.path as string, [m.name], manifestOf) !== undefined) continue;
      const mine = Object.values(m.exports).find((y) => y.path === x.path);
      if (mine === undefined) out.push({ code: 'E_IN_USE', message: `${n} imports ${x.path as string} (imports.${key}), which this version of ${m.name} no longer exports` });
      else if (mine.contract !== x.contract || mine.fingerprint !== x.fingerprint) out.push({ code: 'E_IN_USE', message: `${n} imports ${x.path as string} as ${x.contract} (imports.${key}); this version of ${m.name} publishes ${mine.contract === x.contract ? 'a different declaration of it' : mine.contract} there` });
    }
  }
  // A port has one listener: a network listen claim is exclusive against every other program's.
  for (const port of m.resources.network?.listen ?? []) {
    for (const n of others) {
      if ((manifestOf(n).resources.network?.listen ?? []).includes(port)) {
        out.push({ code: 'E_RESOURCE_CONFLICT', message: `resources.network.listen: port ${port} is claimed by ${n} (resources.network.listen), and a port has one listener` });
      }
    }
  }
  for (const [key, r] of Object.entries(m.resources.host)) {
    for (const n of others) {
      const om = manifestOf(n);
      for (const [ok, or] of Object.entries(om.resources.host)) {
        if (or.kind === r.kind && or.target === r.target && (or.exclusive || r.exclusive)) {
          out.push({ code: 'E_RESOURCE_CONFLICT', message: `resources.host.${key}: ${r.kind} ${r.target} is claimed ${or.exclusive ? 'exclusively ' : ''}by ${n} (resources.host.${ok})${r.exclusive ? ' and this program wants it exclusively' : ''}` });
        }
      }
    }
  }
  for (const message of fileClaimConflicts(m, others, manifestOf)) out.push({ code: 'E_RESOURCE_CONFLICT', message });
  return out;
}

/** An installed program other than those in `not` that exports `path` (a member of an
 * allowMultiple family may have several), or undefined. */
function exporterOf(sys: SystemManifest, path: string, not: readonly string[], manifestOf: (name: string) => ProgramManifest): string | undefined {
  if (familyConvention(sys, path) === undefined) return undefined; // any other path has one exporter
  return Object.keys(sys.programs).find((n) => !not.includes(n) && Object.values(manifestOf(n).exports).some((x) => x.path === path));
}

/** The naming table without `name`'s exports: its own entries go, or pass to another exporter of
 * the same family member; conventions it filled stay (as conventions: the contract's name, no
 * exporter, whether the family allows multiple). */
function releaseNames(sys: SystemManifest, name: string, manifestOf: (name: string) => ProgramManifest): Record<string, NamingEntry> {
  const out: Record<string, NamingEntry> = {};
  for (const [p, e] of Object.entries(sys.naming)) {
    if (e.program !== name) { out[p] = e; continue; }
    const next = exporterOf(sys, p, [name], manifestOf);
    if (next !== undefined) {
      const x = Object.values(manifestOf(next).exports).find((y) => y.path === p) as ProgramManifest['exports'][string];
      out[p] = { contract: x.contract, fingerprint: x.fingerprint, program: next, ...(e.convention === true ? { convention: true } : {}), ...(e.allowMultiple === true ? { allowMultiple: true } : {}) };
    } else if (e.convention === true) {
      out[p] = { contract: e.contract, convention: true, ...(e.allowMultiple === true ? { allowMultiple: true } : {}) };
    }
  }
  return out;
}

/** The InstallError for a program the system refuses: every refusal, one per line. */
function refusedError(m: ProgramManifest, refusals: readonly Refusal[]): InstallError {
  const first = refusals[0] as Refusal;
  return new InstallError(first.code, `cannot install ${m.name}:\n${refusals.map((r) => `  ${r.code} ${r.message}`).join('\n')}`, refusals);
}

export class Installer {
  readonly store: InstallStore;
  constructor(store: InstallStore) { this.store = store; }

  /** Verifies a program folder and judges it against the system, writing nothing. */
  check(dir: string, entry?: string): Checked {
    const src = readProgramFolder(dir, entry);
    return this.#judge(src, this.store.verdict(sourceKey(src), src.entry));
  }

  #judge(src: ProgramFolder, hit: Verdict | undefined): Checked {
    let manifest = hit?.manifest;
    let diagnostics: readonly Diagnostic[] = [];
    if (manifest === undefined) {
      const r = checkProgram(src);
      manifest = r.manifest;
      diagnostics = r.diagnostics;
    }
    const sys = this.store.readSystem();
    const refusals = manifest === undefined || diagnostics.length > 0 ? [] : systemRefusals(sys, manifest, (n) => this.manifestOf(sys, n));
    return { name: manifest?.name, manifest, diagnostics, refusals, cached: hit !== undefined };
  }

  async install(dir: string, entry?: string): Promise<Installed> {
    const src = readProgramFolder(dir, entry);
    const key = sourceKey(src);
    const hit = this.store.verdict(key, src.entry);
    const bundling = hit === undefined ? bundle(src) : undefined;
    bundling?.catch(() => undefined); // its failure is reported below, or made moot by the verifier's
    const checked = this.#judge(src, hit);
    const m = checked.manifest;
    if (checked.diagnostics.length > 0 || m === undefined) throw new VerifyError(checked.name ?? dir, checked.diagnostics);
    if (checked.refusals.length > 0) throw refusedError(m, checked.refusals);
    const sealed = bundling === undefined ? undefined : sealImage(m.name, src, await bundling);
    return this.store.locked(`install ${m.name}`, async () => {
      // The system may have changed while this program was verified and compiled: judge again.
      const sys = this.store.readSystem();
      const refusals = systemRefusals(sys, m, (n) => this.manifestOf(sys, n));
      if (refusals.length > 0) throw refusedError(m, refusals);
      let img = sealed;
      if (img === undefined && !this.#holds((hit as Verdict).image)) img = sealImage(m.name, src, await bundle(src)); // gone since: compile again
      if (img !== undefined) this.store.putImage(img);
      const imageHash = img?.hash ?? (hit as Verdict).image;
      const mh = this.store.putManifest(m);
      this.store.putCache({ key, name: m.name, manifest: mh, image: imageHash });
      const before = Object.hasOwn(sys.programs, m.name) ? sys.programs[m.name] : undefined;
      const unchanged = before !== undefined && before.image === imageHash && before.manifest === mh;
      const naming = releaseNames(sys, m.name, (n) => this.manifestOf(sys, n));
      for (const x of Object.values(m.exports)) {
        const prev = naming[x.path as string];
        if (prev?.program !== undefined) continue; // a family member another program exports first: its entry stays
        const convention = prev !== undefined && (prev.convention === true || prev.program === undefined);
        naming[x.path as string] = { contract: x.contract, fingerprint: x.fingerprint, program: m.name, ...(convention ? { convention } : {}), ...(prev?.allowMultiple === true ? { allowMultiple: true } : {}) };
      }
      const entryOf: InstalledEntry = { version: m.version, image: imageHash, manifest: mh };
      this.store.writeSystem({ ...sys, programs: { ...sys.programs, [m.name]: entryOf }, naming });
      return { name: m.name, version: m.version, image: imageHash, manifest: m, cached: checked.cached, replaced: before !== undefined && !unchanged, unchanged };
    });
  }

  /** Whether the store holds the image `hash`, intact. */
  #holds(hash: string): boolean {
    try { this.store.getImage(hash); return true; } catch (e) {
      if (e instanceof SingError && (e.code === 'E_STORE_CORRUPT' || e.code === 'E_STORE_MISSING')) return false;
      throw e;
    }
  }

  /** Removes an installed program; refused while another depends on it or imports what it exports. */
  async uninstall(name: string): Promise<void> {
    this.#uninstalled(this.store.readSystem(), name); // refuse early, creating nothing
    await this.store.editSystem(`uninstall ${name}`, (sys) => this.#uninstalled(sys, name));
  }

  /** `sys` without `name`, or the refusal. */
  #uninstalled(sys: SystemManifest, name: string): SystemManifest {
    if (!Object.hasOwn(sys.programs, name)) throw new InstallError('E_NOT_INSTALLED', `uninstall ${name}: no program of that name is installed`);
    const m = this.manifestOf(sys, name);
    const manifestOf = (n: string): ProgramManifest => this.manifestOf(sys, n);
    // What only this program exports (a family member another program exports too stays served).
    const exported = new Set(Object.values(m.exports).map((x) => x.path as string).filter((p) => exporterOf(sys, p, [name], manifestOf) === undefined));
    const users: string[] = [];
    for (const n of Object.keys(sys.programs)) {
      if (n === name) continue;
      const om = this.manifestOf(sys, n);
      if (om.dependencies.includes(name) || Object.values(om.imports).some((x) => exported.has(x.path as string))) users.push(n);
    }
    if (users.length > 0) throw new InstallError('E_IN_USE', `uninstall ${name}: ${users.join(', ')} ${users.length === 1 ? 'depends' : 'depend'} on it; uninstall ${users.length === 1 ? 'it' : 'them'} first`);
    const programs = { ...sys.programs };
    delete programs[name];
    const naming = releaseNames(sys, name, manifestOf);
    const domains = Object.fromEntries(Object.entries(sys.domains).map(([d, e]) => [d, { ...e, programs: e.programs.filter((p) => p !== name) }]));
    return { ...sys, programs, naming, domains, boot: sys.boot.filter((b) => b.program !== name) };
  }

  list(): { name: string; version: string; image: string; manifest: ProgramManifest }[] {
    const sys = this.store.readSystem();
    return Object.entries(sys.programs).sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, e]) => ({ name, version: e.version, image: e.image, manifest: this.store.getManifest(e.manifest) }));
  }

  manifestOf(sys: SystemManifest, name: string): ProgramManifest {
    const e = Object.hasOwn(sys.programs, name) ? sys.programs[name] : undefined;
    if (e === undefined) throw new InstallError('E_NOT_INSTALLED', `${name}: no program of that name is installed`);
    return this.store.getManifest(e.manifest);
  }
}
