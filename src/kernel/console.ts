// The kernel console: a kernel-resident service on the Console contract, and the small wrapper
// a process gets as `ctx.console`.
// Rules: the service answers each Write synchronously, during the writer's send, so the wrapper
// can consume the acknowledgement at once and `console.log` stays a plain synchronous call.
// The sink decides where lines go (stdout by default; tests capture them).
import { inspect } from 'node:util';
import { accept, openChannel, useHandle, type Delivery, type EndpointCore, type EndpointHandle, type Msg, type Owner } from '../channels/index.ts';
import { compiledOf } from '../contracts/contract.ts';
import type { CompiledContract, Transition } from '../contracts/compiler.ts';
import { harden } from '../lib/harden.ts';
import type { Console } from '../runtime/abi.ts';
import { ConsoleContract } from '../contracts/lib/console.ts';
import type { KernelLimits } from './limits.ts';
import type { Clock } from './clock.ts';

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

function format(args: readonly unknown[]): string {
  return args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 4, getters: false, customInspect: false }))).join(' ');
}

class ProcessConsole implements Console {
  readonly #ep: EndpointHandle;
  constructor(ep: EndpointHandle) { this.#ep = ep; Object.freeze(this); }
  #write(stream: 'out' | 'err', args: readonly unknown[]): void {
    this.#ep.send('Write', { stream, text: format(args) });
    const core = useHandle(this.#ep, 'console');
    const q = core.queue;
    const ack = q?.shift();
    if (q === null || ack === undefined || !accept(core, ack, q.aux as Transition)) throw new Error('console: the console service did not acknowledge');
  }
  log(...args: readonly unknown[]): void { this.#write('out', args); }
  error(...args: readonly unknown[]): void { this.#write('err', args); }
}
harden(ProcessConsole);

/** Connects `p` to the kernel console; returns the wrapper for `ctx.console`. */
export function attachConsole(p: Owner & { program: string }, kernel: Owner, sink: ConsoleSink, _opts: ConsoleOptions): Console {
  const [imp, exp] = openChannel(CC, p, kernel);
  const core: EndpointCore = useHandle(exp, 'console');
  core.handler = (m: Delivery) => {
    if (m.tag !== 'Write') { exp.close(); return; } // $closed: the process ended
    const w = m as Msg;
    sink({ pid: p.pid, program: p.program, stream: w['stream'] as 'out' | 'err', text: w['text'] as string });
    exp.send('Written');
  };
  return new ProcessConsole(imp);
}
