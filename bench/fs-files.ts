// The storage benchmark's WebFiles load (after SPECweb99's file set) and its progress display.
// The set: `dirs` directories of 36 files each, four classes of nine sizes — class 0 of
// 102..921 B (0.1..0.9 KiB), class 1 of 1..9 KiB, class 2 of 10..90 KiB, class 3 of 100..900 KiB —
// named as SPECweb99 names them (web/dir00042/class2_7). The requests: a class drawn by SPECweb99's
// frequencies (35%, 50%, 14%, 1%), a directory by Zipf (alpha 1, as SPECweb99 does), and a file
// within the class by Zipf (alpha 1) over its nine sizes ranked from the middle one outwards
// (class?_4 first, then _3, _5, _2, _6, ...) — that last ranking is this benchmark's own choice.
// Everything comes from one seeded PRNG, so a run's set and request stream are the same each time.
// Rules for callers: the same set is built twice, on the host (`buildHostSet`) and on the volume
// (`buildVolumeSet`), with the same bytes; `firstBytesCheck` is what a reader folding the first
// byte of every `chunk`-byte Read must get. Progress goes to stderr: a bar when it is a terminal,
// a line per tenth otherwise.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import type { Kernel } from '../src/kernel/kernel.ts';
import type { Bytes } from '../src/contracts/exfield.ts';
import type { Imp } from '../src/contracts/view.ts';
import { Directory, File } from '../src/contracts/lib/fs.ts';
import { prng } from '../src/lib/prng.ts';

type DirReady = Imp<typeof Directory, 'Ready'>;

export const CLASS_FREQUENCY = [0.35, 0.5, 0.14, 0.01] as const;
export const FILES_PER_DIR = 36;

/** The size of file `i` (0..8) of class `c` (0..3), in bytes. */
export function sizeOf(c: number, i: number): number {
  const k = i + 1;
  return c === 0 ? Math.floor((k * 1024) / 10) : k * 1024 * 10 ** (c - 1);
}

export interface WebFile { readonly path: string; readonly size: number; readonly seed: number }

/** '/web/dir00042/class2_7', below whatever root holds the set. */
export function pathOf(d: number, c: number, i: number): string {
  return `/web/dir${String(d).padStart(5, '0')}/class${c}_${i}`;
}

/** The whole set, directory by directory. */
export function fileSet(dirs: number): WebFile[] {
  const out: WebFile[] = [];
  for (let d = 0; d < dirs; d++) {
    for (let c = 0; c < 4; c++) {
      for (let i = 0; i < 9; i++) out.push({ path: pathOf(d, c, i), size: sizeOf(c, i), seed: (d * 36 + c * 9 + i) * 2654435761 % 65521 });
    }
  }
  return out;
}

/** Cumulative Zipf (alpha 1) weights over n ranks. */
function zipf(n: number): number[] {
  const w: number[] = [];
  let sum = 0;
  for (let r = 1; r <= n; r++) { sum += 1 / r; w.push(sum); }
  return w.map((x) => x / sum);
}

