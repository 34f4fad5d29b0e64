// Store kit: what the install-store scenario tests share: a fresh world (program folders and an
// install store in a temp dir), the demo's calc and adder, small programs made to order, the
// `sing` command run as a child process (blocking, or in the background), and a wait for a line
// of its output.
// Rules: every world lives in its own temp dir, removed after the test file; a background `sing`
// is killed after the test file if it is still running. Nothing here asserts durations: waits are
// bounded only by generous limits, so that a hang fails instead of hanging.
import { after } from 'node:test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Installer } from '../src/install/installer.ts';
import { InstallStore } from '../src/install/store.ts';
import { until } from './kit.ts';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
export const SING = join(REPO, 'bin', 'sing.js');
export const CALC = readFileSync(join(REPO, 'examples/demo/calc/main.ts'), 'utf8');
export const ADDER = readFileSync(join(REPO, 'examples/demo/adder/main.ts'), 'utf8');

/** The demo calculator under another name (exporting the same path unless told otherwise). */
export const calcAs = (name: string, path = '/service/calc'): string =>
  CALC.replace("name: 'calc'", `name: '${name}'`).replace("'/service/calc'", `'${path}'`);

/** A program that prints `text` and exits 0; `extra` is spliced into its manifest. */
export const hello = (name: string, text: string, extra = ''): string => `import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: '${name}',
  console: true,${extra}
  main({ console }) {
    console.log('${text}');
    return 0;
  },
});
`;

export interface World {
  readonly base: string;
  readonly storeDir: string;
  readonly store: InstallStore;
  readonly installer: Installer;
  /** Writes a program folder under base/src/<name> (main.ts, or the files given); returns it. */
  program(name: string, src: string | Readonly<Record<string, string>>): string;
  /** Runs `sing ARGS --store <store>` to its end. */
  sing(...args: string[]): Ran;
  /** Starts `sing ARGS --store <store>` in the background. */
  singLater(...args: string[]): Background;
}

export interface Ran { readonly status: number | null; readonly out: string[]; readonly err: string[] }

export interface Background {
  readonly child: ChildProcess;
  /** Lines so far. */
  readonly out: string[];
  readonly err: string[];
  /** Resolves when it has ended. */
  readonly done: Promise<Ran>;
}

const bases: string[] = [];
const running: ChildProcess[] = [];
after(() => {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const b of bases) rmSync(b, { recursive: true, force: true });
});

const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '' && !l.startsWith('npm warn'));

export function world(): World {
  const base = mkdtempSync(join(tmpdir(), 'sing-'));
  bases.push(base);
  const storeDir = join(base, 'store');
  const store = new InstallStore(storeDir);
  const env = { ...process.env, SING_STORE: join(base, 'not-this-store') };
  return {
    base, storeDir, store, installer: new Installer(store),
    program(name, src) {
      const dir = join(base, 'src', name);
      for (const [f, text] of Object.entries(typeof src === 'string' ? { 'main.ts': src } : src)) {
        mkdirSync(dirname(join(dir, f)), { recursive: true });
        writeFileSync(join(dir, f), text);
      }
      return dir;
    },
    sing(...args) {
      const r = spawnSync(process.execPath, [SING, ...args, '--store', storeDir], { cwd: base, encoding: 'utf8', timeout: 120_000, env });
      return { status: r.status, out: lines(r.stdout), err: lines(r.stderr) };
    },
    singLater(...args) {
      return background(spawn(process.execPath, [SING, ...args, '--store', storeDir], { cwd: base, env, stdio: ['ignore', 'pipe', 'pipe'] }));
    },
  };
}

/** Collects a child's output lines as they come; the child is killed after the test file if it
 * is still running then. */
export function background(child: ChildProcess): Background {
  running.push(child);
  const out: string[] = [];
  const err: string[] = [];
  const collect = (into: string[]) => {
    let partial = '';
    return (d: Buffer): void => {
      const parts = (partial + d.toString()).split('\n');
      partial = parts.pop() ?? '';
      into.push(...lines(parts.join('\n')));
    };
  };
  child.stdout?.on('data', collect(out));
  child.stderr?.on('data', collect(err));
  const done = new Promise<Ran>((resolve) => { child.once('close', (status) => { resolve({ status, out, err }); }); });
  return { child, out, err, done };
}

/** Waits until one of `lines` matches `re`; returns it. */
export async function lineMatching(lines: readonly string[], re: RegExp, what: string): Promise<string> {
  await until(() => lines.some((l) => re.test(l)), what, 60_000); // a cold `sing` takes a second or more
  return lines.find((l) => re.test(l)) as string;
}
