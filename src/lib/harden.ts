// harden: deep-freeze an object graph with SES, after locking the realm down once.
// Rules for callers: anything shared between processes (classes whose instances reach programs,
// runtime modules, ABI prototypes) is passed through harden() when its module loads. The first call
// runs SES lockdown(), which freezes every shared intrinsic; it happens exactly once per realm.
import 'ses';

let locked = false;

export function ensureLockdown(): void {
  if (locked) return;
  locked = true;
  lockdown({
    errorTaming: 'unsafe',      // keep stack traces for diagnosing programs
    stackFiltering: 'verbose',
    overrideTaming: 'severe',   // let ordinary code assign e.g. `toString` on its own objects
    consoleTaming: 'unsafe',    // the host's console stays usable for the kernel's own output
    evalTaming: 'safe-eval',
    domainTaming: 'unsafe',
  });
}

export function harden<T>(value: T): T {
  ensureLockdown();
  return globalThis.harden(value) as T;
}
