// The host's side of the Terminal contract (sing/contracts/terminal) for `sing boot`: the shell SIP
// asks for lines and writes text; the lines come from a person at the terminal (node:readline:
// line editing and history, Ctrl-D ends the input, Ctrl-C too) or from a script file, each shown
// after its prompt as if typed; what the shell writes goes to stdout.
// Rules for callers: `serveTerminal` answers until the shell closes its end; a source gives null
// once its input has ended, and every ReadLine after that is answered End.
// Invariants: each request is answered exactly once, in order; nothing is read ahead of the
// shell's asking, so a script's lines run one after another.
import { createInterface, type Interface } from 'node:readline';
import type { Exp } from '../contracts/view.ts';
import type { Terminal } from '../contracts/lib/terminal.ts';

export interface LineSource {
  /** The next line (without its newline), or null when the input has ended. */
  next(prompt: string): Promise<string | null>;
  close(): void;
}

/** A script's lines, each written after its prompt as if typed. */
export function scriptSource(text: string, write: (s: string) => void): LineSource {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let at = 0;
  return {
    next: (prompt) => {
      const line = at < lines.length ? (lines[at++] as string).replace(/\r$/, '') : null;
      if (line !== null) write(`${prompt}${line}\n`);
      return Promise.resolve(line);
    },
    close: () => { at = lines.length; },
  };
}

/** The person at the terminal: readline with editing and a history of 500 lines. */
export function ttySource(): LineSource {
  const rl: Interface = createInterface({ input: process.stdin, output: process.stdout, terminal: true, historySize: 500 });
  let ended = false;
  let waiting: ((l: string | null) => void) | null = null;
  const end = (): void => {
    ended = true;
    const w = waiting;
    waiting = null;
    w?.(null);
  };
  rl.on('close', end);
  rl.on('SIGINT', () => { process.stdout.write('\n'); rl.close(); });
  return {
    next: (prompt) => new Promise((resolve) => {
      if (ended) { resolve(null); return; }
      waiting = resolve;
      rl.question(prompt, (answer) => { waiting = null; resolve(answer); });
    }),
    close: () => { rl.close(); },
  };
}

/** Answers the shell's requests on `exp` until it closes its end. */
export async function serveTerminal(exp: Exp<typeof Terminal, 'Ready'>, source: LineSource, write: (s: string) => void): Promise<void> {
  let ep = exp;
  for (;;) {
    const m = await ep.receive();
    if (m.tag === '$closed') { source.close(); return; }
    if (m.tag === 'ReadLine') {
      const line = await source.next(m.prompt);
      ep = line === null ? m.ep.send('End') : m.ep.send('Line', { text: line });
    } else {
      write(m.text);
      ep = m.ep.send('Written');
    }
  }
}
