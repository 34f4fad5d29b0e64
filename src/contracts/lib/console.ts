// The console contract: a process writes lines; the console acknowledges each write, so the
// queue toward the console never holds more than one message.
import { contract, enumOf, inn, out, str } from 'sing/runtime';

export const ConsoleContract = contract('Console', {
  messages: {
    Write: inn({ stream: enumOf('out', 'err'), text: str }),
    Written: out(),
  },
  initial: 'Ready',
  states: {
    Ready: { Write: 'Busy' },
    Busy: { Written: 'Ready' },
  },
});
