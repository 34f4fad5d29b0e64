// Running installed programs: boots a kernel from the install store, starts the system's boot
// programs in order, then the program asked for, and waits for it to end (`sing run`).
// Rules for callers: every image is loaded from the store and checked against its hash; each one's
// manifest, as its code declares it when first instantiated, must agree with the manifest stored
// at install (E_MANIFEST_MISMATCH otherwise). Host resources are checked before anything starts:
// a declared file must exist and a declared TCP port must be free; the kernel then holds every
// exclusive resource for one live process at a time. Parameters arrive as text and are parsed by
// the types the manifest declares; a boot entry's parameters must be ones its program declares.
// Limits: the kernel, and the kernel of every domain, run with the policy's limits (policy.ts).
// Naming: the kernel numbers the members of the default allowMultiple families and of those the
// system's naming conventions mark `allowMultiple` (a second `/dev/disk0` exporter gets /dev/disk1).
// Placement: a program runs in the domain the system manifest places it in (`domains`: sets of
// programs per worker or process domain, as Singularity's processSet), else in the kernel domain;
// `--domain KIND` places the program asked for in a fresh domain of that kind instead. A program
// without the trusted privilege obeys `policy.untrustedDomain` (policy.ts, `placementOf`): one that
// nothing places runs alone in a fresh domain of the rule's kind, and a `--domain` or a placement
// the rule forbids is refused (E_POLICY) before anything starts. A domain's processes bind and
// provide names as if local (the directory spans domains). Every domain ends with the run.
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_ALLOW_MULTIPLE, Kernel, type ConsoleSink, type ImageSource } from '../kernel/index.ts';
import { openDomain, type Domain } from '../domains/domain-host.ts';
import type { ExitStatus } from '../runtime/abi.ts';
import type { HostResource, Manifest } from '../runtime/program.ts';
import { isTcpDestination } from '../runtime/manifest-values.ts';
import type { ProgramManifest } from '../verifier/manifest-schema.ts';
import { fileClaimsOf } from './file-claims.ts';
import { InstallError } from './installer.ts';
import { placementOf, policyLimits, type Placement } from './policy.ts';
import { allowMultipleFamilies, type DomainKind as SystemDomainKind } from './system.ts';
import { StoreError, type InstallStore } from './store.ts';

export interface RunOptions {
  /** Parameters as text, by name (`--a 2` gives { a: '2' }). */
  readonly params?: Readonly<Record<string, string>>;
  readonly console?: ConsoleSink;
  /** Kernel events worth telling the user (boot programs starting, failures). */
  readonly log?: (line: string) => void;
  readonly domain?: string;
}

/** The first difference between the installed manifest and the one the image declares. */
export function manifestDisagreement(stored: ProgramManifest, m: Manifest): string | undefined {
  const same = (what: string, a: unknown, b: unknown): string | undefined => (JSON.stringify(a) === JSON.stringify(b) ? undefined : `${what}: installed ${JSON.stringify(a)}, declared ${JSON.stringify(b)}`);
  const eps = (g: Readonly<Record<string, { contract: string; side: string; path?: string }>>): unknown =>
    Object.entries(g).map(([k, e]) => [k, e.contract, e.side, e.path ?? null]).sort();
  const decl = (g: Manifest['imports']): unknown => g.map((e) => [e.key, e.cc.name, e.decl.side, e.decl.path ?? null]).sort();
  return same('name', stored.name, m.name)
    ?? same('parameters', Object.entries(stored.parameters).sort(), m.parameters.map((p) => [p.key, p.type.describe]).sort())
    ?? same('endpoints', eps(stored.endpoints), decl(m.endpoints))
    ?? same('imports', eps(stored.imports), decl(m.imports))
    ?? same('exports', eps(stored.exports), decl(m.exports))
    ?? same('console', stored.console, m.console)
    ?? same('trusted', stored.trusted, m.trusted)
    ?? same('resources.exchangeHeap', stored.resources.exchangeHeap, m.heapQuota)
    ?? same('resources.memory', stored.resources.memory ?? 0, m.memory)
    ?? same('resources.cpuFuel', stored.resources.cpuFuel, m.fuel)
    ?? same('resources.host', Object.entries(stored.resources.host).map(([k, r]) => [k, r.kind, r.target, r.exclusive]).sort(), m.host.map((r) => [r.key, r.kind, r.target, r.exclusive]).sort())
    ?? same('resources.files', fileClaimsOf(stored).map((c) => [c.pattern, c.access, c.exclusive]).sort(), m.files.map((c) => [c.pattern, c.access, c.exclusive]).sort())
    ?? same('resources.network', [[...(stored.resources.network?.listen ?? [])].sort(), [...(stored.resources.network?.connect ?? [])].sort()], [[...m.network.listen].sort(), [...m.network.connect].sort()]);
}