function pick(cum: readonly number[], u: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (u < (cum[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Within a class, popularity rank r goes to file MIDDLE_OUT[r]. */
const MIDDLE_OUT = [4, 3, 5, 2, 6, 1, 7, 0, 8];

/** `n` requests over a set of `dirs` directories, from `seed`. */
export function requestStream(dirs: number, n: number, seed: number): WebFile[] {
  const r = prng(seed);
  const dirCum = zipf(dirs);
  const fileCum = zipf(9);
  const classCum = CLASS_FREQUENCY.map((_, i) => CLASS_FREQUENCY.slice(0, i + 1).reduce((a, b) => a + b, 0));
  const out: WebFile[] = [];
  for (let k = 0; k < n; k++) {
    const c = Math.min(3, pick(classCum, r()));
    const d = pick(dirCum, r());
    const i = MIDDLE_OUT[pick(fileCum, r())] as number;
    out.push({ path: pathOf(d, c, i), size: sizeOf(c, i), seed: (d * 36 + c * 9 + i) * 2654435761 % 65521 });
  }
  return out;
}

/** The bytes every file's contents are cut from: file f is PATTERN[f.seed .. f.seed + f.size). */
const PATTERN = (() => {
  const p = new Uint8Array(65536 + 921_600);
  for (let o = 0; o < p.length; o++) p[o] = (o * 131 + (o >>> 8) * 7 + (o >>> 16)) & 0xff;
  return p;
})();

export function contentOf(f: WebFile): Uint8Array {
  return PATTERN.subarray(f.seed, f.seed + f.size);
}

/** The check a reader folding the first byte of every `chunk`-byte Read gets for `files`. */
export function firstBytesCheck(files: readonly WebFile[], chunk: number): number {
  let check = 0;
  for (const f of files) for (let o = 0; o < f.size; o += chunk) check = (check + (PATTERN[f.seed + o] as number)) % 1_000_000_007;
  return check;
}

/** Progress on stderr: a cli-progress bar on a terminal, else (unless `tenths` is false, for a
 * caller that writes lines of its own) a line at every tenth. */
export class Progress {
  readonly #bar: cliProgress.SingleBar | null;
  readonly #label: string;
  readonly #unit: string;
  readonly #tenths: boolean;
  readonly #total: number;
  #shown = -1;

  constructor(label: string, total: number, unit: string, tenths = true) {
    this.#label = label;
    this.#unit = unit;
    this.#total = total;
    this.#tenths = tenths;
    if (process.stderr.isTTY) {
      this.#bar = new cliProgress.SingleBar({
        format: `${label} |{bar}| {percentage}% {value}/{total} ${unit} | {duration_formatted}`,
        stream: process.stderr,
        hideCursor: false, // an interrupted run must not leave the terminal without its cursor
        etaBuffer: 50,
      }, cliProgress.Presets.shades_classic);
      this.#bar.start(total, 0);
    } else {
      this.#bar = null;
      if (tenths) process.stderr.write(`${label}: 0/${total} ${unit}\n`);
      this.#shown = 0;
    }
  }

  update(value: number): void {
    if (this.#bar !== null) { this.#bar.update(value); return; }
    if (!this.#tenths) return;
    const tenth = Math.floor((value * 10) / Math.max(1, this.#total));
    if (tenth > this.#shown && tenth < 10) {
      this.#shown = tenth;
      process.stderr.write(`${this.#label}: ${value}/${this.#total} ${this.#unit}\n`);
    }
  }

  #stopped = false;

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#bar !== null) { this.#bar.update(this.#total); this.#bar.stop(); return; }
    if (this.#tenths) process.stderr.write(`${this.#label}: ${this.#total}/${this.#total} ${this.#unit}, done\n`);
  }

  /** Ends the bar where it is (a failure): the terminal line is finished, nothing more said. */
  abandon(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#bar?.stop();
  }
}

/** Writes the set below `root` on the host. */
export async function buildHostSet(root: string, files: readonly WebFile[], onFile: (n: number) => void): Promise<void> {
  let made = '';
  let n = 0;
  for (const f of files) {
    const dir = join(root, f.path.slice(0, f.path.lastIndexOf('/')));
    if (dir !== made) { await mkdir(dir, { recursive: true }); made = dir; }
    await writeFile(join(root, f.path), contentOf(f));
    onFile(++n);
  }
}

/**
 * Writes the set on the volume mounted at `prefix` from the host, through the contracts: one
 * Directory channel per directory (CreateDirectory, then CreateFile and OpenFile per file), each
 * file written in `chunk`-byte requests and closed. Nothing is flushed here: the caller flushes
 * the volume once at the end.
 */
export async function buildVolumeSet(k: Kernel, prefix: string, files: readonly WebFile[], chunk: number, onFile: (n: number) => void): Promise<void> {
  const fail = (what: string): never => { throw new Error(`bench fs: building the file set: ${what}`); };
  const bindDir = async (path: string): Promise<DirReady> => {
    const c = k.hostChannel(Directory);
    const r = await k.names.bind(k.owner, `${prefix}${path}`, c.exp);
    if (!r.ok) { c.imp.close(); fail(`bind ${prefix}${path}: ${r.code}: ${r.reason}`); }
    const h = await c.imp.receive();
    if (h.tag !== 'Success') return fail(`${prefix}${path}: the file system went away`);
    return h.ep;
  };
  // `buf` and `dir` are null while they travel: a failure then leaves nothing of ours to close.
  let buf: Bytes | null = k.hostAlloc(chunk);
  let dirPath = '';
  let dir: DirReady | null = null;
  const madeDirs = new Set<string>();
  let n = 0;
  try {
    for (const f of files) {
      const slash = f.path.lastIndexOf('/');
      const fd = f.path.slice(0, slash);
      const name = f.path.slice(slash + 1);
      if (fd !== dirPath) {
        dir?.send('Close');
        dir = null;
        for (let at = fd.indexOf('/', 1); ; at = fd.indexOf('/', at + 1)) {
          const sub = at < 0 ? fd : fd.slice(0, at);
          if (!madeDirs.has(sub)) {
            const up = sub.slice(0, sub.lastIndexOf('/'));
            const parent = await bindDir(up);
            const made = await parent.send('CreateDirectory', { name: sub.slice(sub.lastIndexOf('/') + 1) }).receive();
            if (made.tag === '$closed') return fail(`${prefix}${sub}: the file system went away`);
            made.ep.send('Close');
            if (made.tag === 'NakOp' && made.code !== 'E_EXISTS') fail(`mkdir ${sub}: ${made.code}: ${made.reason}`);
            madeDirs.add(sub);
          }
          if (at < 0) break;
        }
        dir = await bindDir(fd);
        dirPath = fd;
      }
      if (dir === null) return fail('no directory');
      const created = await dir.send('CreateFile', { name }).receive();
      if (created.tag === '$closed') return fail(`${prefix}${f.path}: the file system went away`);
      if (created.tag === 'NakOp') { dir = created.ep; fail(`create ${f.path}: ${created.code}: ${created.reason}`); }
      const fc = k.hostChannel(File);
      const o = await created.ep.send('OpenFile', { name, write: true, file: fc.exp }).receive();
      if (o.tag === '$closed') { fc.imp.close(); dir = null; return fail(`${prefix}${f.path}: the file system went away`); }
      dir = o.ep;
      if (o.tag === 'NakOpenFile') { o.file.close(); fc.imp.close(); fail(`open ${f.path}: ${o.code}: ${o.reason}`); }
      const hello = await fc.imp.receive();
      if (hello.tag !== 'Success') return fail(`${prefix}${f.path}: no Success`);
      let file = hello.ep;
      const data = contentOf(f);
      for (let off = 0; off < data.length; off += chunk) {
        const part = data.subarray(off, off + chunk);
        const b: Bytes | null = buf;
        if (b === null) return fail('no buffer');
        buf = null;
        b.write(part, 0);
        const w = await file.send('Write', { buf: b, bufOffset: 0, fileOffset: off, length: part.length }).receive();
        if (w.tag === '$closed') return fail(`${prefix}${f.path}: the file system went away`);
        file = w.ep;
        buf = w.buf;
        if (w.tag === 'NakWrite') { file.send('Close'); fail(`write ${f.path}: ${w.code}: ${w.reason}`); }
      }
      const closed = await file.send('Close').receive();
      if (closed.tag === '$closed') return fail(`${prefix}${f.path}: the file system went away at Close`);
      onFile(++n);
    }
  } finally {
    dir?.send('Close');
    buf?.free();
  }
}
