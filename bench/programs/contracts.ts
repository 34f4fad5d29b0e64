// Contracts used by the benchmark programs.
import { bytes, contract, exLayout, exPtr, exRecord, f64, i32, inn, out, END, text } from 'sing/runtime';

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

/** A record holding sixteen texts: a tree of seventeen blocks that moves whole. */
export const Bundle = exLayout({
  t0: exPtr(text), t1: exPtr(text), t2: exPtr(text), t3: exPtr(text), t4: exPtr(text), t5: exPtr(text), t6: exPtr(text), t7: exPtr(text),
  t8: exPtr(text), t9: exPtr(text), t10: exPtr(text), t11: exPtr(text), t12: exPtr(text), t13: exPtr(text), t14: exPtr(text), t15: exPtr(text),
});
export const BundleKeys = ['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 't9', 't10', 't11', 't12', 't13', 't14', 't15'] as const;

/** Request/reply carrying a Bundle tree (moved both ways). */
export const TreePkt = contract('TreePkt', {
  messages: { Give: inn({ tree: exRecord(Bundle) }), Got: out({ tree: exRecord(Bundle) }) },
  initial: 'Idle',
  states: { Idle: { Give: 'Busy' }, Busy: { Got: 'Idle' } },
});
