// The kernel: boot, the process table, the ABI's implementation, failure handling.
// Rules for callers (hosts: the CLI, tests, embedders): construct a Kernel (it runs SES lockdown
// once per realm), install images, then spawn processes or talk to them over channels made with
// `kernel.channel` (those ends belong to the kernel). Programs never see this object; they get
// the ABI.
// Invariants: a process ends exactly once (`end`), and ending is complete before anyone hears of
// it — guard set, endpoints closed (peers see `$closed`), timers cancelled, names removed — so
// no code of a dead process runs again and nothing it owned stays reachable. Failures of one
// process never throw into another: they become that process's exit status.
import { closeAll, openChannel, type EndpointCore, type EndpointHandle, type Owner } from '../channels/index.ts';
import { types } from 'node:util';
import { compiledOf, type AnyContract } from '../contracts/contract.ts';
import type { Exp, Imp } from '../contracts/view.ts';
import { ensureLockdown, harden } from '../lib/harden.ts';
import type { BindResult, Child, CreateOptions, ExitReason, ExitStatus, ProcessState } from '../runtime/abi.ts';
import * as runtime from '../runtime/index.ts';
import { mainOf, programSpec, validateManifest, type Manifest } from '../runtime/program.ts';
import { errorInfo, KernelError, who } from './error.ts';
import { moveStartupEndpoints, startupParams } from './startup.ts';
import { AbiImpl, type AbiHost } from './abi.ts';
import { realClock, type Clock } from './clock.ts';
import { attachConsole, stdoutSink, type ConsoleSink } from './console.ts';
import { isStackOverflow, KILLED } from './guard.ts';
import { loadImage, type Image, type ImageSource } from './image.ts';
import { NameService } from './name-service.ts';
import { ExchangeHeap, type HeapStats, type Partition } from '../exheap/heap.ts';
import { handleFor } from '../exheap/handles.ts';
import type { Bytes, Layout } from '../contracts/exfield.ts';
import { Scheduler } from './scheduler.ts';
import { onSettle, Pending, pendingState, settled } from '../channels/pending.ts';
import { Process, processOfChild, type ProcessHost } from './process.ts';
import { HostResources, type ResourceProbe } from './resources.ts';
import { kernelLimits, type KernelLimits } from './limits.ts';


export interface KernelOptions {
  readonly clock?: Clock;
  readonly console?: ConsoleSink;
  /** Bytes in the exchange heap's arena (default 32 MiB), or, for a kernel inside a worker
   * protection domain, its partition of the arena it shares with its parent. */
  readonly exchangeHeap?: number | Partition;
  /** Says whether a declared host resource is available (see resources.ts). */
  readonly resources?: ResourceProbe;
  /** Bounds on processes, endpoints, quotas and the console (limits.ts); defaults for the rest. */
  readonly limits?: Partial<KernelLimits>;
}

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly program: string;
  readonly state: ProcessState;
  readonly endpoints: number;
  readonly names: readonly string[];
  /** Exchange-heap bytes and blocks the process owns, and its quota. */
  readonly heapBytes: number;
  readonly heapBlocks: number;
  readonly heapQuota: number;
}

export type KernelEvent =
  | { readonly type: 'create' | 'start'; readonly pid: number; readonly ppid: number; readonly program: string }
  | { readonly type: 'exit'; readonly pid: number; readonly ppid: number; readonly program: string; readonly status: ExitStatus };

/** What the host holds for a process it spawned. */
export interface Spawned {
  readonly pid: number;
  readonly program: string;
  readonly state: ProcessState;
  join(): Promise<ExitStatus>;
  stop(): void;
}

const RUNTIME: object = harden({ ...runtime });

let rejectionGuard = false;
let unhandled = 0;
/** A program can make a promise that rejects with nobody listening; by default Node would end
 * the whole host for it. The kernel takes that decision away from programs, once per realm, and
 * counts such rejections (`Kernel.unhandledRejections`): which process made one is unknowable. */
function installRejectionGuard(): void {
  if (rejectionGuard) return;
  rejectionGuard = true;
  process.on('unhandledRejection', (reason) => {
    if (reason !== KILLED) unhandled++;
  });
}

/** Names an operation on an image in an error message (built only when one is thrown). */
function opName(inst: Installed, parent: Process | null, op: 'create' | 'manifestOf'): string {
  return op === 'create' ? `${who(parent)}: create(${inst.image.name})` : `manifestOf(${inst.image.name})`;
}

