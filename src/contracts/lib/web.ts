// The web-app contract: how the web server hands a request to a web-app SIP and gets the response
// back (Cassini's handlers, each in its own process). A web app exports WebApp at a name
// (`/web/counter`); the web server routes a path prefix to that name (its `apps` parameter) and
// binds it as often as it has requests in flight, one request at a time per channel.
// Rules for apps: a channel starts with Ready; then each Request is answered by exactly one
// Response before the next Request arrives. A Request moves two blocks to the app — the head (its
// header lines, `name: value\n`, names in lower case) and the body — which the app owns from then
// on (free them, or reuse them in its Response). A Response moves two blocks back: the response's
// header lines in the same form (the server adds Date, Content-Length and Connection itself and
// refuses hop-by-hop headers) and the body. `headLength`/`bodyLength` say how much of each block
// is meant; the rest is ignored.
// Rules for the server: an app that closes a channel, fails, or answers something the server
// cannot send costs only the requests on that channel (502); the server binds the name again for
// the next request, so a restarted app is found by name.
import { bytes, contract, f64, inn, out, str } from 'sing/runtime';

export const WebApp = contract('WebApp', {
  messages: {
    Ready: out(),
    Request: inn({ method: str, path: str, query: str, head: bytes, headLength: f64, body: bytes, bodyLength: f64 }),
    Response: out({ status: f64, head: bytes, headLength: f64, body: bytes, bodyLength: f64 }),
  },
  initial: 'Start',
  states: {
    Start: { Ready: 'Idle' },
    Idle: { Request: 'Handling' },
    Handling: { Response: 'Idle' },
  },
});

/** Header lines as the contract carries them: `name: value\n`, one a line. */
export function headLines(headers: ReadonlyMap<string, string> | readonly (readonly [string, string])[]): string {
  let s = '';
  for (const [name, value] of headers) s += `${name}: ${value}\n`;
  return s;
}

/** The header lines of a head block's text (`block.readText(0, headLength)`), names lower-cased (a
 * repeated name's values joined with ', '). Lines without a colon are skipped. */
export function parseHead(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < text.length) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    const colon = text.indexOf(':', at);
    if (colon > at && colon < end) {
      const name = text.slice(at, colon).trim().toLowerCase();
      const value = text.slice(colon + 1, end).trim();
      const had = out.get(name);
      out.set(name, had === undefined ? value : `${had}, ${value}`);
    }
    at = end + 1;
  }
  return out;
}
