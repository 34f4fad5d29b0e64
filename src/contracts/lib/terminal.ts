// The terminal contract: a line-at-a-time console that a shell imports and a console exports (the
// terminal a person types at, or a script's lines). The shell asks for a line with a prompt and
// writes text; the console answers each request once, so neither side ever queues more than one
// message.
// Rules for consoles: ReadLine is answered by Line (the text without its newline) or, once the
// input has ended (Ctrl-D, the script's end), by End; every later ReadLine gets End too. Write's
// text goes out as given (the shell adds newlines) and is acknowledged once it was written.
import { contract, inn, out, str } from 'sing/runtime';

export const Terminal = contract('Terminal', {
  messages: {
    ReadLine: inn({ prompt: str }),
    Line: out({ text: str }),
    End: out(),
    Write: inn({ text: str }),
    Written: out(),
  },
  initial: 'Ready',
  states: {
    Ready: { ReadLine: 'Reading', Write: 'Writing' },
    Reading: { Line: 'Ready', End: 'Ready' },
    Writing: { Written: 'Ready' },
  },
});
