// The default distribution, supervised: one kernel whose services — the disk driver over the
// store's image, the FAT file system at /fs, the network service, the counter web app and the web
// server, the counter web app — are the children of a supervisor program
// (src/services/supervisor), rest_for_one in that order (a service restarts with those started
// after it, which lean on it; the app, which nothing leans on, comes last), so a service
// that fails comes back and its clients bind it again by name. The drivers' host resources (the
// image, the listen port) are the kernel's host bindings, so the supervisor can start them again.
// Rules for callers: `Distribution.boot` resolves once /fs is mounted and the web server listens
// (or rejects with a WebSessionError naming what failed); `close()` quiesces the supervisor (no more restarts), stops
// the web server, the app and the network service, last to first, unmounts the volume cleanly,
// then ends the supervisor (the driver with it) and the kernel. Give a real port: with 0 each
// restart of the network service or the web server would listen on a new one.
// Invariants: the supervisor is the only parent of the services; nothing but `close()` stops it.
import { Kernel } from '../kernel/kernel.ts';
import { compileImage } from '../install/compile.ts';
import { SupervisorControl } from '../contracts/lib/supervisor.ts';
import { storageImages } from './disk-session.ts';
import { FsClient } from './fs-client.ts';
import { WEB_DEFAULTS, WEB_LIMITS, WebSessionError, webImages } from './web-session.ts';
import { fileURLToPath } from 'node:url';
import type { Spawned } from '../kernel/kernel.ts';
import type { TerminalHost } from '../kernel/terminal.ts';

const SERVICES = fileURLToPath(new URL('../services', import.meta.url));
const CONTROL = '/service/supervisor';

/** The supervision tree: the services in start order, and how they are restarted. */
export const TREE = {
  strategy: 'rest_for_one', intensity: 10, periodMs: 10_000, backoffMs: 50, maxBackoffMs: 1000,
  children: [
    { program: 'disk', params: { name: 'disk0', readOnly: false } },
    { program: 'fat', params: { disk: '/dev/disk0', mount: '/fs', readOnly: false, mode: 'mount', fatType: 0, label: '', json: false } },
    { program: 'net', params: { ports: '8080' } },
    { program: 'web', params: { ...WEB_DEFAULTS, apps: '/counter=/web/counter' } },
    { program: 'counter' },
    { program: 'status' },
  ],
} as const;

/** The console driver: the last child when the system has a terminal. */
export const CONSOLE_CHILD = { program: 'console' } as const;

export interface DistributionOptions {
  readonly image: string;
  /** The host port for the web server. */
  readonly port: number;
  readonly console: (line: string) => void;
  /** The host's terminal, for the console driver (none: headless, and no console driver runs). */
  readonly terminal?: TerminalHost;
}

export class Distribution {
  private constructor(readonly kernel: Kernel, readonly supervisor: Spawned, readonly url: string, readonly lines: string[]) {}

  static async boot(opts: DistributionOptions): Promise<Distribution> {
    const lines: string[] = [];
    const k = new Kernel({
      console: (l) => { lines.push(l.text); if (lines.length > 1000) lines.splice(0, 500); opts.console(l.text); },
      exchangeHeap: 512 * 1024 * 1024,
      limits: WEB_LIMITS,
      hostBindings: { disk: { disk: opts.image }, net: { listen0: String(opts.port) } },
      ...(opts.terminal === undefined ? {} : { terminal: opts.terminal }),
    });
    const children = opts.terminal === undefined ? TREE.children : [...TREE.children, CONSOLE_CHILD];
    try {
      const images = [...(await storageImages()), ...(await webImages()), ...(await Promise.all(['supervisor', 'status', 'console'].map((s) => compileImage(s, { root: SERVICES, entry: `${s}/main.ts` }))))];
      for (const img of images) k.install(img);
      const sup = k.spawn('supervisor', {
        params: {
          children: JSON.stringify(children), strategy: TREE.strategy, intensity: TREE.intensity, periodMs: TREE.periodMs,
          backoffMs: TREE.backoffMs, maxBackoffMs: TREE.maxBackoffMs, control: CONTROL,
        },
      });
      const end = Date.now() + 60_000;
      for (;;) {
        const said = lines.find((l) => l.startsWith('web: serving '));
        const m = said === undefined ? null : /(http:\/\/\S+?:\d+)\//.exec(said);
        const names = k.names.list();
        const mounted = names.some((e) => e.mount && e.path === '/fs');
        const up = (path: string): boolean => names.some((e) => e.path === path);
        if (m !== null && mounted && up('/status') && (opts.terminal === undefined || up('/dev/console'))) return new Distribution(k, sup, m[1] as string, lines);
        if (sup.state !== 'running' && sup.state !== 'created') throw new WebSessionError('E_WEB_START', `the supervisor ended: ${lines.slice(-4).join('; ')}`);
        if (Date.now() > end) throw new WebSessionError('E_WEB_START', `the web server did not start within 60 s: ${lines.slice(-4).join('; ')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    } catch (e) {
      k.shutdown();
      throw e;
    }
  }

  /** The live services, by program, as the supervisor's children. */
  services(): Map<string, number> {
    return new Map(this.kernel.ps().filter((p) => p.ppid === this.supervisor.pid && p.state === 'running').map((p) => [p.program, p.pid]));
  }

  /** Quiesces the supervisor, stops the services last to first, unmounts /fs cleanly, ends it all. */
  async close(): Promise<void> {
    const k = this.kernel;
    try {
      const ch = k.hostChannel(SupervisorControl);
      const b = await k.names.bind(k.owner, CONTROL, ch.exp);
      if (b.ok) {
        const r = await ch.imp.receive();
        if (r.tag === 'Ready') await r.ep.send('Quiesce').receive();
      } else {
        ch.imp.close();
      }
      const live = this.services();
      for (const program of ['console', 'status', 'counter', 'web', 'net']) {
        const pid = live.get(program);
        if (pid !== undefined) k.kill(pid);
      }
      const fat = live.get('fat');
      if (fat !== undefined) {
        await new FsClient(k).unmount().catch(() => undefined);
        for (let i = 0; i < 500 && k.ps().some((p) => p.pid === fat); i++) await new Promise((r) => setTimeout(r, 10));
      }
      this.supervisor.stop();
      await this.supervisor.join();
    } finally {
      k.shutdown();
    }
  }
}
