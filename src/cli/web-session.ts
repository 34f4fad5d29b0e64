// WebSession: a small system booted to serve the web — the disk driver and FAT file system over an
// image (DiskSession), the network service, the web server (in the kernel domain, a worker or a
// process domain) and, when asked, the counter web app, satellite kernels (worker domains with a
// kernel of their own) and more programs placed on them by affinity — so that commands, tests and
// the web benchmarks reach Sing's web server the way a browser does, over 127.0.0.1.
// Rules for callers: `WebSession.start({ image })` resolves once the web server says where it
// listens (`url`, `port`), or rejects with a WebSessionError naming what failed and what the SIPs
// said; `close()` ends the web server, the app, the satellites and the network service, unmounts
// cleanly and shuts the kernel down. `port: 0` (the default) lets the host pick a free port.
// Invariants: the programs are compiled from src/services once per host process; the image is
// reached only by the disk driver; the web server listens on 127.0.0.1 unless `listenHost` says
// otherwise.
import { fileURLToPath } from 'node:url';
import { compileImage, type CompiledImage } from '../install/compile.ts';
import { Kernel, type Spawned } from '../kernel/kernel.ts';
import type { ImageSource } from '../kernel/image-source.ts';
import { openDomain, openSatellite, type Domain, type DomainKind, type DomainProcess } from '../domains/domain-host.ts';
import type { ExitStatus } from '../runtime/abi.ts';
import { SingError } from '../lib/error.ts';
import type { WebParams } from '../services/web/server.ts';
import { DiskSession, storageImages } from './disk-session.ts';

const SERVICES = fileURLToPath(new URL('../services', import.meta.url));

export class WebSessionError extends SingError {}

export type WebPlacement = 'kernel' | DomainKind;

/** The web server's parameters (docs/network.md); 0 or '' takes the server's default. */
export type { WebParams };

export const WEB_DEFAULTS: WebParams = {
  root: '/fs/www', apps: '', maxConnections: 0, headerTimeoutMs: 0, idleTimeoutMs: 0, bodyTimeoutMs: 0, maxHeaderBytes: 0, maxBodyBytes: 0, cacheMs: 1000,
};

export interface WebOptions {
  readonly image: string;
  /** The host port for the web server's port 8080 (0: any free port). */
  readonly port?: number;
  readonly listenHost?: string;
  /** Where the web server runs. */
  readonly placement?: WebPlacement;
  /** Start the counter app and route /counter to it. */
  readonly counter?: boolean;
  readonly params?: Partial<WebParams>;
  readonly console?: (line: string) => void;
  /** Satellite kernels (Helios): worker domains with a kernel and scheduler of their own, numbered
   * 1..n (0 is the session's own kernel); `programs` are placed on them by `kernel`. */
  readonly satellites?: number;
  /** More programs to run beside the server, each on a kernel (default 0), from these images. */
  readonly programs?: { readonly images: readonly ImageSource[]; readonly run: readonly PlacedProgram[] };
}

/** A program placed by affinity: kernel 0 is the session's own, 1.. its satellites. */
export interface PlacedProgram { readonly program: string; readonly params?: Readonly<Record<string, unknown>>; readonly kernel?: number }

let images: Promise<readonly CompiledImage[]> | null = null;

/** The network service's, web server's and counter app's images (compiled once). */
export function webImages(): Promise<readonly CompiledImage[]> {
  images ??= Promise.all([
    compileImage('net', { root: SERVICES, entry: 'net/main.ts' }),
    compileImage('web', { root: SERVICES, entry: 'web/main.ts' }),
    compileImage('counter', { root: SERVICES, entry: 'counter/main.ts' }),
  ]);
  return images;
}

/** The limits a web system runs with: thousands of connections, each with its blocks. */
export const WEB_LIMITS = { exchangeHeapQuota: 96 * 1024 * 1024, exchangeHeapPerTree: 192 * 1024 * 1024, endpointsPerProcess: 16_384, memoryBudget: 512 * 1024 * 1024 };

