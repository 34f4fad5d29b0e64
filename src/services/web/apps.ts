// Web apps behind the web server: the routes (a path prefix to the name a web-app SIP exports) and,
// per route, a pool of WebApp channels, so that requests to one app run side by side and each
// waits only for its own answer.
// Rules for callers: `AppRoutes.parse` takes the `apps` parameter (`/counter=/web/counter,...`;
// prefixes start with '/', do not end with one, and do not repeat; a route may name several
// instances of one app, `/busy=/web/busy0+/web/busy1`, which share its requests); `match` finds the longest
// prefix that is the path or a '/'-bounded start of it. `AppPool.call` hands one request to the
// app and resolves to its answer or to the status the client gets instead: 502 when the app is not
// running, fails, closes the channel or answers something unsendable, 504 when it does not answer
// within the time given. The body block of an answer belongs to the caller.
// Invariants: a channel goes back to the pool only after a complete, valid exchange; any other
// channel is closed, so the next request binds the name again (finding a restarted app); at most
// MAX_IDLE channels wait in a pool.
import { EndpointMap, type Abi, type Bytes, type Imp } from 'sing/runtime';
import { WebApp, headLines, parseHead } from 'sing/contracts/web';
import type { HttpRequest } from './http-request.ts';

const MAX_IDLE = 32;
/** Headers the server owns: an app's answer may not set them. */
const SERVER_HEADERS = new Set(['connection', 'content-length', 'transfer-encoding', 'date', 'keep-alive', 'upgrade', 'te', 'trailer']);

export class WebAppConfigError extends Error {
  readonly code = 'E_WEB_CONFIG';
}

/** A prefix and the app names that serve it: one, or several instances of one app (each request
 * goes to the instance with the fewest requests in flight, so instances on different kernels
 * share the load). `name` is the names as the parameter gave them, for messages. */
export interface Route { readonly prefix: string; readonly name: string; readonly names: readonly string[] }

/** An app's answer: the response, or a status the server answers itself (`body` null). */
export interface AppAnswer {
  readonly status: number;
  /** Flat [name, value, ...] headers (without the server's own). */
  readonly headers: readonly string[];
  readonly body: Bytes | null;
  readonly bodyLength: number;
  /** Why the server answers instead ('' for a real answer). */
  readonly reason: string;
}

type Idle = Imp<typeof WebApp, 'Idle'>;
type Handling = Imp<typeof WebApp, 'Handling'>;

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 ? (i++, 4) : 3;
  }
  return n;
}

function failure(status: number, reason: string): AppAnswer {
  return { status, headers: [], body: null, bodyLength: 0, reason };
}

export class AppPool {
  readonly route: Route;
  /** Idle channels, keyed so that `key % names.length` is the instance they go to. */
  readonly #idle = new EndpointMap<number, Idle>();
  /** Requests in flight, per instance. */
  readonly #busy: number[];
  #next = 0;
  #turn = 0;
  /** Requests answered by the app, and answered 502/504 instead. */
  answered = 0;
  failed = 0;

  constructor(route: Route) {
    this.route = route;
    this.#busy = route.names.map(() => 0);
  }

  /** The instance with the fewest requests in flight (the next in turn among equals). */
  #pick(): number {
    const n = this.#busy.length;
    let best = this.#turn % n;
    for (let i = 1; i < n; i++) {
      const j = (this.#turn + i) % n;
      if ((this.#busy[j] as number) < (this.#busy[best] as number)) best = j;
    }
    this.#turn = best + 1;
    return best;
  }

  /** An idle channel to instance `at`: one from the pool, or a new bind of its name. */
  async #channel(abi: Abi, at: number): Promise<{ readonly ep: Idle | null; readonly reason: string }> {
    const n = this.route.names.length;
    const keys = this.#idle.keys();
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as number;
      if (key % n !== at) continue;
      const ep = this.#idle.take(key);
      if (ep !== undefined) return { ep, reason: '' };
    }
    const name = this.route.names[at] as string;
    const ch = abi.channel(WebApp);
    const b = await abi.bind(name, ch.exp);
    if (!b.ok) { ch.imp.close(); return { ep: null, reason: `the web app ${name} is not running (${b.code}: ${b.reason})` }; }
    const r = await ch.imp.receive();
    if (r.tag === '$closed') return { ep: null, reason: `the web app ${name} closed the channel before it was ready` };
    return { ep: r.ep, reason: '' };
  }

  /** Hands `req` (its path made relative to the route's prefix) to an instance of the app. */
  async call(abi: Abi, req: HttpRequest, timeoutMs: number): Promise<AppAnswer> {
    const at = this.#pick();
    this.#busy[at] = (this.#busy[at] as number) + 1;
    try {
      return await this.#call(abi, req, timeoutMs, at);
    } finally {
      this.#busy[at] = (this.#busy[at] as number) - 1;
    }
  }

