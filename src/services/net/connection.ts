// One connected TCP session of the network service: the client's `TcpConnection` end in Connected
// (or after a half-close, ReceiveOnly, SendOnly, Zombie) served over one kernel socket, by one
// thread, until the client closes, aborts or goes away.
// Rules for callers: tie the socket to the end (`tie`) before serving it, so that a client that
// goes away while the thread waits in the kernel closes the socket at once; then call
// `serveConnected` and let it own both: it closes the socket whatever happens.
// The per-message path: Read hands the client's block to the kernel (one await); PollRead waits
// with `readable` only when nothing is buffered, so the block never moves while the wait may time
// out (NoData hands it back untouched); IsDataAvailable and GetEndPoints answer at once; Write
// hands the block to the kernel (one await) and a 0-byte Write answers at once.
// Invariants: every block a client hands in goes back with the answer (or is freed with a message
// sent to a client that went away); the socket is closed on Close, aborted on Abort, and when the
// client's end closes it is closed if this side had finished sending (DoneSending), else aborted,
// so a peer never takes a cut-off stream for a whole one; nothing here throws for anything a
// client sends (bad ranges are CantSend, a 0-byte buffer reads Data of 0 bytes).
import type { Exp, TcpSocket } from 'sing/runtime';
import type { TcpConnection } from 'sing/contracts/tcp';

type Connected = Exp<typeof TcpConnection, 'Connected'>;
type ReceiveOnly = Exp<typeof TcpConnection, 'ReceiveOnly'>;
type SendOnly = Exp<typeof TcpConnection, 'SendOnly'>;
type Zombie = Exp<typeof TcpConnection, 'Zombie'>;

/** Ties a socket or listener to the session end `ep` and hands the end back (the verifier takes
 * every call argument as moved, so lending it to the kernel is spelt as a round trip). */
export function tie<E extends object>(to: { watch(ep: object): void }, ep: E): E {
  to.watch(ep);
  return ep;
}

/** `address:port` or `[address]:port` split for EndPoints. */
function split(at: string): { readonly address: string; readonly port: number } {
  const colon = at.lastIndexOf(':');
  const host = at.slice(0, colon);
  return { address: host.startsWith('[') ? host.slice(1, -1) : host, port: Number(at.slice(colon + 1)) };
}

/** EndPoints of a connected socket. */
function endPoints(sock: TcpSocket): { localAddress: string; localPort: number; remoteAddress: string; remotePort: number } {
  const l = split(sock.local);
  const r = split(sock.remote);
  return { localAddress: l.address, localPort: l.port, remoteAddress: r.address, remotePort: r.port };
}

/** Why Write{bufOffset, length} does not fit a `size`-byte buffer (null: it does). */
function badRange(size: number, offset: number, length: number): string | null {
  if (Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && offset + length <= size) return null;
  return `Write: ${length} bytes at ${offset} are not inside the ${size}-byte buffer (whole numbers, not negative)`;
}

/** A PollRead timeout as `readable` takes it: NaN and negatives do not wait. */
function pollWait(ms: number): number { return ms >= 0 ? ms : 0; }

/** Serves a Connected session until it ends; owns `ep` and `sock`. */
export async function serveConnected(start: Connected, sock: TcpSocket): Promise<void> {
  let ep = start;
  for (;;) {
    const r = await ep.receive();
    switch (r.tag) {
      case 'Read': {
        if (r.buf.length === 0) { ep = r.ep.send('Data', { buf: r.buf, bytes: 0 }); break; }
        const d = await sock.read(r.buf);
        if (d.error !== null) { await serveZombie(r.ep.send('ConnectionClosed', { buf: d.buf }), sock, false); return; }
        if (d.bytes === 0) { await serveSendOnly(r.ep.send('NoMoreData', { buf: d.buf }), sock); return; }
        ep = r.ep.send('Data', { buf: d.buf, bytes: d.bytes });
        break;
      }
      case 'PollRead': {
        if (r.buf.length === 0) { ep = r.ep.send('Data', { buf: r.buf, bytes: 0 }); break; }
        if (sock.available === 0 && await sock.readable(pollWait(r.timeout)) !== 'ready') { ep = r.ep.send('NoData', { buf: r.buf }); break; }
        const d = await sock.read(r.buf);
        if (d.error !== null) { await serveZombie(r.ep.send('ConnectionClosed', { buf: d.buf }), sock, false); return; }
        if (d.bytes === 0) { await serveSendOnly(r.ep.send('NoMoreData', { buf: d.buf }), sock); return; }
        ep = r.ep.send('Data', { buf: d.buf, bytes: d.bytes });
        break;
      }
      case 'Write': {
        const why = badRange(r.buf.length, r.bufOffset, r.length);
        if (why !== null) { await serveReceiveOnly(r.ep.send('CantSend', { buf: r.buf, reason: why }), sock, false); return; }
        if (r.length === 0) { ep = r.ep.send('Sent', { buf: r.buf }); break; }
        const w = await sock.write(r.buf, r.bufOffset, r.length);
        if (w.error !== null) { await serveReceiveOnly(r.ep.send('CantSend', { buf: w.buf, reason: w.error.message }), sock, false); return; }
        ep = r.ep.send('Sent', { buf: w.buf });
        break;
      }
      case 'IsDataAvailable': ep = r.ep.send('DataIsAvailable', { isAvailable: sock.available > 0 }); break;
      case 'GetEndPoints': ep = r.ep.send('EndPoints', endPoints(sock)); break;
      case 'DoneSending': sock.shutdown(); await serveReceiveOnly(r.ep, sock, true); return;
      case 'DoneReceiving': await serveSendOnly(r.ep, sock); return;
      case 'Close': sock.close(); return;
      case 'Abort': sock.abort(); return;
      case '$closed': sock.abort(); return;
    }
  }
}

