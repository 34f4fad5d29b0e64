// DiskSession: a small system booted for one disk image — a kernel, the disk driver SIP bound to
// the image, and the FAT file system SIP over the driver — so that host commands (sing disk,
// sing fsck), tests and benchmarks work through the services' contracts, never on the image.
// Rules for callers: `DiskSession.mount(image)` resolves once the volume is served at `/fs` (or
// rejects with a DiskSessionError naming the image and what the SIPs said); finish with `close()`,
// which unmounts cleanly and ends both SIPs. `DiskSession.run(image, mode)` runs the file
// system's one-shot jobs (format, check, repair) and resolves to their status and console lines.
// Invariants: the images are compiled from src/services once per host process; the image file is
// reached only by the disk driver, through the kernel's block-device ABI.
import { closeSync, existsSync, ftruncateSync, openSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileImage, type CompiledImage } from '../install/compile.ts';
import { Kernel, type Spawned } from '../kernel/kernel.ts';
import { SingError } from '../lib/error.ts';
import { FsClient } from './fs-client.ts';

const SERVICES = fileURLToPath(new URL('../services', import.meta.url));

export class DiskSessionError extends SingError {
  readonly image: string;
  constructor(code: string, image: string, message: string) {
    super(code, `${image}: ${message}`);
    this.image = image;
  }
}

let images: Promise<readonly CompiledImage[]> | null = null;

/** The disk driver's and the file system's images (compiled once). */
export function storageImages(): Promise<readonly CompiledImage[]> {
  images ??= Promise.all([
    compileImage('disk', { root: SERVICES, entry: 'disk/main.ts' }),
    compileImage('fat', { root: SERVICES, entry: 'fat/main.ts' }),
  ]);
  return images;
}

export interface SessionOptions {
  readonly readOnly?: boolean;
  /** Where the SIPs' console lines go (they are also kept for error messages). */
  readonly console?: (line: string) => void;
  /** The kernel to boot in (default: a new one, shut down at close). */
  readonly kernel?: Kernel;
  /** Where the volume is served (default /fs). */
  readonly prefix?: string;
}

function checkImage(image: string): void {
  if (!existsSync(image)) throw new DiskSessionError('E_NO_IMAGE', image, 'no such file');
  const st = statSync(image);
  if (!st.isFile()) throw new DiskSessionError('E_NO_IMAGE', image, 'not a regular file');
  if (st.size < 512) throw new DiskSessionError('E_IMAGE_SIZE', image, `${st.size} bytes is smaller than one 512-byte sector`);
}

/** Waits, polling, until `ready` (true) or `failed` (false). */
async function settled(ready: () => boolean, failed: () => boolean): Promise<boolean> {
  for (let i = 0; ; i++) {
    if (ready()) return true;
    if (failed()) return false;
    await new Promise((r) => setTimeout(r, i < 100 ? 1 : 10));
  }
}

/** Boots the disk driver over `image`; resolves once it serves its name (/dev/disk0, or the next
 * free /dev/diskN when the kernel has disks already). */
async function boot(image: string, opts: SessionOptions, lines: string[]): Promise<{ k: Kernel; disk: Spawned; device: string; own: boolean }> {
  checkImage(image);
  const own = opts.kernel === undefined;
  const k = opts.kernel ?? new Kernel({ console: (l) => { lines.push(l.text); opts.console?.(l.text); } });
  for (const img of await storageImages()) if (!k.programs().includes(img.name)) k.install(img);
  const disk = k.spawn('disk', { params: { name: 'disk0', readOnly: opts.readOnly === true }, host: { disk: image } });
  if (!(await settled(() => disk.names().length > 0, () => disk.state !== 'running' && disk.state !== 'created'))) {
    if (own) k.shutdown();
    throw new DiskSessionError('E_DISK', image, `the disk driver could not open it: ${said(lines)}`);
  }
  return { k, disk, device: disk.names()[0] as string, own };
}

/** The file system's parameters: every one must be given. */
function fatParams(device: string, prefix: string, p: { readOnly?: boolean; mode?: string; fatType?: number; label?: string; json?: boolean }): Record<string, unknown> {
  return { disk: device, mount: prefix, readOnly: p.readOnly === true, mode: p.mode ?? 'mount', fatType: p.fatType ?? 0, label: p.label ?? '', json: p.json === true };
}

