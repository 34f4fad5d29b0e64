// The calculator contract from DESIGN.md §3: the service announces Ready, then answers Add with
// Sum until the client says Bye.
import { contract, i32, inn, out, END } from 'sing/runtime';

export const Calculator = contract('Calculator', {
  messages: {
    Ready: out(),
    Add: inn({ a: i32, b: i32 }),
    Sum: out({ value: i32 }),
    Bye: inn(),
  },
  initial: 'Start',
  states: {
    Start: { Ready: 'Idle' },
    Idle: { Add: 'Busy', Bye: END },
    Busy: { Sum: 'Idle' },
  },
});