/** Parses a parameter given as text by the field type the manifest declares. */
export function parseParam(program: string, key: string, type: string, raw: string): unknown {
  const bad = (): never => { throw new InstallError('E_PARAMS', `${program}: --${key} expects ${type}, got ${JSON.stringify(raw)}`); };
  switch (type) {
    case 'i32': case 'u32': {
      if (!/^-?\d+$/.test(raw.trim())) bad();
      const n = Number(raw);
      return (type === 'i32' ? (n | 0) === n : n >>> 0 === n) ? n : bad();
    }
    case 'f64': { const n = Number(raw); return raw.trim() === '' || Number.isNaN(n) ? bad() : n; }
    case 'bool': return raw === 'true' ? true : raw === 'false' ? false : bad();
    case 'str': return raw;
    default:
      if (type.startsWith('enum(')) return raw;
      try { return JSON.parse(raw) as unknown; } catch { return bad(); }
  }
}

/** Every parameter of `m`, parsed from text by its declared type; an unknown or missing one is
 * E_PARAMS, named after `what` (`run adder`). */
export function parseParams(what: string, m: ProgramManifest, raw: Readonly<Record<string, string>>): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const type = Object.hasOwn(m.parameters, k) ? m.parameters[k] : undefined;
    if (type === undefined) throw new InstallError('E_PARAMS', `${what}: --${k} is not a parameter of ${m.name} (it takes: ${Object.keys(m.parameters).map((p) => `--${p}`).join(' ') || 'none'})`);
    params[k] = parseParam(m.name, k, type, v);
  }
  const missing = Object.keys(m.parameters).filter((k) => !Object.hasOwn(params, k));
  if (missing.length > 0) throw new InstallError('E_PARAMS', `${what}: missing ${missing.map((k) => `--${k} <${m.parameters[k] as string}>`).join(' ')}`);
  return params;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** Boots the installed system and runs `name`; resolves with its exit status. */
