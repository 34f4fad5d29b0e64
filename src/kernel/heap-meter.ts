// The heap meter: how much of the shared JavaScript heap each program holds, for memory budgets.
// Programs share one heap, so no counter says what one of them holds. V8's sampling heap profiler
// does: it records about one allocation per SAMPLE_BYTES allocated, with the stack that made it,
// and forgets each sample when the garbage collector frees its object. Each sealed image is
// evaluated as a script of its own, so a sample belongs to the program whose code is innermost on
// its stack (kernel code called by a program, a send for instance, counts as that program's).
// Measuring (walking the profile) costs milliseconds, so it is done only when the old generation
// plus buffers outside the heap (the `level`) has grown by TRIGGER_BYTES (or by the least room a
// process has left under its budget, when that is more) since the last one, or the old
// generation stands above PRESSURE of its limit; the level itself is read at most once per
// SAMPLE_MS, at the slow path of a running process's checks (guard.ts), which is where a program
// that allocates must pass.
// Rules for callers: a kernel registers as a MeterClient while it has programs; `scriptOf` names
// the script an image's code was evaluated as (at load); `sample()` is cheap and may be called
// at any checkpoint; `measure()` is for when a decision needs fresh numbers (a metered builtin
// about to allocate more than its process has room for). `setSampling(false)` is for benches only
// (bench/fuel.ts runs its peer without memory accounting, in the same process).
// Invariants: one profiler session per isolate (each worker domain has its own meter); clients'
// `judge` runs with the freshest numbers, after a full collection whenever it is asked to
// confirm that someone is over (garbage not yet collected is not held); judging never runs
// program code.
import inspector from 'node:inspector';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isMainThread, resourceLimits } from 'node:worker_threads';
import { outsideKills } from './kernel-watchdog.ts';

/** Mean bytes allocated between two samples. The error of a holding of H bytes is about
 * sqrt(H x SAMPLE_BYTES) (one standard deviation: 4 MiB, 6%, at a 64 MiB budget); the profiler's
 * cost on allocation-heavy code falls with the interval (measured: 6% at 64 KiB, 1% at 256 KiB). */
export const SAMPLE_BYTES = 256 * 1024;
/** Growth of the level that makes the next sample measure. */
export const TRIGGER_BYTES = 8 * 1024 * 1024;
/** Measure on every sample once the level is above this share of the host's heap limit. */
export const PRESSURE = 0.6;
/** The most often the level is read. */
const SAMPLE_MS = 1;

export interface MeterClient {
  /** True when it has nothing to judge: the meter drops it (it attaches again when it has). */
  readonly idle: boolean;
  /** Bytes held per script id (absent: none). `confirmed`: measured right after a full
   * collection. `pressure`: the host's heap is near its limit. Returns true when it finds a
   * program over its budget that it has not ended because the numbers were not confirmed. */
  judge(bytes: ReadonlyMap<string, number>, confirmed: boolean, pressure: boolean): boolean;
  /** The least room any of its processes has left under its budget by the last measurement
   * (Infinity: none has a budget to watch). */
  headroom(): number;
}

interface ProfileNode {
  callFrame: { scriptId: string };
  selfSize: number;
  children: ProfileNode[];
}

class HeapMeter {
  private session: inspector.Session | null = null;
  private readonly clients = new Set<MeterClient>();
  private readonly scripts = new Set<string>();
  /** The level when last measured (lowered whenever a sample finds it lower). */
  private base = 0;
  private lastSampleAt = -Infinity;
  private lastLevel = 0;
  private measuring = false;
  /** False while a bench has the profiler stopped (setSampling). */
  private sampling = true;
  private gcFn: (() => void) | null = null;
  /** The old generation's limit: what the heap runs out at (the level's heap part is measured
   * against it; buffers outside the heap do not count towards it). */
  private readonly limit = oldGenerationLimit();
  /** Measurements taken, and full collections forced to confirm one (for tests and benches). */
  measurements = 0;
  confirmations = 0;

  attach(c: MeterClient): void {
    this.clients.add(c);
    this.start();
  }
  detach(c: MeterClient): void { this.clients.delete(c); }

