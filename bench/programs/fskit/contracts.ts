// The storage benchmark's result channel: a client SIP reports what it timed, or why it gave up.
// Rules: `ns` is the client's own clock over the timed loop only; `files` and `bytes` are what it
// moved in that loop; `check` folds the first byte of every request's data (or is 0), so the host
// can tell the right bytes were read without the client copying them anywhere.
import { contract, f64, out, str, END } from 'sing/runtime';

export const FsResult = contract('FsResult', {
  messages: {
    Done: out({ ns: f64, files: f64, bytes: f64, check: f64 }),
    Failed: out({ reason: str }),
  },
  initial: 'Start',
  states: { Start: { Done: END, Failed: END } },
});
