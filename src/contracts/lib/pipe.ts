// The pipe contract: a stream of text from one program to the next (`cat /fs/a.txt | wc`). The
// writer holds the export end, the reader the import end. Each piece travels in an exchange-heap
// block that moves to the reader without a copy and comes back with Taken, so one block goes to and
// fro and at most one piece is ever in flight: a fast writer waits for a slow reader.
// Rules for writers: send Data (the block and how many of its bytes are UTF-8 text), wait for
// Taken, and finish with End; a reader that went away shows as `$closed` (stop writing, as a
// process does on a broken pipe). Rules for readers: answer every Data with Taken, giving the
// block back; End closes the stream (the writer's status rides on it, as information).
import { bytes, contract, f64, i32, inn, out, END } from 'sing/runtime';

export const Pipe = contract('Pipe', {
  messages: {
    Data: out({ buf: bytes, length: f64 }),
    Taken: inn({ buf: bytes }),
    End: out({ status: i32 }),
  },
  initial: 'Open',
  states: {
    Open: { Data: 'Unread', End: END },
    Unread: { Taken: 'Open' },
  },
});