/** An installed image and, once its first instance has been checked, its validated manifest. */
interface Installed { readonly image: Image; manifest: Manifest | null; readonly agrees: ((m: Manifest) => string | undefined) | null }

export class Kernel implements AbiHost, ProcessHost {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly names: NameService;
  readonly heap: ExchangeHeap;
  readonly resources: HostResources;
  readonly limits: KernelLimits;
  /** The kernel as an endpoint owner (endpoints the host or kernel services hold). */
  readonly owner: Owner;
  private readonly sink: ConsoleSink;
  /** The process table: live processes in a doubly linked list through the records (a Map
   * insert and delete cost more than the rest of creating a process). */
  private first: Process | null = null;
  private live = 0;
  private readonly images = new Map<string, Installed>();
  private readonly observers = new Set<(e: KernelEvent) => void>();
  private yielders: (Process | Pending<void>)[] = [];
  private yieldScheduled = false;
  private nextPid = 1;

  /** Promise rejections no one handled, across the realm (see installRejectionGuard). */
  static get unhandledRejections(): number { return unhandled; }

  constructor(opts: KernelOptions = {}) {
    ensureLockdown();
    this.limits = kernelLimits(opts.limits);
    this.clock = opts.clock ?? realClock;
    this.scheduler = new Scheduler(this.clock);
    this.heap = new ExchangeHeap(opts.exchangeHeap ?? 32 * 1024 * 1024);
    this.resources = new HostResources(opts.resources);
    installRejectionGuard();
    this.sink = opts.console ?? stdoutSink;
    const clock = this.clock;
    this.owner = {
      pid: 0,
      label: 'kernel',
      ownedHead: null,
      blockHead: null,
      heapBytes: 0,
      heapBlocks: 0,
      heapCharge: 0,
      heapQuota: Infinity,
      trusted: true,
      alive: true,
      violate: () => undefined, // the host's own mistake: the error is thrown to it
      timer: (ms, fire) => { const h = clock.setTimer(ms, fire); return () => clock.cancelTimer(h); },
    };
    this.names = new NameService(this.owner);
  }

  // ---- images ----

  /** Loads an image. `agrees`, when given, is asked once, when the first instance declares its
   * manifest, whether that manifest is the one the installer stored (a reason when it is not). */
  install(src: ImageSource, agrees?: (m: Manifest) => string | undefined): Image {
    const have = this.images.get(src.name);
    if (have !== undefined) {
      if (have.image.hash === src.hash) return have.image;
      throw new KernelError('E_INSTALLED', `install ${src.name}: another image is installed under this name; uninstall it first`);
    }
    const image = loadImage(src, RUNTIME);
    this.images.set(src.name, { image, manifest: null, agrees: agrees ?? null });
    return image;
  }

  uninstall(name: string): void {
    if (!this.images.delete(name)) throw new KernelError('E_NO_PROGRAM', `uninstall ${name}: no such program`);
  }

  programs(): string[] { return [...this.images.keys()].sort(); }

  /** An installed program's manifest, as its image declares it (evaluating the image's module
   * once, as the first create would, with a guard that never runs: module initialisation has no
   * ABI, so nothing it does can reach the kernel). For domain hosts, which need the contracts of a
   * program's startup endpoints before they create it. */
  manifestOf(program: string): Manifest {
    const inst = this.images.get(program);
    if (inst === undefined) throw new KernelError('E_NO_PROGRAM', `manifestOf(${String(program)}): no program of that name is installed`);
    if (inst.manifest !== null) return inst.manifest;
    const p = new Process(this, 0, inst.image, null);
    try {
      return (inst.manifest = this.firstManifest(inst, this.instantiate(inst, p, null, 'manifestOf'), null));
    } finally {
      p.guard.kill();
    }
  }

  // ---- host API ----

  spawn(program: string, opts?: CreateOptions): Spawned {
    const p = this.create(null, program, opts);
    this.start(p);
    return Object.freeze({
      pid: p.pid,
      program: p.program,
      get state() { return p.state; },
      join: () => this.join(p),
      stop: () => this.stop(p),
    });
  }

  /** An exchange-heap byte block owned by the host (to send to processes). */
  hostAlloc(size: number): Bytes {
    return handleFor(this.heap.allocate(this.owner, size, 'bytes', null, size), this.owner) as Bytes;
  }

