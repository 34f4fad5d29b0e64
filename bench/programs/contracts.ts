// Contracts used by the benchmark programs.
import { bytes, contract, f64, i32, inn, out, END, text } from 'sing/runtime';

/** One-word request/reply. */
export const Echo = contract('Echo', {
  messages: { Ping: inn({ x: i32 }), Pong: out({ x: i32 }) },
  initial: 'Idle',
  states: { Idle: { Ping: 'Busy' }, Busy: { Pong: 'Idle' } },
});

/** A child's first (and only) message to its parent. */
export const Hello = contract('Hello', {
  messages: { Hi: out() },
  initial: 'Start',
  states: { Start: { Hi: END } },
});

/** Carries a benchmark's result back to the host. */
export const Result = contract('Result', {
  messages: { Done: out({ ns: f64, count: i32 }) },
  initial: 'Start',
  states: { Start: { Done: END } },
});

/** A block there and back: the exchange heap's request/reply. */
export const Pkt = contract('Pkt', {
  messages: { Data: inn({ b: bytes }), Back: out({ b: bytes }) },
  initial: 'Idle',
  states: { Idle: { Data: 'Busy' }, Busy: { Back: 'Idle' } },
});

/** Text (`char[] in ExHeap`) back and forth: a text block moves like a byte block. */
export const TextPkt = contract('TextPkt', {
  messages: { Say: inn({ t: text }), Said: out({ t: text }) },
  initial: 'Idle',
  states: { Idle: { Say: 'Busy' }, Busy: { Said: 'Idle' } },
});

/** A client asks a file server for file `n`; the reply carries its contents as a block (moved). */
export const Files = contract('Files', {
  messages: { Get: inn({ n: i32 }), File: out({ b: bytes }) },
  initial: 'Idle',
  states: { Idle: { Get: 'Busy' }, Busy: { File: 'Idle' } },
});

/** A file server asks storage for file `n`; the reply is a fresh block holding its contents. */
export const Store = contract('Store', {
  messages: { Read: inn({ n: i32 }), Data: out({ b: bytes }) },
  initial: 'Idle',
  states: { Idle: { Read: 'Busy' }, Busy: { Data: 'Idle' } },
});
