// The kernel: boot, the process table, the ABI's implementation, failure handling.
// Rules for callers (hosts: the CLI, tests, embedders): construct a Kernel (it runs SES lockdown
// once per realm), install images, then spawn processes or talk to them over channels made with
// `kernel.hostChannel` (those ends belong to the kernel). Programs never see this object; they
// get the ABI.
// A process's life: `create` (its image instantiated, its manifest checked, its quotas, startup
// endpoints and parameters taken) → `start` (queued to run) → `begin` (its exports registered,
// its imports bound) → `runMain` → `end`.
// Invariants: a process ends exactly once, in two halves (reaper.ts): it is disarmed — its guard
// set, its state final — in a way that cannot fail half way whatever the state of the stack, and
// then `complete` runs on a fresh stack and releases everything — endpoints closed (peers see
// `$closed`), blocks freed, quota given back, timers cancelled, names removed, children ended —
// before the joiners and observers hear of it. So no code of a dead process runs again and
// nothing it owned stays reachable. Failures of one process never throw into another: they become
// that process's exit status.
import { closeAll, openChannel, type EndpointHandle, type Owner } from '../channels/index.ts';
import { types } from 'node:util';
import { compiledOf, type AnyContract } from '../contracts/contract.ts';
import type { Exp, Imp } from '../contracts/view.ts';
import { ensureLockdown, harden } from '../lib/harden.ts';
import type { BindResult, BlockDevice, Child, CreateOptions, ExitStatus, ListenOptions, SystemStatus, TerminalPort } from '../runtime/abi.ts';
import * as runtime from '../runtime/index.ts';
import { mainOf, type Manifest } from '../runtime/program.ts';
import { errorInfo, KernelError, who } from './error.ts';
import { moveStartupEndpoints, startState, startupParams } from './startup.ts';
import { AbiImpl, type AbiHost } from './abi.ts';
import { realClock, type Clock } from './clock.ts';
import { attachConsole, stdoutSink, type ConsoleSink } from './console.ts';
import { Guard, installRejectionGuard, isStackOverflow, KILLED, unhandledRejections } from './guard.ts';
import { endHolder, kernelWatchdog, outsideKills } from './kernel-watchdog.ts';
import { TurnTime } from './turn-time.ts';
import { installBuiltinMeter, MemoryBudgets } from './memory-budgets.ts';
import type { Image, ImageSource } from './image.ts';
import { ImageTable } from './image-table.ts';
import { accessOf, NameService } from './name-service.ts';
import { mayReadStatus, processStatus, snapshot } from './status.ts';
import { Terminals } from './terminal.ts';
import { ExchangeHeap, type HeapStats } from '../exheap/heap.ts';
import { handleFor } from '../exheap/handles.ts';
import { elementLayout, type BlockKind, type Bytes, type ExArray, type ExRecord, type ExText, type ExVector, type Layout, type Scalar } from '../contracts/exfield.ts';
import { cpu, Scheduler } from './scheduler.ts';
import { onSettle, Pending, pendingState, settled } from '../channels/pending.ts';
import { Process, processOfChild, type ProcessContext, type ProcessHost } from './process.ts';
import { bindHost, HostResources } from './resources.ts';
import { BlockDevices, type DeviceOptions } from './block-devices.ts';
import { Sockets } from './sockets.ts';
import { kernelLimits, type KernelLimits } from './limits.ts';
import { ProcessTable } from './process-table.ts';
import { Reaper } from './reaper.ts';
import { Waits } from './waits.ts';
import type { KernelEvent, KernelOptions, Spawned } from './host-api.ts';
export type { KernelEvent, KernelOptions, Spawned } from './host-api.ts';
export type { ProcessInfo } from './process-table.ts';
import type { ProcessInfo } from './process-table.ts';

const RUNTIME: object = harden({ ...runtime });

