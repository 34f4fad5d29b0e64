// harden: deep-freeze an object graph with SES, after locking the realm down once.
// Rules for callers: anything shared between processes (classes whose instances reach programs,
// runtime modules, ABI prototypes) is passed through harden() when its module loads. The first call
// runs SES lockdown(), which freezes every shared intrinsic; it happens exactly once per realm.
// Lockdown keeps V8's stack traces (errorTaming 'unsafe'), and right after it the realm's
// original Error gets Sing's stack formatter (src/lib/stacks.ts), before anything can freeze it:
// no error a program can observe shows a host path (SING_HOST_STACKS=1 shows them all).
import { enableLinearRegExp } from '../kernel/regexp.ts'; // first: SES captures the RegExp constructor it installs
import 'ses';
import { installStackFormatter } from './stacks.ts';
import { installMeteredBuiltins } from './metered-builtins.ts';

let locked = false;

export function ensureLockdown(): void {
  if (locked) return;
  locked = true;
  enableLinearRegExp(); // linear-time regular expressions (src/kernel/regexp.ts), before lockdown freezes what it wraps
  installMeteredBuiltins(); // before lockdown freezes the prototypes it wraps
  // A realm made after the linear-engine flag was set (a worker domain's) has a `linear` accessor
  // on RegExp.prototype that SES does not know: it would remove it, with a warning on stderr.
  // Remove it quietly (the `l` flag itself is not an intrinsic and stays).
  if (Object.hasOwn(RegExp.prototype, 'linear')) delete (RegExp.prototype as unknown as Record<string, unknown>)['linear'];
  const original = globalThis.Error; // after lockdown the global is SES's; V8 still calls this one's hook
  lockdown({
    errorTaming: 'unsafe',      // keep stack traces for diagnosing programs (written by stacks.ts)
    stackFiltering: 'verbose',  // moot: SES's stack formatter is replaced by Sing's below
    overrideTaming: 'severe',   // let ordinary code assign e.g. `toString` on its own objects
    consoleTaming: 'unsafe',    // the host's console stays usable for the kernel's own output
    evalTaming: 'safe-eval',
    domainTaming: 'unsafe',
    unhandledRejectionTrapping: 'none', // the kernel's own listener decides (a dead process's kill is expected)
  });
  installStackFormatter(original, process.env);
}

export function harden<T>(value: T): T {
  ensureLockdown();
  return globalThis.harden(value) as T;
}
