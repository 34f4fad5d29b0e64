// Limits: every bound the kernel domain enforces on a process, in one place (xv6's param.h).
// Rules for callers: a host passes `limits` to `new Kernel({ limits })` to change any of them (the
// runner takes them from the system manifest's `policy.limits`); whatever it leaves out keeps the
// default below. The kernel reads them once, at construction, and never lets a program change them.
// Invariants: every limit is a positive number (Infinity allowed where a host wants no bound);
// `kernelLimits` refuses anything else with E_LIMITS naming the field.
import { SingError } from '../lib/error.ts';

export interface KernelLimits {
  /** The largest exchange-heap quota one process may be granted, in bytes. A program that asks
   * for more is refused at install (and at create, for an image loaded without the installer). */
  readonly exchangeHeapQuota: number;
  /** The most of the exchange heap one process tree may set aside for its quotas and hold beyond
   * them (blocks its processes received over their quotas), in bytes. */
  readonly exchangeHeapPerTree: number;
  /** Live processes of one program (one image name) at once. */
  readonly processesPerProgram: number;
  /** Live processes in one tree: a process the host started and every descendant it has not
   * handed to a supervisor. */
  readonly processesPerTree: number;
  /** Endpoints one process may hold at once (opening a channel needs room for both ends). */
  readonly endpointsPerProcess: number;
  /** The longest console line a process may write, in characters; the rest is cut off and the
   * line says how much was dropped. */
  readonly consoleLineChars: number;
  /** Console lines a process may write per second, on average; it may burst to this many at
   * once, and lines over the rate are dropped (counted, and reported when writing resumes). */
  readonly consoleLinesPerSecond: number;
  /** The memory budget of a program whose manifest names none, and the most an untrusted program
   * may ask for (`resources.memory`), in bytes. A trusted program may be granted more. */
  readonly memoryBudget: number;
  /** The longest one turn of a process may run, in milliseconds of the kernel's clock, before it
   * is ended for fuel (measured at the slow path of its checks: see guard.ts). */
  readonly turnMs: number;
  /** How long a drain of the scheduler may hold the main thread before the watchdog cuts it off
   * and ends the process that was running (kernel-watchdog.ts), in milliseconds; Infinity: no
   * watchdog. The first kernel to open the process's watchdog sets it for all. */
  readonly watchdogMs: number;
}

export const DEFAULT_LIMITS: KernelLimits = Object.freeze({
  exchangeHeapQuota: 4 * 1024 * 1024,
  exchangeHeapPerTree: 8 * 1024 * 1024,
  processesPerProgram: 1024,
  processesPerTree: 1024,
  endpointsPerProcess: 4096,
  consoleLineChars: 16 * 1024,
  consoleLinesPerSecond: 1000,
  memoryBudget: 64 * 1024 * 1024,
  turnMs: 50,
  watchdogMs: 2000,
});

export class LimitsError extends SingError {
  constructor(message: string) { super('E_LIMITS', message); }
}

/** The defaults with `given` laid over them, each value checked. */
export function kernelLimits(given: Partial<KernelLimits> | undefined): KernelLimits {
  if (given === undefined) return DEFAULT_LIMITS;
  const out: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(given)) {
    if (!Object.hasOwn(DEFAULT_LIMITS, k)) throw new LimitsError(`limits.${k}: not a kernel limit (known: ${Object.keys(DEFAULT_LIMITS).join(', ')})`);
    if (v === undefined) continue;
    if (typeof v !== 'number' || !(v > 0) || (Number.isFinite(v) && !Number.isInteger(v))) throw new LimitsError(`limits.${k}: must be a positive whole number (or Infinity), got ${String(v)}`);
    out[k] = v;
  }
  return Object.freeze(out) as unknown as KernelLimits;
}
