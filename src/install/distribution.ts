// The distribution section of the system manifest (system.json's `distribution`): what `sing boot`
// brings up — the disk images, the web server's port, the services with what each needs started
// before it, their host bindings, and the supervision tree they run under. The programs the store
// installs and the `boot` list (started after the services), the naming conventions and the
// domain placement are the manifest's other sections.
// Rules for callers: `checkDistribution` reports every problem with a field path, as
// checkSystemJson does for the rest (it is called from there); `serviceOrder` gives the services in
// an order where each comes after everything it names in `after` (ties keep the written order),
// or throws a DistributionError naming the cycle or the unknown service.
// Invariants: service names are unique; `when: 'terminal'` services start only when the system has
// a terminal (the console driver); a program has one set of host bindings (the kernel keeps them
// per program), so two services of one program must not bind differently.
import { SingError } from '../lib/error.ts';
import { NAME_RE } from '../verifier/manifest-schema.ts';
import { isObj, unknownFields, type Bad, type Obj } from './schema-check.ts';

export class DistributionError extends SingError {}

export const STRATEGIES = ['one_for_one', 'rest_for_one', 'one_for_all'] as const;
export const RESTARTS = ['permanent', 'transient', 'temporary'] as const;

export interface DiskSpec {
  /** The image's path, relative to the store (`disks/disk0.img`). */
  readonly path: string;
  /** Its size when the first boot makes it, and the FAT volume label. */
  readonly sizeMiB: number;
  readonly label: string;
  /** Whether the first boot writes the home page (/www/index.html) on it. */
  readonly home?: boolean;
}

export interface ServiceSpec {
  /** The service's name in the tree (the program's name when it is run once). */
  readonly name: string;
  readonly program: string;
  readonly params?: Readonly<Record<string, unknown>>;
  /** Services that must be started before this one (it leans on them). */
  readonly after?: readonly string[];
  readonly restart?: (typeof RESTARTS)[number];
  /** Host resources bound for the program: a file path relative to the store, or a port;
   * `$port` is the web port (`--port`). */
  readonly bindings?: Readonly<Record<string, string>>;
  /** 'terminal': only when the system has a terminal. */
  readonly when?: 'terminal';
  /** The kernel it runs on (default 0, the boot kernel): a satellite kernel's services have a
   * supervisor of their own there, started after the boot kernel's (see `kernels`). */
  readonly kernel?: number;
}