/** After DoneSending (`shut`) or CantSend: reads go on. */
async function serveReceiveOnly(start: ReceiveOnly, sock: TcpSocket, shut: boolean): Promise<void> {
  let ep = start;
  for (;;) {
    const r = await ep.receive();
    switch (r.tag) {
      case 'Read': {
        if (r.buf.length === 0) { ep = r.ep.send('Data', { buf: r.buf, bytes: 0 }); break; }
        const d = await sock.read(r.buf);
        if (d.error !== null) { await serveZombie(r.ep.send('ConnectionClosed', { buf: d.buf }), sock, shut); return; }
        if (d.bytes === 0) { await serveZombie(r.ep.send('NoMoreData', { buf: d.buf }), sock, shut); return; }
        ep = r.ep.send('Data', { buf: d.buf, bytes: d.bytes });
        break;
      }
      case 'PollRead': {
        if (r.buf.length === 0) { ep = r.ep.send('Data', { buf: r.buf, bytes: 0 }); break; }
        if (sock.available === 0 && await sock.readable(pollWait(r.timeout)) !== 'ready') { ep = r.ep.send('NoData', { buf: r.buf }); break; }
        const d = await sock.read(r.buf);
        if (d.error !== null) { await serveZombie(r.ep.send('ConnectionClosed', { buf: d.buf }), sock, shut); return; }
        if (d.bytes === 0) { await serveZombie(r.ep.send('NoMoreData', { buf: d.buf }), sock, shut); return; }
        ep = r.ep.send('Data', { buf: d.buf, bytes: d.bytes });
        break;
      }
      case 'IsDataAvailable': ep = r.ep.send('DataIsAvailable', { isAvailable: sock.available > 0 }); break;
      case 'GetEndPoints': ep = r.ep.send('EndPoints', endPoints(sock)); break;
      case 'DoneReceiving': await serveZombie(r.ep, sock, shut); return;
      case 'Close': sock.close(); return;
      case 'Abort': sock.abort(); return;
      case '$closed': if (shut) sock.close(); else sock.abort(); return;
    }
  }
}

/** After NoMoreData or DoneReceiving: writes go on. */
async function serveSendOnly(start: SendOnly, sock: TcpSocket): Promise<void> {
  let ep = start;
  for (;;) {
    const r = await ep.receive();
    switch (r.tag) {
      case 'Write': {
        const why = badRange(r.buf.length, r.bufOffset, r.length);
        if (why !== null) { await serveZombie(r.ep.send('CantSend', { buf: r.buf, reason: why }), sock, false); return; }
        if (r.length === 0) { ep = r.ep.send('Sent', { buf: r.buf }); break; }
        const w = await sock.write(r.buf, r.bufOffset, r.length);
        if (w.error !== null) { await serveZombie(r.ep.send('CantSend', { buf: w.buf, reason: w.error.message }), sock, false); return; }
        ep = r.ep.send('Sent', { buf: w.buf });
        break;
      }
      case 'GetEndPoints': ep = r.ep.send('EndPoints', endPoints(sock)); break;
      case 'DoneSending': sock.shutdown(); await serveZombie(r.ep, sock, true); return;
      case 'Close': sock.close(); return;
      case 'Abort': sock.abort(); return;
      case '$closed': sock.abort(); return;
    }
  }
}

/** Neither way is open: only Close or Abort remain. */
async function serveZombie(ep: Zombie, sock: TcpSocket, shut: boolean): Promise<void> {
  const r = await ep.receive();
  switch (r.tag) {
    case 'Close': sock.close(); return;
    case 'Abort': sock.abort(); return;
    case '$closed': if (shut) sock.close(); else sock.abort(); return;
  }
}
