// `sing disk create|ls|put|get|mkdir|rm` and `sing fsck`: disk images handled through the storage
// SIPs. Each command boots a DiskSession (the disk driver over the image, the FAT file system
// over the driver) and works through the file-system contracts; nothing here reads or writes the
// image's format itself (create only makes the empty file, which the file system then formats).
// Rules: results on stdout (with --json one JSON value); errors on stderr as
// `sing disk CMD IMAGE: PATH: CODE: why`; exit 0 on success, 1 on failure, 2 on bad usage; fsck
// exits 0 clean, 1 problems found (or found and repaired), 4 the volume cannot be checked.
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { basename } from 'node:path';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { SingError } from '../lib/error.ts';
import type { DiskSession } from './disk-session.ts';
import type { Entry } from './fs-client.ts';
import { UsageError } from './system.ts';

export const DISK_USAGE = `  disk create IMAGE --size 64MiB [--fat 12|16|32] [--label NAME] [--force]
                              make a disk image and format it (FAT type by size when omitted)
  disk ls IMAGE [PATH] [--json]
                              list a directory: short name, size, time, long name
  disk put IMAGE HOSTFILE PATH
                              copy a host file in (PATH may be a directory)
  disk get IMAGE PATH [HOSTFILE]
                              copy a file out (to stdout when HOSTFILE is omitted)
  disk mkdir IMAGE PATH | disk rm IMAGE PATH
                              make a directory; delete a file or an empty directory
  fsck IMAGE [--repair] [--json]
                              check a FAT volume (and repair it); exit 0 clean, 1 problems, 4 unreadable
`;

const UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** '64MiB', '512k', '1048576' as bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  const unit = m === null ? undefined : UNITS[(m[2] ?? '').toLowerCase()];
  if (m === null || unit === undefined) throw new UsageError(`--size ${text}: give a size such as 64MiB, 512KiB or 1048576`);
  return Math.floor(Number(m[1]) * unit);
}

const out = (s: string): void => { process.stdout.write(`${s}\n`); };
const err = (s: string): void => { process.stderr.write(`${s}\n`); };

