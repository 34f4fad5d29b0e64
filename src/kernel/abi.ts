// The ABI implementation: one small frozen object per process whose methods live on a hardened
// prototype, so an idle process pays for one object, and a call costs a property read.
// Rules: every method acts for the process the object was made for (`#p`), never for a process
// named by the caller, except create/start/stop/join/handOver, which accept only the caller's own
// children.
import type { AnyContract } from '../contracts/contract.ts';
import type { Exp, Imp } from '../contracts/view.ts';
import { harden } from '../lib/harden.ts';
import { ABI_VERSION, type Abi, type BindResult, type BlockDevice, type Child, type CreateOptions, type ExitStatus, type HeapStats, type HeapUsage, type ListenOptions, type NetError, type PeerIdentity, type TcpListener, type TcpSocket, type SystemStatus, type TerminalPort } from '../runtime/abi.ts';
import { elementLayout, isLayout, type BlockKind, type Bytes, type ExArray, type ExRecord, type ExText, type ExVector, type Layout, type Scalar } from '../contracts/exfield.ts';
import type { Listener } from '../runtime/provider.ts';
import type { Process } from './process.ts';
import type { HostResource, Manifest } from '../runtime/program.ts';
import { KernelError } from './error.ts';
import { peerOf } from './peers.ts';
import { useHandle } from '../channels/index.ts';

/** What the ABI needs from the kernel; implemented by Kernel. */
export interface AbiHost {
  now(): number;
  time(): number;
  channel(p: Process, c: AnyContract, state?: string): { imp: unknown; exp: unknown };
  mount(p: Process, prefix: string, c: AnyContract): unknown;
  openDevice(p: Process, key: string, opts: { readonly sectorSize?: number; readonly readOnly?: boolean } | undefined): BlockDevice;
  listen(p: Process, key: string, opts: ListenOptions | undefined): PromiseLike<{ readonly listener: TcpListener } | { readonly error: NetError }>;
  connect(p: Process, key: string): PromiseLike<{ readonly socket: TcpSocket } | { readonly error: NetError }>;
  createFor(parent: Process, program: string, opts: CreateOptions | undefined): Child;
  manifestOf(program: string): Manifest;
  childOf(parent: Process, child: Child, op: string): Process;
  start(p: Process): void;
  stop(p: Process): void;
  join(p: Process): PromiseLike<ExitStatus>;
  handOver(p: Process, child: Process): void;
  exit(p: Process, code: number): never;
  spawnThread(p: Process, fn: (...a: unknown[]) => unknown, args: unknown[]): void;
  yieldFor(p: Process): PromiseLike<void>;
  sleep(p: Process, ms: number): PromiseLike<void>;
  register(p: Process, path: string, c: AnyContract): unknown;
  deregister(p: Process, path: string): void;
  bind(p: Process, path: string, exp: unknown): Promise<BindResult>;
  allocate(p: Process, kind: BlockKind, size: number, layout: Layout | null, count: number): unknown;
  heapStats(): HeapStats;
  openTerminal(p: Process, key: string): TerminalPort;
  statusFor(p: Process): SystemStatus;
}

