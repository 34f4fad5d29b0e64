// A distribution booted: one kernel running what the system manifest's `distribution` section says
// (src/install/distribution.ts) — the services in the order their dependencies give, as the
// children of a supervisor program (src/services/supervisor) with the manifest's strategy,
// intensity and backoff, their host resources bound as the manifest binds them — and then the
// programs of the manifest's `boot` list, each on the kernel its `kernel` names: `kernels` above one
// starts satellite kernels (Helios), worker domains with a kernel and scheduler of their own, whose
// programs reach the rest through the one directory, over the same links and checks; a service
// placed on one (`kernel`) is supervised there, by a supervisor of that kernel's own (control name
// /service/supervisorN), started after the boot kernel's services are up. Every program installed in the store is loaded too (its
// image checked against its hash and stored manifest), so the shell can run it. DEFAULT_DISTRIBUTION
// is what the first boot writes: disk driver, FAT file system at /fs, network service, web server,
// the counter web app, the status service and, with a terminal, the console driver.
// Rules for callers: `Distribution.boot` resolves once every service's exports are registered, /fs
// (each `mount` parameter) is mounted and the web server serves, or rejects naming what failed (a
// program neither installed nor Sing's own, a service exporting a path against a naming
// convention, a placement the boot cannot honour). `close()` quiesces the supervisor (no more
// restarts), stops the boot programs and then the services last to first, unmounting each file
// system cleanly when its turn comes, then ends the supervisor and the kernel. Give a real port:
// with 0 each restart of the network service would listen on a new one.
// Invariants: the supervisor is the only parent of the services; nothing but `close()` stops it.
import { availableParallelism } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kernel, type Spawned } from '../kernel/kernel.ts';
import { DEFAULT_ALLOW_MULTIPLE } from '../kernel/naming.ts';
import type { TerminalHost } from '../kernel/terminal.ts';
import { compileImage } from '../install/compile.ts';
import { kernelCount, serviceOrder, type DistributionSpec, type ServiceSpec } from '../install/distribution.ts';
import { policyLimits } from '../install/policy.ts';
import { manifestDisagreement } from '../install/runner.ts';
import type { InstallStore } from '../install/store.ts';
import { allowMultipleFamilies, familyConvention, type SystemManifest } from '../install/system.ts';
import { SupervisorControl } from '../contracts/lib/supervisor.ts';
import { SingError } from '../lib/error.ts';
import type { ImageSource } from '../kernel/image.ts';
import { openSatellite, type Domain } from '../domains/domain-host.ts';
import type { ConsoleSink } from '../kernel/console.ts';
import { FsClient } from './fs-client.ts';
import { WEB_DEFAULTS, WEB_LIMITS } from './web-session.ts';

export class BootError extends SingError {}

const SERVICES = fileURLToPath(new URL('../services', import.meta.url));
const CONTROL = '/service/supervisor';

/** Sing's own programs, by name: their entries below src/services. */
export const SYSTEM_PROGRAMS: Readonly<Record<string, string>> = {
  supervisor: 'supervisor/main.ts', disk: 'disk/main.ts', fat: 'fat/main.ts', net: 'net/main.ts', web: 'web/main.ts',
  counter: 'counter/main.ts', status: 'status/main.ts', console: 'console/main.ts', shell: 'shell/main.ts',
  ls: 'tools/ls.ts', cat: 'tools/cat.ts', wc: 'tools/wc.ts',
};

/** What the first boot writes into system.json's `distribution`. */
export const DEFAULT_DISTRIBUTION: DistributionSpec = {
  disks: [{ path: 'disks/disk0.img', sizeMiB: 64, label: 'SING', home: true }],
  port: 8080,
  supervision: { strategy: 'rest_for_one', intensity: 10, periodMs: 10_000, backoffMs: 50, maxBackoffMs: 1000 },
  services: [
    { name: 'disk', program: 'disk', params: { name: 'disk0', readOnly: false }, bindings: { disk: 'disks/disk0.img' } },
    { name: 'fat', program: 'fat', after: ['disk'], params: { disk: '/dev/disk0', mount: '/fs', readOnly: false, mode: 'mount', fatType: 0, label: '', json: false } },
    { name: 'net', program: 'net', params: { ports: '8080' }, bindings: { listen0: '$port' } },
    { name: 'web', program: 'web', after: ['fat', 'net'], params: { ...WEB_DEFAULTS, apps: '/counter=/web/counter' } },
    { name: 'counter', program: 'counter', after: ['web'] },
    { name: 'status', program: 'status' },
    { name: 'console', program: 'console', when: 'terminal' },
  ],
};