  /** A channel whose two ends belong to the host (the kernel owner). */
  hostChannel<C extends AnyContract>(c: C): { readonly imp: Imp<C>; readonly exp: Exp<C> } {
    const cc = compiledOf(c);
    if (cc === undefined) throw new TypeError('hostChannel: not a contract');
    const [imp, exp] = openChannel(cc, this.owner, this.owner);
    return Object.freeze({ imp: imp as unknown as Imp<C>, exp: exp as unknown as Exp<C> });
  }

  ps(): ProcessInfo[] {
    return this.processes().map((p) => {
      let endpoints = 0;
      for (let c: EndpointCore | null = p.ownedHead; c !== null; c = c.nextOwned) endpoints++;
      return {
        pid: p.pid, ppid: p.parent?.pid ?? 0, program: p.program, state: p.state, endpoints, names: [...(p.names ?? [])],
        heapBytes: p.heapBytes, heapBlocks: p.heapBlocks, heapQuota: p.heapQuota,
      };
    });
  }

  get processCount(): number { return this.live; }

  private processes(): Process[] {
    const out: Process[] = [];
    for (let p = this.first; p !== null; p = p.nextLive) out.push(p);
    return out.reverse();
  }

  observe(fn: (e: KernelEvent) => void): () => void {
    this.observers.add(fn);
    return () => { this.observers.delete(fn); };
  }

  private emit(e: KernelEvent): void {
    for (const o of this.observers) o(e);
  }

  /** Stops every process and closes the host's endpoints. */
  shutdown(): void {
    for (const p of this.processes()) this.end(p, 'failed', 1, 'killed');
    closeAll(this.owner);
  }

  // ---- process life ----

  private create(parent: Process | null, program: string, opts: CreateOptions | undefined): Process {
    const inst = this.images.get(program);
    if (inst === undefined) throw new KernelError('E_NO_PROGRAM', `${who(parent)}: create(${String(program)}): no program of that name is installed`);
    const p = new Process(this, this.nextPid++, inst.image, parent);
    let ctx: Record<string, unknown>;
    try {
      const spec = this.instantiate(inst, p, parent, 'create');
      const m = inst.manifest ?? (inst.manifest = this.firstManifest(inst, spec, parent));
      const main = mainOf(spec);
      if (main === undefined) throw new KernelError('E_MANIFEST', `${who(parent)}: create(${program}): main must be a function`);
      ctx = { abi: new AbiImpl(p, this), params: startupParams(parent, m, opts?.params), console: undefined };
      // Claimed before the endpoints move (a refused create moves nothing), released if they cannot.
      if (m.host.length > 0) this.resources.claim(p.label, m.host);
      try {
        moveStartupEndpoints(parent, parent ?? this.owner, m, opts?.endpoints, p, ctx);
      } catch (e) {
        if (m.host.length > 0) this.resources.release(m.host);
        throw e;
      }
      p.manifest = m;
      p.main = main;
      p.heapQuota = m.heapQuota;
      p.trusted = m.trusted;
      p.guard.perTurn = m.fuel;
    } catch (e) {
      p.guard.kill();
      throw e;
    }
    if (p.manifest.console) ctx['console'] = attachConsole(p, this.owner, this.sink, { limits: this.limits, clock: this.clock });
    p.ctx = ctx;
    p.nextLive = this.first;
    if (this.first !== null) this.first.prevLive = p;
    this.first = p;
    this.live++;
    if (this.observers.size > 0) this.emit({ type: 'create', pid: p.pid, ppid: parent?.pid ?? 0, program });
    return p;
  }

  /** Runs an image's module for `p` and returns its program spec (E_INIT, E_NOT_PROGRAM). The
   * message names the operation only when it fails: `create` is a hot path. */
  private instantiate(inst: Installed, p: Process, parent: Process | null, op: 'create' | 'manifestOf'): object {
    let exported: unknown;
    try {
      exported = inst.image.factory(p.guard);
    } catch (e) {
      throw new KernelError('E_INIT', `${opName(inst, parent, op)}: module initialisation failed: ${errorInfo(e).message}`);
    }
    const spec = programSpec(exported);
    if (spec === undefined) throw new KernelError('E_NOT_PROGRAM', `${opName(inst, parent, op)}: the image's default export is not defineProgram({...})`);
    return spec;
  }

  private firstManifest(inst: Installed, spec: object, parent: Process | null): Manifest {
    const m = validateManifest(spec);
    const why = inst.agrees?.(m);
    if (why !== undefined) throw new KernelError('E_MANIFEST_MISMATCH', `${who(parent)}: create(${inst.image.name}): the image declares a manifest other than the one installed: ${why}`);
    return m;
  }

