// The web server's side of one TCP connection as it travels: the Connected endpoint and the write
// buffer go to the network service with each write and come back with its answer.
// Rules for callers: after `send` use only the endpoint and buffer it gives back; either is null
// once lost (the endpoint when the connection failed or the service went away, the buffer only
// with the service), and a caller finishing a connection closes or frees whatever is not null.
// Invariants: a failed write aborts the connection, so a client never takes a short body as whole.
import type { Bytes, Imp } from 'sing/runtime';
import type { TcpConnection } from 'sing/contracts/tcp';

export type Connected = Imp<typeof TcpConnection, 'Connected'>;

/** A connection after an exchange. */
export interface Wire { readonly ep: Connected | null; readonly buf: Bytes | null }

/** Writes buf[0, length) and waits until the network service took it. */
export async function send(ep: Connected, buf: Bytes, length: number): Promise<Wire> {
  const m = await ep.send('Write', { buf, bufOffset: 0, length }).receive();
  if (m.tag === '$closed') return { ep: null, buf: null };
  if (m.tag === 'CantSend') { m.ep.send('Abort'); return { ep: null, buf: m.buf }; }
  return { ep: m.ep, buf: m.buf };
}