export class Kernel implements AbiHost, ProcessHost {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly names: NameService;
  readonly heap: ExchangeHeap;
  readonly resources: HostResources;
  readonly devices: BlockDevices;
  readonly sockets: Sockets;
  readonly terminals: Terminals;
  readonly limits: KernelLimits;
  /** The kernel as an endpoint owner (endpoints the host or kernel services hold). */
  readonly owner: Owner;
  private readonly sink: ConsoleSink;
  /** Live processes, linked through the records (a Map insert and delete cost more than the rest
   * of creating a process), with the per-program and per-tree counts. */
  private readonly table: ProcessTable;
  private readonly images = new ImageTable(RUNTIME);
  private readonly observers = new Set<(e: KernelEvent) => void>();
  private readonly waits: Waits;
  private nextPid = 1;
  /** Ends processes: disarms them at once and completes them on a fresh stack. */
  private readonly reaper: Reaper;
  /** Memory budgets: what each process holds, from the realm's heap meter. */
  private readonly budgets: MemoryBudgets;
  /** How long each process has held the thread (turn-time.ts). */
  private readonly turns: TurnTime;

  /** Promise rejections no one handled, across the realm (see installRejectionGuard). */
  static get unhandledRejections(): number { return unhandledRejections(); }

  constructor(opts: KernelOptions = {}) {
    ensureLockdown();
    this.limits = kernelLimits(opts.limits);
    this.clock = opts.clock ?? realClock;
    this.scheduler = new Scheduler(this.clock);
    this.heap = new ExchangeHeap(opts.exchangeHeap ?? 32 * 1024 * 1024);
    this.resources = new HostResources(opts.resources, opts.hostBindings);
    this.devices = new BlockDevices(this.heap);
    this.sockets = new Sockets(this.heap, (p, buf, at, len, what) => this.devices.take(p, buf, at, len, what), opts.net);
    this.terminals = new Terminals(opts.terminal);
    this.table = new ProcessTable(this.limits);
    this.waits = new Waits(this.clock);
    this.reaper = new Reaper((p) => { this.complete(p); });
    this.budgets = new MemoryBudgets({ list: () => this.table.list(), fail: (p, reason, e) => { this.fail(p, reason, e); } });
    this.scheduler.watchdog = kernelWatchdog(this.limits.watchdogMs);
    this.scheduler.cutOff = endHolder;
    this.turns = new TurnTime(() => this.clock.now(), this.limits, this.budgets, (p, reason, e) => { this.fail(p, reason, e); });
    installBuiltinMeter();
    installRejectionGuard();
    this.sink = opts.console ?? stdoutSink;
    const clock = this.clock;
    this.owner = {
      pid: 0, label: 'kernel', ownedHead: null, endpoints: 0, trusted: true, alive: true,
      blockHead: null, heapReserved: 0, heapAccount: null, heapBytes: 0, heapBlocks: 0, heapCharge: 0, heapQuota: Infinity,
      violate: () => undefined, // the host's own mistake: the error is thrown to it
      timer: (ms, fire) => { const h = clock.setTimer(ms, fire); return () => clock.cancelTimer(h); },
    };
    this.names = new NameService(this.owner, opts.naming);
  }

  // ---- images ----