/** The naming conventions the first boot writes: the paths the system's services fill. */
export const DEFAULT_NAMING: SystemManifest['naming'] = {
  '/dev/disk': { contract: 'DiskDevice', convention: true, allowMultiple: true },
  '/dev/console': { contract: 'Terminal', convention: true },
  '/status': { contract: 'Status', convention: true },
  '/service/tcp': { contract: 'Tcp', convention: true },
};

export interface DistributionOptions {
  readonly store: InstallStore;
  /** The host port for the web server (`$port` in the manifest). */
  readonly port: number;
  readonly console: (line: string) => void;
  /** The host's terminal, for the console driver (none: headless, and `when: 'terminal'` services do not start). */
  readonly terminal?: TerminalHost;
  /** Sing's own programs to load besides the services (the shell and its tools). */
  readonly extra?: readonly string[];
}

/** `$port` in a binding or a text parameter is the web port. */
function withPort<T>(v: T, port: number): T { return (v === '$port' ? String(port) : v) as T; }

export class Distribution {
  private constructor(
    readonly kernel: Kernel, readonly supervisor: Spawned, readonly url: string, readonly services: readonly ServiceSpec[], readonly started: readonly Spawned[],
    /** The satellite kernels, kernel 1 first (distribution.kernels). */
    readonly satellites: readonly Domain[],
  ) {}

