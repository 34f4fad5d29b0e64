// The entry of a worker domain's thread (after worker-boot.mjs has set up the TypeScript loader):
// its pipe is the pair of shared-memory rings in its start-up data (ring-pipe.ts). The parent
// port carries nothing after that; it stays open (and listened to) so the thread lives while
// the poller sleeps, and its closing is the pipe's end.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { runDomain } from './domain-main.ts';
import type { WorkerStart } from './control.ts';
import { useSpinSlots } from './poller.ts';
import { RingPipe } from './ring-pipe.ts';

if (parentPort === null) throw new Error('worker-main.ts runs only as a worker domain');
const port: MessagePort = parentPort;
const start = workerData as WorkerStart;
useSpinSlots(start.spinSlots);
const pipe = new RingPipe(start.toWorker, start.toParent);
pipe.onBroken = () => { port.close(); };
port.on('message', () => undefined);
port.on('close', () => { pipe.gone(); });
runDomain(pipe, start.init, () => { port.close(); });
