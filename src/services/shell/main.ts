// The shell: reads command lines from the console (/dev/console, sing/contracts/terminal, served
// by the console driver SIP), runs them, and writes what they print back. Its built-in file
// commands talk to the file system over its contracts (../shared/fs-calls.ts); `ls`, `cat` and `wc`
// are tools, programs of their own joined by pipes (pipeline.ts); `ps`, `names`, `mount` and `free`
// ask the status service (status-view.ts); other programs are started by name through the
// child-process ABI, their parameters typed by their own manifests (`adder --a 2 --b 40`;
// `abi.parameters`), in the foreground or with `&` in the background.
// Built-ins: help, echo, pwd, cd, sleep, mkdir, rm, mv, cp, df, ps, names, mount, free, run, start,
// jobs, wait, kill, exit, shutdown; any other first word is a program to run. `> FILE` and `>> FILE`
// send a command's output to a file. The working directory starts at /fs.
// Rules: the shell's exit code is the last command's status (0 success, 1 failure, 2 bad usage),
// so a script's run ends with it; `exit N` ends with N; `shutdown` ends it with 0 and asks its
// starter to stop the system (the line `shutdown` is its last). End of input ends the shell.
// Invariants: one command at a time; a background child is watched until it ends (`wait` reports
// it); the shell holds no channel between commands but its terminal. A console that goes away
// (its driver failed and is being restarted) is bound again by name, for up to five seconds.
import { defineProgram, type Abi, type Child, type ExitStatus, type Imp } from 'sing/runtime';
import { Terminal } from 'sing/contracts/terminal';
import { Status } from 'sing/contracts/status';
import { isDirectory, makeDirectory, readText, remove, rename, volumeStats, writeText } from '../shared/fs-calls.ts';
import { ended, isTool, runPipeline } from './pipeline.ts';
import { statusCommand } from './status-view.ts';
import { readLine } from './words.ts';
import { resolve } from '../shared/paths.ts';

type Term = Imp<typeof Terminal, 'Ready'>;

/** What a command did: its status and what it printed. */
interface Done { readonly status: number; readonly out: string }

const HELP = `commands:
  help                     this text
  echo WORDS...            print the words
  pwd | cd [DIR]           the working directory (cd alone: /fs)
  sleep MS                 wait
  ls [DIR]... | cat [FILE]... | wc [FILE]...
                           tools (programs): list directories, print files, count lines,
                           words and bytes; join them with |:  cat notes.txt | wc
  mkdir DIR | rm PATH      make a directory, remove a file or an empty directory
  mv FROM TO | cp FROM TO  rename (within a directory's tree), copy a file
  df [PATH]                the size and free space of the volume PATH lies on
  run PROG [--NAME VALUE]...   run an installed program and wait for it (PROG alone does the same)
  start PROG [--NAME VALUE]... run it in the background (or end a command with &)
  jobs | wait PID | kill PID   the background programs this shell started ($! the last)
  ps | names | mount | free    processes, the namespace, mount points, the exchange heap
                           (from the status service, /status)
  exit [N] | shutdown      end the shell (shutdown also stops the system)
  COMMAND > FILE, >> FILE  write or append the output to a file
`;

interface Shell { readonly abi: Abi; cwd: string; readonly jobs: Map<number, { readonly child: Child; status: ExitStatus | null }>; last: number }

/** A program's parameters from `--name value` words, typed by its manifest. */
function typedParams(abi: Abi, program: string, words: readonly string[]): Record<string, unknown> | string {
  const types = abi.parameters(program);
  if (types === null) return `${program}: no program of that name is installed (help lists the shell's commands)`;
  const out: Record<string, unknown> = {};
  const takes = Object.keys(types).map((k) => `--${k} <${String(types[k])}>`).join(' ') || 'no parameters';
  for (let i = 0; i < words.length; i += 2) {
    const flag = words[i] as string;
    const raw = words[i + 1];
    if (!flag.startsWith('--') || raw === undefined) return `${program}: parameters are --NAME VALUE pairs (it takes ${takes})`;
    const key = flag.slice(2);
    const type = Object.hasOwn(types, key) ? types[key] : undefined;
    if (type === undefined) return `${program}: --${key} is not a parameter of ${program} (it takes ${takes})`;
    const bad = `${program}: --${key} expects ${type}, got ${JSON.stringify(raw)}`;
    if (type === 'i32' || type === 'u32') {
      if (!/^-?\d+$/.test(raw)) return bad;
      const n = Number(raw);
      if (type === 'i32' ? (n | 0) !== n : n >>> 0 !== n) return bad;
      out[key] = n;
    } else if (type === 'f64') {
      const n = Number(raw);
      if (raw.trim() === '' || Number.isNaN(n)) return bad;
      out[key] = n;
    } else if (type === 'bool') {
      if (raw !== 'true' && raw !== 'false') return bad;
      out[key] = raw === 'true';
    } else if (type === 'str' || type.startsWith('enum(')) {
      out[key] = raw;
    } else {
      try { out[key] = JSON.parse(raw) as unknown; } catch { return bad; }
    }
  }
  const missing = Object.keys(types).filter((k) => !Object.hasOwn(out, k));
  if (missing.length > 0) return `${program}: missing ${missing.map((k) => `--${k} <${String(types[k])}>`).join(' ')}`;
  return out;
}