  start(p: Process): void {
    if (p.state !== 'created') throw new KernelError('E_STATE', `start ${p.label}: the process is ${p.state}, not created`);
    p.state = 'running';
    if (this.observers.size > 0) this.emit({ type: 'start', pid: p.pid, ppid: p.parent?.pid ?? 0, program: p.program });
    this.scheduler.ready(p);
  }

  boot(p: Process): void {
    if (!p.alive) return;
    const m = p.manifest as Manifest;
    if (m.imports.length === 0 && m.exports.length === 0) { this.runMain(p); return; }
    const ctx = p.ctx as Record<string, unknown>;
    try {
      for (const { key, decl } of m.exports) ctx[key] = this.names.register(p, decl.path as string, decl.contract);
    } catch (e) {
      this.end(p, 'failed', 1, 'start', errorInfo(e));
      return;
    }
    void Promise.all(m.imports.map(async ({ key, decl, cc }) => {
      const [imp, exp] = openChannel(cc, p, this.owner);
      const r = await this.names.bind(this.owner, decl.path as string, exp);
      ctx[key] = imp;
      return r.ok ? null : `import ${key} (${decl.path as string}): ${r.reason}`;
    })).then((problems) => {
      const bad = problems.filter((x) => x !== null);
      if (bad.length > 0) this.end(p, 'failed', 1, 'start', { code: 'E_BIND', message: bad.join('; ') });
      else this.runMain(p);
    });
  }

  private runMain(p: Process): void {
    if (!p.alive) return;
    const ctx = Object.freeze(p.ctx as Record<string, unknown>);
    p.ctx = null;
    let r: unknown;
    p.guard.refuel();
    try {
      r = (p.main as (ctx: object) => unknown)(ctx);
    } catch (e) {
      this.threadFailed(p, e);
      return;
    }
    this.settleThread(p, r, true);
  }

  private thread(p: Process, fn: (...a: unknown[]) => unknown, args: unknown[]): void {
    let r: unknown;
    p.guard.refuel();
    try {
      // eslint-disable-next-line prefer-spread -- spread walks an iterator, and array access is slow after lockdown
      r = fn.apply(undefined, args);
    } catch (e) {
      this.threadFailed(p, e);
      return;
    }
    this.settleThread(p, r, false);
  }

  /** Watches what a thread's function returned: its end (for main) or its failure. */
  private settleThread(p: Process, r: unknown, main: boolean): void {
    if (types.isPromise(r)) { // a check of the internal slot: runs none of the program's code
      try {
        // (`then` may still consult the promise's own `constructor`: program code, so guarded.)
        Promise.prototype.then.call(r, main ? (v: unknown) => this.mainReturned(p, v) : undefined, (e: unknown) => this.threadFailed(p, e));
      } catch (e) {
        this.threadFailed(p, e);
      }
    } else if (pendingState(r) >= 0) {
      onSettle(r as Pending<unknown>, { resume: (v, threw) => (threw ? this.threadFailed(p, v) : main ? this.mainReturned(p, v) : undefined) });
    } else if (main) {
      this.mainReturned(p, r);
    }
  }

  private mainReturned(p: Process, v: unknown): void {
    this.end(p, 'exited', typeof v === 'number' && Number.isInteger(v) ? v : 0, 'returned');
  }

  private threadFailed(p: Process, e: unknown): void {
    if (e === KILLED || !p.alive) return;
    this.end(p, 'failed', 1, isStackOverflow(e) ? 'stack-overflow' : 'error', errorInfo(e));
  }

  fail(p: Process, reason: 'protocol' | 'stack-overflow' | 'fuel', error: Error): void {
    this.end(p, 'failed', 1, reason, errorInfo(error));
  }

  stop(p: Process): void {
    this.end(p, 'failed', 1, 'killed');
  }