  static async boot(opts: DistributionOptions): Promise<Distribution> {
    const sys = opts.store.readSystem();
    const dist = sys.distribution ?? DEFAULT_DISTRIBUTION;
    const services = serviceOrder(dist.services).filter((s) => s.when !== 'terminal' || opts.terminal !== undefined);
    const hostBindings: Record<string, Record<string, string>> = {};
    for (const s of services) {
      if (s.bindings === undefined) continue;
      hostBindings[s.program] = Object.fromEntries(Object.entries(s.bindings).map(([k, t]) => {
        const v = withPort(t, opts.port);
        return [k, /^\d+$/.test(v) || isAbsolute(v) ? v : join(opts.store.dir, v)];
      }));
    }
    const set = Object.keys(sys.policy.limits ?? {});
    const policy = policyLimits(sys) as Record<string, number>;
    const lines: string[] = [];
    const count = kernelCount(dist, availableParallelism());
    const placed: [string, number | undefined][] = [...services.map((s) => [`distribution.services: ${s.name}`, s.kernel] as [string, number | undefined]), ...sys.boot.map((b, i) => [`boot[${i}]: ${b.program}`, b.kernel] as [string, number | undefined])];
    for (const [what, at] of placed) {
      if ((at ?? 0) >= count) throw new BootError('E_PLACEMENT', `${what} is placed on kernel ${String(at)}, but the distribution runs ${count} kernel${count === 1 ? '' : 's'} (0..${count - 1}; distribution.kernels in system.json)`);
    }
    const limits = { ...WEB_LIMITS, ...Object.fromEntries(set.map((key) => [key, policy[key]])) };
    const sink: ConsoleSink = (l) => { lines.push(l.text); if (lines.length > 1000) lines.splice(0, 500); opts.console(l.text); };
    const k = new Kernel({
      console: sink,
      exchangeHeap: 512 * 1024 * 1024,
      limits,
      naming: { allowMultiple: [...DEFAULT_ALLOW_MULTIPLE, ...allowMultipleFamilies(sys)] },
      hostBindings,
      ...(opts.terminal === undefined ? {} : { terminal: opts.terminal }),
    });
    const satellites: Domain[] = [];
    try {
      const images = await loadPrograms(k, opts.store, sys, [...new Set(['supervisor', ...services.map((s) => s.program), ...(opts.extra ?? [])])]);
      for (const s of services) checkConventions(k, sys, s);
      for (const b of sys.boot) {
        const placed = Object.entries(sys.domains).find(([, d]) => d.programs.includes(b.program) && d.kind !== 'kernel');
        if (placed !== undefined) throw new BootError('E_PLACEMENT', `boot: ${b.program} is placed in the ${placed[1].kind} domain ${placed[0]} (system.json domains); sing boot runs everything in the kernel domain for now (sing run honours placements)`);
      }
      const sup = dist.supervision;
      /** The supervisor's parameters for the services of kernel `at`, its control name `control`. */
      const supervisorOf = (at: number, control: string): Record<string, unknown> => {
        const children = services.filter((s) => (s.kernel ?? 0) === at).map((s) => ({
          program: s.program, name: s.name, ...(s.restart === undefined ? {} : { restart: s.restart }),
          params: Object.fromEntries(Object.entries(s.params ?? {}).map(([key, v]) => [key, withPort(v, opts.port)])),
        }));
        return { children: JSON.stringify(children), strategy: sup.strategy, intensity: sup.intensity, periodMs: sup.periodMs, backoffMs: sup.backoffMs, maxBackoffMs: sup.maxBackoffMs, control };
      };
      const supervisor = k.spawn('supervisor', { params: supervisorOf(0, CONTROL) });
      await ready(k, services.filter((s) => (s.kernel ?? 0) === 0), () => supervisor.state === 'running' || supervisor.state === 'created', lines);
      // Satellite kernels (Helios): a worker domain each, with every loaded program's image, and a
      // supervisor of its own for the services placed there.
      for (let i = 1; i < count; i++) {
        const d = await openSatellite(k, i, images, { exchangeHeapMb: 64, limits, console: sink })
          .catch((e: unknown) => { throw new BootError('E_BOOT', `satellite kernel ${i} did not start: ${e instanceof Error ? e.message : String(e)}`); });
        satellites.push(d);
        const theirs = services.filter((s) => s.kernel === i);
        if (theirs.length === 0) continue;
        const p = d.spawn('supervisor', { params: supervisorOf(i, `${CONTROL}${i}`) });
        let over = false;
        void p.join().then(() => { over = true; });
        await ready(k, theirs, () => !over, lines);
      }
      const started: Spawned[] = [];
      for (const b of sys.boot) {
        const opts2 = b.params === undefined ? undefined : { params: { ...b.params } };
        const at = b.kernel ?? 0;
        if (at === 0) { started.push(k.spawn(b.program, opts2)); continue; }
        // Up when its exports are in the directory, as a kernel-0 program is once spawned.
        const p = (satellites[at - 1] as Domain).spawn(b.program, opts2);
        await p.pid.catch((e: unknown) => { throw new BootError('E_BOOT', `boot: ${b.program} did not start on kernel ${at}: ${e instanceof Error ? e.message : String(e)}`); });
        let over = false;
        void p.join().then(() => { over = true; });
        await ready(k, [{ name: b.program, program: b.program, ...(b.params === undefined ? {} : { params: b.params }) }], () => !over, lines, `${b.program} on kernel ${at}`);
      }
      return new Distribution(k, supervisor, `http://127.0.0.1:${opts.port}`, services, started, satellites);
    } catch (e) {
      for (const d of satellites) await d.terminate().catch(() => undefined);
      k.shutdown();
      throw e;
    }
  }

  /** The live services, by service name, as the supervisor's children. */
  live(): Map<string, number> {
    const kids = this.kernel.ps().filter((p) => p.ppid === this.supervisor.pid && p.state === 'running');
    const out = new Map<string, number>();
    for (const s of this.services) {
      if ((s.kernel ?? 0) !== 0) continue; // a satellite's services are its kernel's children
      const p = kids.find((x) => x.program === s.program && ![...out.values()].includes(x.pid));
      if (p !== undefined) out.set(s.name, p.pid);
    }
    return out;
  }

  /** Quiesces the supervisor, stops the boot programs, then the services last to first (each file
   * system unmounted cleanly), and ends it all. */
  async close(): Promise<void> {
    const k = this.kernel;
    try {
      await quiesce(k, CONTROL);
      for (const s of this.started) s.stop();
      // Each satellite: its supervisor quiesced, its file systems unmounted cleanly, then it ends.
      for (const [at, d] of this.satellites.entries()) {
        await quiesce(k, `${CONTROL}${at + 1}`);
        for (const s of [...this.services].reverse()) {
          const mount = s.params?.['mount'];
          if (s.kernel === at + 1 && typeof mount === 'string' && s.params?.['mode'] !== 'format') await new FsClient(k, mount).unmount().catch(() => undefined);
        }
        await d.terminate();
      }
      const live = this.live();
      for (const s of [...this.services].reverse()) {
        const pid = live.get(s.name);
        if (pid === undefined) continue;
        const mount = s.params?.['mount'];
        if (typeof mount === 'string' && s.params?.['mode'] !== 'format') {
          await new FsClient(k, mount).unmount().catch(() => undefined);
          for (let i = 0; i < 500 && k.ps().some((p) => p.pid === pid); i++) await new Promise((r) => setTimeout(r, 10));
        }
        k.kill(pid);
      }
      this.supervisor.stop();
      await this.supervisor.join();
    } finally {
      k.shutdown();
    }
  }
}

