// Running tools, alone or joined by pipes (`cat /fs/a.txt | wc`): each stage is a program started
// through the child-process ABI with its words and the working directory as parameters and two
// pipes (sing/contracts/pipe) as startup endpoints; stage i's stdout is stage i+1's stdin, the first
// reads an empty input, and the shell reads the last one's output.
// Rules for callers: `isTool(abi.parameters(p))` says whether a program is a tool (it takes exactly
// `cwd` and `args`, both str); `runPipeline` runs tools only and answers in words when a stage is
// no tool or not installed. The pipeline's status is its last stage's, as in sh.
// Invariants: every stage started is joined before the pipeline returns; a stage that could not be
// created stops those already started; the output kept is at most MAX_OUTPUT characters (the rest
// is read and dropped, so the writers still finish).
import type { Abi, Child, ExitStatus } from 'sing/runtime';
import { Pipe } from 'sing/contracts/pipe';
import { drain, type In } from '../shared/stdio.ts';

const MAX_OUTPUT = 16 * 1024 * 1024;

export interface Ran { readonly status: number; readonly out: string }

/** Whether a program's parameters (abi.parameters) are a tool's: `cwd` and `args`, both str. */
export function isTool(types: Readonly<Record<string, string>> | null): boolean {
  if (types === null) return false;
  const keys = Object.keys(types);
  return keys.length === 2 && types['cwd'] === 'str' && types['args'] === 'str';
}

/** How a program ended, in words. */
export function ended(s: ExitStatus): string {
  return s.state === 'exited' ? `exited with code ${String(s.code)}` : `failed (${s.reason}${s.error === undefined ? '' : `: ${s.error.message}`})`;
}

/** Runs `stages` (each a tool's name and words) joined by pipes; resolves with the last status and the output. */
export async function runPipeline(abi: Abi, cwd: string, stages: readonly (readonly string[])[]): Promise<Ran> {
  for (const [name] of stages) {
    const types = abi.parameters(name ?? '');
    if (types === null) return { status: 2, out: `${String(name)}: no program of that name is installed (help lists the shell's commands)\n` };
    if (!isTool(types)) return { status: 2, out: `${String(name)}: not a tool, so it cannot be joined with | (a tool takes --cwd and --args and reads and writes pipes)\n` };
  }
  const empty = abi.channel(Pipe);
  empty.exp.send('End', { status: 0 });
  let input: In = empty.imp;
  const children: Child[] = [];
  for (const [name, ...words] of stages) {
    const ch = abi.channel(Pipe);
    try {
      const child = abi.create(name ?? '', { params: { cwd, args: JSON.stringify(words) }, endpoints: { stdin: input, stdout: ch.exp } });
      children.push(child);
    } catch (e) {
      for (const c of children) abi.stop(c);
      for (const c of children) await abi.join(c);
      ch.imp.close();
      return { status: 1, out: `${String(name)}: ${e instanceof Error ? e.message : String(e)}\n` };
    }
    input = ch.imp;
  }
  for (const c of children) abi.start(c);
  let out = '';
  let cut = false;
  await drain(input, (piece) => {
    if (cut) return;
    out += piece;
    if (out.length > MAX_OUTPUT) { cut = true; out = `${out.slice(0, MAX_OUTPUT)}\n[output cut at ${MAX_OUTPUT} characters]\n`; }
  });
  let status = 0;
  for (const c of children) {
    const st = await abi.join(c);
    status = st.state === 'exited' ? st.code : 1;
    if (st.state !== 'exited') out += `${c.program}: ${ended(st)}\n`;
  }
  return { status, out };
}
