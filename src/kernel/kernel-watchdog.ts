// The kernel's watchdog: one per process (src/kernel/watchdog.ts has the mechanism), shared by
// every kernel on the main thread, guarding each scheduler drain. When a drain holds the thread
// longer than the limit (limits.watchdogMs, 2 s by default) for a reason no check caught — one
// builtin call or regular expression that runs on and on — the watchdog cuts the drain off and the
// scheduler ends the process that was running (reason `watchdog`, E_WATCHDOG).
// Rules for callers: `kernelWatchdog(limitMs)` opens it on first use (null where it cannot run:
// worker threads, non-POSIX hosts, a limit of Infinity, or SING_WATCHDOG=0 in the environment);
// the limit of the first kernel that opens it holds for all. Kernel code inside a drain that calls
// Node's APIs (timers, streams, the inspector) or host code (observers) does it through
// `outsideKills`, so that a cut-off never lands inside Node's own state.
// Invariants: at most one Watchdog is open in the process; `outsideKills` is a plain call when
// none is, or when the caller is not inside a guarded drain.
import { Guard } from './guard.ts';
import type { Liveness } from './scheduler.ts';
import { Watchdog, WatchdogTimeout } from './watchdog.ts';

let opened: Watchdog | null | undefined;

/** The process's kernel watchdog, opened with `limitMs` on first use; null when there is none. */
export function kernelWatchdog(limitMs?: number): Watchdog | null {
  if (opened !== undefined) return opened;
  if (limitMs === undefined) return null;
  if (!Number.isFinite(limitMs) || process.env['SING_WATCHDOG'] === '0' || !Watchdog.supported()) {
    opened = null;
    return null;
  }
  try {
    opened = new Watchdog({ limitMs });
  } catch {
    opened = null; // another Watchdog is open in this process (a test's own, a bench's)
  }
  return opened;
}

/** Runs `fn` (a Node API call, host code) so that a cut-off waits until it has returned. */
export function outsideKills<T>(fn: () => T): T {
  return opened === null || opened === undefined ? fn() : opened.critical(fn);
}

/** What the scheduler does with a drain the watchdog cut off: ends the process it last entered
 * (reason `watchdog`), or says so when no live process was running (kernel code held the thread). */
export function endHolder(g: Liveness | null, e: Error): void {
  if (g instanceof Guard && !g.d) g.owner.cutOff(e instanceof WatchdogTimeout ? e.limitMs : null);
  else outsideKills(() => process.stderr.write(`sing: the watchdog cut off kernel code no process was running: ${e.message}\n`));
}