async function waitFor<T>(get: () => T | undefined, failed: () => string | null, what: string, limitMs = 60_000): Promise<T> {
  const end = Date.now() + limitMs;
  for (let i = 0; ; i++) {
    const v = get();
    if (v !== undefined) return v;
    const why = failed();
    if (why !== null) throw new WebSessionError('E_WEB_START', `${what}: ${why}`);
    if (Date.now() > end) throw new WebSessionError('E_WEB_START', `${what}: no answer within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, i < 100 ? 2 : 20));
  }
}

export class WebSession {
  readonly kernel: Kernel;
  readonly disk: DiskSession;
  readonly net: Spawned;
  readonly web: Spawned | DomainProcess;
  readonly counter: Spawned | null;
  readonly domain: Domain | null;
  readonly port: number;
  readonly url: string;
  readonly lines: string[];
  /** The satellite kernels, kernel 1 first. */
  satellites: readonly Domain[] = [];

  private constructor(k: Kernel, disk: DiskSession, net: Spawned, web: Spawned | DomainProcess, counter: Spawned | null, domain: Domain | null, port: number, host: string, lines: string[]) {
    this.kernel = k;
    this.disk = disk;
    this.net = net;
    this.web = web;
    this.counter = counter;
    this.domain = domain;
    this.port = port;
    this.url = `http://${host}:${port}`;
    this.lines = lines;
  }

  static async start(opts: WebOptions): Promise<WebSession> {
    const lines: string[] = [];
    const host = opts.listenHost ?? '127.0.0.1';
    const k = new Kernel({
      console: (l) => { lines.push(l.text); opts.console?.(l.text); },
      exchangeHeap: 512 * 1024 * 1024,
      limits: WEB_LIMITS,
      net: { listenHost: host },
    });
    let disk: DiskSession | null = null;
    let domain: Domain | null = null;
    const satellites: Domain[] = [];
    try {
      disk = await DiskSession.mount(opts.image, { kernel: k });
      const imgs = await webImages();
      for (const img of imgs) k.install(img);
      const net = k.spawn('net', { params: { ports: '8080' }, host: { listen0: String(opts.port ?? 0) } });
      await waitFor(() => (k.names.list().some((e) => e.path === '/service/tcp') ? true : undefined), () => (net.state === 'running' || net.state === 'created' ? null : `the network service ended: ${lines.slice(-3).join('; ')}`), 'the network service');
      const counter = opts.counter === true ? k.spawn('counter') : null;
      const extra = opts.programs?.images ?? [];
      for (const img of extra) k.install(img);
      const nSat = opts.satellites ?? 0;
      for (let i = 1; i <= nSat; i++) {
        satellites.push(await openSatellite(k, i, [...(await storageImages()), ...imgs, ...extra], { exchangeHeapMb: 64, limits: WEB_LIMITS, console: (l) => { lines.push(l.text); opts.console?.(l.text); } }));
      }
      for (const r of opts.programs?.run ?? []) {
        const at = r.kernel ?? 0;
        const params = r.params === undefined ? {} : { params: { ...r.params } };
        if (at === 0) k.spawn(r.program, params);
        else if (at <= nSat) (satellites[at - 1] as Domain).spawn(r.program, params);
        else throw new WebSessionError('E_WEB_START', `${r.program}: kernel ${at} does not exist (the session has ${nSat} satellite kernel${nSat === 1 ? '' : 's'})`);
      }
      const params: WebParams = { ...WEB_DEFAULTS, ...(opts.counter === true ? { apps: '/counter=/web/counter' } : {}), ...opts.params };
      const placement = opts.placement ?? 'kernel';
      let web: Spawned | DomainProcess;
      let ended: () => boolean;
      if (placement === 'kernel') {
        const s = k.spawn('web', { params: { ...params } });
        web = s;
        ended = () => s.state !== 'running' && s.state !== 'created';
      } else {
        const d = openDomain(k, placement, [...(await storageImages()), ...imgs], { name: `web-${placement}`, exchangeHeapMb: 128, memoryMb: 1024, limits: WEB_LIMITS, console: (l) => { lines.push(l.text); opts.console?.(l.text); } });
        domain = d;
        await d.ready;
        const p = d.spawn('web', { params: { ...params } });
        let over = false;
        void p.join().then(() => { over = true; }, () => { over = true; });
        web = p;
        ended = () => over;
      }
      const said = await waitFor(() => lines.find((l) => l.startsWith('web: serving ')), () => (ended() ? `the web server ended: ${lines.filter((l) => l.startsWith('web')).slice(-3).join('; ')}` : null), 'the web server');
      const m = /:(\d+)\//.exec(said);
      const port = m === null ? 0 : Number(m[1]);
      const session = new WebSession(k, disk, net, web, counter, domain, port, host, lines);
      session.satellites = satellites;
      return session;
    } catch (e) {
      if (domain !== null) await domain.terminate().catch(() => undefined);
      for (const d of satellites) await d.terminate().catch(() => undefined);
      if (disk !== null) await disk.close().catch(() => undefined);
      k.shutdown();
      throw e;
    }
  }

  /** Ends the web server, the app and the network service, unmounts and shuts the kernel down. */
  async close(): Promise<ExitStatus | null> {
    let status: ExitStatus | null = null;
    try {
      if ('stop' in this.web) { if (this.web.state === 'running') this.web.stop(); status = await this.web.join(); }
      if (this.domain !== null) await this.domain.terminate();
      for (const d of this.satellites) await d.terminate();
      if (this.counter !== null && this.counter.state === 'running') this.counter.stop();
      if (this.net.state === 'running') this.net.stop();
      await this.disk.close();
    } finally {
      this.kernel.shutdown();
    }
    return status;
  }
}
