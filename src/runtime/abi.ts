// The ABI as programs see it: plain function calls into the kernel, versioned.
// Rules for callers (programs): the ABI object arrives in `main`'s context, frozen; it is the only
// way to reach the kernel. Only `create`, `start` and `stop` touch another process, and only a
// child the caller created. Every other call acts on the calling process itself. See docs/abi.md.
import type { AnyContract } from '../contracts/contract.ts';
import type { Exp, Imp } from '../contracts/view.ts';
import type { Listener } from './provider.ts';
import type { Bytes, ExArray, ExRecord, ExText, ExVector, Layout, Scalar } from '../contracts/exfield.ts';
import type { HeapStats } from '../exheap/heap.ts';
import type { HostResource } from './program.ts';

export type { HeapStats, HostResource };

export const ABI_VERSION = 1;

export type ProcessState = 'created' | 'running' | 'exited' | 'failed';

/** Why a process ended. `returned`/`exit` are clean ends; the rest are failures. */
export type ExitReason =
  | 'returned'          // main returned (its value is the code)
  | 'exit'              // abi.exit(code)
  | 'error'             // an uncaught error in a thread
  | 'protocol'          // a channel rule broken (wrong message, bad field, revoked handle)
  | 'quota'             // went over a quota (exchange heap, endpoints)
  | 'stack-overflow'
  | 'fuel'              // ran a whole turn's CPU fuel or time without yielding (a runaway loop)
  | 'memory'            // went over its memory budget (E_MEMORY)
  | 'watchdog'          // held the kernel's thread past the watchdog's limit (E_WATCHDOG)
  | 'killed'            // stopped by its parent or the host
  | 'start';            // could not start (bad parameters, a name it imports could not be bound)

export interface ExitStatus {
  readonly pid: number;
  readonly program: string;
  readonly state: 'exited' | 'failed';
  readonly code: number;
  readonly reason: ExitReason;
  /** For failures: the error's code (e.g. E_PROTOCOL) and message. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** A child process, as its parent sees it. */
export interface Child { readonly pid: number; readonly program: string }

export interface CreateOptions {
  /** Typed parameters, checked against the child's manifest. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Startup endpoints the child's manifest declares without a path; they move to the child. */
  readonly endpoints?: Readonly<Record<string, unknown>>;
}

export type BindResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'E_NO_NAME' | 'E_REFUSED' | 'E_CONTRACT' | 'E_GONE' | 'E_DENIED'; readonly reason: string };

