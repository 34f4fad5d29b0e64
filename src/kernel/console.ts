// The kernel console: a kernel-resident service on the Console contract, and the small wrapper
// a process gets as `ctx.console`.
// Rules: the service answers each Write synchronously, during the writer's send, so the wrapper
// can consume the acknowledgement at once and `console.log` stays a plain synchronous call.
// The sink decides where lines go (stdout by default; tests capture them).
// Bounds (from the kernel's limits): a line is formatted by the kernel's own formatter
// (format.ts, which never runs program code) and cut at `consoleLineChars` characters, ending
// with a marker that says how many were dropped; a process may write `consoleLinesPerSecond`
// lines a second on the kernel's clock (a token bucket holding up to a second's worth, full at
// start). A line over the rate is dropped before it is formatted, and counted; the count is
// written as one line (`[console: N lines dropped]`, on err) before the first line that passes a
// second or more after the first drop it counts (so a process that keeps flooding gets one such
// line a second), or when the process ends. Being over a bound never throws into the program.
import { accept, openChannel, useHandle, type Delivery, type EndpointCore, type EndpointHandle, type Msg, type Owner } from '../channels/index.ts';
import { compiledOf } from '../contracts/contract.ts';
import type { CompiledContract, Transition } from '../contracts/compiler.ts';
import { harden } from '../lib/harden.ts';
import { asProgramView } from '../lib/stacks.ts';
import type { Console } from '../runtime/abi.ts';
import { ConsoleContract } from '../contracts/lib/console.ts';
import { formatArgs, type Formatted } from './format.ts';
import type { KernelLimits } from './limits.ts';
import type { Clock } from './clock.ts';
import { outsideKills } from './kernel-watchdog.ts';

/** The bounds a process's console keeps (from the kernel's limits), and the clock they run on. */
export interface ConsoleOptions {
  readonly limits: Pick<KernelLimits, 'consoleLineChars' | 'consoleLinesPerSecond'>;
  readonly clock: Clock;
}

export type ConsoleSink = (line: { pid: number; program: string; stream: 'out' | 'err'; text: string }) => void;

export const stdoutSink: ConsoleSink = ({ pid, program, stream, text }) => {
  (stream === 'err' ? process.stderr : process.stdout).write(`[${program}:${pid}] ${text}\n`);
};

const CC = compiledOf(ConsoleContract) as CompiledContract;

/** The line for `n` dropped lines. */
export function droppedLines(n: number): string {
  return `[console: ${n} line${n === 1 ? '' : 's'} dropped]`;
}

/** The formatted text, cut at `limit` characters with a marker saying how much was dropped. */
export function cutLine(f: Formatted, limit: number): string {
  if (f.total <= limit && f.exact) return f.text;
  const dropped = Math.max(f.total - limit, 1);
  return `${f.text} [console: ${f.exact ? '' : 'at least '}${dropped} character${dropped === 1 ? '' : 's'} dropped]`;
}

/** One process's console bounds: the line limit and a token bucket of lines. */
export class ConsoleBounds {
  readonly #rate: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;
  /** When the first line counted in `dropped` was dropped. */
  #firstDrop = 0;
  /** Lines dropped since the last report. */
  dropped = 0;
  readonly lineChars: number;
  constructor(opts: ConsoleOptions) {
    this.#rate = opts.limits.consoleLinesPerSecond;
    this.lineChars = opts.limits.consoleLineChars;
    this.#clock = opts.clock;
    this.#tokens = this.#rate;
    this.#last = opts.clock.now();
  }
  /** Takes a line's token if there is one; otherwise counts the line as dropped. */
  take(): boolean {
    if (this.#rate === Infinity) return true;
    const now = this.#clock.now();
    if (now > this.#last) {
      this.#tokens = Math.min(this.#rate, this.#tokens + ((now - this.#last) * this.#rate) / 1000);
      this.#last = now;
    }
    if (this.#tokens >= 1) { this.#tokens -= 1; return true; }
    if (this.dropped === 0) this.#firstDrop = now;
    this.dropped++;
    return false;
  }
  /** The report line owed for dropped lines, once (null when none were dropped); unless `now`
   * (the process has ended), only once a second has passed since the first drop it counts. */
  report(now = false): string | null {
    if (this.dropped === 0) return null;
    if (!now && this.#clock.now() - this.#firstDrop < 1000) return null;
    const line = droppedLines(this.dropped);
    this.dropped = 0;
    return line;
  }
}

class ProcessConsole implements Console {
  readonly #ep: EndpointHandle;
  readonly #bounds: ConsoleBounds;
  constructor(ep: EndpointHandle, bounds: ConsoleBounds) { this.#ep = ep; this.#bounds = bounds; Object.freeze(this); }
  #send(stream: 'out' | 'err', text: string): void {
    this.#ep.send('Write', { stream, text });
    const core = useHandle(this.#ep, 'console');
    const q = core.queue;
    const ack = q?.shift();
    if (q === null || ack === undefined || !accept(core, ack, q.aux as Transition)) throw new Error('console: the console service did not acknowledge');
  }
  #write(stream: 'out' | 'err', args: readonly unknown[]): void {
    const b = this.#bounds;
    if (!b.take()) return; // over the rate: dropped before any work is done for it
    const owed = b.report();
    if (owed !== null) this.#send('err', owed);
    const text = cutLine(asProgramView(() => formatArgs(args, { maxChars: b.lineChars })), b.lineChars);
    this.#send(stream, text);
  }
  log(...args: readonly unknown[]): void { this.#write('out', args); }
  error(...args: readonly unknown[]): void { this.#write('err', args); }
}
harden(ProcessConsole);

/** Connects `p` to the kernel console; returns the wrapper for `ctx.console`. */
export function attachConsole(p: Owner & { program: string }, kernel: Owner, sink: ConsoleSink, opts: ConsoleOptions): Console {
  const [imp, exp] = openChannel(CC, p, kernel);
  const core: EndpointCore = useHandle(exp, 'console');
  const bounds = new ConsoleBounds(opts);
  core.handler = (m: Delivery) => {
    if (m.tag !== 'Write') { // $closed: the process ended; say what it could not write
      const owed = bounds.report(true);
      if (owed !== null) outsideKills(() => { sink({ pid: p.pid, program: p.program, stream: 'err', text: owed }); });
      exp.close();
      return;
    }
    const w = m as Msg;
    const line = { pid: p.pid, program: p.program, stream: w['stream'] as 'out' | 'err', text: w['text'] as string };
    outsideKills(() => { sink(line); }); // host code: never cut off halfway (kernel-watchdog.ts)
    exp.send('Written');
  };
  return new ProcessConsole(imp, bounds);
}