  async #call(abi: Abi, req: HttpRequest, timeoutMs: number, at: number): Promise<AppAnswer> {
    const c = await this.#channel(abi, at);
    const idle = c.ep;
    if (idle === null) { this.failed++; return failure(502, c.reason); }
    const text = headLines(req.headers);
    const head = abi.alloc(Math.max(1, utf8Length(text)));
    const headLength = head.writeText(text, 0);
    const body = abi.alloc(Math.max(1, req.body.length));
    body.write(req.body, 0);
    const rel = req.path.slice(this.route.prefix.length);
    const asked = idle.send('Request', { method: req.method, path: rel === '' ? '/' : rel, query: req.query, head, headLength, body, bodyLength: req.body.length });
    // The answer, or nothing within timeoutMs: the channel waits in a map of its own, whose
    // receive can time out (the endpoint stays in the map then, and is closed from there).
    const waiting = new EndpointMap<number, Handling>();
    waiting.put(0, asked);
    const r = await waiting.receive({ timeoutMs });
    if (r.key === undefined) {
      waiting.take(0)?.close();
      this.failed++;
      return failure(504, `the web app ${this.route.names[at] as string} did not answer within ${timeoutMs} ms`);
    }
    const m = r.msg;
    if (m.tag === '$closed') { this.failed++; return failure(502, `the web app ${this.route.names[at] as string} closed the channel before answering (it failed or ended)`); }
    const headers: string[] = [];
    let bad = '';
    const headText = m.headLength <= 0 ? '' : m.head.readText(0, Math.min(m.headLength, m.head.length));
    for (const [name, value] of parseHead(headText)) {
      if (SERVER_HEADERS.has(name)) continue;
      if (!/^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(name) || value.includes('\r')) { bad = `header ${JSON.stringify(name)}`; break; }
      headers.push(name, value);
    }
    m.head.free();
    const status = m.status;
    if (!Number.isInteger(status) || status < 200 || status > 599) bad = `status ${status}`;
    if (!Number.isInteger(m.bodyLength) || m.bodyLength < 0 || m.bodyLength > m.body.length) bad = `body length ${m.bodyLength} of a ${m.body.length}-byte block`;
    if (bad !== '') {
      m.body.free();
      m.ep.close();
      this.failed++;
      return failure(502, `the web app ${this.route.names[at] as string} answered an unsendable response (${bad})`);
    }
    if (this.#idle.size < MAX_IDLE) {
      this.#idle.put(this.#next * this.route.names.length + at, m.ep);
      this.#next++;
    } else m.ep.close();
    this.answered++;
    return { status, headers, body: m.body, bodyLength: m.bodyLength, reason: '' };
  }
}

export class AppRoutes {
  readonly #pools: readonly AppPool[];

  private constructor(pools: readonly AppPool[]) { this.#pools = pools; }

  /** Routes from `prefix=name,prefix=name`; '' for none. */
  static parse(spec: string): AppRoutes {
    const pools: AppPool[] = [];
    for (const part of spec.split(',')) {
      const item = part.trim();
      if (item === '') continue;
      const eq = item.indexOf('=');
      const prefix = eq < 0 ? '' : item.slice(0, eq).trim();
      const name = eq < 0 ? '' : item.slice(eq + 1).trim();
      if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(prefix)) throw new WebAppConfigError(`parameter apps: ${JSON.stringify(item)}: a route is prefix=name with a prefix like /counter (no trailing '/')`);
      const names = name.split('+');
      for (const n of names) if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(n)) throw new WebAppConfigError(`parameter apps: ${JSON.stringify(item)}: an app's name must be a path like /web/counter (several instances: /web/a0+/web/a1)`);
      if (new Set(names).size !== names.length) throw new WebAppConfigError(`parameter apps: ${JSON.stringify(item)}: an instance is named twice`);
      if (pools.some((p) => p.route.prefix === prefix)) throw new WebAppConfigError(`parameter apps: the prefix ${prefix} is routed twice`);
      pools.push(new AppPool({ prefix, name, names }));
    }
    pools.sort((a, b) => b.route.prefix.length - a.route.prefix.length);
    return new AppRoutes(pools);
  }

  /** The pool whose prefix is `path` or a '/'-bounded start of it (longest first). */
  match(path: string): AppPool | null {
    for (const p of this.#pools) {
      const pre = p.route.prefix;
      if (path.startsWith(pre) && (path.length === pre.length || path.charCodeAt(pre.length) === 47)) return p;
    }
    return null;
  }

  get pools(): readonly AppPool[] { return this.#pools; }

  describe(): string {
    return this.#pools.length === 0 ? '' : ` (apps: ${this.#pools.map((p) => `${p.route.prefix} -> ${p.route.name}`).join(', ')})`;
  }
}
