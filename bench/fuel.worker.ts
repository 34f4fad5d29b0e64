// The worker half of bench/fuel.ts's price of the metered builtins' wrappers, which no switch can
// take off the kernel's realm: a fresh realm locked down with the kernel's options, with the
// metered builtins installed first (workerData.metered) or not, that runs the allocation program's
// work (programs/alloc/work.ts) as host code and answers with nanoseconds per item.
// Rules: the parent posts a number of items and awaits one answer at a time (the two workers never
// run at once); the metered realm's meter is a no-op standing in for the kernel's, which the
// work's small inputs never reach (only the `meter !== null` tests and the length reads run).
import { parentPort, workerData } from 'node:worker_threads';
import { enableLinearRegExp } from '../src/kernel/regexp.ts'; // first, as in src/lib/harden.ts
import 'ses';
import { installMeteredBuiltins, setBuiltinMeter } from '../src/lib/metered-builtins.ts';
import { meteredGlobals } from '../src/lib/metered-constructors.ts';
import { work } from './programs/alloc/work.ts';

const metered = (workerData as { metered?: unknown }).metered === true;
enableLinearRegExp();
// This realm is newer than the flag that adds a `linear` accessor: take it away as src/lib/harden.ts does.
delete (RegExp.prototype as unknown as Record<string, unknown>)['linear'];
if (metered) {
  installMeteredBuiltins();
  setBuiltinMeter(() => undefined, () => undefined);
}
// src/lib/harden.ts's lockdown (its ensureLockdown would install the metered builtins unasked).
lockdown({
  errorTaming: 'unsafe',
  stackFiltering: 'verbose',
  overrideTaming: 'severe',
  consoleTaming: 'unsafe',
  evalTaming: 'safe-eval',
  domainTaming: 'unsafe',
  unhandledRejectionTrapping: 'none',
});
const Buf = metered ? meteredGlobals()['ArrayBuffer'] as ArrayBufferConstructor : ArrayBuffer;

let sink = 0;
parentPort?.on('message', (n: number) => {
  const t0 = process.hrtime.bigint();
  let s = 0;
  for (let i = 0; i < n; i++) s = (s + work(i, Buf)) | 0;
  const ns = Number(process.hrtime.bigint() - t0) / n;
  sink ^= s;
  parentPort?.postMessage({ ns, sink });
});