/** Starts a program; in the foreground it is waited for and its status is the command's. */
async function runProgram(sh: Shell, program: string, args: readonly string[], background: boolean): Promise<Done> {
  if (isTool(sh.abi.parameters(program))) {
    if (background) return { status: 2, out: `${program}: a tool runs in the foreground (its output comes to the shell)\n` };
    return runPipeline(sh.abi, sh.cwd, [[program, ...args]]);
  }
  const params = typedParams(sh.abi, program, args);
  if (typeof params === 'string') return { status: 2, out: `${params}\n` };
  let child: Child;
  try {
    child = sh.abi.create(program, { params });
    sh.abi.start(child);
  } catch (e) {
    return { status: 1, out: `${program}: ${e instanceof Error ? e.message : String(e)}\n` };
  }
  if (background) {
    const job: { readonly child: Child; status: ExitStatus | null } = { child, status: null };
    sh.jobs.set(child.pid, job);
    sh.last = child.pid;
    sh.abi.spawn(async () => { job.status = await sh.abi.join(child); });
    return { status: 0, out: `[${String(child.pid)}] ${program} started\n` };
  }
  const st = await sh.abi.join(child);
  return { status: st.state === 'exited' ? st.code : 1, out: st.state === 'exited' && st.code === 0 ? '' : `${program}: ${ended(st)}\n` };
}

async function fileCommand(sh: Shell, name: string, args: readonly string[]): Promise<Done> {
  const abi = sh.abi;
  const at = (p: string): string => resolve(sh.cwd, p);
  switch (name) {
    case 'cd': {
      const dir = at(args[0] ?? '/fs');
      if (!(await isDirectory(abi, dir))) return { status: 1, out: `cd: ${dir}: not a directory\n` };
      sh.cwd = dir;
      return { status: 0, out: '' };
    }
    case 'mkdir': case 'rm': {
      if (args.length === 0) return { status: 2, out: `${name}: give a path\n` };
      for (const p of args) {
        if (name === 'mkdir') await makeDirectory(abi, at(p));
        else await remove(abi, at(p));
      }
      return { status: 0, out: '' };
    }
    case 'mv': case 'cp': {
      const [from, to] = args;
      if (from === undefined || to === undefined || args.length !== 2) return { status: 2, out: `${name}: give FROM and TO\n` };
      let target = at(to);
      if (await isDirectory(abi, target).catch(() => false)) target = resolve(target, from.slice(from.lastIndexOf('/') + 1));
      if (name === 'mv') await rename(abi, at(from), target);
      else await writeText(abi, target, await readText(abi, at(from)), false);
      return { status: 0, out: '' };
    }
    case 'df': {
      // The volume the path (else the working directory) lies on: the namespace's first level.
      const mount = `/${at(args[0] ?? '.').split('/')[1] ?? ''}`;
      const v = await volumeStats(abi, mount);
      const mib = (n: number): string => `${(n / (1024 * 1024)).toFixed(1)} MiB`;
      return { status: 0, out: `${mount}: ${v.device}${v.label === '' ? '' : ` (${v.label})`}, ${mib(v.bytes)}, ${mib(v.bytes - v.free)} used, ${mib(v.free)} free${v.readOnly ? ', read-only' : ''}\n` };
    }
    default: return { status: 2, out: `${name}: unknown command\n` };
  }
}