export interface Abi {
  readonly version: number;
  /** The caller's process id. */
  pid(): number;
  /** Milliseconds from the kernel's clock (injected; monotonic). */
  now(): number;
  /** Calendar time: milliseconds since the Unix epoch, from the kernel's clock (0 when the kernel
   * runs on a clock without one, as a test's virtual clock may). For file times; `now()` for
   * measuring. */
  time(): number;
  /** A new channel; both ends belong to the caller (E_QUOTA_ENDPOINTS when it would hold more
   * endpoints than the system allows). It starts in the contract's initial state, or in `state`
   * when that is one of the contract's `entries` (E_CHANNEL_STATE otherwise). */
  channel<C extends AnyContract, const St extends keyof C['states'] & string = C['initial']>(c: C, state?: St): { readonly imp: Imp<C, St>; readonly exp: Exp<C, St> };
  /** Creates a child from an installed image; it does not run until `start`. Refused with
   * E_QUOTA_PROCESSES when the program or the caller's tree has as many live processes as the
   * system allows, E_LIMIT when the program asks for more exchange heap than the system grants,
   * E_HEAP_RESERVE when the heap cannot set its quota aside. */
  create(program: string, opts?: CreateOptions): Child;
  /** The typed parameters an installed program takes, as its manifest declares them (name ->
   * type: 'i32', 'str', 'bool', 'enum(...)', ...), so that a shell can turn `--a 2` into values
   * before `create`; null when no program of that name is installed. */
  parameters(program: string): Readonly<Record<string, string>> | null;
  start(child: Child): void;
  /** Kills a child (reason `killed`). */
  stop(child: Child): void;
  /** Waits for a child to end. */
  join(child: Child): Promise<ExitStatus>;
  /** Hands a child to the caller's own supervisor (the process that created the caller), so that
   * it outlives the caller: a process's children end with it otherwise. Afterwards the caller can
   * no longer start, stop or join it. A process the host started may hand children to the host
   * only if it is trusted (E_SUPERVISOR otherwise). */
  handOver(child: Child): void;
  /** Ends the caller with a code; never returns. */
  exit(code?: number): never;
  /** Runs `fn(...args)` as another thread of the caller; its failure fails the process. */
  spawn<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void;
  /** Lets other processes run; resumes on a later turn. */
  yield(): Promise<void>;
  sleep(ms: number): Promise<void>;
  /** Registers the caller as the provider of `path`; connections arrive on the listener. */
  register<C extends AnyContract>(path: string, c: C): Listener<C>;
  /** Serves contract `c` at and below `prefix` (a file system at /fs): binds of paths under it that
   * no exact name serves arrive on the listener as `Connect { client, path }`, `path` being the
   * rest below the prefix ('' for the prefix itself). E_NAME_PATH, E_NAME_CONTRACT, E_NAME_TAKEN. */
  mount<C extends AnyContract>(prefix: string, c: C): Listener<C>;
  deregister(path: string): void;
  /** Connects to the provider at `path` by handing it the export end of a channel. */
  bind<C extends AnyContract>(path: string, exp: Exp<C>): Promise<BindResult>;
  /** A zero-filled byte block in the exchange heap, counted against the manifest's quota. */
  alloc(size: number): Bytes;
  /** A zero-filled record laid out by `layout` in the exchange heap. */
  allocRecord<L extends Layout>(layout: L): ExRecord<L>;
  /** A zero-filled vector of `length` records in the exchange heap. */
  allocVector<L extends Layout>(layout: L, length: number): ExVector<L>;
  /** A zero-filled vector of `length` scalars in the exchange heap (`int[] in ExHeap` is
   * `allocArray('i32', n)`; `'char'` gives text). */
  allocArray<S extends Scalar>(element: S, length: number): S extends 'char' ? ExText : ExArray<S>;
  /** `s` as text in the exchange heap (`char[] in ExHeap`): its UTF-16 code units, copied in. */
  allocText(s: string): ExText;
  /** The exchange-heap bytes and blocks the caller owns, and its quota. */
  heapUsage(): HeapUsage;
  /** Who holds the other end of `ep` (an endpoint the caller owns), as the kernel knows it: the
   * process's pid, program name and image hash; null when no process of this kernel holds it (the
   * host, a protection domain, an end in transit or whose holder ended). */
  peer(ep: object): PeerIdentity | null;
  /** The whole exchange heap: capacity, used and free bytes, live blocks, fragmentation. */
  heapStats(): HeapStats;
  /** The host resource the manifest declares under `resources.host[key]` (claimed for the caller
   * while it lives); any other key throws E_RESOURCE. */
  resource(key: string): HostResource;
  /** Opens the host file the manifest declares under `resources.host[key]` as a block device (a
   * `driver` program only: E_NOT_DRIVER otherwise; E_RESOURCE for an undeclared key). */
  openDevice(key: string, opts?: { readonly sectorSize?: number; readonly readOnly?: boolean }): BlockDevice;
  /** Listens on the TCP port the manifest declares under `resources.host[key]` (`{ kind: 'tcp',
   * port }`) on the host address the system says (127.0.0.1 unless told otherwise); a `driver`
   * program only (E_NOT_DRIVER), a declared listen port only (E_RESOURCE). A host failure (the
   * port in use) is an `error` value. */
  listen(key: string, opts?: ListenOptions): PromiseLike<{ readonly listener: TcpListener } | { readonly error: NetError }>;
  /** Connects to the TCP destination the manifest declares under `resources.host[key]` (`{ kind:
   * 'tcp', connect: 'host:port' }`); a `driver` program only, a declared destination only. A
   * refused or failed connection is an `error` value. */
  connect(key: string): PromiseLike<{ readonly socket: TcpSocket } | { readonly error: NetError }>;
  /** The kernel's status now: its processes, the channels between them, the names provided and
   * the exchange heap (a snapshot, plain data). Only for a program whose manifest declares the
   * status host resource (`{ kind: 'status' }`); E_RESOURCE otherwise. */
  status(): SystemStatus;
  /** Opens the host's terminal, declared under `resources.host[key]` as `{ kind: 'terminal' }`:
   * a `driver` program only (E_NOT_DRIVER), one holder at a time; E_NO_TERMINAL when the host
   * gave the kernel none (headless). */
  openTerminal(key: string): TerminalPort;
}

