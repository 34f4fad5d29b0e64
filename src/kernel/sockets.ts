// TCP sockets: host ports a driver program listens on and host destinations it connects to through
// the ABI (`abi.listen(key)`, `abi.connect(key)`), read and written straight between the host
// socket and exchange-heap blocks. This is the kernel's trusted host I/O for networks, the sibling
// of block-devices.ts; nothing else in Sing touches a host socket.
// Rules for callers: the kernel calls `listen`/`connect` for a process with the resource its
// manifest declares under the key (as the host bound it), and `ended` when the process ends. A
// transfer moves the block into the kernel for its duration (the caller's handle is revoked, as for
// a device) and hands it back with the result: a read copies once, from the host's receive buffer
// into the block's bytes in the arena; a write hands the host the block's bytes in the arena and
// gives the block back only once the host is done with them.
// Invariants: only a `driver` process reaches a socket, and only through a declared key of the
// right kind (a listen port or a connect destination); a host error comes back as a NetError
// value, never thrown into the kernel, and every host socket and server has an 'error' listener;
// a socket's received bytes that no read has taken are at most `receiveBuffer` (64 KiB) plus one
// host read: at that bound the host socket is paused, and it resumes once reads drain it; a block
// whose process ended during a transfer is freed when the transfer completes; a process's
// listeners, sockets and connects in progress are closed when it ends; a socket or listener tied
// to a channel end (`watch`) is closed when that end's other side goes away while its process waits
// on it (channel-watch.ts), and `readable` waits without moving a block; a listener keeps at most
// its backlog of connections no accept took; one whose client closed it leaves at once, and one
// whose client ended its stream makes room when the backlog is full.
import { connect as netConnect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Bytes } from '../contracts/exfield.ts';
import { Pending, settled } from '../channels/pending.ts';
import { blockOfHandle } from '../exheap/handles.ts';
import { handBack } from './block-devices.ts';
import type { Block, ExchangeHeap } from '../exheap/heap.ts';
import { unmetered } from '../lib/metered-builtins.ts';
import { isTcpDestination, type HostResource } from '../runtime/program.ts';
import type { ListenOptions, NetError, ReadDone, TcpListener, TcpSocket, WriteDone } from '../runtime/abi.ts';
import { KernelError } from './error.ts';
import type { Process } from './process.ts';
import { cpu, fromHostIo } from './scheduler.ts';
import { ChannelWatch } from './channel-watch.ts';
import { netError, remoteOf, TcpListenerHandle, TcpSocketHandle, TOKEN, type Readiness } from './socket-handles.ts';

/** Received bytes a socket keeps for reads to come before the kernel pauses it. */
export const RECEIVE_BUFFER = 64 * 1024;
const BACKLOG = 16;
const MAX_BACKLOG = 128;

/** How the host configures the kernel's sockets (KernelOptions.net). */
export interface NetOptions {
  /** The host address listeners listen on (default 127.0.0.1): the system manifest may say another. */
  readonly listenHost?: string;
  /** Received bytes kept per socket while no read waits, before it is paused (default 64 KiB). */
  readonly receiveBuffer?: number;
}

/** What the kernel holds now, for `sing` and tests. */
export interface SocketStats {
  readonly listeners: number;
  readonly sockets: number;
  /** Received bytes held for reads, over all sockets. */
  readonly buffered: number;
  /** The most one socket has held at once since the kernel started. */
  readonly maxBuffered: number;
  /** Sockets paused now because a reader is slow. */
  readonly paused: number;
  /** Writes the host has not finished (each holds its block in the kernel). */
  readonly writing: number;
}

/** Moves a block into the kernel for a transfer after every check (BlockDevices.take). */
export type TakeBlock = (p: Process, buf: unknown, at: number, len: number, what: string) => Block;

interface Reader { readonly t: Block; readonly at: number; readonly len: number; readonly w: Pending<ReadDone> }