  /** Ends a process, once: see the invariants at the top of this file. */
  private end(p: Process, state: 'exited' | 'failed', code: number, reason: ExitReason, error?: { code: string; message: string }): void {
    if (!p.alive) return;
    p.state = state;
    p.guard.kill();
    const status: ExitStatus = Object.freeze(error === undefined
      ? { pid: p.pid, program: p.program, state, code, reason }
      : { pid: p.pid, program: p.program, state, code, reason, error: Object.freeze(error) });
    p.status = status;
    p.ctx = null;
    if (p.manifest !== null && p.manifest.host.length > 0) this.resources.release(p.manifest.host);
    closeAll(p); // first: blocks in messages queued to it are freed with its queues
    if (p.blockHead !== null) this.heap.freeAll(p);
    const timers = p.timers;
    if (timers !== null) { p.timers = null; for (const cancel of timers) cancel(); }
    if (p.names !== null) this.names.ownerEnded(p);
    if (p.prevLive !== null) p.prevLive.nextLive = p.nextLive;
    else if (this.first === p) this.first = p.nextLive;
    if (p.nextLive !== null) p.nextLive.prevLive = p.prevLive;
    p.prevLive = p.nextLive = null;
    this.live--;
    const joiners = p.joiners;
    if (joiners !== null) { p.joiners = null; for (const j of joiners) j.settle(status); }
    if (this.observers.size > 0) this.emit({ type: 'exit', pid: p.pid, ppid: p.parent?.pid ?? 0, program: p.program, status });
  }

  join(p: Process): Pending<ExitStatus> {
    if (p.status !== null) return settled(p.status);
    const w = new Pending<ExitStatus>();
    (p.joiners ??= []).push(w);
    return w;
  }

  // ---- the rest of AbiHost ----

  heapStats(): HeapStats { return this.heap.stats(); }

  allocate(p: Process, kind: 'bytes' | 'record' | 'vector', size: number, layout: Layout | null, count: number): unknown {
    return handleFor(this.heap.allocate(p, size, kind, layout, count), p);
  }

  now(): number { return this.clock.now(); }

  channel(p: Process, c: AnyContract): { imp: unknown; exp: unknown } {
    const cc = compiledOf(c);
    if (cc === undefined) throw new TypeError(`${p.label}: channel(): not a contract made by contract()`);
    const [imp, exp] = openChannel(cc, p, p);
    return { imp, exp }; // the caller's own object, like a received message
  }

  createFor(parent: Process, program: string, opts: CreateOptions | undefined): Child {
    return this.create(parent, program, opts).child;
  }

  childOf(parent: Process, child: Child, op: string): Process {
    const p = processOfChild(child);
    if (p === undefined || p.parent !== parent) throw new KernelError('E_NOT_CHILD', `${parent.label}: ${op}(): not a child this process created`);
    return p;
  }

  exit(p: Process, code: number): never {
    this.end(p, 'exited', Number.isInteger(code) ? code : 0, 'exit');
    throw KILLED;
  }

  spawnThread(p: Process, fn: (...a: unknown[]) => unknown, args: unknown[]): void {
    if (typeof fn !== 'function') throw new TypeError(`${p.label}: spawn(): not a function`);
    this.scheduler.ready({ next: null, kind: 1, run: () => { if (p.alive) this.thread(p, fn, args); } });
  }

  yieldFor(p: Process): Pending<void> {
    const w = new Pending<void>();
    this.yielders.push(p, w);
    if (!this.yieldScheduled) {
      this.yieldScheduled = true;
      this.clock.later(() => {
        const ys = this.yielders;
        this.yielders = [];
        this.yieldScheduled = false;
        for (let i = 0; i < ys.length; i += 2) if ((ys[i] as Process).alive) (ys[i + 1] as Pending<void>).settle(undefined);
      });
    }
    return w;
  }

  timer(p: Process, ms: number, fire: () => void): () => void {
    if (!p.alive) return () => undefined;
    const timers = (p.timers ??= new Set());
    const cancel = (): void => { if (timers.delete(cancel)) this.clock.cancelTimer(h); };
    const h = this.clock.setTimer(ms, () => { if (timers.delete(cancel) && p.alive) fire(); });
    timers.add(cancel);
    return cancel;
  }

  sleep(p: Process, ms: number): Pending<void> {
    if (typeof ms !== 'number' || !(ms >= 0)) throw new TypeError(`${p.label}: sleep(${String(ms)}): give a non-negative number of milliseconds`);
    const w = new Pending<void>();
    this.timer(p, ms, () => w.settle(undefined));
    return w;
  }

  register(p: Process, path: string, c: AnyContract): EndpointHandle { return this.names.register(p, path, c); }
  deregister(p: Process, path: string): void { this.names.deregister(p, path); }
  bind(p: Process, path: string, exp: unknown): Promise<BindResult> { return this.names.bind(p, path, exp); }
}