/** The host's terminal as the console driver sees it: the keys typed (raw, as the host's terminal
 * sends them; a script's text as if typed), and the screen. */
export interface TerminalPort {
  /** Whether a person types (a TTY: keys arrive one by one, with escape sequences) or a script does. */
  readonly interactive: boolean;
  /** The next input the host has (one or more characters, at most one line with its end), or null
   * once the input has ended. One read at a time (E_TERMINAL_BUSY); input that arrives with no read
   * waiting is kept. */
  read(): PromiseLike<string | null>;
  /** Writes text to the screen as given (at most 64 Ki characters a call). */
  write(text: string): void;
  /** Gives the terminal back (it is also given back when the process ends). */
  close(): void;
}

/** One process in the kernel's status. */
export interface ProcessStatus {
  readonly pid: number;
  /** Its supervisor's pid (0: the host started it). */
  readonly ppid: number;
  readonly program: string;
  readonly state: ProcessState;
  /** The protection domain it runs in, as its kernel knows it ('kernel': this kernel's own). */
  readonly domain: string;
  readonly endpoints: number;
  readonly names: readonly string[];
  readonly heapBytes: number;
  readonly heapBlocks: number;
  readonly heapQuota: number;
  /** CPU fuel used: the checks (loop iterations and calls) its code has run. */
  readonly fuel: number;
}

/** One end of a channel: who holds it (null: in transit inside a message, or let go), its side
 * and state in the contract, and the messages queued for it to receive. */
export interface ChannelEnd { readonly pid: number | null; readonly side: 'imp' | 'exp'; readonly state: string; readonly queued: number; readonly closed: boolean }

/** A channel, by a stable id, with its contract and both ends. */
export interface ChannelStatus { readonly id: number; readonly contract: string; readonly imp: ChannelEnd; readonly exp: ChannelEnd }

/** A name in the namespace: its path, who provides it, on which contract, and whether it is a mount point. */
export interface NameStatus { readonly path: string; readonly pid: number; readonly contract: string; readonly mount: boolean }

/** What `abi.status()` returns. `channels` lists at most 2000; `channelCount` counts them all. */
export interface SystemStatus {
  readonly processes: readonly ProcessStatus[];
  readonly channels: readonly ChannelStatus[];
  readonly channelCount: number;
  readonly names: readonly NameStatus[];
  readonly heap: HeapStats;
}

/** The kernel's word on who holds an endpoint's other end (`abi.peer`): its process, program,
 * image hash, and the network claims of its manifest (`resources.network`, normalized). */
export interface PeerIdentity {
  readonly pid: number;
  readonly program: string;
  readonly image: string;
  readonly network: { readonly listen: readonly number[]; readonly connect: readonly string[] };
  /** The protection domain the process runs in, as its kernel reported it (absent: this kernel's own
   * process; then `pid` is this kernel's, otherwise the domain's). */
  readonly domain?: string;
}

export interface ListenOptions {
  /** Connections the kernel keeps for `accept` before it refuses more (1..128, default 16). */
  readonly backlog?: number;
}

/** A listening TCP port (docs/abi.md, "TCP sockets"). */
export interface TcpListener {
  readonly key: string;
  /** The port listened on (the one the host chose, when the declared port was bound to 0). */
  readonly port: number;
  /** The address listened on, `address:port` (`[address]:port` for IPv6). */
  readonly local: string;
  /** Connections that arrived and wait for `accept`. */
  readonly waiting: number;
  /** The next connection; one accept at a time (E_SOCKET_BUSY). After `close`, E_SOCKET_CLOSED. */
  accept(): PromiseLike<{ readonly socket: TcpSocket } | { readonly error: NetError }>;
  /** Ties the listener to `ep`, a channel end the caller owns (the session it serves): if the
   * other end goes away (closed, or its process ended) while an accept waits, the kernel closes
   * the listener and the accept ends with E_CLOSED. While an accept waits, `ep`'s receive slot
   * holds the tie, so receive on `ep` only once the accept has ended. */
  watch(ep: object): void;
  /** Stops listening; connections not yet accepted are closed, accepted ones are not. */
  close(): void;
}

/** A TCP connection. Transfers move the buffer into the kernel like a block device's (the handle
 * given is revoked; the result hands the block back); host failures are `error` values. */