/** One host connection and what the kernel keeps of it. */
export class Conn {
  readonly queue: Buffer[] = [];
  queued = 0;
  paused = false;
  eof = false;
  shut = false;
  /** Closed by its process (close, abort) or its process ended: nothing more reaches it. */
  closed = false;
  error: NetError | null = null;
  reader: Reader | null = null;
  writes = 0;
  /** A `readable` waiting, and the cancel of its timer. */
  poll: Pending<Readiness> | null = null;
  pollTimer: (() => void) | null = null;
  watch: ChannelWatch | null = null;
  constructor(readonly p: Process, readonly key: string, readonly sock: Socket, readonly remote: string) {}
}

/** One listening server and the connections that wait for `accept`. */
export class Lst {
  /** Connections no accept has taken yet, already read from (into their queues, up to the
   * bound), so that one its client gave up on leaves the list and frees its place. */
  readonly waiting: Conn[] = [];
  acceptor: Pending<AcceptResult> | null = null;
  closed = false;
  port = 0;
  watch: ChannelWatch | null = null;
  constructor(readonly p: Process, readonly key: string, readonly server: Server, readonly backlog: number, readonly host: string) {}
  /** Stops listening and closes the connections no accept took. */
  shut(): void {
    this.closed = true;
    this.watch?.drop();
    this.server.close();
    for (const c of this.waiting.splice(0)) c.sock.destroy();
  }
}

const READY = settled<Readiness>('ready');
const TIMEOUT = settled<Readiness>('timeout');
const CLOSED = settled<Readiness>('closed');

export type AcceptResult = { readonly socket: TcpSocket } | { readonly error: NetError };
type ListenResult = { readonly listener: TcpListener } | { readonly error: NetError };

const noop = (): void => undefined;

export class Sockets {
  readonly #heap: ExchangeHeap;
  readonly #take: TakeBlock;
  readonly #host: string;
  readonly #bound: number;
  readonly #mine = new Map<Process, Set<Conn | Lst>>();
  #maxBuffered = 0;

