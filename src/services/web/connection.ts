// One HTTP/1.1 connection of the web server, served by its own thread: read with a deadline,
// parse (http-request.ts), answer each request in order (pipelined requests are answered one after
// another from what was already read), keep the connection alive while both sides want it.
// Rules for callers: the accept loop counts the connection in `srv.live` before it spawns
// `serveConnection`, which takes it out when it ends; `refuseConnection` answers 503 to a
// connection over the cap and is not counted.
// Deadlines: a request's head must arrive within headerTimeoutMs of its first byte, its body
// within bodyTimeoutMs of the head; a kept-alive connection with no request in progress is closed
// after idleTimeoutMs. A late head or body is answered 408; an idle connection just closes.
// Invariants: the thread owns the connection endpoint and two blocks (the read buffer and the
// write buffer); they travel to the network service with each read and write and come back with
// the answer; when the thread ends every one of them is closed or freed (a buffer lost with a dead
// network service is the kernel's to reclaim).
import type { Abi, Bytes, Imp } from 'sing/runtime';
import type { TcpConnection } from 'sing/contracts/tcp';
import { RequestParser, type HttpRequest } from './http-request.ts';
import { answerRequest, answerStatus } from './answers.ts';
import { CONNECTION_WRITE_BYTES, READ_BYTES, type WebServer } from './server.ts';
import { send, type Connected } from './wire.ts';

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

type PreConnected = Imp<typeof TcpConnection, 'PreConnected'>;

/** Ends the connection: a clean close. */
function finish(ep: Connected | null, rbuf: Bytes | null, wbuf: Bytes | null): void {
  ep?.send('Close');
  rbuf?.free();
  wbuf?.free();
}

/** The deadline the next read waits for, by where the parser is. */
function deadline(srv: WebServer, parser: RequestParser, idleSince: number, headSince: number, bodySince: number): number {
  if (parser.inBody) return bodySince + srv.bodyTimeoutMs;
  if (parser.inHead) return headSince + srv.headerTimeoutMs;
  return idleSince + srv.idleTimeoutMs;
}

export async function serveConnection(pre: PreConnected, srv: WebServer, abi: Abi): Promise<void> {
  srv.accepted++;
  const hello = await pre.receive();
  if (hello.tag === '$closed') { srv.live--; return; }
  let ep: Connected | null = hello.ep;
  let rbuf: Bytes | null = abi.alloc(READ_BYTES);
  let wbuf: Bytes | null = abi.alloc(CONNECTION_WRITE_BYTES);
  const parser = new RequestParser(srv.limits);
  const scratch = srv.scratch;
  let grown = false; // holds one of the server's MAX_GROWN larger write buffers
  let idleSince = abi.now();
  let headSince = idleSince;
  let bodySince = idleSince;
  for (;;) {
    if (ep === null || rbuf === null || wbuf === null) break;
    const p = parser.next();
    if (p.kind === 'request') {
      const req: HttpRequest = p.request;
      const w = await answerRequest(ep, wbuf, req, srv, abi);
      ep = w.wire.ep;
      wbuf = w.wire.buf;
      if (wbuf !== null && wbuf.length > CONNECTION_WRITE_BYTES) grown = true;
      if (w.close) break;
      idleSince = abi.now();
      headSince = idleSince;
      bodySince = idleSince;
      continue;
    }
    if (p.kind === 'error') {
      const w = await answerStatus(ep, wbuf, p.status, p.reason, true, null, srv);
      ep = w.ep;
      wbuf = w.buf;
      break;
    }
    if (parser.wantsContinue) {
      // The client waits for leave to send its body (Expect: 100-continue): give it.
      parser.continueSent();
      const n = wbuf.writeText(CONTINUE, 0);
      const w = await send(ep, wbuf, n);
      ep = w.ep;
      wbuf = w.buf;
      continue;
    }
    const wasHead = parser.inHead;
    const wasBody = parser.inBody;
    const now = abi.now();
    const until = deadline(srv, parser, idleSince, headSince, bodySince);
    if (now >= until) {
      if (parser.inHead || parser.inBody) {
        const w = await answerStatus(ep, wbuf, 408, `the request did not arrive within ${parser.inBody ? srv.bodyTimeoutMs : srv.headerTimeoutMs} ms`, true, null, srv);
        ep = w.ep;
        wbuf = w.buf;
      }
      break;
    }
    const m = await ep.send('PollRead', { buf: rbuf, timeout: until - now }).receive();
    if (m.tag === '$closed') { ep = null; rbuf = null; break; }
    if (m.tag === 'NoMoreData') { m.ep.send('Close'); ep = null; rbuf = m.buf; break; }
    if (m.tag === 'ConnectionClosed') { m.ep.send('Abort'); ep = null; rbuf = m.buf; break; }
    ep = m.ep;
    rbuf = m.buf;
    if (m.tag === 'NoData') continue;
    const n = m.bytes;
    rbuf.readInto(scratch, 0, n, 0);
    parser.push(scratch, 0, n);
    const t = abi.now();
    if (!wasHead && !wasBody && (parser.inHead || parser.pending > 0)) headSince = t;
    if (!wasBody && parser.inBody) bodySince = t;
  }
  finish(ep, rbuf, wbuf);
  if (grown) srv.grown--;
  srv.live--;
}

/** A connection beyond the cap: 503 and close. */
export async function refuseConnection(pre: PreConnected, srv: WebServer, abi: Abi): Promise<void> {
  const hello = await pre.receive();
  if (hello.tag === '$closed') return;
  const w = await answerStatus(hello.ep, abi.alloc(1024), 503, `the server is serving its limit of ${srv.maxConnections} connections`, true, null, srv);
  finish(w.ep, null, w.buf);
}