export interface TcpSocket {
  readonly key: string;
  /** The peer, `address:port` (`[address]:port` for IPv6). */
  readonly remote: string;
  /** This end, `address:port` (`[address]:port` for IPv6). */
  readonly local: string;
  /** Received bytes a read would take at once (0 once closed). */
  readonly available: number;
  /** Reads what has arrived (at least 1 byte, at most `length`, default the rest of `buf`) into
   * `buf` from byte `at`; `bytes` 0 means the peer half-closed (end of stream). One read at a
   * time (E_SOCKET_BUSY). */
  read(buf: Bytes, at?: number, length?: number): PromiseLike<ReadDone>;
  /** Waits, moving no block, until a read would not wait ('ready': bytes, the end of the stream or
   * an error), `timeoutMs` of kernel clock time passes ('timeout'; default Infinity, no timer; 0
   * does not wait), or the socket is closed ('closed'). Shares the one-read-at-a-time rule. */
  readable(timeoutMs?: number): PromiseLike<'ready' | 'timeout' | 'closed'>;
  /** Writes `length` bytes (default the rest of `buf`) from `at`; resolves once the host has taken
   * them (so a slow peer holds the writer back). */
  write(buf: Bytes, at?: number, length?: number): PromiseLike<WriteDone>;
  /** Ties the socket to `ep`, a channel end the caller owns (the session it serves): if the other
   * end goes away (closed, or its process ended) while the caller waits on the socket (read,
   * write, readable), the kernel aborts the socket (closes it, if it was shut down for sending),
   * which ends the wait (E_CLOSED, 'closed'). While such a wait lasts, `ep`'s receive slot holds
   * the tie, so receive on `ep` only once the wait has ended. */
  watch(ep: object): void;
  /** Half-closes: the peer sees the end of the stream once written bytes are through; reads go on. */
  shutdown(): void;
  /** Resets the connection at once (the peer sees a reset); a pending read ends with E_CLOSED. */
  abort(): void;
  /** Closes the connection (after writes in flight); a pending read ends with E_CLOSED. */
  close(): void;
}

/** A finished socket read: the buffer, back, the bytes read into it (0: end of stream), the error. */
export interface ReadDone { readonly buf: Bytes; readonly bytes: number; readonly error: NetError | null }
/** A finished socket write: the buffer, back, and the error if the host failed it. */
export interface WriteDone { readonly buf: Bytes; readonly error: NetError | null }
/** A host network failure, as a value: E_REFUSED (nothing listens there), E_RESET (the peer reset
 * or vanished: ECONNRESET, EPIPE), E_UNREACHABLE (no route, no such host), E_TIMEOUT, E_IN_USE
 * (the port is taken), E_CLOSED (closed on this side while the call waited), E_IO (anything else;
 * the message names the host's code). */
export interface NetError { readonly code: 'E_REFUSED' | 'E_RESET' | 'E_UNREACHABLE' | 'E_TIMEOUT' | 'E_IN_USE' | 'E_CLOSED' | 'E_IO'; readonly message: string }

/** A host file seen as whole sectors (docs/abi.md). A transfer moves the buffer into the kernel
 * (the handle given is revoked) and hands it back in the result; ranges are checked at the call
 * (RangeError), host failures come back as `error` values. */
export interface BlockDevice {
  readonly key: string;
  readonly sectorSize: number;
  readonly sectorCount: number;
  readonly readOnly: boolean;
  /** Reads sectors [sector, sector + count) into `buf` from byte `at`. */
  read(sector: number, count: number, buf: Bytes, at?: number): PromiseLike<IoDone>;
  /** Writes sectors [sector, sector + count) from `buf`'s bytes at `at`. */
  write(sector: number, count: number, buf: Bytes, at?: number): PromiseLike<IoDone>;
  /** Makes everything written before durable on the host. */
  flush(): PromiseLike<IoError | null>;
  close(): void;
}

/** A finished transfer: the buffer, back, and the error if the host failed it. */
export interface IoDone { readonly buf: Bytes; readonly error: IoError | null }
export interface IoError { readonly code: 'E_IO' | 'E_READ_ONLY'; readonly message: string }

/** What a process holds in the exchange heap, and may. */
export interface HeapUsage { readonly bytes: number; readonly blocks: number; readonly quota: number }


/** The console a process gets when its manifest asks (`console: true`). */
export interface Console {
  log(...args: readonly unknown[]): void;
  error(...args: readonly unknown[]): void;
}