/** Runs one command line's words. */
async function execute(sh: Shell, words: readonly string[], background: boolean): Promise<Done | 'exit' | 'shutdown'> {
  const [name, ...args] = words;
  if (name === undefined) return { status: 0, out: '' };
  switch (name) {
    case 'help': return { status: 0, out: HELP };
    case 'echo': return { status: 0, out: `${args.join(' ')}\n` };
    case 'pwd': return { status: 0, out: `${sh.cwd}\n` };
    case 'sleep': {
      const ms = Number(args[0]);
      if (args.length !== 1 || !Number.isInteger(ms) || ms < 0 || ms > 3_600_000) return { status: 2, out: 'sleep: give a time in ms (0..3600000)\n' };
      await sh.abi.sleep(ms);
      return { status: 0, out: '' };
    }
    case 'exit': return 'exit';
    case 'shutdown': return 'shutdown';
    case 'run': case 'start': {
      const [program, ...rest] = args;
      if (program === undefined) return { status: 2, out: `${name}: give a program\n` };
      return runProgram(sh, program, rest, background || name === 'start');
    }
    case 'jobs': {
      let out = '';
      for (const [pid, j] of sh.jobs) out += `[${String(pid)}] ${j.child.program} ${j.status === null ? 'running' : ended(j.status)}\n`;
      return { status: 0, out };
    }
    case 'wait': case 'kill': {
      const pid = Number(args[0]);
      const job = sh.jobs.get(pid);
      if (job === undefined) return { status: 1, out: `${name}: ${String(args[0])}: not a program this shell started (jobs lists them)\n` };
      if (name === 'kill' && job.status === null) sh.abi.stop(job.child);
      const st = await sh.abi.join(job.child);
      sh.jobs.delete(pid);
      return { status: st.state === 'exited' ? st.code : 1, out: `[${String(pid)}] ${job.child.program} ${ended(st)}\n` };
    }
    case 'ps': case 'names': case 'mount': case 'free':
      try {
        return { status: 0, out: await statusCommand(sh.abi, name, args) };
      } catch (e) {
        return { status: 1, out: `${name}: ${e instanceof Error ? e.message : String(e)}\n` };
      }
    case 'cd': case 'mkdir': case 'rm': case 'mv': case 'cp': case 'df':
      try {
        return await fileCommand(sh, name, args);
      } catch (e) {
        return { status: 1, out: `${name}: ${e instanceof Error ? e.message : String(e)}\n` };
      }
    default: return runProgram(sh, name, args, background);
  }
}

/** The console again after its driver went away (restarted by its supervisor): bound anew by
 * name, for up to five seconds; null when none comes back. */
async function consoleAgain(abi: Abi): Promise<Term | null> {
  for (let i = 0; i < 100; i++) {
    const ch = abi.channel(Terminal);
    const b = await abi.bind('/dev/console', ch.exp);
    if (b.ok) return ch.imp;
    ch.imp.close();
    await abi.sleep(50);
  }
  return null;
}

async function write(term: Term, text: string): Promise<Term | null> {
  if (text === '') return term;
  const w = await term.send('Write', { text }).receive();
  return w.tag === '$closed' ? null : w.ep;
}

export default defineProgram({
  name: 'shell',
  version: '1.0.0',
  // /status is imported so the shell may bind it again for each ps, names, mount or free.
  imports: { terminal: Terminal.imp('/dev/console'), status: Status.imp('/status') },
  resources: { exchangeHeap: '1MiB', files: { '/fs/**': 'write' } },
  console: true,
  async main({ abi, terminal, status: atStart }) {
    // Each status command binds /status afresh (status-view.ts), so a status service restarted by
    // its supervisor is found again by name; the binding made at start is let go.
    atStart.close();
    const sh: Shell = { abi, cwd: '/fs', jobs: new Map(), last: 0 };
    let term: Term | null = terminal;
    let status = 0;
    for (;;) {
      const t: Term | null = term ?? await consoleAgain(abi);
      if (t === null) return status;
      const r = await t.send('ReadLine', { prompt: `${sh.cwd}$ ` }).receive();
      if (r.tag === '$closed') { term = null; continue; } // the console driver went away: bind it again
      if (r.tag === 'End') { r.ep.close(); return status; }
      term = r.ep;
      const cmd = readLine(r.text);
      let done: Done | 'exit' | 'shutdown';
      if (typeof cmd === 'string') done = { status: 2, out: `sh: ${cmd}\n` };
      else if (cmd.words[0] === 'exit' && cmd.words.length > 1) {
        const n = Number(cmd.words[1]);
        if (Number.isInteger(n) && n >= 0 && n <= 255) { term.close(); return n; }
        done = { status: 2, out: 'exit: give a status 0..255\n' };
      } else {
        // `$!` is the last program started in the background, as in sh.
        const words = (ws: readonly string[]): string[] => ws.map((w) => (w === '$!' ? String(sh.last) : w));
        done = cmd.stages.length > 1 ? await runPipeline(abi, sh.cwd, cmd.stages.map(words)) : await execute(sh, words(cmd.words), cmd.background);
        if (done !== 'exit' && done !== 'shutdown' && cmd.redirect !== null && done.status === 0) {
          try {
            await writeText(abi, resolve(sh.cwd, cmd.redirect.path), done.out, cmd.redirect.append);
            done = { status: 0, out: '' };
          } catch (e) {
            done = { status: 1, out: `sh: ${e instanceof Error ? e.message : String(e)}\n` };
          }
        }
      }
      if (done === 'exit' || done === 'shutdown') {
        const left: Term | null = term;
        if (left !== null) left.close();
        return done === 'shutdown' ? 0 : status;
      }
      status = done.status;
      term = await write(term, done.out);
    }
  },
});