  /** The script id V8 gave the code `fn` was compiled from (undefined without an inspector). */
  scriptOf(fn: (...a: never[]) => unknown): string | undefined { return outsideKills(() => this.scriptOfNow(fn)); }

  private scriptOfNow(fn: (...a: never[]) => unknown): string | undefined {
    const s = this.start();
    if (s === null) return undefined;
    const key = Symbol.for('sing.heapMeter.probe');
    const g = globalThis as unknown as Record<symbol, unknown>;
    g[key] = fn;
    try {
      const r = post<{ result: { objectId?: string } }>(s, 'Runtime.evaluate', { expression: `globalThis[Symbol.for('sing.heapMeter.probe')]` });
      const id = r.result.objectId;
      if (id === undefined) return undefined;
      try {
        const props = post<{ internalProperties?: { name: string; value?: { value?: { scriptId?: string } } }[] }>(s, 'Runtime.getProperties', { objectId: id, ownProperties: true });
        const loc = props.internalProperties?.find((p) => p.name === '[[FunctionLocation]]');
        const sid = loc?.value?.value?.scriptId;
        if (sid !== undefined) this.scripts.add(sid);
        return sid;
      } finally {
        post(s, 'Runtime.releaseObject', { objectId: id });
      }
    } finally {
      delete g[key];
    }
  }

  /** The old generation, large objects and buffers outside the heap, in bytes. */
  level(): number { return this.heapLevel() + v8.getHeapStatistics().external_memory; }

  /** The old generation and large objects: what counts towards the heap's limit. */
  private heapLevel(): number {
    let n = 0;
    for (const sp of v8.getHeapSpaceStatistics()) {
      if (sp.space_name !== 'new_space' && sp.space_name !== 'read_only_space' && sp.space_name !== 'new_large_object_space') n += sp.space_used_size;
    }
    return n;
  }

  /** How much the level has grown since the last measurement: what the holdings measured then
   * may be short of by now (reads the level afresh). */
  unmeasured(): number {
    if (this.session === null || !this.sampling) return 0;
    return Math.max(0, this.level() - this.base);
  }

  /** Cheap unless the level has grown by TRIGGER_BYTES since the last measurement, or the heap
   * is near its limit: then it measures. Returns how much the level grew since the last read (0
   * when it was not read: at most one read per SAMPLE_MS). */
  sample(): number {
    if (this.clients.size === 0 || this.measuring || !this.sampling) return 0;
    const now = performance.now();
    if (now - this.lastSampleAt < SAMPLE_MS) return 0;
    this.lastSampleAt = now;
    const level = this.level();
    const grown = level - this.lastLevel;
    this.lastLevel = level;
    if (level < this.base) this.base = level;
    if (level - this.base >= this.trigger() || this.heapLevel() > this.limit * PRESSURE) this.measure();
    return grown > 0 ? grown : 0;
  }

  /** The growth that calls for a measurement: TRIGGER_BYTES, or more while every process has
   * more room than that left under its budget. A process's holdings cannot grow by more than the
   * level does, so until the level has grown by the least room left nobody can be over; a
   * server allocating fast (its garbage promoted to the old generation) is then not measured,
   * with a full collection each time, every few milliseconds. */
  private trigger(): number {
    let room = Infinity;
    for (const c of this.clients) room = Math.min(room, c.headroom());
    return Math.max(TRIGGER_BYTES, room === Infinity ? TRIGGER_BYTES : room);
  }

  /** Measures now and lets every client judge; confirms with a full collection when asked. */
  measure(): void { outsideKills(() => { this.measureNow(); }); } // inspector and collector: never cut off halfway

  private measureNow(): void {
    if (this.session === null || this.measuring || !this.sampling) return;
    this.measuring = true;
    try {
      this.measurements++;
      let over = this.judgeAll(false);
      if (over) {
        this.collect();
        this.confirmations++;
        over = this.judgeAll(true);
      }
      this.base = this.level();
    } finally {
      this.measuring = false;
    }
  }

  private judgeAll(confirmed: boolean): boolean {
    const bytes = this.holdings();
    const pressure = this.heapLevel() > this.limit * PRESSURE;
    let over = false;
    for (const c of [...this.clients]) {
      if (c.idle) { this.clients.delete(c); continue; }
      if (c.judge(bytes, confirmed, pressure)) over = true;
    }
    return over;
  }