export class AbiImpl implements Abi {
  readonly #p: Process;
  readonly #k: AbiHost;
  constructor(p: Process, k: AbiHost) {
    this.#p = p;
    this.#k = k;
    Object.freeze(this);
  }
  get version(): number { return ABI_VERSION; }
  pid(): number { return this.#p.pid; }
  now(): number { return this.#k.now(); }
  time(): number { return this.#k.time(); }
  channel<C extends AnyContract, const St extends keyof C['states'] & string = C['initial']>(c: C, state?: St): { readonly imp: Imp<C, St>; readonly exp: Exp<C, St> } {
    return this.#k.channel(this.#p, c, state) as { imp: Imp<C, St>; exp: Exp<C, St> };
  }
  create(program: string, opts?: CreateOptions): Child { return this.#k.createFor(this.#p, program, opts); }
  parameters(program: string): Readonly<Record<string, string>> | null {
    let m: Manifest;
    try {
      m = this.#k.manifestOf(String(program));
    } catch (e) {
      if (e instanceof KernelError && e.code === 'E_NO_PROGRAM') return null;
      throw e;
    }
    return Object.freeze(Object.fromEntries(m.parameters.map((p) => [p.key, p.type.describe])));
  }
  start(child: Child): void { this.#k.start(this.#k.childOf(this.#p, child, 'start')); }
  stop(child: Child): void { this.#k.stop(this.#k.childOf(this.#p, child, 'stop')); }
  join(child: Child): Promise<ExitStatus> { return this.#k.join(this.#k.childOf(this.#p, child, 'join')) as Promise<ExitStatus>; }
  handOver(child: Child): void { this.#k.handOver(this.#p, this.#k.childOf(this.#p, child, 'handOver')); }
  exit(code = 0): never { return this.#k.exit(this.#p, code); }
  spawn<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void {
    this.#k.spawnThread(this.#p, fn as (...a: unknown[]) => unknown, args);
  }
  yield(): Promise<void> { return this.#k.yieldFor(this.#p) as Promise<void>; }
  sleep(ms: number): Promise<void> { return this.#k.sleep(this.#p, ms) as Promise<void>; }
  register<C extends AnyContract>(path: string, c: C): Listener<C> { return this.#k.register(this.#p, path, c) as Listener<C>; }
  mount<C extends AnyContract>(prefix: string, c: C): Listener<C> { return this.#k.mount(this.#p, prefix, c) as Listener<C>; }
  deregister(path: string): void { this.#k.deregister(this.#p, path); }
  bind<C extends AnyContract>(path: string, exp: Exp<C>): Promise<BindResult> { return this.#k.bind(this.#p, path, exp); }
  alloc(size: number): Bytes { return this.#k.allocate(this.#p, 'bytes', size, null, size) as Bytes; }
  allocRecord<L extends Layout>(layout: L): ExRecord<L> {
    if (!isLayout(layout)) throw new TypeError(`${this.#p.label}: allocRecord(): give a layout made by exLayout()`);
    return this.#k.allocate(this.#p, 'record', layout.size, layout, 1) as ExRecord<L>;
  }
  allocVector<L extends Layout>(layout: L, length: number): ExVector<L> {
    if (!isLayout(layout)) throw new TypeError(`${this.#p.label}: allocVector(): give a layout made by exLayout()`);
    if (!Number.isInteger(length) || length < 0) throw new TypeError(`${this.#p.label}: allocVector(): the length must be a whole number, got ${String(length)}`);
    return this.#k.allocate(this.#p, 'vector', layout.size * length, layout, length) as ExVector<L>;
  }
  allocArray<S extends Scalar>(element: S, length: number): S extends 'char' ? ExText : ExArray<S> {
    const layout = elementLayout(element); // throws for an unknown scalar
    if (!Number.isInteger(length) || length < 0) throw new TypeError(`${this.#p.label}: allocArray(): the length must be a whole number, got ${String(length)}`);
    return this.#k.allocate(this.#p, 'array', layout.size * length, layout, length) as never;
  }
  allocText(s: string): ExText {
    if (typeof s !== 'string') throw new TypeError(`${this.#p.label}: allocText(): expected a string, got ${typeof s}`);
    const t = this.allocArray('char', s.length);
    t.writeString(s);
    return t;
  }
  heapUsage(): HeapUsage { return Object.freeze({ bytes: this.#p.heapBytes, blocks: this.#p.heapBlocks, quota: this.#p.heapQuota }); }
  peer(ep: object): PeerIdentity | null {
    const core = useHandle(ep, `${this.#p.label}: peer()`);
    if (core.owner !== this.#p) throw new KernelError('E_NOT_OWNER', `${this.#p.label}: peer(): the endpoint is not the caller's (${core.describe()})`);
    return peerOf(core);
  }
  heapStats(): HeapStats { return Object.freeze(this.#k.heapStats()); }
  openDevice(key: string, opts?: { readonly sectorSize?: number; readonly readOnly?: boolean }): BlockDevice {
    return this.#k.openDevice(this.#p, key, opts);
  }
  listen(key: string, opts?: ListenOptions): PromiseLike<{ readonly listener: TcpListener } | { readonly error: NetError }> {
    return this.#k.listen(this.#p, key, opts);
  }
  connect(key: string): PromiseLike<{ readonly socket: TcpSocket } | { readonly error: NetError }> { return this.#k.connect(this.#p, key); }
  openTerminal(key: string): TerminalPort { return this.#k.openTerminal(this.#p, key); }
  status(): SystemStatus { return this.#k.statusFor(this.#p); }
  resource(key: string): HostResource {
    const host = this.#p.hostResources;
    for (let i = 0; i < host.length; i++) {
      const r = host[i] as HostResource;
      if (r.key === key) return r;
    }
    throw new KernelError('E_RESOURCE', `${this.#p.label}: resource(${JSON.stringify(String(key))}): the manifest declares no such host resource (declared: ${host.map((r) => r.key).join(', ') || 'none'}); a process obtains only the resources its manifest declares`);
  }
}
harden(AbiImpl);
