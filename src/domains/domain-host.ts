// A protection domain, seen from its parent kernel: SIPs running in a worker thread (own isolate,
// shared exchange-heap arena) or in a child process (own everything, blocks copied), for what
// software isolation in one isolate cannot give — a memory cap, a hard stop of a domain that spins
// where no fuel check reaches, and an address space of its own.
// Rules for callers (hosts): `openDomain` with the images it may run; `spawn` programs into it with
// startup endpoints from the parent kernel (kernel-owned ends whose peers are local processes or
// the host), `join` them, `terminate()` it. A channel into a domain is a Link pair: the process
// inside sees an ordinary endpoint, with the same contract checks and `$closed` semantics; the
// domain's names and mounts join the parent's directory, so imports, exports and binds below mount
// points reach across domains.
// Invariants: when the domain ends for any reason (exit, out of memory, terminate, crash), every
// process inside it is reported failed (`killed`, E_DOMAIN), every link into it closes (the peers
// see `$closed`), its names and mounts leave the directory, and the blocks it held go home (router.ts);
// the parent kernel is untouched. A domain that runs out of memory says so, with its cap, whether
// its isolate reports it (worker) or V8 aborts the process (process: read from its stderr, once
// the stream has ended, whatever signal the abort raised).
import { fork, type ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { LINEAR_REGEXP_V8_FLAGS } from '../kernel/regexp.ts';
import { closeAll, coreOfHandle, transfer, useHandle } from '../channels/index.ts';
import type { AnyContract } from '../contracts/contract.ts';
import type { Endpoint, Side } from '../contracts/view.ts';
import type { Kernel, ImageSource, ConsoleSink } from '../kernel/index.ts';
import type { KernelLimits } from '../kernel/limits.ts';
import type { NameOwner } from '../kernel/name-service.ts';
import { SingError } from '../lib/error.ts';
import type { ExitStatus, PeerIdentity } from '../runtime/abi.ts';
import { attest } from '../kernel/peers.ts';
import type { ManifestEndpoint } from '../runtime/program.ts';
import { CopyCarrier, SharedCarrier } from './carrier.ts';
import { isOp, RING_BYTES, type DomainInit, type ToDomain, type WorkerStart } from './control.ts';
import { dropWire, Link, type Carrier } from './link.ts';
import { Mux, type Pipe } from './mux.ts';
import { freeSpinSlots, spinSlots } from './poller.ts';
import { RingPipe } from './ring-pipe.ts';
import { ShmRing } from './shm-ring.ts';
import { StreamPipe } from './stream-pipe.ts';
import { routerOf, type Router } from './router.ts';

type AnyEndpoint = Endpoint<AnyContract, Side, string>;

export class DomainError extends SingError {
  constructor(code: 'E_DOMAIN' | 'E_ENDPOINTS', message: string) { super(code, message); }
}

export type DomainKind = 'worker' | 'process';

export interface DomainOptions {
  readonly name: string;
  /** The domain's heap cap (V8 old generation), in MiB. */
  readonly memoryMb?: number;
  /** The domain's exchange-heap partition (worker) or arena (process), in MiB; default 8. */
  readonly exchangeHeapMb?: number;
  readonly console?: ConsoleSink;
  /** The limits the domain's kernel runs with (the system policy's); the defaults for the rest. */
  readonly limits?: Partial<KernelLimits>;
}

export interface DomainProcess {
  readonly program: string;
  /** The pid inside the domain's kernel. */
  readonly pid: Promise<number>;
  join(): Promise<ExitStatus>;
}

interface Pending { program: string; started: (pid: number) => void; refused: (e: Error) => void; exited: (s: ExitStatus) => void; pid: number }

/** A binder's identity as a domain reported it, if it has the shape of one (else null). */
function binderOf(v: unknown): PeerIdentity | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  const n = o['network'] as Record<string, unknown> | null | undefined;
  const listen = n?.['listen'];
  const connect = n?.['connect'];
  if (typeof o['pid'] !== 'number' || typeof o['program'] !== 'string' || typeof o['image'] !== 'string') return null;
  if (!Array.isArray(listen) || !listen.every((x) => Number.isInteger(x)) || !Array.isArray(connect) || !connect.every((x) => typeof x === 'string')) return null;
  return { pid: o['pid'], program: o['program'], image: o['image'], network: { listen: listen as number[], connect: connect as string[] } };
}

