// The entry of a process domain (after process-boot.mjs has set up the TypeScript loader): its
// pipe is the IPC channel to the parent; the first frame is the domain's init. The process ends
// when the parent goes (disconnect) or stops it.
import { runDomain } from './domain-main.ts';
import type { DomainInit } from './control.ts';
import type { Frame } from './mux.ts';

if (process.send === undefined) throw new Error('process-main.ts runs only as a process domain');
process.once('message', (f: Frame) => {
  const init = (f.w as { init: DomainInit }).init;
  runDomain({
    send: (fr) => { if (process.connected) process.send?.(fr); },
    listen: (onFrame, onGone) => { process.on('message', onFrame); process.on('disconnect', onGone); },
  }, init, () => { process.exit(0); });
});
