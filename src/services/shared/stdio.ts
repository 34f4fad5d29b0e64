// A tool's standard input and output (for the tools in ../tools and the shell that joins them): the two pipes (sing/contracts/pipe) the shell hands every
// tool at its start, and the words it was given. A tool is a program that declares the parameters
// `cwd` and `args` (the working directory, and its words as a JSON array) and the startup endpoints
// `stdin` (Pipe.imp) and `stdout` (Pipe.exp); the shell runs such a program with plain words
// (`cat a.txt`) and joins tools with `|`.
// Rules for callers: write with `emit`, which gives back the endpoint for the next write, or null
// once the reader has gone (then stop: the tool's work is unwanted, as after SIGPIPE); end the
// output with `finish`. Each Data piece holds whole UTF-8 characters, so a reader may decode
// pieces one by one.
// Invariants: every block a tool sends comes back with Taken or goes with the channel; `emit`
// frees its own block before it returns.
import type { Abi, Bytes, Console, Exp, Imp } from 'sing/runtime';
import { Pipe } from 'sing/contracts/pipe';

export type Out = Exp<typeof Pipe, 'Open'>;
export type In = Imp<typeof Pipe, 'Open'>;

const PIECE = 16 * 1024;
/** UTF-16 units per piece: UTF-8 takes at most 3 bytes for each. */
const UNITS = Math.floor(PIECE / 3);

/** Writes `text` to the pipe; the endpoint for more, or null when the reader has gone. */
export async function emit(abi: Abi, out: Out, text: string): Promise<Out | null> {
  if (text === '') return out;
  let ep: Out = out;
  let buf: Bytes = abi.alloc(PIECE);
  for (let at = 0; at < text.length;) {
    let end = Math.min(text.length, at + UNITS);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--; // keep a surrogate pair together
    const n = buf.writeText(text.slice(at, end), 0);
    const m = await ep.send('Data', { buf, length: n }).receive();
    if (m.tag === '$closed') return null;
    ep = m.ep;
    buf = m.buf;
    at = end;
  }
  buf.free();
  return ep;
}

/** Ends the output with the tool's status (nothing to do when the reader has gone). */
export function finish(out: Out | null, status: number): void {
  if (out !== null) out.send('End', { status });
}

/** Reads the input to its end, giving each piece to `take`. */
export async function drain(input: In, take: (text: string) => void): Promise<void> {
  let ep: In = input;
  for (;;) {
    const m = await ep.receive();
    if (m.tag === '$closed' || m.tag === 'End') return;
    take(m.buf.readText(0, m.length));
    ep = m.ep.send('Taken', { buf: m.buf });
  }
}

/** The tool's words (its `args` parameter, a JSON array of strings), or a reason why not. */
export function wordsOf(args: string): string[] | string {
  let v: unknown;
  try { v = JSON.parse(args); } catch { return `args must be a JSON array of words, got ${JSON.stringify(args)}`; }
  if (!Array.isArray(v) || !v.every((w: unknown) => typeof w === 'string')) return 'args must be a JSON array of words';
  return v as string[];
}

/** Refuses bad words: says why on the console, ends both pipes, and gives the status (2). */
export function refuse(tool: string, why: string, stdin: In, stdout: Out, console: Console): number {
  console.error(`${tool}: ${why}`);
  stdin.close();
  finish(stdout, 2);
  return 2;
}