/** Loads every program the store installs (checked against its stored manifest) and Sing's own
 * programs in `own` that the store does not replace; refuses a name that is neither. */
async function loadPrograms(k: Kernel, store: InstallStore, sys: SystemManifest, own: readonly string[]): Promise<ImageSource[]> {
  const loaded: ImageSource[] = [];
  for (const [n, e] of Object.entries(sys.programs)) {
    const stored = store.getManifest(e.manifest);
    const img: ImageSource = store.getImage(e.image);
    if (img.name !== n) throw new BootError('E_STORE_CORRUPT', `images/${e.image}.json: holds ${img.name}'s image, but system.json installs it as ${n}`);
    k.install(img, (m) => manifestDisagreement(stored, m));
    loaded.push(img);
  }
  const missing = own.filter((p) => !Object.hasOwn(sys.programs, p));
  const unknown = missing.filter((p) => !Object.hasOwn(SYSTEM_PROGRAMS, p));
  if (unknown.length > 0) throw new BootError('E_NO_PROGRAM', `boot: ${unknown.join(', ')}: neither installed in the store (sing install) nor one of Sing's own programs (${Object.keys(SYSTEM_PROGRAMS).join(', ')})`);
  for (const img of await Promise.all(missing.map((p) => compileImage(p, { root: SERVICES, entry: SYSTEM_PROGRAMS[p] as string })))) {
    k.install(img);
    loaded.push(img);
  }
  return loaded;
}

/** Refuses a service whose manifest exports a path against the system's naming conventions. */
function checkConventions(k: Kernel, sys: SystemManifest, s: ServiceSpec): void {
  for (const x of k.manifestOf(s.program).exports) {
    const path = x.decl.path;
    if (path === undefined) continue;
    const exact = Object.hasOwn(sys.naming, path) ? sys.naming[path] : undefined;
    const rule = exact ?? familyConvention(sys, path)?.entry;
    if (rule !== undefined && rule.contract !== x.cc.name) {
      throw new BootError('E_NAMING', `boot: service ${s.name} (${s.program}) exports ${path} on ${x.cc.name}, but the system's naming convention for it is ${rule.contract} (system.json naming)`);
    }
  }
}

/** Tells the supervisor serving `control` to restart nothing more (if it is there). */
async function quiesce(k: Kernel, control: string): Promise<void> {
  const ch = k.hostChannel(SupervisorControl);
  const b = await k.names.bind(k.owner, control, ch.exp);
  if (!b.ok) { ch.imp.close(); return; }
  const r = await ch.imp.receive();
  if (r.tag === 'Ready') await r.ep.send('Quiesce').receive();
}

/** Waits until `services` are up: their exports registered, their mounts made, the web server
 * serving; fails when `alive` says `who` (their supervisor, by default) has ended. */
async function ready(k: Kernel, services: readonly ServiceSpec[], alive: () => boolean, lines: readonly string[], who = 'the supervisor'): Promise<void> {
  const paths = services.flatMap((s) => k.manifestOf(s.program).exports.map((x) => x.decl.path).filter((p): p is string => p !== undefined));
  const mounts = services.map((s) => s.params?.['mount']).filter((m): m is string => typeof m === 'string');
  const web = services.some((s) => s.program === 'web');
  const end = Date.now() + 60_000;
  for (;;) {
    const names = k.names.list();
    const up = paths.every((p) => names.some((e) => e.path === p)) && mounts.every((m) => names.some((e) => e.mount && e.path === m));
    if (up && (!web || lines.some((l) => l.startsWith('web: serving ')))) return;
    if (!alive()) throw new BootError('E_BOOT', `${who} ended: ${lines.slice(-4).join('; ')}`);
    if (Date.now() > end) throw new BootError('E_BOOT', `the services did not come up within 60 s: ${lines.slice(-4).join('; ')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