/** Why the SIPs gave up, from their last console lines. */
function said(lines: readonly string[]): string {
  const last = lines.filter((l) => l.startsWith('fat') || l.startsWith('disk')).slice(-3).map((l) => l.replace(/^fat \/fs: (cannot mount )?/, ''));
  return last.length === 0 ? 'the file system ended without saying why' : last.join('; ');
}

export class DiskSession {
  readonly image: string;
  readonly kernel: Kernel;
  readonly fs: FsClient;
  readonly disk: Spawned;
  readonly fat: Spawned;
  readonly lines: string[];
  readonly #own: boolean;

  private constructor(image: string, k: Kernel, disk: Spawned, fat: Spawned, lines: string[], own: boolean, prefix: string) {
    this.image = image;
    this.kernel = k;
    this.disk = disk;
    this.fat = fat;
    this.lines = lines;
    this.fs = new FsClient(k, prefix);
    this.#own = own;
  }

  /** Boots the driver and the file system over `image` and waits until `/fs` is served. */
  static async mount(image: string, opts: SessionOptions = {}): Promise<DiskSession> {
    const lines: string[] = [];
    const { k, disk, device, own } = await boot(image, opts, lines);
    const prefix = opts.prefix ?? '/fs';
    const fat = k.spawn('fat', { params: fatParams(device, prefix, { readOnly: opts.readOnly === true }) });
    const served = (): boolean => k.names.list().filter((e) => e.mount && e.path === prefix && e.pid === fat.pid).length === 3;
    if (!(await settled(served, () => fat.state !== 'running' || disk.state !== 'running'))) {
      disk.stop();
      if (own) k.shutdown();
      throw new DiskSessionError('E_MOUNT', image, `cannot mount: ${said(lines)}`);
    }
    return new DiskSession(image, k, disk, fat, lines, own, prefix);
  }

  /** Runs the file system in a one-shot mode (format, check, repair) over `image`. */
  static async run(image: string, mode: 'format' | 'check' | 'repair', params: { fatType?: number; label?: string; json?: boolean } = {}, opts: SessionOptions = {}): Promise<{ status: number; lines: string[] }> {
    const lines: string[] = [];
    const { k, disk, device, own } = await boot(image, { ...opts, readOnly: mode === 'check' }, lines);
    try {
      const fat = k.spawn('fat', { params: fatParams(device, opts.prefix ?? '/fs', { ...params, mode }) });
      const s = await fat.join();
      return { status: s.state === 'exited' ? s.code : Math.max(1, s.code), lines: lines.filter((l) => !l.startsWith('disk ')) };
    } finally {
      disk.stop();
      if (own) k.shutdown();
    }
  }

  /** Creates `image` (`size` bytes, rounded down to whole sectors; replaced if it exists) and
   * formats it; rejects with E_FORMAT and the file system's words when it cannot. */
  static async create(image: string, size: number, params: { fatType?: number; label?: string } = {}): Promise<string[]> {
    const fd = openSync(image, 'w');
    try {
      ftruncateSync(fd, Math.floor(size / 512) * 512);
    } finally {
      closeSync(fd);
    }
    const r = await DiskSession.run(image, 'format', params);
    if (r.status !== 0) {
      rmSync(image, { force: true });
      throw new DiskSessionError('E_FORMAT', image, r.lines.join('; ') || `the file system could not format it (status ${r.status})`);
    }
    return r.lines;
  }

  /** Unmounts cleanly and ends the SIPs (and the kernel, when the session made it). */
  async close(): Promise<void> {
    try {
      if (this.fat.state === 'running') {
        await this.fs.unmount();
        const s = await this.fat.join();
        if (s.state !== 'exited' || s.code !== 0) throw new DiskSessionError('E_UNMOUNT', this.image, `the file system ended with ${s.state} ${s.code}: ${said(this.lines)}`);
      }
    } finally {
      this.disk.stop();
      if (this.#own) this.kernel.shutdown();
    }
  }
}
