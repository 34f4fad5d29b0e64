// The peers `sing bench fs` measures the storage SIPs against: Node's fs doing the same reads and
// writes on host files, and mcopy (mtools) reading the same file out of the same image.
// Rules for callers: each function times its own work (hrtime, open to close; mcopy: the whole
// process's wall clock) and returns it as Timed; `mcopyCheck` says first whether mcopy is here and
// reads the file right, so a missing mcopy is a note, never a failure.
// Invariants: every descriptor opened is closed; the buffers are reused, as the SIP clients' are.
import { spawn, spawnSync } from 'node:child_process';
import { close, fsync, open, read, write } from 'node:fs';
import { open as openHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { WebFile } from './fs-files.ts';

const MiB = 1024 * 1024;

/** One measured run: nanoseconds, files and bytes moved, and a checksum of what was read. */
export interface Timed { readonly ns: number; readonly files: number; readonly bytes: number; readonly check: number }

const fsOpen = promisify(open);
const fsRead = promisify(read);
const fsWrite = promisify(write);
const fsSync = promisify(fsync);
const fsClose = promisify(close);

/** Node: open, fs.read in `chunk` requests into one buffer to the end, close. */
export async function nodeSeqRead(path: string, chunk: number, passes = 1): Promise<Timed> {
  const buf = Buffer.allocUnsafe(chunk);
  let bytes = 0;
  let check = 0;
  const t0 = process.hrtime.bigint();
  for (let p = 0; p < passes; p++) {
    const fd = await fsOpen(path, 'r');
    for (let pos = 0; ;) {
      const { bytesRead } = await fsRead(fd, buf, 0, chunk, pos);
      if (bytesRead > 0) check = (check + (buf[0] as number)) % 1_000_000_007;
      pos += bytesRead;
      bytes += bytesRead;
      if (bytesRead < chunk) break;
    }
    await fsClose(fd);
  }
  return { ns: Number(process.hrtime.bigint() - t0), files: passes, bytes, check };
}

/** Node: each file opened (fs/promises), read to its end in `chunk` requests, closed. */
export async function nodeWebfiles(rootDir: string, files: readonly WebFile[], chunk: number): Promise<Timed> {
  const buf = Buffer.allocUnsafe(chunk);
  let bytes = 0;
  let check = 0;
  const t0 = process.hrtime.bigint();
  for (const f of files) {
    const h = await openHandle(rootDir + f.path, 'r');
    for (let pos = 0; ;) {
      const { bytesRead } = await h.read(buf, 0, chunk, pos);
      if (bytesRead > 0) check = (check + (buf[0] as number)) % 1_000_000_007;
      pos += bytesRead;
      if (bytesRead < chunk) break;
    }
    bytes += f.size;
    await h.close();
  }
  return { ns: Number(process.hrtime.bigint() - t0), files: files.length, bytes, check };
}

/** Node: a new file, fs.write in `chunk` requests from one buffer, fsync, close. */
export async function nodeSeqWrite(path: string, size: number, chunk: number): Promise<Timed> {
  const buf = Buffer.alloc(chunk);
  for (let i = 0; i < chunk; i++) buf[i] = (i * 7 + 1) & 0xff;
  const t0 = process.hrtime.bigint();
  const fd = await fsOpen(path, 'w');
  for (let off = 0; off < size;) {
    const { bytesWritten } = await fsWrite(fd, buf, 0, Math.min(chunk, size - off), off);
    off += bytesWritten;
  }
  await fsSync(fd);
  await fsClose(fd);
  return { ns: Number(process.hrtime.bigint() - t0), files: 1, bytes: size, check: 0 };
}

const MTOOLS_ENV = { ...process.env, MTOOLS_SKIP_CHECK: '1' };

/** Whether mcopy is here and reads `file` out of `image` right (untimed), and what it said. */
export function mcopyCheck(image: string, file: string, want: Uint8Array): { available: boolean; note: string } {
  const v = spawnSync('mcopy', ['-V'], { encoding: 'utf8', env: MTOOLS_ENV });
  if (v.error !== undefined) return { available: false, note: `mcopy not installed (${(v.error as NodeJS.ErrnoException).code ?? v.error.message}); no mcopy figure` };
  const version = (v.stdout || v.stderr).split('\n')[0]?.trim() ?? 'mcopy';
  const r = spawnSync('mcopy', ['-n', '-i', image, `::${file}`, '-'], { env: MTOOLS_ENV, maxBuffer: want.length + MiB });
  if (r.error !== undefined || r.status !== 0) return { available: false, note: `${version} could not read ${file} from the image (${r.error?.message ?? String(r.stderr).trim()}); no mcopy figure` };
  if (!Buffer.from(want).equals(r.stdout)) return { available: false, note: `${version} read ${r.stdout.length} bytes of ${file} that differ from what was written; no mcopy figure` };
  return { available: true, note: version };
}

/** mcopy reading `file` out of `image` to /dev/null: wall clock of the whole process. */
export function mcopyRead(image: string, file: string, bytes: number): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const c = spawn('mcopy', ['-n', '-i', image, `::${file}`, '/dev/null'], { env: MTOOLS_ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    c.on('error', reject);
    c.on('close', (code) => {
      const ns = Number(process.hrtime.bigint() - t0);
      if (code !== 0) reject(new Error(`bench fs: mcopy exited ${String(code)}: ${err.trim()}`));
      else resolve({ ns, files: 1, bytes, check: 0 });
    });
  });
}

/** `passes` mcopy processes one after another; their times added. */
export async function mcopyReads(image: string, file: string, bytes: number, passes: number): Promise<Timed> {
  let ns = 0;
  for (let i = 0; i < passes; i++) ns += (await mcopyRead(image, file, bytes)).ns;
  return { ns, files: passes, bytes: bytes * passes, check: 0 };
}
