// The counter app's logic, apart from its channels: what each request is answered (a status and
// JSON text) and the counters it changes. The SIP (main.ts) and the benchmark's Node peer
// (bench/web-peers.ts) both call it, so the two serve the very same handler.
// Rules for callers: `path` is below the app's prefix ('/' or '/NAME'); `body` is the request's
// body as text. Invariants: only POST and DELETE change `values`; every answer is JSON.
export interface Counters { readonly values: Map<string, number> }

const NAME = /^[A-Za-z0-9._-]+$/;

/** The answer to one request: status and JSON text. */
export function handle(c: Counters, method: string, path: string, body: string): { readonly status: number; readonly json: string } {
  const name = path.slice(1);
  if (name === '') {
    if (method !== 'GET' && method !== 'HEAD') return { status: 405, json: JSON.stringify({ error: `${method} /: the list answers GET` }) };
    const all: Record<string, number> = {};
    for (const [k, v] of c.values) all[k] = v;
    return { status: 200, json: JSON.stringify({ counters: all }) };
  }
  if (name.length > 64 || !NAME.test(name)) return { status: 404, json: JSON.stringify({ error: `${path}: a counter's name is 1-64 of A-Z a-z 0-9 . _ -` }) };
  if (method === 'GET' || method === 'HEAD') {
    const v = c.values.get(name);
    return v === undefined ? { status: 404, json: JSON.stringify({ error: `no counter ${name}` }) } : { status: 200, json: JSON.stringify({ name, count: v }) };
  }
  if (method === 'POST') {
    let by = 1;
    if (body.trim() !== '') {
      let parsed: unknown;
      try { parsed = JSON.parse(body); } catch { return { status: 400, json: JSON.stringify({ error: 'the body is not JSON' }) }; }
      const n = typeof parsed === 'object' && parsed !== null ? (parsed as { by?: unknown }).by : undefined;
      if (typeof n !== 'number' || !Number.isInteger(n) || Math.abs(n) > 1e9) return { status: 400, json: JSON.stringify({ error: 'by must be a whole number between -1e9 and 1e9' }) };
      by = n;
    }
    const v = (c.values.get(name) ?? 0) + by;
    c.values.set(name, v);
    return { status: 200, json: JSON.stringify({ name, count: v }) };
  }
  if (method === 'DELETE') {
    const had = c.values.delete(name);
    return had ? { status: 200, json: JSON.stringify({ name, deleted: true }) } : { status: 404, json: JSON.stringify({ error: `no counter ${name}` }) };
  }
  return { status: 405, json: JSON.stringify({ error: `${method}: a counter answers GET, POST and DELETE` }) };
}

