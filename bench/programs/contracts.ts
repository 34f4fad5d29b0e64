// Contracts used by the benchmark programs.
import { bytes, contract, f64, i32, inn, out, END } from 'sing/runtime';

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
