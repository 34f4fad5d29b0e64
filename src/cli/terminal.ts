// The host's terminal for `sing boot`, as the kernel lends it to the console driver SIP
// (src/services/console, through KernelOptions.terminal): the keys a person types in raw mode, or
// a script's text as if typed; what the console writes goes to stdout. The line editing, echo and
// history are the console driver's; this file only moves characters.
// Rules for callers: `ttyTerminal(onInterrupt)` puts stdin in raw mode until `restore()`; Ctrl-C is
// not passed on: it calls `onInterrupt` (sing boot stops the system, as SIGINT would). Ctrl-D and
// the end of stdin end the input. `scriptTerminal(text)` gives the whole text, then the end.
// Invariants: input is delivered in order and the end once, after all of it; the terminal mode is
// restored whatever happens (restore is idempotent).
import type { TerminalHost } from '../kernel/terminal.ts';

export interface HostTerminal extends TerminalHost {
  /** Gives the terminal back as it was (cooked mode, stdin paused). */
  restore(): void;
}

/** A script's text, delivered as if typed, then the end of input. */
export function scriptTerminal(text: string, write: (s: string) => void): HostTerminal {
  return {
    interactive: false,
    input: (deliver) => { setImmediate(() => { deliver(text); deliver(null); }); },
    write,
    restore: () => undefined,
  };
}

/** The person at the terminal: stdin in raw mode, keys passed on as they come. */
export function ttyTerminal(onInterrupt: () => void): HostTerminal {
  const stdin = process.stdin;
  let restored = false;
  let ended = false;
  return {
    interactive: true,
    input: (deliver) => {
      const end = (): void => { if (!ended) { ended = true; deliver(null); } };
      stdin.setRawMode(true);
      stdin.setEncoding('utf8');
      stdin.on('data', (keys: string) => {
        const c = keys.indexOf('\x03');
        if (c < 0) { deliver(keys); return; }
        if (c > 0) deliver(keys.slice(0, c));
        onInterrupt();
      });
      stdin.on('end', end);
      stdin.resume();
    },
    write: (s) => { process.stdout.write(s); },
    restore: () => {
      if (restored) return;
      restored = true;
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
    },
  };
}