  /** Live sampled bytes per program script (the innermost program frame of each sample's stack). */
  holdings(): Map<string, number> {
    const out = new Map<string, number>();
    if (this.session === null) return out;
    const { profile } = post<{ profile: { head: ProfileNode } }>(this.session, 'HeapProfiler.getSamplingProfile', {});
    const stack: [ProfileNode, string][] = [[profile.head, '']];
    for (let e = stack.pop(); e !== undefined; e = stack.pop()) {
      const [n, outer] = e;
      const sid = this.scripts.has(n.callFrame.scriptId) ? n.callFrame.scriptId : outer;
      if (sid !== '' && n.selfSize > 0) out.set(sid, (out.get(sid) ?? 0) + n.selfSize);
      for (const c of n.children) stack.push([c, sid]);
    }
    return out;
  }

  /** For benches only: stops (false) or restarts (true) the sampling profiler and the level reads
   * at checkpoints, so that a peer can run without memory accounting in the same process.
   * Stopping discards every sample: until new ones replace them, holdings read low and budgets
   * are not enforced. */
  setSampling(on: boolean): void {
    if (on === this.sampling) return;
    this.sampling = on;
    const s = this.session;
    if (s === null) return;
    outsideKills(() => {
      // Not stopSampling: that collects the whole heap first (as getSamplingProfile does).
      if (on) { post(s, 'HeapProfiler.enable', {}); post(s, 'HeapProfiler.startSampling', { samplingInterval: SAMPLE_BYTES }); }
      else post(s, 'HeapProfiler.disable', {});
    });
    if (on) this.base = this.level();
  }

  /** A full, synchronous collection (V8's `gc`, exposed once through a flag). */
  collect(): void {
    if (this.gcFn === null) {
      v8.setFlagsFromString('--expose-gc');
      this.gcFn = runInNewContext('gc') as () => void;
    }
    this.gcFn();
  }

  private start(): inspector.Session | null {
    if (this.session !== null) return this.session;
    try {
      const s = new inspector.Session();
      s.connect();
      post(s, 'HeapProfiler.enable', {});
      if (this.sampling) post(s, 'HeapProfiler.startSampling', { samplingInterval: SAMPLE_BYTES });
      this.session = s;
      this.base = this.level();
    } catch {
      this.session = null; // a Node built without the inspector: budgets are not enforced
    }
    return this.session;
  }
}

/** V8's default young generation reservation on 64-bit hosts (three 16 MiB semi-spaces' worth). */
const DEFAULT_YOUNG = 48 * 1024 * 1024;

/** The old generation's limit in bytes: a worker's resource limit, else --max-old-space-size
 * (on the command line or in NODE_OPTIONS), else V8's heap limit less its young generation. */
function oldGenerationLimit(): number {
  const mb = (n: unknown): number | undefined => (typeof n === 'number' && n > 0 ? n * 1024 * 1024 : undefined);
  const fromWorker = isMainThread ? undefined : mb(resourceLimits.maxOldGenerationSizeMb);
  if (fromWorker !== undefined) return fromWorker;
  const flags = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
  for (const f of flags) {
    const m = /^--max-old-space-size=(\d+)$/.exec(f);
    if (m !== null) return Number(m[1]) * 1024 * 1024;
  }
  const total = v8.getHeapStatistics().heap_size_limit;
  return total > 2 * DEFAULT_YOUNG ? total - DEFAULT_YOUNG : total / 2;
}

/** Posts a command on a session connected to this thread: the reply arrives before post returns. */
function post<T = unknown>(s: inspector.Session, method: string, params: object): T {
  let out: { ok: true; v: unknown } | { ok: false; e: unknown } | undefined;
  s.post(method, params, (err, res) => { out = err === null || err === undefined ? { ok: true, v: res } : { ok: false, e: err }; });
  if (out === undefined) throw new Error(`heap meter: ${method} did not answer synchronously`);
  if (!out.ok) throw out.e;
  return out.v as T;
}

/** The meter of this isolate. */
export const heapMeter = new HeapMeter();
