// `sing boot` (and `npm start`): boots the distribution the store's system manifest describes
// (distribution.ts): the disk driver and FAT file system at /fs, the network service, the web server
// on 127.0.0.1:8080 (`--port N`; 0 takes any free port), the counter app and the status service,
// under a supervisor, then the manifest's `boot` programs (calc) — and prints the URL. The first
// boot on a store writes the default distribution and its naming conventions into system.json,
// installs the sample programs (calc, adder, ticker) and makes the disks (`prepareStore`). At a
// terminal, or with `--script FILE`, the console driver SIP gets the host's terminal (terminal.ts)
// and the shell SIP follows on it; when the shell ends, or on SIGINT, SIGTERM or Ctrl-C, the
// programs stop in reverse order and the volume is unmounted cleanly. With neither it runs headless
// until a signal.
// Rules for callers: `bootCommand(args)` returns the exit code (the shell's last status, or 0
// after a clean stop; 1 when the system could not start, another runs on the store, or a script
// file is missing; 2 for bad usage through UsageError).
// Host commands (`sing ps`, `kill`, `status`, `top`) reach it through `<store>/control.sock`
// (control.ts), served from the moment it is up until it stops.
// Invariants: one system per store — `<store>/run.json` is created exclusively and names the
// running system's pid and URL; a file left by a system that died is taken over; it is removed
// when the system stops. The first boot makes the disk image under a temporary name and renames
// it into place only once it holds the home page, so an interrupted first boot leaves no half
// image behind.
import { existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { serveControl } from './control.ts';
import { DiskSession } from './disk-session.ts';
import { scriptTerminal, ttyTerminal, type HostTerminal } from './terminal.ts';
import type { Kernel } from '../kernel/kernel.ts';
import { UsageError } from './system.ts';
import { BootError, DEFAULT_DISTRIBUTION, DEFAULT_NAMING, Distribution } from './distribution.ts';
import type { DiskSpec } from '../install/distribution.ts';
import { Installer } from '../install/installer.ts';
import { InstallStore } from '../install/store.ts';
import type { SystemManifest } from '../install/system.ts';

export const BOOT_USAGE = `  boot [--port N] [--store DIR] [--script FILE]
                              boot the system <store>/system.json describes: disk, file system at
                              /fs, network, web server on 127.0.0.1:N (default 8080; 0 any free
                              port), the counter app, the status service; the first boot writes
                              the default there, installs calc, adder and ticker, and makes
                              <store>/disks/disk0.img with a home page. At a terminal the console
                              and shell follow; --script runs a file's lines in it and
                              exits with the last one's status; otherwise it runs headless until
                              Ctrl-C or SIGTERM. Every stop unmounts cleanly
`;


/** What `<store>/run.json` says about the system running on a store. */
export interface RunningSystem { readonly pid: number; readonly url: string; readonly since: string }


/** The home page the first boot writes to /fs/www/index.html. */
export const HOME_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sing</title></head>
<body>
<h1>Sing is running</h1>
<p>This page comes from <code>/fs/www/index.html</code> on the FAT volume in
<code>disks/disk0.img</code>, read by the file system SIP through the disk driver SIP, and sent by
the web server SIP over the network service SIP.</p>
<p><a href="/counter/">/counter/</a> is a web app in a SIP of its own: <code>curl -X POST
http://HOST/counter/visits</code> counts a visit, and the list shows every counter.</p>
</body>
</html>
`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A port the host has free now (for `--port 0`). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as AddressInfo).port; s.close(() => { resolve(p); }); });
  });
}

/** Claims the store for this process; throws BootError naming the system that holds it. */
export function claimStore(runFile: string, url: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(runFile, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let held: RunningSystem | null;
      try { held = JSON.parse(readFileSync(runFile, 'utf8')) as RunningSystem; } catch { held = null; }
      if (held !== null && Number.isInteger(held.pid) && held.pid !== process.pid && alive(held.pid)) {
        throw new BootError('E_RUNNING', `a system is already running on this store (pid ${held.pid}${held.url === '' ? ', still starting' : `, ${held.url}`}); ${runFile} says so`);
      }
      rmSync(runFile, { force: true }); // left by a system that died: take it over
      continue;
    }
    try { writeSync(fd, JSON.stringify({ pid: process.pid, url, since: new Date().toISOString() } satisfies RunningSystem)); } finally { closeSync(fd); }
    return;
  }
  throw new BootError('E_RUNNING', `${runFile}: another boot keeps claiming this store`);
}

/** Makes a disk the distribution lists: a FAT volume (with /www/index.html on the home disk),
 * renamed into place only when whole. */
async function makeDisk(image: string, d: DiskSpec, say: (l: string) => void): Promise<void> {
  const partial = `${image}.partial`;
  mkdirSync(dirname(image), { recursive: true });
  rmSync(partial, { force: true });
  await DiskSession.create(partial, d.sizeMiB * 1024 * 1024, { label: d.label });
  if (d.home === true) {
    const disk = await DiskSession.mount(partial);
    try {
      await disk.fs.mkdir('/www');
      await disk.fs.writeFile('/www/index.html', new TextEncoder().encode(HOME_PAGE));
      await disk.fs.flush();
    } finally {
      await disk.close();
    }
  }
  renameSync(partial, image);
  say(`sing: made ${image} (${d.sizeMiB} MiB FAT${d.home === true ? ', with a home page at /www/index.html' : ''})`);
}

const EXAMPLES = fileURLToPath(new URL('../../examples/demo', import.meta.url));
/** The sample programs the first boot installs in the store (calc also starts at boot). */
export const SAMPLES = ['calc', 'adder', 'ticker'] as const;

/** Starts the shell on the console (/dev/console); resolves with its exit status. */
async function runShell(k: Kernel, say: (l: string) => void): Promise<number> {
  const shell = k.spawn('shell');
  say('sing: shell started (help lists its commands; exit, shutdown or Ctrl-D stops the system)');
  const st = await shell.join();
  return st.state === 'exited' ? st.code : 1;
}

/** The store ready to boot: on the first boot, the default distribution, its naming conventions and
 * the sample programs (installed, verified, as `sing install` would) written into system.json; and
 * every disk the distribution lists that does not exist yet made. */
export async function prepareStore(store: InstallStore, say: (l: string) => void): Promise<SystemManifest> {
  let sys = store.readSystem();
  if (sys.distribution === undefined) {
    const installer = new Installer(store);
    for (const p of SAMPLES) {
      if (!Object.hasOwn(sys.programs, p)) await installer.install(join(EXAMPLES, p), 'main.ts');
    }
    sys = await store.editSystem('boot: the first boot', (s) => ({
      ...s,
      distribution: s.distribution ?? DEFAULT_DISTRIBUTION,
      naming: { ...DEFAULT_NAMING, ...s.naming },
      boot: s.boot.some((b) => b.program === 'calc') ? s.boot : [...s.boot, { program: 'calc' }],
    }));
    say(`sing: first boot: installed ${SAMPLES.join(', ')} and wrote the default distribution into ${join(store.dir, 'system.json')}`);
  }
  for (const d of (sys.distribution ?? DEFAULT_DISTRIBUTION).disks) {
    const image = join(store.dir, d.path);
    if (!existsSync(image)) await makeDisk(image, d, say);
  }
  return sys;
}

export async function bootCommand(args: readonly string[]): Promise<number> {
  let values: { port?: string | undefined; store?: string | undefined; script?: string | undefined };
  try {
    ({ values } = parseArgs({ args: [...args], strict: true, allowPositionals: false, options: { port: { type: 'string' }, store: { type: 'string' }, script: { type: 'string' } } }));
  } catch (e) {
    throw new UsageError(`boot: ${e instanceof Error ? e.message : String(e)}`);
  }
  let script: string | null = null;
  if (values.script !== undefined) {
    try {
      script = readFileSync(values.script, 'utf8');
    } catch (e) {
      process.stderr.write(`sing: boot: --script ${values.script}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}\n`);
      return 1;
    }
  }
  const interactive = script === null && process.stdin.isTTY === true && process.stdout.isTTY === true;
  const asked = values.port === undefined ? undefined : Number(values.port);
  if (asked !== undefined && (!Number.isInteger(asked) || asked < 0 || asked > 65535)) throw new UsageError(`boot: --port takes a port number 0..65535, not ${String(values.port)}`);
  const store = values.store ?? process.env['SING_STORE'] ?? join(homedir(), '.sing');
  const say = (l: string): void => { process.stdout.write(`${l}\n`); };
  const runFile = join(store, 'run.json');
  mkdirSync(store, { recursive: true });
  try {
    claimStore(runFile, '');
  } catch (e) {
    if (!(e instanceof BootError)) throw e;
    process.stderr.write(`sing: boot: ${e.message}\n`);
    return 1;
  }
  let w: Distribution;
  let control: Server | null = null;
  let interrupt: (why: string) => void = () => undefined;
  const interrupted = new Promise<string>((resolve) => { interrupt = resolve; });
  const terminal: HostTerminal | undefined = script !== null ? scriptTerminal(script, (s) => { process.stdout.write(s); })
    : interactive ? ttyTerminal(() => { interrupt('Ctrl-C'); }) : undefined;
  try {
    const installs = new InstallStore(store, { lock: { onWait: (h) => { say(`sing: boot: waiting for the install store's lock, held by process ${h.pid} (${h.what})`); } } });
    const sys = await prepareStore(installs, say);
    const port = asked ?? (sys.distribution ?? DEFAULT_DISTRIBUTION).port;
    // A fixed port, so that a restarted network service or web server listens where it did.
    w = await Distribution.boot({
      store: installs, port: port === 0 ? await freePort() : port, console: say,
      ...(terminal === undefined ? {} : { terminal, extra: ['shell', 'ls', 'cat', 'wc'] }),
    });
    const facts: RunningSystem = { pid: process.pid, url: `${w.url}/`, since: new Date().toISOString() };
    control = await serveControl(store, w.kernel, facts);
    writeFileSync(runFile, JSON.stringify(facts), { mode: 0o600 });
    say(`sing: the system is up at ${w.url}/ (store ${store}); ${script === null && !interactive ? 'Ctrl-C or SIGTERM stops it' : 'the shell follows'}`);
  } catch (e) {
    terminal?.restore();
    control?.close();
    rmSync(runFile, { force: true });
    process.stderr.write(`sing: boot: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const ctl = control;
  const session = w;
  const signalled = Promise.race([interrupted, new Promise<string>((resolve) => {
    process.once('SIGINT', () => { resolve('SIGINT'); });
    process.once('SIGTERM', () => { resolve('SIGTERM'); });
  })]);
  let code = 0;
  let why: string;
  if (terminal !== undefined) {
    const shell = runShell(session.kernel, say).then((c) => { code = c; return `the shell ended (status ${c})`; }, (e: unknown) => { code = 1; return `the shell could not run: ${e instanceof Error ? e.message : String(e)}`; });
    why = await Promise.race([shell, signalled]);
  } else {
    why = await signalled;
  }
  terminal?.restore();
  say(`sing: ${why}: stopping the programs, then unmounting /fs`);
  ctl.close();
  try {
    await session.close();
  } catch (e) {
    process.stderr.write(`sing: boot: stopping failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    rmSync(runFile, { force: true });
  }
  say('sing: stopped');
  return code;
}