  /** Loads an image. `agrees`, when given, is asked once, when the first instance declares its
   * manifest, whether that manifest is the one the installer stored (a reason when it is not). */
  install(src: ImageSource, agrees?: (m: Manifest) => string | undefined): Image { return this.images.install(src, agrees); }
  uninstall(name: string): void { this.images.uninstall(name); }
  programs(): string[] { return this.images.names(); }

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
      return this.images.manifest(inst, this.images.instantiate(inst, p.guard, null, 'manifestOf'), null, 'manifestOf');
    } finally {
      p.guard.kill();
    }
  }

  // ---- host API ----

  /** Starts `program` for the host. `host` binds declared host resources to other targets (a
   * file's path, a port), as the system manifest does; programs creating children cannot. */
  spawn(program: string, opts?: CreateOptions & { readonly host?: Readonly<Record<string, string>> }): Spawned {
    const p = this.create(null, program, opts, opts?.host);
    this.start(p);
    return Object.freeze({
      pid: p.pid,
      program: p.program,
      get state() { return p.state; },
      join: () => this.join(p),
      stop: () => { this.reaper.end(p, 'failed', 1, 'killed', undefined, true); },
      names: () => this.names.namesOf(p),
    });
  }

  /** An exchange-heap byte block owned by the host (to send to processes). */
  hostAlloc(size: number): Bytes { return handleFor(this.heap.allocate(this.owner, size, 'bytes', null, size), this.owner) as Bytes; }

  /** A zero-filled vector of scalars (text for 'char') owned by the host. */
  hostAllocArray<S extends Scalar>(element: S, length: number): S extends 'char' ? ExText : ExArray<S> {
    const l = elementLayout(element);
    return handleFor(this.heap.allocate(this.owner, l.size * length, 'array', l, length), this.owner) as never;
  }

  /** A zero-filled record (`count` undefined) or vector of records owned by the host; pointer
   * fields start empty. */
  hostAllocRecord<L extends Layout>(layout: L): ExRecord<L>;
  hostAllocRecord<L extends Layout>(layout: L, count: number): ExVector<L>;
  hostAllocRecord(layout: Layout, count?: number): unknown {
    const n = count ?? 1;
    return handleFor(this.heap.allocate(this.owner, layout.size * n, count === undefined ? 'record' : 'vector', layout, n), this.owner);
  }

  /** A channel whose two ends belong to the host (the kernel owner). */
  hostChannel<C extends AnyContract, const St extends keyof C['states'] & string = C['initial']>(c: C, state?: St): { readonly imp: Imp<C, St>; readonly exp: Exp<C, St> } {
    const cc = compiledOf(c);
    if (cc === undefined) throw new TypeError('hostChannel: not a contract');
    const [imp, exp] = openChannel(cc, this.owner, this.owner, startState(cc, state, `hostChannel(${cc.name})`));
    return Object.freeze({ imp: imp as unknown as Imp<C, St>, exp: exp as unknown as Exp<C, St> });
  }

  ps(): ProcessInfo[] {
    this.reaper.sweep();
    return this.table.list().map(processStatus);
  }
  /** The kernel's status: processes, channels, names, the exchange heap (status.ts). */
  status(): SystemStatus {
    this.reaper.sweep();
    return snapshot(this.table.list(), this.owner, this.names.list(), this.heap.stats());
  }

  /** Kills a live process for the host (`sing kill`), reason `killed`, as its supervisor's stop
   * would; false when no live process has that pid. */
  kill(pid: number): boolean {
    const p = this.table.list().find((x) => x.pid === pid);
    if (p === undefined || !p.alive) return false;
    this.reaper.end(p, 'failed', 1, 'killed', undefined, true);
    return true;
  }

  get processCount(): number { return this.table.size; }

  observe(fn: (e: KernelEvent) => void): () => void {
    this.observers.add(fn);
    return () => { this.observers.delete(fn); };
  }

  private emit(e: KernelEvent): void {
    for (const o of this.observers) {
      try {
        outsideKills(() => { o(e); }); // host code: the watchdog never cuts it off halfway
      } catch (err) {
        // An observer is host code: its mistake must not leave the kernel half way through.
        process.stderr.write(`sing: a kernel observer threw on ${e.type} of pid ${e.pid}: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      }
    }
  }

  /** Stops every process and closes the host's endpoints. */
  shutdown(): void {
    for (const p of this.table.list()) this.reaper.end(p, 'failed', 1, 'killed');
    this.reaper.sweep();
    closeAll(this.owner);
    this.budgets.detach();
  }

  // ---- process life ----

  private create(parent: Process | null, program: string, opts: CreateOptions | undefined, bound?: Readonly<Record<string, string>>): Process {
    const inst = this.images.get(program);
    if (inst === undefined) throw new KernelError('E_NO_PROGRAM', `${who(parent)}: create(${String(program)}): no program of that name is installed`);
    if (parent !== null && !parent.alive) throw KILLED;
    this.table.room(who(parent), program, inst.census, parent);
    const p = new Process(this, this.nextPid++, inst.image, parent);
    let ctx: ProcessContext;
    try {
      const spec = this.images.instantiate(inst, p.guard, parent, 'create');
      const m = inst.manifest ?? this.images.manifest(inst, spec, parent, 'create');
      const main = mainOf(spec);
      if (main === undefined) throw new KernelError('E_MANIFEST', `${who(parent)}: create(${program}): main must be a function`);
      ctx = { abi: new AbiImpl(p, this), params: startupParams(parent, m, opts?.params), console: undefined };
      if (m.heapQuota > this.limits.exchangeHeapQuota) {
        throw new KernelError('E_LIMIT', `${who(parent)}: create(${program}): the program asks for an exchange-heap quota of ${m.heapQuota} bytes; the system grants at most ${this.limits.exchangeHeapQuota} (limits.exchangeHeapQuota)`);
      }
      if (!m.trusted && m.memory > this.limits.memoryBudget) {
        throw new KernelError('E_LIMIT', `${who(parent)}: create(${program}): the program asks for a memory budget of ${m.memory} bytes; the system grants an untrusted program at most ${this.limits.memoryBudget} (limits.memoryBudget)`);
      }
      p.heapQuota = m.heapQuota;
      const host = bindHost(`${who(parent)}: create(${program})`, m.host, bound ?? this.resources.bindingsFor(program));
      this.heap.reserveQuota(p, m.heapQuota); // E_HEAP_RESERVE: the heap cannot promise it
      // Claimed before the endpoints move (a refused create moves nothing), released if they cannot.
      try {
        if (host.length > 0) this.resources.claim(p.label, host);
        try {
          moveStartupEndpoints(parent, parent ?? this.owner, m, opts?.endpoints, p, ctx);
        } catch (e) {
          if (host.length > 0) this.resources.release(host);
          throw e;
        }
      } catch (e) {
        this.heap.releaseQuota(p);
        throw e;
      }
      p.manifest = m;
      p.hostResources = host;
      p.main = main;
      p.trusted = m.trusted;
      p.guard.perTurn = m.fuel;
      p.memoryBudget = m.memory > 0 ? m.memory : this.limits.memoryBudget;
    } catch (e) {
      p.guard.kill();
      throw e;
    }
    if (p.manifest.console) ctx.console = attachConsole(p, this.owner, this.sink, { limits: this.limits, clock: this.clock });
    p.ctx = ctx;
    this.table.admit(p, inst.census);
    this.budgets.attach();
    if (this.observers.size > 0) this.emit({ type: 'create', pid: p.pid, ppid: parent?.pid ?? 0, program });
    return p;
  }

  start(p: Process): void {
    if (p.state !== 'created') throw new KernelError('E_STATE', `start ${p.label}: the process is ${p.state}, not created`);
    p.state = 'running';
    if (this.observers.size > 0) this.emit({ type: 'start', pid: p.pid, ppid: p.parent?.pid ?? 0, program: p.program });
    this.scheduler.ready(p);
  }

  /** A started process's first turn: its exports registered and imports bound, then main. */
  begin(p: Process): void {
    if (!p.alive) return;
    const m = p.manifest as Manifest;
    if (m.imports.length === 0 && m.exports.length === 0) { this.runMain(p); return; }
    const ctx = p.ctx as ProcessContext;
    try {
      for (const { key, decl } of m.exports) ctx[key] = this.names.registerExport(p, decl.path as string, decl.contract);
    } catch (e) {
      this.reaper.end(p, 'failed', 1, 'start', errorInfo(e));
      return;
    }
    void Promise.all(m.imports.map(async ({ key, decl, cc }) => {
      const [imp, exp] = openChannel(cc, p, this.owner);
      const r = await this.names.bind(this.owner, decl.path as string, exp, (path) => accessOf(m.files, path) ?? 'read', p);
      ctx[key] = imp;
      return r.ok ? null : `import ${key} (${decl.path as string}): ${r.reason}`;
    })).then((problems) => {
      const bad = problems.filter((x) => x !== null);
      if (bad.length > 0) this.reaper.end(p, 'failed', 1, 'start', { code: 'E_BIND', message: bad.join('; ') });
      else this.runMain(p);
    });
  }

  private runMain(p: Process): void {
    if (!p.alive) return;
    const ctx = Object.freeze(p.ctx as ProcessContext);
    p.ctx = null;
    let r: unknown;
    p.guard.refuel();
    cpu.running = p.guard;
    try {
      r = (p.main as (ctx: object) => unknown)(ctx);
    } catch (e) {
      this.threadFailed(p, e, true);
      return;
    } finally {
      this.scheduler.spend(p.guard);
    }
    this.settleThread(p, r, true);
  }

  private thread(p: Process, fn: (...a: unknown[]) => unknown, args: unknown[]): void {
    let r: unknown;
    p.guard.refuel();
    cpu.running = p.guard;
    try {
      // eslint-disable-next-line prefer-spread -- spread walks an iterator, and array access is slow after lockdown
      r = fn.apply(undefined, args);
    } catch (e) {
      this.threadFailed(p, e, true);
      return;
    } finally {
      this.scheduler.spend(p.guard);
    }
    this.settleThread(p, r, false);
  }

  /** Watches what a thread's function returned: its end (for main) or its failure. It runs on
   * the kernel's own stack (the program's frames have returned), and so do the promise reactions
   * it registers, so those complete an ending at once; a Pending may settle deep inside another
   * process's call, so that ending is left to the sweep. */
  private settleThread(p: Process, r: unknown, main: boolean): void {
    if (types.isPromise(r)) { // a check of the internal slot: runs none of the program's code
      try {
        // (`then` may still consult the promise's own `constructor`: program code, so guarded.)
        Promise.prototype.then.call(r, main ? (v: unknown) => this.mainReturned(p, v, true) : undefined, (e: unknown) => this.threadFailed(p, e, true));
      } catch (e) {
        this.threadFailed(p, e, true);
      }
    } else if (pendingState(r) >= 0) {
      onSettle(r as Pending<unknown>, { resume: (v, threw) => (threw ? this.threadFailed(p, v, false) : main ? this.mainReturned(p, v, false) : undefined) });
    } else if (main) {
      this.mainReturned(p, r, true);
    }
  }

  private mainReturned(p: Process, v: unknown, now: boolean): void {
    this.reaper.end(p, 'exited', typeof v === 'number' && Number.isInteger(v) ? v : 0, 'returned', undefined, now);
  }

  private threadFailed(p: Process, e: unknown, now: boolean): void {
    if (e === KILLED || !p.alive) return;
    this.reaper.end(p, 'failed', 1, isStackOverflow(e) ? 'stack-overflow' : 'error', errorInfo(e), now);
  }

  fail(p: Process, reason: 'protocol' | 'quota' | 'stack-overflow' | 'fuel' | 'memory' | 'watchdog', error: Error): void {
    this.reaper.end(p, 'failed', 1, reason, errorInfo(error));
  }

  checkpoint(p: Process, g: Guard): void { this.turns.checkpoint(p, g); }
  reserveMemory(p: Process, bytes: number, what: string): void { this.turns.reserveMemory(p, bytes, what); }
  longCall(p: Process, g: Guard, units: number, what: string): void { this.turns.longCall(p, g, units, what); }

  /** A parent stops its child (the ABI); the host's stop is `Spawned.stop`. */
  stop(p: Process): void {
    this.reaper.end(p, 'failed', 1, 'killed');
  }

  /** The second half of ending: releases everything `p` held, then tells its joiners. */
  private complete(p: Process): void {
    if (p.completed) return;
    const error = p.exitError;
    const state = p.state as 'exited' | 'failed';
    const status: ExitStatus = Object.freeze(error === null
      ? { pid: p.pid, program: p.program, state, code: p.exitCode, reason: p.exitReason }
      : { pid: p.pid, program: p.program, state, code: p.exitCode, reason: p.exitReason, error: Object.freeze(error) });
    p.status = status;
    p.ctx = null;
    // Its children end with it (a child it handed over answers to another supervisor).
    for (let c = p.firstChild; c !== null; c = c.nextSibling) {
      this.reaper.end(c, 'failed', 1, 'killed', { code: 'E_SUPERVISOR_ENDED', message: `${c.label}: ended because ${p.label}, which answers for it, ended` });
    }
    if (p.hostResources.length > 0) this.resources.release(p.hostResources);
    this.devices.ended(p);
    this.sockets.ended(p);
    this.terminals.ended(p);
    closeAll(p); // first: blocks in messages queued to it are freed with its queues
    if (p.blockHead !== null) this.heap.freeAll(p);
    this.heap.releaseQuota(p);
    const timers = p.timers;
    if (timers !== null) { p.timers = null; for (const cancel of timers) cancel(); }
    if (p.names !== null) this.names.ownerEnded(p);
    this.table.remove(p);
    p.completed = true;
    const joiners = p.joiners;
    if (joiners !== null) { p.joiners = null; for (const j of joiners) j.settle(status); }
    if (this.observers.size > 0) this.emit({ type: 'exit', pid: p.pid, ppid: p.supervisor?.pid ?? 0, program: p.program, status });
  }

  join(p: Process): Pending<ExitStatus> {
    if (p.status !== null) return settled(p.status);
    const w = new Pending<ExitStatus>();
    (p.joiners ??= []).push(w);
    return w;
  }

  // ---- the rest of AbiHost ----

  heapStats(): HeapStats { return this.heap.stats(); }

  allocate(p: Process, kind: BlockKind, size: number, layout: Layout | null, count: number): unknown {
    return handleFor(this.heap.allocate(p, size, kind, layout, count), p);
  }

  now(): number { return this.clock.now(); }
  time(): number { return this.clock.wall?.() ?? 0; }

  channel(p: Process, c: AnyContract, state?: string): { imp: unknown; exp: unknown } {
    const cc = compiledOf(c);
    if (cc === undefined) throw new TypeError(`${p.label}: channel(): not a contract made by contract()`);
    const start = startState(cc, state, `${p.label}: channel(${cc.name})`);
    if (p.endpoints + 2 > this.limits.endpointsPerProcess) {
      throw new KernelError('E_QUOTA_ENDPOINTS', `${p.label}: channel(${cc.name}): the process holds ${p.endpoints} endpoints; the system allows ${this.limits.endpointsPerProcess} (limits.endpointsPerProcess)`);
    }
    const [imp, exp] = openChannel(cc, p, p, start);
    return { imp, exp }; // the caller's own object, like a received message
  }

  createFor(parent: Process, program: string, opts: CreateOptions | undefined): Child {
    return this.create(parent, program, opts).child;
  }

  childOf(parent: Process, child: Child, op: string): Process {
    const p = processOfChild(child);
    if (p === undefined || p.parent !== parent) throw new KernelError('E_NOT_CHILD', `${parent.label}: ${op}(): not a child this process created`);
    if (p.supervisor !== parent && p.alive) throw new KernelError('E_NOT_CHILD', `${parent.label}: ${op}(): ${p.label} was handed over to ${p.supervisor?.label ?? 'the host'}`);
    return p;
  }

  /** `p` gives its live child to its own supervisor (its parent; the host, for a trusted process
   * the host started), so that the child outlives it. */
  handOver(p: Process, child: Process): void {
    const to = p.supervisor;
    if (to === null && !p.trusted) {
      throw new KernelError('E_SUPERVISOR', `${p.label}: handOver(${child.label}): the host started this process and answers for it; only a trusted process may hand a child to the host`);
    }
    if (!child.alive) return;
    this.table.handOver(p.label, child, to);
  }

  exit(p: Process, code: number): never {
    this.reaper.end(p, 'exited', Number.isInteger(code) ? code : 0, 'exit');
    throw KILLED;
  }

  spawnThread(p: Process, fn: (...a: unknown[]) => unknown, args: unknown[]): void {
    if (typeof fn !== 'function') throw new TypeError(`${p.label}: spawn(): not a function`);
    this.scheduler.ready({ next: null, kind: 1, run: () => { if (p.alive) this.thread(p, fn, args); } });
  }

  yieldFor(p: Process): Pending<void> { return this.waits.yieldFor(p); }
  timer(p: Process, ms: number, fire: () => void): () => void { return this.waits.timer(p, ms, fire); }
  sleep(p: Process, ms: number): Pending<void> { return this.waits.sleep(p, ms); }
  openDevice(p: Process, key: string, opts: DeviceOptions | undefined): BlockDevice {
    return this.devices.open(p, p.hostResources.find((r) => r.key === key), String(key), opts);
  }
  listen(p: Process, key: string, opts: ListenOptions | undefined): ReturnType<Sockets['listen']> {
    return this.sockets.listen(p, p.hostResources.find((r) => r.key === key), String(key), opts);
  }
  openTerminal(p: Process, key: string): TerminalPort { return this.terminals.open(p, p.hostResources.find((r) => r.key === key), String(key)); }
  statusFor(p: Process): SystemStatus { return mayReadStatus(p) && this.status(); }
  connect(p: Process, key: string): ReturnType<Sockets['connect']> { return this.sockets.connect(p, p.hostResources.find((r) => r.key === key), String(key)); }
  register(p: Process, path: string, c: AnyContract): EndpointHandle { return this.names.register(p, path, c); }
  mount(p: Process, prefix: string, c: AnyContract): EndpointHandle { return this.names.mount(p, prefix, c); }
  deregister(p: Process, path: string): void { this.names.deregister(p, path); }
  bind(p: Process, path: string, exp: unknown): Promise<BindResult> { return this.names.bind(p, path, exp, (f) => accessOf(p.manifest?.files ?? [], f)); }
}