export class Domain {
  readonly name: string;
  readonly kind: DomainKind;
  readonly id: number;
  /** Resolves once the domain's kernel is up; rejects if it ends first. */
  readonly ready: Promise<void>;
  readonly #kernel: Kernel;
  readonly #router: Router;
  readonly #mux: Mux;
  readonly #carrier: Carrier;
  readonly #stop: () => Promise<void>;
  readonly #procs = new Map<number, Pending>();
  /** Stands in the parent's directory for the names this domain's processes provide. */
  readonly #names: NameOwner;
  #nextId = 1;
  #ended: string | null = null;
  #markReady!: () => void;
  #notReady!: (e: Error) => void;

  constructor(kernel: Kernel, kind: DomainKind, images: readonly ImageSource[], opts: DomainOptions) {
    this.name = opts.name;
    this.kind = kind;
    this.#kernel = kernel;
    this.#sink = opts.console;
    this.#router = routerOf(kernel);
    this.id = this.#router.nextId();
    this.#names = { pid: -this.id, label: `domain ${opts.name}`, ownedHead: null, endpoints: 0, blockHead: null, heapBytes: 0, heapBlocks: 0, heapCharge: 0, heapQuota: 0, heapReserved: 0, heapAccount: null, trusted: false, alive: true, names: null, violate: () => undefined, timer: () => () => undefined };
    const heapBytes = (opts.exchangeHeapMb ?? 8) * 1024 * 1024;
    const partition = kind === 'worker' ? kernel.heap.reserve(heapBytes) : null;
    const init: DomainInit = {
      id: this.id, name: this.name, images, heap: partition === null ? heapBytes : { arena: kernel.heap.arena, base: partition, bytes: heapBytes, domain: this.id },
      naming: { allowMultiple: kernel.names.families }, ...(opts.limits !== undefined ? { limits: opts.limits } : {}),
    };
    const ended = (why: string): void => { this.#end(why); };
    const { pipe, stop } = kind === 'worker' ? workerPipe(opts.memoryMb, init, ended) : processPipe(opts.memoryMb, init, ended);
    this.#stop = stop;
    const ledger = this.#router.attach({ id: this.id, released: (region, weight) => { this.#send({ op: 'release', region, weight }); } }, partition);
    this.#mux = new Mux(pipe, 'parent', (m) => { this.#control(m); });
    this.#carrier = kind === 'worker' ? new SharedCarrier(kernel, this.#mux, ledger) : new CopyCarrier(kernel, this.#mux);
    this.#mux.onStray = (w) => { dropWire(w, this.#carrier); };
    this.ready = new Promise((resolve, reject) => { this.#markReady = resolve; this.#notReady = reject; });
    this.ready.catch(() => undefined); // a domain that ends before it is up: seen through `ended` too
  }

  /** Why the domain ended, or null while it runs. */
  get ended(): string | null { return this.#ended; }

  #send(m: ToDomain): void { this.#mux.control(m); }

  /** Starts `program` inside the domain; `endpoints` are kernel-owned ends in the parent whose
   * peers are the processes (or host code) the new process will talk to; `host` grants its
   * declared host resources (a disk image's path), opened by the domain's own kernel. */
  spawn(program: string, opts: { params?: Record<string, unknown>; endpoints?: Record<string, AnyEndpoint>; host?: Readonly<Record<string, string>> } = {}): DomainProcess {
    if (this.#ended !== null) throw new DomainError('E_DOMAIN', `${this.name}: the domain has ended (${this.#ended})`);
    const m = this.#kernel.manifestOf(program);
    const ports: Record<string, number> = {};
    const links: Link[] = [];
    const checked: [string, AnyEndpoint, ManifestEndpoint][] = [];
    for (const [key, ep] of Object.entries(opts.endpoints ?? {})) { // all checked before any port opens
      const decl = m.endpoints.find((e) => e.key === key);
      if (decl === undefined) throw new DomainError('E_ENDPOINTS', `${this.name}: ${program} declares no startup endpoint ${key}`);
      const core = coreOfHandle(ep);
      if (core === null || core === undefined || core.owner !== this.#kernel.owner || core.cc !== decl.cc || core.side !== decl.decl.side || core.state !== decl.cc.initial) {
        throw new DomainError('E_ENDPOINTS', `${this.name}: ${program}'s startup endpoint ${key} must be a live ${decl.cc.name}.${decl.decl.side} end the host holds, in its initial state (got ${core?.describe() ?? 'no endpoint'})`);
      }
      checked.push([key, ep, decl]);
    }
    for (const [key, ep, decl] of checked) {
      const { id, port } = this.#mux.open();
      links.push(new Link(`${this.name}:${program}.${key}`, ep, decl.cc, port, this.#carrier));
      ports[key] = id;
    }
    const id = this.#nextId++;
    let started!: (pid: number) => void;
    let refused!: (e: Error) => void;
    let exited!: (s: ExitStatus) => void;
    const pid = new Promise<number>((a, b) => { started = a; refused = b; });
    const status = new Promise<ExitStatus>((a) => { exited = a; });
    pid.catch(() => undefined);
    this.#procs.set(id, { program, started, refused, exited, pid: 0 });
    this.#send({ op: 'spawn', id, program, params: opts.params ?? {}, ports, ...(opts.host !== undefined ? { host: opts.host } : {}) });
    for (const l of links) l.start();
    return { program, pid, join: () => status };
  }

  /** Ends the domain at once, whatever its processes are doing. */
  async terminate(): Promise<void> {
    if (this.#ended === null) await this.#stop();
  }

  #control(r: unknown): void {
    if (!isOp(r)) return;
    const p = typeof r['id'] === 'number' ? this.#procs.get(r['id']) : undefined;
    switch (r.op) {
      case 'ready': this.#markReady(); break;
      case 'console': this.#consoleLine(r['line']); break;
      case 'spawned':
        if (p === undefined) return;
        if (typeof r['pid'] === 'number') { p.pid = r['pid']; p.started(r['pid']); } else {
          this.#procs.delete(r['id'] as number);
          const err = r['error'] as { code?: string; message?: string } | undefined;
          p.refused(new DomainError('E_DOMAIN', `${this.name}: ${err?.code ?? 'E_DOMAIN'}: ${err?.message ?? 'spawn failed'}`));
          p.exited(Object.freeze({ pid: 0, program: p.program, state: 'failed', code: 1, reason: 'start', error: Object.freeze({ code: err?.code ?? 'E_DOMAIN', message: err?.message ?? 'spawn failed' }) }));
        }
        break;
      case 'exit':
        if (p !== undefined) { this.#procs.delete(r['id'] as number); p.exited(r['status'] as ExitStatus); }
        break;
      case 'release':
        if (typeof r['home'] === 'number' && typeof r['region'] === 'number' && typeof r['weight'] === 'number') this.#router.release(r['home'], r['region'], r['weight'], this.id);
        break;
      case 'publish': this.#publish(r['path'], r['fingerprint'], r['port'], r['mount'] === true); break;
      case 'withdraw': {
        // A mount is withdrawn by its prefix and its contract's fingerprint (its directory key).
        const fp = typeof r['fingerprint'] === 'string' ? r['fingerprint'] : undefined;
        const key = fp === undefined ? r['path'] : `${String(r['path'])}//${fp}`;
        if (typeof r['path'] === 'string' && this.#names.names?.includes(key as string) === true) this.#kernel.names.withdraw(r['path'], fp);
        break;
      }
      case 'bind': void this.#bind(r['req'], r['path'], r['fingerprint'], r['port'], r['access'], r['binder']); break;
    }
  }

  readonly #sink: ConsoleSink | undefined;
  #consoleLine(line: unknown): void { if (this.#sink !== undefined) this.#sink(line as Parameters<ConsoleSink>[0]); }

  /** A name a process inside provides (or, with `mount`, a mount it made), published in the
   * parent's directory: binds the parent routes to it travel over the provider link on `port`. */
  #publish(path: unknown, fingerprint: unknown, port: unknown, mount: boolean): void {
    if (typeof path !== 'string' || typeof port !== 'number') return;
    const c = this.#router.contracts.get(fingerprint);
    try {
      if (c === undefined) throw new Error(`its contract is not one the installed programs declare nor one of Sing's library contracts, so it cannot be named across domains`);
      const listener = mount ? this.#kernel.names.mount(this.#names, path, c) : this.#kernel.names.register(this.#names, path, c);
      const mine = transfer(useHandle(listener, `domain ${this.name}`), this.#kernel.owner) as unknown as AnyEndpoint;
      new Link(`${this.name}:${mount ? 'mount' : 'names'}${path}`, mine, useHandle(mine, 'publish').cc, this.#mux.port(port), this.#carrier).start();
    } catch (e) {
      try { this.#mux.port(port).post({ t: 'close' }); } catch { /* gone */ }
      this.#send({ op: 'refused', path, reason: e instanceof Error ? e.message : String(e), ...(mount && typeof fingerprint === 'string' ? { fingerprint } : {}) });
    }
  }

  /** A bind from inside for a name the domain does not provide: bound in the parent's directory. */
  async #bind(req: unknown, path: unknown, fingerprint: unknown, port: unknown, access: unknown, binder: unknown): Promise<void> {
    if (typeof req !== 'number' || typeof port !== 'number') return;
    const c = this.#router.contracts.get(fingerprint);
    if (c === undefined || typeof path !== 'string') {
      try { this.#mux.port(port).post({ t: 'close' }); } catch { /* gone */ }
      this.#send({ op: 'bound', req, result: { ok: false, code: 'E_CONTRACT', reason: `${String(path)}: the contract is not one the installed programs declare, so it cannot be bound across domains` } });
      return;
    }
    const ch = this.#kernel.hostChannel(c) as unknown as { imp: AnyEndpoint; exp: AnyEndpoint };
    const who = binderOf(binder);
    if (who !== null) attest(useHandle(ch.imp, 'bind'), { ...who, domain: this.name });
    new Link(`${this.name}:bind${path}`, ch.imp, useHandle(ch.imp, 'bind').cc, this.#mux.port(port), this.#carrier).start();
    // The domain's kernel judged the binder's declared files (it runs Sing's kernel, not the program).
    const granted = access === 'read' || access === 'write' ? access : null;
    const result = await this.#kernel.names.bind(this.#kernel.owner, path, ch.exp, () => granted);
    this.#send({ op: 'bound', req, result });
  }

  #end(why: string): void {
    if (this.#ended !== null) return;
    this.#ended = why;
    this.#notReady(new DomainError('E_DOMAIN', `${this.name}: the domain ended before it was up: ${why}`));
    this.#mux.shut();
    for (const [id, p] of this.#procs) {
      this.#procs.delete(id);
      p.refused(new DomainError('E_DOMAIN', `${this.name}: ${why}`));
      p.exited(Object.freeze({ pid: p.pid, program: p.program, state: 'failed', code: 1, reason: 'killed', error: Object.freeze({ code: 'E_DOMAIN', message: `domain ${this.name} ended: ${why}` }) }));
    }
    this.#kernel.names.ownerEnded(this.#names);
    closeAll(this.#names);
    this.#router.detach(this.id);
  }
}

/** Why a domain that ran out of memory ended, naming its cap. */
function outOfMemory(memoryMb: number | undefined): string {
  return `it ran out of memory (${memoryMb !== undefined ? `its cap is memoryMb ${memoryMb} MiB` : 'no memoryMb cap: the host\'s own heap limit'})`;
}

/** A worker thread's pipe: shared-memory rings (ring-pipe.ts); the rings and the init (which
 * holds the shared arena) go in the worker's start-up data, the only message not on a ring. */
function workerPipe(memoryMb: number | undefined, init: DomainInit, ended: (why: string) => void): { pipe: Pipe; stop: () => Promise<void> } {
  const toWorker = ShmRing.memory(RING_BYTES);
  const toParent = ShmRing.memory(RING_BYTES);
  const start: WorkerStart = { init, toWorker, toParent, spinSlots: spinSlots() };
  const w = new Worker(new URL('./worker-boot.mjs', import.meta.url), {
    execArgv: [], // not the parent's flags: worker-boot.mjs sets up its own loader
    workerData: start,
    ...(memoryMb !== undefined ? { resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: Math.max(4, Math.floor(memoryMb / 4)) } } : {}),
  });
  const pipe = new RingPipe(toParent, toWorker);
  pipe.onBroken = (why) => { ended(why); void w.terminate(); };
  w.on('error', (e) => { ended((e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY' ? outOfMemory(memoryMb) : `it failed: ${e.message}`); });
  const thread = w.threadId;
  w.on('exit', (code) => { freeSpinSlots(thread); pipe.gone(); ended(`its worker exited (code ${code})`); });
  return { pipe, stop: async () => { await w.terminate(); } };
}

/** A child process's pipe: frames on a socket pair (its descriptor 4; stream-pipe.ts), the init
 * first. Its IPC channel, which fork requires, carries nothing. */
function processPipe(memoryMb: number | undefined, init: DomainInit, ended: (why: string) => void): { pipe: Pipe; stop: () => Promise<void> } {
  const child: ChildProcess = fork(new URL('./process-boot.mjs', import.meta.url), [], {
    // The regexp flags from its first instruction (src/kernel/regexp.ts sets them again at import).
    execArgv: [...LINEAR_REGEXP_V8_FLAGS, ...(memoryMb !== undefined ? [`--max-old-space-size=${memoryMb}`] : [])],
    stdio: ['ignore', 'inherit', 'pipe', 'ipc', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-4096); });
  // 'close', not 'exit': only then has all it wrote to stderr been read. V8's out-of-memory abort
  // ends it with a signal (SIGTRAP, SIGABRT) and says "heap out of memory" or "OOM" there.
  const closed = new Promise<void>((resolve) => { child.once('close', () => { resolve(); }); });
  child.on('close', (code, signal) => {
    if (/heap limit|out of memory|\bOOM\b/i.test(err)) ended(outOfMemory(memoryMb));
    else ended(signal !== null ? `its process was killed (${signal})` : `its process exited (code ${String(code)})${err.trim() === '' ? '' : `: ${err.trim().split('\n').slice(-3).join(' | ')}`}`);
  });
  child.on('error', (e) => { ended(`it failed: ${e.message}`); });
  const pipe = new StreamPipe(child.stdio[4] as Duplex);
  pipe.onBroken = (why) => { ended(why); child.kill('SIGKILL'); };
  pipe.send({ c: 0, w: { op: 'init', init } });
  return { pipe, stop: async () => { child.kill('SIGKILL'); await closed; } };
}

/** Starts a domain of `kind` joined to `kernel`. */
export function openDomain(kernel: Kernel, kind: DomainKind, images: readonly ImageSource[], opts: DomainOptions): Domain {
  return new Domain(kernel, kind, images, opts);
}

/** Satellite kernel `index` (Helios): a worker domain named kernelN, with a kernel and scheduler of
 * its own on its own thread, once it is up (rejects if it ends first). */
export async function openSatellite(kernel: Kernel, index: number, images: readonly ImageSource[], opts: Omit<DomainOptions, 'name'>): Promise<Domain> {
  const d = openDomain(kernel, 'worker', images, { ...opts, name: `kernel${index}` });
  await d.ready;
  return d;
}