export async function runInstalled(store: InstallStore, name: string, opts: RunOptions = {}): Promise<ExitStatus> {
  if (opts.domain !== undefined && !['kernel', 'worker', 'process'].includes(opts.domain)) {
    throw new InstallError('E_DOMAIN', `run ${name}: --domain ${opts.domain}: a domain is kernel, worker or process`);
  }
  const sys = store.readSystem();
  const entry = Object.hasOwn(sys.programs, name) ? sys.programs[name] : undefined;
  if (entry === undefined) throw new InstallError('E_NOT_INSTALLED', `run ${name}: no program of that name is installed (sing list shows what is)`);
  const manifests = new Map(Object.entries(sys.programs).map(([n, e]) => [n, store.getManifest(e.manifest)]));
  const target = manifests.get(name) as ProgramManifest;
  const params = parseParams(`run ${name}`, target, opts.params ?? {});
  sys.boot.forEach((b, i) => { // a misspelt parameter in a hand-edited boot entry is not ignored
    const m = manifests.get(b.program) as ProgramManifest;
    for (const k of Object.keys(b.params ?? {})) {
      if (!Object.hasOwn(m.parameters, k)) throw new StoreError('E_STORE_CORRUPT', `${join(store.dir, 'system.json')}: boot[${i}].params.${k}: is not a parameter of ${b.program} (known: ${Object.keys(m.parameters).join(', ') || 'none'})`);
    }
  });
  const limits = policyLimits(sys);

  const starting = [...sys.boot.map((b) => b.program).filter((p) => p !== name), name];
  const placements = new Map<string, Placement>(starting.map((p) => [p, placementOf(`run ${name}`, sys, manifests.get(p) as ProgramManifest, p === name ? opts.domain as SystemDomainKind | undefined : undefined)]));
  const busyPorts = new Set<string>();
  for (const p of starting) {
    for (const r of Object.values((manifests.get(p) as ProgramManifest).resources.host)) {
      if (r.kind === 'tcp' && !isTcpDestination(r.target) && !(await portFree(Number(r.target)))) busyPorts.add(r.target);
    }
  }
  const probe = (r: HostResource): string | undefined => {
    if (r.kind === 'file') return existsSync(r.target) ? undefined : `the file ${r.target} does not exist`;
    if (r.kind === 'terminal') return '`sing run` gives programs no terminal (`sing boot` does, to its console driver)';
    if (r.kind === 'status') return undefined;
    return busyPorts.has(r.target) ? `TCP port ${r.target} is in use on this host` : undefined;
  };
  let finished = false;
  const naming = { allowMultiple: [...DEFAULT_ALLOW_MULTIPLE, ...allowMultipleFamilies(sys)] };
  const k = new Kernel({ ...(opts.console !== undefined ? { console: opts.console } : {}), resources: probe, limits, naming });
  const domains = new Map<string, Domain>();
  const images: ImageSource[] = [];
  /** The domain `program` runs in (made on first use), or null for the kernel domain. */
  const placed = (program: string): Domain | null => {
    const p = placements.get(program) as Placement;
    if (p.kind === 'kernel') return null;
    // A set's domain is shared by its programs; any other runs alone in one named after it.
    const [key, label] = p.set !== undefined ? [`set ${p.set}`, p.set] : [`own ${program}`, `${p.by === 'policy' ? 'untrusted' : 'run'}-${program}`];
    let d = domains.get(key);
    if (d === undefined) {
      d = openDomain(k, p.kind, images, { name: label, limits, ...(p.memoryMb !== undefined ? { memoryMb: p.memoryMb } : {}), ...(opts.console !== undefined ? { console: opts.console } : {}) });
      domains.set(key, d);
      if (p.by === 'policy') opts.log?.(`[policy] ${program} does not have the trusted privilege: it runs in a ${p.kind} domain of its own (policy.untrustedDomain: ${p.kind})`);
      opts.log?.(`[domain] ${label}: a ${p.kind} domain`);
    }
    return d;
  };
  const start = async (program: string, params: Readonly<Record<string, unknown>> | undefined): Promise<{ pid: number; join: () => PromiseLike<ExitStatus>; elsewhere: boolean }> => {
    const d = placed(program);
    if (d === null) {
      const s = k.spawn(program, params !== undefined ? { params: { ...params } } : undefined);
      return { pid: s.pid, join: () => s.join(), elsewhere: false };
    }
    const s = d.spawn(program, params !== undefined ? { params: { ...params } } : {});
    return { pid: await s.pid, join: () => s.join(), elsewhere: true };
  };
  try {
    for (const [n, e] of Object.entries(sys.programs)) {
      const stored = manifests.get(n) as ProgramManifest;
      const img = store.getImage(e.image);
      if (img.name !== n) throw new StoreError('E_STORE_CORRUPT', `images/${e.image}.json: holds ${img.name}'s image, but system.json installs it as ${n}`);
      k.install(img, (m) => manifestDisagreement(stored, m));
      images.push(img);
    }
    for (const b of sys.boot) {
      if (b.program === name) continue;
      const s = await start(b.program, b.params);
      opts.log?.(`[boot] started ${b.program} as pid ${s.pid}`);
      let ended = false;
      void s.join().then((st) => { ended = true; if (st.state === 'failed' && !finished) opts.log?.(`[boot] ${b.program}[${st.pid}] failed (${st.reason}): ${st.error?.message ?? ''}`); });
      await new Promise((r) => setImmediate(r));
      // A program in another domain publishes its names a moment after it starts: the next one
      // may import them, so wait for them (or for its end) before going on.
      const exports = Object.values((manifests.get(b.program) as ProgramManifest).exports).map((x) => x.path as string);
      const published = (): boolean => exports.every((x) => k.names.list().some((e) => e.path === x));
      for (let waited = 0; s.elsewhere && !ended && !published() && waited < 30_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
    }
    const s = await start(name, params);
    return await s.join();
  } finally {
    finished = true;
    await Promise.all([...domains.values()].map((d) => d.terminate()));
    k.shutdown();
  }
}
