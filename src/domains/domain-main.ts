// The inside of a protection domain (a worker thread or a child process): a kernel of its own
// running the SIPs placed here, joined to its parent by one pipe (a Mux: control on channel 0,
// one port per link). Started by worker-main.ts or process-main.ts, which make the pipe.
// Rules: every request from the parent is checked as outside input (a bad one is answered with an
// error or ignored, never a crash); this domain trusts nothing the parent sends beyond what its
// own kernel re-checks (images are re-hashed on install, messages re-checked by their contracts,
// the limits in the init checked by the kernel as every host's).
// Names: a name a process here registers, and a mount it makes, is published to the parent (one
// directory spans the domains); a bind for a name nobody here provides goes to the parent, and a
// bind the parent routes to a name or mount published from here is handed to it as the parent
// judged it (the rest of the path, the access). A publish the parent refuses (the name, or that
// contract at that mount point, is taken in another domain) withdraws it here: its listener
// closes. The domain's kernel numbers allowMultiple families as its parent's does (naming.ts),
// among the names it knows.
import { Kernel } from '../kernel/index.ts';
import { compiledOf, type AnyContract } from '../contracts/contract.ts';
import type { CompiledContract } from '../contracts/compiler.ts';
import type { Endpoint, Side } from '../contracts/view.ts';
import type { EndpointHandle, Msg } from '../channels/index.ts';
import { errorInfo } from '../kernel/error.ts';
import { providerOf } from '../runtime/provider.ts';
import type { BindResult, PeerIdentity } from '../runtime/abi.ts';
import { CopyCarrier, SharedCarrier } from './carrier.ts';
import { isOp, type DomainInit, type FromDomain } from './control.ts';
import { dropWire, Link, type Carrier } from './link.ts';
import { Mux, type Pipe } from './mux.ts';

type AnyEndpoint = Endpoint<AnyContract, Side, string>;

/** The host resources a spawn grants, if it grants any well-formed ones (strings by name). */
function hostOf(v: unknown): Record<string, string> | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

export function runDomain(pipe: Pipe, init: DomainInit, exit: () => void): void {
  const send = (m: FromDomain): void => { mux.control(m); };
  const k = new Kernel({
    exchangeHeap: init.heap, console: (line) => { send({ op: 'console', line }); },
    ...(init.limits !== undefined ? { limits: init.limits } : {}), ...(init.naming !== undefined ? { naming: init.naming } : {}),
  });
  const binds = new Map<number, (r: BindResult) => void>();
  let nextReq = 1;

  const mux = new Mux(pipe, 'domain', (m) => {
    if (!isOp(m)) return;
    if (m.op === 'spawn') spawn(m['id'] as number, m['program'] as string, m['params'] as Record<string, unknown>, m['ports'] as Record<string, number>, hostOf(m['host']));
    else if (m.op === 'release') { try { k.heap.released(m['region'] as number, m['weight'] as number); } catch { /* weight for a region not out: ignored */ } }
    else if (m.op === 'bound') { const r = binds.get(m['req'] as number); binds.delete(m['req'] as number); r?.(m['result'] as BindResult); }
    else if (m.op === 'refused') refusedName(m['path'], m['fingerprint']);
    else if (m.op === 'stop') { k.shutdown(); send({ op: 'stopped' }); exit(); }
  });
  mux.onGone = () => { k.shutdown(); exit(); };
  const c: Carrier = typeof init.heap === 'number' ? new CopyCarrier(k, mux) : new SharedCarrier(k, mux);
  mux.onStray = (w) => { dropWire(w, c); };
  k.heap.onRelease = (home, region, weight) => { send({ op: 'release', home, region, weight }); };
  for (const img of init.images) k.install(img);

  k.names.upstream = {
    published(path: string, contract: AnyContract, mount: boolean): void {
      const pc = providerOf(contract);
      const fingerprint = (compiledOf(contract) as CompiledContract).fingerprint;
      const ch = k.hostChannel(pc) as unknown as { imp: AnyEndpoint; exp: AnyEndpoint };
      const { id, port } = mux.open();
      new Link(`${mount ? 'mount' : 'names'}${path}`, ch.imp, compiledOf(pc) as CompiledContract, port, c).start();
      void serveProvider(mount ? `${path}//${fingerprint}` : path, ch.exp, contract);
      send({ op: 'publish', path, fingerprint, port: id, ...(mount ? { mount } : {}) });
    },
    withdrawn(path: string, cc: CompiledContract, mount: boolean): void {
      send(mount ? { op: 'withdraw', path, fingerprint: cc.fingerprint } : { op: 'withdraw', path });
    },
    bind(path: string, client: EndpointHandle, cc: CompiledContract, access: 'read' | 'write' | null, binder: PeerIdentity | null): Promise<BindResult> {
      const { id, port } = mux.open();
      new Link(`bind${path}`, client as unknown as AnyEndpoint, cc, port, c).start();
      const req = nextReq++;
      send({ op: 'bind', req, path, fingerprint: cc.fingerprint, port: id, access, binder });
      return new Promise((resolve) => { binds.set(req, resolve); });
    },
  };

  /** Answers the parent's Connects for a name or mount provided here (its directory key) by
   * handing each to it as the parent routed it: the path below it and the access granted. */
  async function serveProvider(key: string, ep: AnyEndpoint, contract: AnyContract): Promise<void> {
    for (;;) {
      const m = (await (ep.receive() as PromiseLike<Msg | { tag: '$closed' }>));
      if (m.tag !== 'Connect') { ep.close(); return; }
      const r = await k.names.forward(key, (m as Msg)['client'], (m as Msg)['path'], (m as Msg)['access']);
      if (r.ok) { (m as Msg).ep?.send('Accept'); continue; }
      const stand = k.hostChannel(contract) as unknown as { imp: AnyEndpoint; exp: AnyEndpoint };
      stand.imp.close();
      (m as Msg).ep?.send('Refuse', { reason: r.reason, client: stand.exp });
    }
  }

  function refusedName(path: unknown, fingerprint: unknown): void {
    if (typeof path === 'string') k.names.withdraw(path, typeof fingerprint === 'string' ? fingerprint : undefined);
  }

  function spawn(id: number, program: string, params: Record<string, unknown>, ports: Record<string, number>, host: Record<string, string> | undefined): void {
    const opened: Link[] = [];
    try {
      const m = k.manifestOf(program);
      const endpoints: Record<string, AnyEndpoint> = {};
      for (const [key, portId] of Object.entries(ports)) {
        const decl = m.endpoints.find((e) => e.key === key);
        if (decl === undefined || typeof portId !== 'number') throw new Error(`${program} declares no startup endpoint ${key}`);
        const ch = k.hostChannel(decl.decl.contract) as unknown as { imp: AnyEndpoint; exp: AnyEndpoint };
        const [mine, other] = decl.decl.side === 'imp' ? [ch.imp, ch.exp] : [ch.exp, ch.imp];
        opened.push(new Link(`${program}.${key}`, other, decl.cc, mux.port(portId), c));
        endpoints[key] = mine;
      }
      const s = k.spawn(program, { params, endpoints, ...(host !== undefined ? { host } : {}) });
      for (const l of opened) l.start();
      send({ op: 'spawned', id, pid: s.pid });
      void s.join().then((status) => { send({ op: 'exit', id, status }); });
    } catch (e) {
      for (const portId of Object.values(ports)) if (typeof portId === 'number') { try { mux.port(portId).post({ t: 'close' }); } catch { /* gone */ } }
      send({ op: 'spawned', id, error: errorInfo(e) });
    }
  }
  send({ op: 'ready' });
}
