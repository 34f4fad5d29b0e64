// The entry of a worker domain's thread (after worker-boot.mjs has set up the TypeScript loader):
// its pipe is the worker's parent port; the first frame is the domain's init.
import { parentPort, type MessagePort } from 'node:worker_threads';
import { runDomain } from './domain-main.ts';
import type { DomainInit } from './control.ts';
import type { Frame } from './mux.ts';

if (parentPort === null) throw new Error('worker-main.ts runs only as a worker domain');
const port: MessagePort = parentPort;
port.once('message', (f: Frame) => {
  const init = (f.w as { init: DomainInit }).init;
  runDomain({
    send: (fr) => { port.postMessage(fr); },
    listen: (onFrame, onGone) => { port.on('message', onFrame); port.on('close', onGone); },
  }, init, () => { port.close(); });
});
