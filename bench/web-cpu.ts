// The web benchmark's CPU split: a V8 profile of Sing's server attributed, sample by sample, to the
// kernel, the network service, the web server, the file system or the rest (Node, GC, the host
// socket's writes), by the frame's script: the sealed images run as `sing:NAME` sources.
// Rules for callers: `splitOf` takes a parsed .cpuprofile and the burst it was taken over.
// Invariants: every busy sample lands in exactly one part, so the busy shares add up to 100.

export interface CpuSplit {
  /** The load profiled (a `sing` burst). */
  readonly fileBytes: number;
  readonly connections: number;
  readonly reqPerSec: number;
  readonly samples: number;
  /** Share of the profile's samples in which the thread was idle. */
  readonly idlePct: number;
  /** Shares of the busy samples (idle excluded), summing to 100. */
  readonly busyPct: { readonly kernel: number; readonly net: number; readonly web: number; readonly fs: number; readonly other: number };
  /** The parts broken down: kernel's by folder (kernel, lib, exheap, channels, ...) and SES; other's
   * into gc, program (V8's unattributed), and Node's internals by the nearest Sing caller
   * (`node (called by kernel)`: the kernel's socket writes and reads) or `node (event loop)`. */
  readonly detail: Readonly<Record<string, number>>;
  /** The heaviest functions by self time, % of busy samples. */
  readonly top: readonly { readonly fn: string; readonly where: string; readonly part: string; readonly pct: number }[];
}


// ---- the CPU split ----

export interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
export interface Profile { nodes: ProfileNode[] }

type Part = 'kernel' | 'net' | 'web' | 'fs' | 'app' | 'other';

/** The part a frame's script belongs to, and a finer name for the detail; null: no script (a
 * builtin), attributed to its caller. */
export function partOf(url: string, fn: string): { part: Part; detail: string } | null {
  if (url === '') {
    if (fn === '(idle)') return { part: 'other', detail: 'idle' };
    if (fn === '(garbage collector)') return { part: 'other', detail: 'gc' };
    if (fn === '(program)') return { part: 'other', detail: 'program' };
    if (fn === '(root)') return { part: 'other', detail: 'root' };
    return null;
  }
  if (url.startsWith('sing:')) {
    const image = decodeURIComponent(url.slice(5));
    if (image === 'net') return { part: 'net', detail: 'net' };
    if (image === 'web') return { part: 'web', detail: 'web' };
    if (image === 'fat' || image === 'disk') return { part: 'fs', detail: image };
    if (image === 'counter') return { part: 'app', detail: 'counter' };
    return { part: 'other', detail: `image ${image}` };
  }
  const m = /\/src\/(services\/[^/]+|[^/]+)\//.exec(url);
  if (m !== null && !url.includes('/node_modules/')) {
    const dir = m[1] as string;
    if (dir === 'services/net') return { part: 'net', detail: 'net' };
    if (dir === 'services/web') return { part: 'web', detail: 'web' };
    if (dir === 'services/fat' || dir === 'services/disk' || dir === 'services/shared') return { part: 'fs', detail: dir.slice(9) };
    if (dir === 'services/counter') return { part: 'app', detail: 'counter' };
    return { part: 'kernel', detail: dir };
  }
  if (url.includes('/node_modules/ses/') || url.includes('/node_modules/@endo/')) return { part: 'kernel', detail: 'ses' };
  if (url.startsWith('node:') || !url.includes('/')) return { part: 'other', detail: 'node' };
  return { part: 'other', detail: 'host' };
}

export function splitOf(p: Profile, fileBytes: number, connections: number, reqPerSec: number): CpuSplit {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const n of p.nodes) { byId.set(n.id, n); for (const ch of n.children ?? []) parent.set(ch, n.id); }
  const parts: Record<Part, number> = { kernel: 0, net: 0, web: 0, fs: 0, app: 0, other: 0 };
  const detail: Record<string, number> = {};
  const fns = new Map<string, { fn: string; where: string; part: string; n: number }>();
  let total = 0;
  let idle = 0;
  for (const n of p.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0) continue;
    total += hits;
    let at: ProfileNode | undefined = n;
    let where = partOf(n.callFrame.url, n.callFrame.functionName);
    while (where === null && at !== undefined) {
      const up = parent.get(at.id);
      at = up === undefined ? undefined : byId.get(up);
      where = at === undefined ? { part: 'other', detail: 'node' } : partOf(at.callFrame.url, at.callFrame.functionName);
    }
    let w = where ?? { part: 'other' as Part, detail: 'node' };
    if (w.detail === 'idle') { idle += hits; continue; }
    if (w.detail === 'node') {
      // Node's own code: say whose call it serves — the nearest caller that is Sing's (the
      // kernel's socket writes, for instance) — or that it runs straight from the event loop.
      let by: string | null = null;
      for (let up = parent.get((at ?? n).id); up !== undefined && by === null; up = parent.get(up)) {
        const u = byId.get(up);
        if (u === undefined) break;
        const q = partOf(u.callFrame.url, u.callFrame.functionName);
        if (q !== null && q.detail !== 'node' && q.detail !== 'root') by = q.part;
      }
      w = { part: 'other', detail: by === null ? 'node (event loop)' : `node (called by ${by})` };
    }
    parts[w.part] += hits;
    detail[w.detail] = (detail[w.detail] ?? 0) + hits;
    const url = n.callFrame.url;
    const short = url.startsWith('sing:') ? url : url.replace(/^.*\/(src|node_modules)\//, '$1/');
    const key = `${n.callFrame.functionName}@${short}:${n.callFrame.lineNumber + 1}`;
    const f = fns.get(key) ?? { fn: n.callFrame.functionName || '(anonymous)', where: url === '' ? '(builtin)' : `${short}:${n.callFrame.lineNumber + 1}`, part: w.part, n: 0 };
    f.n += hits;
    fns.set(key, f);
  }
  const busy = Math.max(1, total - idle);
  const pct = (x: number): number => Math.round((x / busy) * 1000) / 10;
  return {
    fileBytes, connections, reqPerSec, samples: total,
    idlePct: Math.round((idle / Math.max(1, total)) * 1000) / 10,
    // The counter app does not run in this load; its share (if any) is counted with `other`.
    busyPct: { kernel: pct(parts.kernel), net: pct(parts.net), web: pct(parts.web), fs: pct(parts.fs), other: pct(parts.other + parts.app) },
    detail: Object.fromEntries(Object.entries(detail).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, pct(v)])),
    top: [...fns.values()].sort((a, b) => b.n - a.n).slice(0, 15).map((f) => ({ fn: f.fn, where: f.where, part: f.part, pct: pct(f.n) })),
  };
}

