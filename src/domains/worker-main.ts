// The inside of a worker domain: a kernel of its own in a worker thread, running the SIPs placed
// here. Started by worker-domain.ts; speaks only the control protocol below with its parent, and
// each cross-domain channel gets its own MessagePort, joined to a Link on each side.
// Rules: every request from the parent is checked as outside input (a bad one is answered with an
// error, never a crash); this domain trusts nothing the parent sends beyond what its own kernel
// re-checks (images are re-hashed on install, endpoints re-checked by their contracts).
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Kernel, type ImageSource } from '../kernel/index.ts';
import type { AnyContract } from '../contracts/contract.ts';
import type { Endpoint, Side } from '../contracts/view.ts';
import { errorInfo } from '../kernel/error.ts';
import { Link } from './link.ts';
import { portOf, type DomainRequest } from './control.ts';

type AnyEndpoint = Endpoint<AnyContract, Side, string>;

if (parentPort === null) throw new Error('worker-main.ts runs only as a worker domain');
const parent: MessagePort = parentPort;
const images = (workerData as { images: readonly ImageSource[] }).images;
const k = new Kernel({ console: (line) => { parent.postMessage({ op: 'console', line }); } });
for (const img of images) k.install(img);

function spawn(id: number, program: string, params: Record<string, unknown>, ports: Record<string, MessagePort>): void {
  const opened: Link[] = [];
  try {
    const m = k.manifestOf(program);
    const endpoints: Record<string, AnyEndpoint> = {};
    for (const [key, port] of Object.entries(ports)) {
      const decl = m.endpoints.find((e) => e.key === key);
      if (decl === undefined) throw new Error(`${program} declares no startup endpoint ${key}`);
      const ch = k.hostChannel(decl.decl.contract) as unknown as { imp: AnyEndpoint; exp: AnyEndpoint };
      const [mine, other] = decl.decl.side === 'imp' ? [ch.imp, ch.exp] : [ch.exp, ch.imp];
      const link = new Link(`${program}.${key}`, other, decl.cc, portOf(port));
      opened.push(link);
      endpoints[key] = mine;
    }
    const s = k.spawn(program, { params, endpoints });
    for (const l of opened) l.start();
    parent.postMessage({ op: 'spawned', id, pid: s.pid });
    void s.join().then((status) => { parent.postMessage({ op: 'exit', id, status }); });
  } catch (e) {
    for (const p of Object.values(ports)) p.close();
    parent.postMessage({ op: 'spawned', id, error: errorInfo(e) });
  }
}

parent.on('message', (r: DomainRequest) => {
  if (typeof r !== 'object' || r === null) return;
  if (r.op === 'spawn') spawn(r.id, r.program, r.params, r.ports);
  else if (r.op === 'stop') { k.shutdown(); parent.postMessage({ op: 'stopped' }); }
});
parent.postMessage({ op: 'ready' });
