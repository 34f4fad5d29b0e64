// The entry of a process domain (after process-boot.mjs has set up the TypeScript loader): its
// pipe is a socket on descriptor 4 (stream-pipe.ts); the first frame is the domain's init. The
// process ends when the parent goes (the socket or the IPC channel closes) or stops it.
import { Socket } from 'node:net';
import { runDomain } from './domain-main.ts';
import { isOp, type DomainInit } from './control.ts';
import type { Frame } from './mux.ts';
import { StreamPipe } from './stream-pipe.ts';

if (process.send === undefined) throw new Error('process-main.ts runs only as a process domain');
const socket = new Socket({ fd: 4, readable: true, writable: true });
const pipe = new StreamPipe(socket);
pipe.onBroken = () => { process.exit(1); };
process.on('disconnect', () => { process.exit(0); });
// The init comes first: held back until it has, then the rest goes to the domain's mux.
let deliver: ((f: unknown) => void) | null = null;
let gone: (() => void) | null = null;
pipe.listen((f) => {
  if (deliver !== null) { deliver(f); return; }
  const w = (f as Frame).w;
  if (!isOp(w) || w.op !== 'init') { process.exit(1); }
  runDomain({
    send: (fr) => { pipe.send(fr); },
    listen: (onFrame, onGone) => { deliver = onFrame; gone = onGone; },
  }, (w as unknown as { init: DomainInit }).init, () => { socket.end(() => { process.exit(0); }); });
}, () => { if (gone !== null) gone(); else process.exit(0); });