  constructor(heap: ExchangeHeap, take: TakeBlock, opts: NetOptions | undefined) {
    this.#heap = heap;
    this.#take = take;
    this.#host = opts?.listenHost ?? '127.0.0.1';
    this.#bound = opts?.receiveBuffer ?? RECEIVE_BUFFER;
    if (!Number.isSafeInteger(this.#bound) || this.#bound < 1) throw new RangeError(`KernelOptions.net.receiveBuffer: must be a positive whole number of bytes, got ${String(this.#bound)}`);
  }

  listen(p: Process, r: HostResource | undefined, key: string, opts: ListenOptions | undefined): Pending<ListenResult> {
    const where = `${p.label}: listen(${JSON.stringify(key)})`;
    const port = Number(this.#check(p, r, where, 'listen').target);
    const backlog = opts?.backlog ?? BACKLOG;
    if (!Number.isInteger(backlog) || backlog < 1 || backlog > MAX_BACKLOG) throw new RangeError(`${where}: the backlog is 1..${MAX_BACKLOG} connections, not ${String(backlog)}`);
    const w = new Pending<ListenResult>();
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true });
    const l = new Lst(p, key, server, backlog, this.#host);
    this.#add(p, l);
    let listening = false;
    server.on('error', (e: NodeJS.ErrnoException) => {
      cpu.epoch++;
      if (listening) { this.#failAccept(l, netError(e, `${where} on port ${l.port}`)); return; }
      this.#drop(p, l);
      l.closed = true;
      if (p.alive) w.settle(Object.freeze({ error: netError(e, `${where} on ${this.#host}:${port}`) }));
    });
    server.on('connection', (s: Socket) => { cpu.epoch++; this.#arrived(l, s); });
    server.listen({ port, host: this.#host, backlog, exclusive: true }, () => {
      cpu.epoch++;
      listening = true;
      if (l.closed) { server.close(); return; } // its process ended meanwhile
      l.port = (server.address() as AddressInfo).port;
      w.settle(Object.freeze({ listener: new TcpListenerHandle(TOKEN, this, l) }));
    });
    return w;
  }

  connect(p: Process, r: HostResource | undefined, key: string): Pending<AcceptResult> {
    const where = `${p.label}: connect(${JSON.stringify(key)})`;
    const dest = this.#check(p, r, where, 'connect').target;
    const colon = dest.lastIndexOf(':');
    const host = dest.startsWith('[') ? dest.slice(1, colon - 1) : dest.slice(0, colon);
    const w = new Pending<AcceptResult>();
    const s = netConnect({ host, port: Number(dest.slice(colon + 1)), allowHalfOpen: true, noDelay: true });
    const c = new Conn(p, key, s, dest);
    this.#add(p, c);
    const failed = (e: NodeJS.ErrnoException): void => {
      cpu.epoch++;
      this.#drop(p, c);
      s.destroy();
      if (p.alive && !c.closed) w.settle(Object.freeze({ error: netError(e, `${where} to ${dest}`) }));
    };
    s.once('error', failed);
    s.once('connect', () => {
      cpu.epoch++;
      s.removeListener('error', failed);
      if (c.closed) { s.destroy(); return; }
      this.#hear(c);
      w.settle(Object.freeze({ socket: new TcpSocketHandle(TOKEN, this, c) }));
    });
    return w;
  }

  /** The process ended: its listeners and sockets close; blocks in transfers are freed as they end. */
  ended(p: Process): void {
    const mine = this.#mine.get(p);
    if (mine === undefined) return;
    this.#mine.delete(p);
    for (const x of mine) {
      if (x instanceof Lst) { x.shut(); continue; }
      x.closed = true;
      x.watch?.drop();
      this.#endRead(x, null);
      x.sock.destroy();
    }
  }

  stats(): SocketStats {
    let listeners = 0, sockets = 0, buffered = 0, paused = 0, writing = 0;
    for (const set of this.#mine.values()) {
      for (const x of set) {
        if (x instanceof Lst) { listeners++; continue; }
        sockets++;
        buffered += x.queued;
        if (x.paused) paused++;
        writing += x.writes;
      }
    }
    return Object.freeze({ listeners, sockets, buffered, maxBuffered: this.#maxBuffered, paused, writing });
  }

  #check(p: Process, r: HostResource | undefined, where: string, op: 'listen' | 'connect'): HostResource {
    if (p.manifest?.category !== 'driver') throw new KernelError('E_NOT_DRIVER', `${where}: only a program of the driver category may use a socket (its manifest says ${p.manifest?.category ?? 'application'})`);
    if (r === undefined || r.kind !== 'tcp' || isTcpDestination(r.target) !== (op === 'connect')) {
      throw new KernelError('E_RESOURCE', `${where}: the manifest declares no host tcp ${op === 'listen' ? "listen port ({ kind: 'tcp', port })" : "destination ({ kind: 'tcp', connect })"} of that name; a driver ${op === 'listen' ? 'listens only on the ports' : 'connects only to the destinations'} its manifest declares`);
    }
    return r;
  }

  #add(p: Process, x: Conn | Lst): void {
    let set = this.#mine.get(p);
    if (set === undefined) { set = new Set(); this.#mine.set(p, set); }
    set.add(x);
  }

  #drop(p: Process, x: Conn | Lst): void { this.#mine.get(p)?.delete(x); }

  /** A connection came in: to the waiting accept, or kept until one comes, or refused when the
   * backlog is full. A kept one is read from at once (its bytes wait in its queue), so that its
   * client closing it is seen and it leaves the backlog: dead connections never fill it. */
  #arrived(l: Lst, s: Socket): void {
    s.on('error', noop); // a reset while it waits is seen by the read that follows, or by no one
    if (l.closed || (l.acceptor === null && l.waiting.length >= l.backlog && !this.#evictEnded(l))) { s.destroy(); return; }
    const c = new Conn(l.p, l.key, s, remoteOf(s));
    this.#hear(c);
    s.resume(); // paused since it connected (pauseOnConnect)
    const w = l.acceptor;
    if (w === null) {
      l.waiting.push(c);
      s.once('close', () => { const i = l.waiting.indexOf(c); if (i >= 0) l.waiting.splice(i, 1); });
      return;
    }
    l.acceptor = null;
    l.watch?.disarm();
    w.settle(Object.freeze({ socket: this.#accepted(l, c) }));
  }

  /** Makes room in a full backlog by closing one waiting connection whose client has already
   * ended its stream (sockets are half-open here, so a client that gave up shows only as that);
   * false when every waiting one is still open. Only at the limit: below it a client that sent
   * its request and half-closed waits for its answer like any other. */
  #evictEnded(l: Lst): boolean {
    const i = l.waiting.findIndex((c) => c.eof || c.error !== null);
    if (i < 0) return false;
    const [gone] = l.waiting.splice(i, 1);
    gone?.sock.destroy();
    return true;
  }

  #accepted(l: Lst, c: Conn): TcpSocket {
    this.#add(l.p, c);
    return new TcpSocketHandle(TOKEN, this, c);
  }

  #failAccept(l: Lst, e: NetError): void {
    const w = l.acceptor;
    l.acceptor = null;
    l.watch?.disarm();
    if (w !== null && l.p.alive) w.settle(Object.freeze({ error: e }));
  }

  accept(l: Lst): Pending<AcceptResult> {
    const where = `${l.p.label}: accept on ${l.key} (port ${l.port})`;
    if (l.closed) throw new KernelError('E_SOCKET_CLOSED', `${where}: the listener is closed`);
    if (l.acceptor !== null) throw new KernelError('E_SOCKET_BUSY', `${where}: an accept is already waiting; a listener takes one at a time`);
    const w = new Pending<AcceptResult>();
    const c = l.waiting.shift();
    if (c !== undefined) w.settle(Object.freeze({ socket: this.#accepted(l, c) }));
    else { l.acceptor = w; l.watch?.arm(l.p); }
    return w;
  }

  /** Ties a listener to a channel end: its other side going away while an accept waits closes it. */
  watchListener(l: Lst, ep: unknown): void {
    const where = `${l.p.label}: watch on listener ${l.key} (port ${l.port})`;
    if (l.closed) throw new KernelError('E_SOCKET_CLOSED', `${where}: the listener is closed`);
    const w = l.watch ?? new ChannelWatch(() => { this.closeListener(l); });
    w.tie(l.p, ep, where);
    l.watch = w;
    if (l.acceptor !== null) w.arm(l.p);
  }

  closeListener(l: Lst): void {
    if (l.closed) return;
    this.#drop(l.p, l);
    l.shut();
    this.#failAccept(l, { code: 'E_CLOSED', message: `${l.p.label}: accept on ${l.key} (port ${l.port}): the listener was closed while the accept waited` });
  }

  #hear(c: Conn): void {
    const s = c.sock;
    s.on('data', (chunk: Buffer) => { fromHostIo(this.#onData, c, chunk); });
    s.on('end', () => { cpu.epoch++; c.eof = true; this.#endRead(c, null); });
    s.on('error', (e: NodeJS.ErrnoException) => { cpu.epoch++; c.error ??= netError(e, `${c.p.label}: socket ${c.key} (${c.remote})`); this.#endRead(c, c.error); });
    s.on('close', () => {
      cpu.epoch++;
      if (!c.eof) c.error ??= { code: 'E_RESET', message: `${c.p.label}: socket ${c.key} (${c.remote}): the connection closed before the peer ended its stream` };
      this.#endRead(c, c.error);
    });
  }

  readonly #onData = (c: Conn, chunk: Buffer): void => { this.#data(c, chunk); };

  #data(c: Conn, chunk: Buffer): void {
    if (c.closed) return;
    const r = c.reader;
    let rest = chunk;
    if (r !== null) {
      c.reader = null;
      this.#idle(c);
      const n = Math.min(chunk.length, r.len);
      unmetered.set(this.#heap.u8, unmetered.subarray(chunk, 0, n), r.t.offset + r.at);
      this.#giveRead(c.p, r, n, null);
      if (n === chunk.length) return;
      rest = unmetered.subarray(chunk, n, chunk.length) as Buffer;
    }
    c.queue.push(rest);
    c.queued += rest.length;
    if (c.queued > this.#maxBuffered) this.#maxBuffered = c.queued;
    if (c.queued >= this.#bound && !c.paused) { c.paused = true; c.sock.pause(); }
    this.#ready(c, 'ready');
  }

  /** Settles a waiting `readable` (and stops its timer). */
  #ready(c: Conn, how: Readiness): void {
    const w = c.poll;
    if (w === null) return;
    c.poll = null;
    const t = c.pollTimer;
    c.pollTimer = null;
    if (t !== null) t();
    this.#idle(c);
    w.settle(how);
  }

  /** Nothing of the process waits on the socket any more: the watched end is its own again. */
  #idle(c: Conn): void {
    if (c.watch !== null && c.reader === null && c.poll === null && c.writes === 0) c.watch.disarm();
  }

  /** Settles a waiting read with no bytes: the end of the stream (error null) or `error`; and a
   * waiting `readable`: a read would not wait now. */
  #endRead(c: Conn, error: NetError | null): void {
    this.#ready(c, c.closed ? 'closed' : 'ready');
    const r = c.reader;
    if (r === null || (c.queued > 0 && !c.closed)) return;
    c.reader = null;
    this.#idle(c);
    this.#giveRead(c.p, r, 0, c.closed && c.p.alive ? { code: 'E_CLOSED', message: `${c.p.label}: read on socket ${c.key} (${c.remote}): the socket was closed while the read waited` } : error);
  }

  #giveRead(p: Process, r: Reader, bytes: number, error: NetError | null): void {
    const buf = handBack(this.#heap, r.t, p);
    if (buf !== null) r.w.settle(Object.freeze({ buf, bytes, error: error === null ? null : Object.freeze(error) }));
  }

  #giveWrite(p: Process, t: Block, w: Pending<WriteDone>, error: NetError | null): void {
    const buf = handBack(this.#heap, t, p);
    if (buf !== null) w.settle(Object.freeze({ buf, error: error === null ? null : Object.freeze(error) }));
  }

  #span(c: Conn, buf: unknown, at: number, length: number | undefined, what: string): number {
    if (c.closed) throw new KernelError('E_SOCKET_CLOSED', `${c.p.label}: ${what}: the socket is closed`);
    const size = blockOfHandle(buf)?.size ?? 0;
    const len = length ?? size - (Number.isInteger(at) ? at : 0);
    if (!Number.isSafeInteger(len) || len < 0) throw new RangeError(`${c.p.label}: ${what}: the length must be a whole number of bytes, got ${String(length)}`);
    return len;
  }

  read(c: Conn, buf: Bytes, at: number, length: number | undefined): Pending<ReadDone> {
    const what = `read on socket ${c.key} (${c.remote})`;
    const len = this.#span(c, buf, at, length, what);
    if (c.reader !== null || c.poll !== null) throw new KernelError('E_SOCKET_BUSY', `${c.p.label}: ${what}: a read (or readable) is already waiting; a socket reads one at a time`);
    if (len === 0) throw new RangeError(`${c.p.label}: ${what}: a read needs room for at least one byte (0 bytes read means the end of the stream)`);
    const t = this.#take(c.p, buf, at, len, what);
    const r: Reader = { t, at, len, w: new Pending<ReadDone>() };
    if (c.queued > 0) this.#giveRead(c.p, r, this.#drain(c, r), null);
    else if (c.error !== null) this.#giveRead(c.p, r, 0, c.error);
    else if (c.eof) this.#giveRead(c.p, r, 0, null);
    else { c.reader = r; c.watch?.arm(c.p); }
    return r.w;
  }

  /** Waits, moving no block, until a read would not wait (bytes, the end, an error: 'ready'),
   * `timeoutMs` passes ('timeout'; Infinity waits without a timer) or the socket is closed. */
  readable(c: Conn, timeoutMs: number): Pending<Readiness> {
    if (c.closed) return CLOSED;
    if (c.queued > 0 || c.eof || c.error !== null) return READY;
    const what = `${c.p.label}: readable on socket ${c.key} (${c.remote})`;
    if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) throw new RangeError(`${what}: the timeout is a number of milliseconds, 0 or more (Infinity for none), not ${String(timeoutMs)}`);
    if (c.poll !== null || c.reader !== null) throw new KernelError('E_SOCKET_BUSY', `${what}: a read or readable is already waiting`);
    if (timeoutMs === 0) return TIMEOUT;
    const w = new Pending<Readiness>();
    c.poll = w;
    if (timeoutMs !== Infinity) c.pollTimer = c.p.timer(timeoutMs, () => { c.pollTimer = null; this.#ready(c, 'timeout'); });
    c.watch?.arm(c.p);
    return w;
  }

  /** Received bytes a read would take at once. */
  available(c: Conn): number { return c.closed ? 0 : c.queued; }

  /** Ties a socket to a channel end: its other side going away while the process waits on the
   * socket closes it (aborts it, unless it was shut down for sending). */
  watchSocket(c: Conn, ep: unknown): void {
    const where = `${c.p.label}: watch on socket ${c.key} (${c.remote})`;
    if (c.closed) throw new KernelError('E_SOCKET_CLOSED', `${where}: the socket is closed`);
    const w = c.watch ?? new ChannelWatch(() => { this.close(c, !c.shut); });
    w.tie(c.p, ep, where);
    c.watch = w;
    if (c.reader !== null || c.poll !== null || c.writes > 0) w.arm(c.p);
  }

  /** Copies queued bytes into the reader's block; resumes the socket once below the bound. */
  #drain(c: Conn, r: Reader): number {
    let n = 0;
    while (n < r.len && c.queue.length > 0) {
      const head = c.queue[0] as Buffer;
      const k = Math.min(head.length, r.len - n);
      unmetered.set(this.#heap.u8, unmetered.subarray(head, 0, k), r.t.offset + r.at + n);
      n += k;
      if (k === head.length) c.queue.shift();
      else c.queue[0] = unmetered.subarray(head, k, head.length) as Buffer;
    }
    c.queued -= n;
    if (c.paused && c.queued < this.#bound) { c.paused = false; c.sock.resume(); }
    return n;
  }

  write(c: Conn, buf: Bytes, at: number, length: number | undefined): Pending<WriteDone> {
    const what = `write on socket ${c.key} (${c.remote})`;
    const len = this.#span(c, buf, at, length, what);
    if (c.shut) throw new KernelError('E_SOCKET_CLOSED', `${c.p.label}: ${what}: the sending side was shut down`);
    const t = this.#take(c.p, buf, at, len, what);
    const w = new Pending<WriteDone>();
    if (c.error !== null) { this.#giveWrite(c.p, t, w, c.error); return w; }
    // The host writes from the arena itself; the block comes back once it is done with the bytes.
    c.writes++;
    let given = false;
    const s = c.sock;
    s.write(unmetered.subarray(this.#heap.u8, t.offset + at, t.offset + at + len), (e?: Error | null) => {
      cpu.epoch++;
      if (given) return;
      c.writes--;
      this.#idle(c);
      this.#giveWrite(c.p, t, w, e === null || e === undefined ? null : netError(e, `${c.p.label}: ${what}`));
    });
    if (s.writableLength === 0 && s.errored === null) {
      // The host wrote every byte at once (its callback only comes on a later tick): nothing
      // refers to the arena any more, so the block goes back now, in the writer's own turn.
      given = true;
      c.writes--;
      this.#idle(c);
      this.#giveWrite(c.p, t, w, null);
      return w;
    }
    c.watch?.arm(c.p); // after the write is with the host: a client already gone aborts it
    return w;
  }

  shutdown(c: Conn): void {
    if (c.closed) throw new KernelError('E_SOCKET_CLOSED', `${c.p.label}: shutdown of socket ${c.key} (${c.remote}): the socket is closed`);
    if (c.shut) return;
    c.shut = true;
    c.sock.end();
  }

  close(c: Conn, abort: boolean): void {
    if (c.closed) return;
    c.closed = true;
    this.#drop(c.p, c);
    c.watch?.drop();
    c.queue.length = 0;
    c.queued = 0;
    this.#endRead(c, null);
    const s = c.sock;
    if (abort) s.resetAndDestroy();
    else if (s.writableLength === 0) s.destroy();
    else s.end(() => { s.destroy(); }); // writes in flight go out first
  }
}
