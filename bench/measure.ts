// Timing helpers shared by every Sing benchmark.
//
// Rules for callers:
//   - Results are nanoseconds per operation (median of several timed batches).
//     They are measurements only: tests must never assert on them.
//   - Benchmarks write progress to stderr (`progress`) and keep stdout for the
//     final table / JSON, so output can be piped.
//   - Functions passed to `timeSync` / `timeAsync` should return something that
//     depends on the work done; the helpers fold the result into a module-level
//     sink so the optimizer cannot drop the call.
//   - `timeBatch` callers run exactly `n` operations per invocation and must do
//     their own consuming of results.

export interface MeasureOptions {
  /** Total target time of the timed rounds, in ms (default 200). */
  readonly minMs?: number;
  /** Number of timed batches; the median is reported (default 5). */
  readonly rounds?: number;
}

const DEFAULT_MIN_MS = 200;
const DEFAULT_ROUNDS = 5;
/** Calibration never grows the batch by more than this factor in one step. */
const MAX_GROWTH = 100;

let sink = 0;

/** Fold a value into the sink so V8 has to keep whatever produced it. */
function consume(value: unknown): void {
  if (typeof value === "number") sink ^= value | 0;
  else if (typeof value === "bigint") sink ^= value === 0n ? 0 : 1;
  else sink ^= value === undefined ? 0 : 1;
}

/** The accumulated sink value; exported so nothing about it is provably dead. */
export function blackhole(): number {
  return sink;
}

/** Median of a list of samples (NaN for an empty list). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const hi = sorted[mid] ?? Number.NaN;
  if (sorted.length % 2 === 1) return hi;
  const lo = sorted[mid - 1] ?? hi;
  return (lo + hi) / 2;
}

function resolveOptions(opts: MeasureOptions | undefined): { targetNs: number; rounds: number } {
  const minMs = opts?.minMs ?? DEFAULT_MIN_MS;
  const rounds = Math.max(1, Math.floor(opts?.rounds ?? DEFAULT_ROUNDS));
  if (!(minMs > 0)) throw new RangeError(`minMs must be > 0, got ${minMs}`);
  return { targetNs: (minMs * 1e6) / rounds, rounds };
}

/** Next calibration batch size: aim ~10% past the target, grow 2x..100x. */
function nextBatchSize(n: number, elapsedNs: number, targetNs: number): number {
  const estimate = Math.ceil((n * targetNs * 1.1) / Math.max(elapsedNs, 1));
  return Math.min(n * MAX_GROWTH, Math.max(n * 2, estimate));
}

async function timeOnce(run: (n: number) => Promise<void> | void, n: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  const r = run(n);
  if (r !== undefined) await r;
  return Number(process.hrtime.bigint() - t0);
}

/**
 * Time a caller-driven loop: `run(n)` must perform `n` operations.
 * Calibrates `n` so one batch takes >= minMs/rounds, does one warm-up batch at
 * that size, then times `rounds` batches and returns the median ns/op.
 */
export async function timeBatch(
  run: (n: number) => Promise<void> | void,
  opts?: MeasureOptions,
): Promise<number> {
  const { targetNs, rounds } = resolveOptions(opts);

  // Warm-up + calibration: grow n until a batch reaches the target duration.
  let n = 1;
  for (;;) {
    const elapsed = await timeOnce(run, n);
    if (elapsed >= targetNs) break;
    n = nextBatchSize(n, elapsed, targetNs);
  }
  await timeOnce(run, n); // warm-up at the final batch size

  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) samples.push((await timeOnce(run, n)) / n);
  return median(samples);
}

/**
 * Median ns per call of a synchronous function, measured synchronously
 * (same procedure as `timeBatch`, without any awaiting).
 */
export function timeSync(fn: () => unknown, opts?: MeasureOptions): number {
  const { targetNs, rounds } = resolveOptions(opts);
  const batch = (n: number): number => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) consume(fn());
    return Number(process.hrtime.bigint() - t0);
  };

  let n = 1;
  for (;;) {
    const elapsed = batch(n);
    if (elapsed >= targetNs) break;
    n = nextBatchSize(n, elapsed, targetNs);
  }
  batch(n); // warm-up at the final batch size

  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) samples.push(batch(n) / n);
  return median(samples);
}

/** Median ns per call of an async function, awaited one call at a time. */
export function timeAsync(fn: () => Promise<unknown>, opts?: MeasureOptions): Promise<number> {
  return timeBatch(async (n) => {
    for (let i = 0; i < n; i++) consume(await fn());
  }, opts);
}

/** Write one progress line to stderr (stdout is reserved for results). */
export function progress(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

function formatCell(value: string | number | undefined): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

/**
 * Render rows as a plain aligned text table. Columns are the union of row keys
 * in first-seen order; numbers are right-aligned (non-integers rounded to about
 * three significant digits), strings left-aligned, missing cells left blank.
 */
export function formatTable(rows: ReadonlyArray<Readonly<Record<string, string | number>>>): string {
  if (rows.length === 0) return "";
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }

  const numeric = columns.map((c) => rows.every((r) => r[c] === undefined || typeof r[c] === "number"));
  const cells = rows.map((r) => columns.map((c) => formatCell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] ?? "").length)));

  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => {
        const w = widths[i] ?? 0;
        return numeric[i] === true ? v.padStart(w) : v.padEnd(w);
      })
      .join("  ")
      .trimEnd();

  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}
