// The handles a driver process holds for the kernel's sockets (sockets.ts), and host errors as the
// values they give back: a TcpListener from `abi.listen`, a TcpSocket from `abi.connect` or an
// accept. Each is a frozen object whose methods
// call into the kernel's Sockets with the connection or listener it stands for; a program cannot
// construct one, nor reach what it stands for.
// Rules for callers (sockets.ts): make handles with TOKEN, after the connection is established
// (the handle reads the local and remote addresses once).
// Invariants: a handle never changes; every call goes through Sockets, which checks the state.
import type { Socket } from 'node:net';
import type { Bytes } from '../contracts/exfield.ts';
import type { Pending } from '../channels/pending.ts';
import { harden } from '../lib/harden.ts';
import type { NetError, ReadDone, TcpListener, TcpSocket, WriteDone } from '../runtime/abi.ts';
import type { AcceptResult, Conn, Lst, Sockets } from './sockets.ts';

export const TOKEN: unique symbol = Symbol('socket');

/** What `readable` says: a read would not wait, the time passed, or the socket is closed. */
export type Readiness = 'ready' | 'timeout' | 'closed';

/** `address:port`, `[address]:port` for IPv6. */
export function addressOf(a: string | undefined, port: number | undefined): string {
  const host = a ?? 'unknown';
  return `${host.includes(':') ? `[${host}]` : host}:${String(port ?? 0)}`;
}

export function remoteOf(s: Socket): string { return addressOf(s.remoteAddress, s.remotePort); }

export class TcpListenerHandle implements TcpListener {
  readonly #s: Sockets;
  readonly #l: Lst;
  readonly key: string;
  readonly port: number;
  readonly local: string;
  constructor(token: typeof TOKEN, s: Sockets, l: Lst) {
    if (token !== TOKEN) throw new TypeError('TcpListener: listeners cannot be constructed; use abi.listen');
    this.#s = s;
    this.#l = l;
    this.key = l.key;
    this.port = l.port;
    this.local = addressOf(l.host, l.port);
    Object.freeze(this);
  }
  get waiting(): number { return this.#l.closed ? 0 : this.#l.waiting.length; }
  accept(): Pending<AcceptResult> { return this.#s.accept(this.#l); }
  watch(ep: object): void { this.#s.watchListener(this.#l, ep); }
  close(): void { this.#s.closeListener(this.#l); }
}
harden(TcpListenerHandle);

export class TcpSocketHandle implements TcpSocket {
  readonly #s: Sockets;
  readonly #c: Conn;
  readonly key: string;
  readonly remote: string;
  readonly local: string;
  constructor(token: typeof TOKEN, s: Sockets, c: Conn) {
    if (token !== TOKEN) throw new TypeError('TcpSocket: sockets cannot be constructed; use abi.listen or abi.connect');
    this.#s = s;
    this.#c = c;
    this.key = c.key;
    this.remote = c.remote;
    this.local = addressOf(c.sock.localAddress, c.sock.localPort);
    Object.freeze(this);
  }
  get available(): number { return this.#s.available(this.#c); }
  read(buf: Bytes, at = 0, length?: number): Pending<ReadDone> { return this.#s.read(this.#c, buf, at, length); }
  readable(timeoutMs = Infinity): Pending<Readiness> { return this.#s.readable(this.#c, timeoutMs); }
  write(buf: Bytes, at = 0, length?: number): Pending<WriteDone> { return this.#s.write(this.#c, buf, at, length); }
  watch(ep: object): void { this.#s.watchSocket(this.#c, ep); }
  shutdown(): void { this.#s.shutdown(this.#c); }
  abort(): void { this.#s.close(this.#c, true); }
  close(): void { this.#s.close(this.#c, false); }
}
harden(TcpSocketHandle);

const CODES: Readonly<Record<string, NetError['code']>> = {
  ECONNREFUSED: 'E_REFUSED', ECONNRESET: 'E_RESET', EPIPE: 'E_RESET', ECONNABORTED: 'E_RESET',
  ETIMEDOUT: 'E_TIMEOUT', EHOSTUNREACH: 'E_UNREACHABLE', ENETUNREACH: 'E_UNREACHABLE', ENOTFOUND: 'E_UNREACHABLE',
  EAI_AGAIN: 'E_UNREACHABLE', EADDRNOTAVAIL: 'E_UNREACHABLE', EADDRINUSE: 'E_IN_USE', ERR_STREAM_DESTROYED: 'E_CLOSED',
};

/** A host error as a value: a stable code and a message naming the place and the host's code. */
export function netError(e: Error, where: string): NetError {
  const host = (e as NodeJS.ErrnoException).code ?? e.name;
  return Object.freeze({ code: CODES[host] ?? 'E_IO', message: `${where}: ${host} (${e.message})` });
}