export interface SupervisionSpec {
  readonly strategy: (typeof STRATEGIES)[number];
  /** At most `intensity` restarts in `periodMs`; beyond, the supervisor gives up. */
  readonly intensity: number;
  readonly periodMs: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

export interface DistributionSpec {
  readonly disks: readonly DiskSpec[];
  /** The web server's host port (`sing boot --port` overrides it). */
  readonly port: number;
  readonly supervision: SupervisionSpec;
  readonly services: readonly ServiceSpec[];
  /** How many kernels run (Helios's satellite kernels): a number, or 'per-core' for one per core;
   * kernel 0 boots the services, 1.. are worker domains with a kernel and scheduler of their own,
   * where `boot` entries are placed by their `kernel`. Default 1. */
  readonly kernels?: number | 'per-core';
}

/** The number of kernels `d` asks for, `cores` being this machine's. */
export function kernelCount(d: DistributionSpec, cores: number): number {
  return d.kernels === undefined ? 1 : d.kernels === 'per-core' ? cores : d.kernels;
}

const FIELDS = {
  distribution: ['disks', 'port', 'supervision', 'services', 'kernels'],
  disk: ['path', 'sizeMiB', 'label', 'home'],
  service: ['name', 'program', 'params', 'after', 'restart', 'bindings', 'when', 'kernel'],
  supervision: ['strategy', 'intensity', 'periodMs', 'backoffMs', 'maxBackoffMs'],
} as const;
const whole = (v: unknown, min: number): boolean => Number.isInteger(v) && (v as number) >= min;

function onlyKnown(v: Obj, at: string, kind: keyof typeof FIELDS, bad: Bad): void { unknownFields(v, at, `a ${kind} entry`, FIELDS[kind], bad); }

/** Reports every problem with `v` as the distribution section, each naming its field. */
export function checkDistribution(v: unknown, bad: Bad): void {
  const at = 'distribution';
  if (!isObj(v)) { bad(at, 'must be { disks, port, supervision, services }'); return; }
  onlyKnown(v, at, 'distribution', bad);
  if (!whole(v['port'], 0) || (v['port'] as number) > 65535) bad(`${at}.port`, 'must be a port 0..65535 (0: any free one)');
  if (v['kernels'] !== undefined && v['kernels'] !== 'per-core' && (!whole(v['kernels'], 1) || (v['kernels'] as number) > 64)) bad(`${at}.kernels`, "must be 1..64 kernels or 'per-core'");
  const disks = v['disks'];
  if (!Array.isArray(disks)) bad(`${at}.disks`, 'must be a list');
  else disks.forEach((d: unknown, i) => {
    const f = `${at}.disks[${i}]`;
    if (!isObj(d)) { bad(f, 'must be { path, sizeMiB, label, home? }'); return; }
    onlyKnown(d, f, 'disk', bad);
    if (typeof d['path'] !== 'string' || !/^[\w.-]+(\/[\w.-]+)*$/.test(d['path']) || d['path'].split('/').includes('..')) bad(`${f}.path`, 'must be a path inside the store (disks/disk0.img)');
    if (!whole(d['sizeMiB'], 1) || (d['sizeMiB'] as number) > 4096) bad(`${f}.sizeMiB`, 'must be a whole number of MiB, 1..4096');
    if (typeof d['label'] !== 'string' || !/^[A-Z0-9 _-]{0,11}$/.test(d['label'])) bad(`${f}.label`, 'must be a FAT label: up to 11 capitals, digits, spaces, _ or -');
    if (d['home'] !== undefined && typeof d['home'] !== 'boolean') bad(`${f}.home`, 'must be true or false');
  });
  const sup = v['supervision'];
  if (!isObj(sup)) bad(`${at}.supervision`, 'must be { strategy, intensity, periodMs, backoffMs, maxBackoffMs }');
  else {
    onlyKnown(sup, `${at}.supervision`, 'supervision', bad);
    if (!(STRATEGIES as readonly unknown[]).includes(sup['strategy'])) bad(`${at}.supervision.strategy`, `must be one of ${STRATEGIES.join(', ')}`);
    for (const k of ['intensity', 'periodMs', 'backoffMs', 'maxBackoffMs']) if (!whole(sup[k], k === 'backoffMs' ? 0 : 1)) bad(`${at}.supervision.${k}`, 'must be a whole number');
  }
  const services = v['services'];
  if (!Array.isArray(services)) { bad(`${at}.services`, 'must be a list'); return; }
  const names = new Set<string>();
  const bindingsOf = new Map<string, string>();
  services.forEach((s: unknown, i) => {
    const f = `${at}.services[${i}]`;
    if (!isObj(s)) { bad(f, 'must be { name, program, params?, after?, restart?, bindings?, when? }'); return; }
    onlyKnown(s, f, 'service', bad);
    if (typeof s['name'] !== 'string' || !NAME_RE.test(s['name'])) bad(`${f}.name`, 'must be a name such as fat');
    else if (names.has(s['name'])) bad(`${f}.name`, `${s['name']} is named twice`);
    else names.add(s['name']);
    if (typeof s['program'] !== 'string' || !NAME_RE.test(s['program'])) bad(`${f}.program`, 'must be a program name');
    if (s['params'] !== undefined && !isObj(s['params'])) bad(`${f}.params`, 'must be an object');
    if (s['after'] !== undefined && (!Array.isArray(s['after']) || !s['after'].every((a) => typeof a === 'string'))) bad(`${f}.after`, 'must be a list of service names');
    if (s['restart'] !== undefined && !(RESTARTS as readonly unknown[]).includes(s['restart'])) bad(`${f}.restart`, `must be one of ${RESTARTS.join(', ')}`);
    if (s['when'] !== undefined && s['when'] !== 'terminal') bad(`${f}.when`, "must be 'terminal' (started only when the system has one)");
    if (s['kernel'] !== undefined) {
      if (!whole(s['kernel'], 0)) bad(`${f}.kernel`, 'must be a kernel number: 0 (the boot kernel) or a satellite kernel 1..');
      else if ((s['kernel'] as number) > 0 && (s['bindings'] !== undefined || s['when'] !== undefined)) bad(`${f}.kernel`, 'a service with host bindings or a terminal runs on kernel 0: a satellite kernel holds no host resources');
    }
    const b = s['bindings'];
    if (b !== undefined) {
      if (!isObj(b) || !Object.values(b).every((t) => typeof t === 'string' && t !== '')) bad(`${f}.bindings`, 'must map host resource keys to targets (paths in the store, ports, or $port)');
      else if (typeof s['program'] === 'string') {
        const shown = JSON.stringify(b);
        const before = bindingsOf.get(s['program']);
        if (before !== undefined && before !== shown) bad(`${f}.bindings`, `${s['program']} is bound differently by another service; the kernel keeps one set of host bindings a program`);
        bindingsOf.set(s['program'], shown);
      }
    }
  });
  for (const [i, s] of services.entries()) {
    if (!isObj(s) || !Array.isArray(s['after'])) continue;
    const kernelOf = (x: unknown): number => (isObj(x) && typeof x['kernel'] === 'number' ? x['kernel'] : 0);
    for (const a of s['after'] as unknown[]) {
      if (typeof a === 'string' && !names.has(a)) { bad(`${at}.services[${i}].after`, `${a} is not a service of the distribution`); continue; }
      const dep = services.find((x: unknown) => isObj(x) && x['name'] === a);
      if (kernelOf(dep) > kernelOf(s)) bad(`${at}.services[${i}].after`, `${String(a)} runs on kernel ${kernelOf(dep)}, which starts after kernel ${kernelOf(s)}`);
    }
  }
  if (names.size === services.length) {
    try { serviceOrder(services as ServiceSpec[]); } catch (e) { if (e instanceof DistributionError) bad(`${at}.services`, e.message); else throw e; }
  }
}

/** The services in start order: each after those it names in `after`; otherwise as written. */
export function serviceOrder(services: readonly ServiceSpec[]): ServiceSpec[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const out: ServiceSpec[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (s: ServiceSpec, path: readonly string[]): void => {
    const st = state.get(s.name);
    if (st === 'done') return;
    if (st === 'visiting') throw new DistributionError('E_DISTRIBUTION', `the services wait for each other in a cycle: ${[...path.slice(path.indexOf(s.name)), s.name].join(' → ')}`);
    state.set(s.name, 'visiting');
    for (const a of s.after ?? []) {
      const dep = byName.get(a);
      if (dep === undefined) throw new DistributionError('E_DISTRIBUTION', `${s.name} starts after ${a}, which is not a service of the distribution`);
      visit(dep, [...path, s.name]);
    }
    state.set(s.name, 'done');
    out.push(s);
  };
  for (const s of services) visit(s, []);
  return out;
}