function time(ms: number): string {
  if (ms === 0) return '                ';
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

function line(e: Entry): string {
  const size = e.directory ? '<DIR>' : String(e.size);
  const short = e.shortName === '' ? e.name : e.shortName;
  return `${short.padEnd(12)} ${size.padStart(10)} ${time(e.modified)}${e.name !== short ? `  ${e.name}` : ''}`;
}

async function withSession<T>(image: string, readOnly: boolean, fn: (s: DiskSession) => Promise<T>): Promise<T> {
  const { DiskSession } = await import('./disk-session.ts');
  const s = await DiskSession.mount(image, { readOnly });
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

async function create(image: string, size: number, fat: number, label: string, force: boolean): Promise<number> {
  const { DiskSession, DiskSessionError } = await import('./disk-session.ts');
  if (size < 64 * 1024) throw new UsageError(`disk create: --size ${size} bytes is too small for a FAT volume (at least 64KiB)`);
  if (existsSync(image) && !force) throw new DiskSessionError('E_EXISTS', image, 'exists already (give --force to replace it)');
  for (const l of await DiskSession.create(image, size, { fatType: fat, label })) out(l);
  return 0;
}

export async function diskCommand(cmd: 'disk' | 'fsck', args: readonly string[]): Promise<number> {
  const sub = cmd === 'fsck' ? 'fsck' : args[0];
  const rest = cmd === 'fsck' ? [...args] : args.slice(1);
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; args: string[] }>>;
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${cmd}${sub === cmd ? '' : ` ${String(sub)}`}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { values: v, positionals: pos } = parsed;
  const allowed = ALLOWED[String(sub)] ?? [];
  for (const k of Object.keys(v)) if (!allowed.includes(k)) throw new UsageError(`${cmd === 'fsck' ? 'fsck' : `disk ${String(sub)}`}: unknown option --${k}`);
  const want = (n: number, m: number, shape: string): void => {
    if (pos.length < n || pos.length > m) throw new UsageError(`${cmd === 'fsck' ? 'fsck' : `disk ${String(sub)}`} takes ${shape}`);
  };
  const image = pos[0] ?? '';
  const path = pos[1] ?? '/';
  const { FsError, normalize, splitPath } = await import('./fs-client.ts');
  const { DiskSession, DiskSessionError } = await import('./disk-session.ts');
  const where = `sing ${cmd === 'fsck' ? 'fsck' : `disk ${String(sub)}`} ${image}`;
  try {
    switch (sub) {
      case 'create': {
        want(1, 1, 'IMAGE --size SIZE');
        if (v.size === undefined) throw new UsageError('disk create: --size is required (64MiB, for instance)');
        const fat = v.fat === undefined ? 0 : Number(v.fat);
        if (![0, 12, 16, 32].includes(fat)) throw new UsageError(`disk create: --fat must be 12, 16 or 32, not ${v.fat}`);
        return await create(image, parseSize(v.size), fat, v.label ?? '', v.force === true);
      }
      case 'ls': {
        want(1, 2, 'IMAGE [PATH]');
        return await withSession(image, true, async (s) => {
          const a = await s.fs.stat(path);
          const { dir, name } = splitPath(path);
          const list = a.directory ? await s.fs.list(path) : (await s.fs.list(dir)).filter((e) => e.name.toLowerCase() === name.toLowerCase());
          if (v.json === true) out(JSON.stringify(list));
          else for (const e of list) out(line(e));
          return 0;
        });
      }
      case 'put': {
        want(3, 3, 'IMAGE HOSTFILE PATH');
        const host = pos[1] as string;
        if (!existsSync(host)) throw new DiskSessionError('E_NO_FILE', host, 'no such host file');
        return await withSession(image, false, async (s) => {
          let target = normalize(pos[2] as string);
          const isDir = await s.fs.stat(target).then((a) => a.directory, (e: unknown) => { if (e instanceof FsError && e.code === 'E_NOT_FOUND') return false; throw e; });
          if (isDir || (pos[2] as string).endsWith('/')) target = normalize(`${target}/${basename(host)}`);
          const n = await s.fs.writeFile(target, createReadStream(host, { highWaterMark: s.fs.chunk }) as AsyncIterable<Uint8Array>);
          err(`put ${host} -> ${image}:${target} (${n} bytes)`);
          return 0;
        });
      }
      case 'get': {
        want(2, 3, 'IMAGE PATH [HOSTFILE]');
        const host = pos[2];
        return await withSession(image, true, async (s) => {
          const sink = host === undefined ? process.stdout : createWriteStream(host);
          await s.fs.readFile(path, (chunk) => new Promise<void>((resolve, reject) => { sink.write(chunk, (e) => { if (e) reject(e); else resolve(); }); }));
          if (host !== undefined) { sink.end(); await finished(sink); }
          return 0;
        });
      }
      case 'mkdir': want(2, 2, 'IMAGE PATH'); return await withSession(image, false, async (s) => { await s.fs.mkdir(path); return 0; });
      case 'rm': want(2, 2, 'IMAGE PATH'); return await withSession(image, false, async (s) => { await s.fs.remove(path); return 0; });
      case 'fsck': {
        want(1, 1, 'IMAGE [--repair] [--json]');
        const r = await DiskSession.run(image, v.repair === true ? 'repair' : 'check', { json: v.json === true });
        for (const l of r.lines) (r.status === 4 ? err : out)(l);
        return r.status;
      }
      default: throw new UsageError(`disk: unknown command ${String(sub)} (have: create, ls, put, get, mkdir, rm)`);
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (e instanceof FsError) { err(`${where}: ${e.path}: ${e.code}: ${e.message}`); return 1; }
    if (e instanceof SingError) { err(`${where}: ${e.code}: ${e.message}`); return 1; }
    throw e;
  }
}

const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  create: ['size', 'fat', 'label', 'force'], ls: ['json'], fsck: ['repair', 'json'],
};

const OPTIONS = {
  size: { type: 'string' },
  fat: { type: 'string' },
  label: { type: 'string' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
  repair: { type: 'boolean' },
} as const;
