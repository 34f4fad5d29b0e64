// A supervision tree's rules, apart from the processes: what the supervisor's parameters say (its
// children, strategy, restart intensity and backoff), whether an ended child is restarted, which
// of its siblings go with it, and when restarts have come too often. After Erlang/OTP's
// supervisor: strategies one_for_one, rest_for_one and one_for_all; restart types permanent
// (always), transient (only after an abnormal end: a failure or a non-zero code) and temporary
// (never); at most `intensity` restarts within `periodMs`, beyond which the supervisor gives up.
// Rules for callers: `readTree` checks the parameters and says what is wrong in words; the rest
// are pure and take the time they need as an argument (no clock of their own).
// Invariants: children are kept in their start order; a restart set is always a run of that
// order, started first to last and stopped last to first.

export type Strategy = 'one_for_one' | 'rest_for_one' | 'one_for_all';
export type Restart = 'permanent' | 'transient' | 'temporary';

export interface ChildSpec {
  /** The name the supervisor's lines use (unique among the children). */
  readonly name: string;
  /** The installed program to create. */
  readonly program: string;
  readonly restart: Restart;
  /** Typed parameters for the child, as its manifest declares them. */
  readonly params: Readonly<Record<string, string | number | boolean>>;
}

export interface TreeSpec {
  readonly strategy: Strategy;
  readonly intensity: number;
  readonly periodMs: number;
  /** Wait before a restart: `backoffMs` for the first within the period, doubling for each
   * further one, at most `maxBackoffMs`; 0: restart at once. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly children: readonly ChildSpec[];
}

export interface TreeParams {
  readonly children: string;
  readonly strategy: string;
  readonly intensity: number;
  readonly periodMs: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

const STRATEGIES: readonly string[] = ['one_for_one', 'rest_for_one', 'one_for_all'];
const RESTARTS: readonly string[] = ['permanent', 'transient', 'temporary'];
const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const NAME_MAX = 32;
const named = (x: string): boolean => x.length <= NAME_MAX && NAME.test(x);

function childOf(x: unknown, i: number, seen: Set<string>): ChildSpec | string {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return `children[${i}] is not an object`;
  const o = x as Record<string, unknown>;
  const program = o['program'];
  if (typeof program !== 'string' || !named(program)) return `children[${i}].program must name an installed program`;
  const name = o['name'] === undefined ? program : o['name'];
  if (typeof name !== 'string' || !named(name)) return `children[${i}].name must be 1-32 letters, digits, '-' or '_', starting with a letter`;
  if (seen.has(name)) return `children[${i}]: the name ${name} is taken by an earlier child (give each a name)`;
  seen.add(name);
  const restart = o['restart'] ?? 'permanent';
  if (typeof restart !== 'string' || !RESTARTS.includes(restart)) return `children[${i}].restart must be one of ${RESTARTS.join(', ')}`;
  const raw = o['params'] ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return `children[${i}].params must be an object`;
  const params: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return `children[${i}].params.${k} must be a string, number or boolean`;
    params[k] = v;
  }
  return { name, program, restart: restart as Restart, params };
}

/** The tree the parameters describe, or what is wrong with them. */
export function readTree(p: TreeParams): TreeSpec | string {
  let list: unknown;
  try {
    list = JSON.parse(p.children);
  } catch {
    return 'children must be a JSON array of {"program", "name"?, "restart"?, "params"?}';
  }
  if (!Array.isArray(list) || list.length === 0) return 'children must be a non-empty JSON array';
  const seen = new Set<string>();
  const children: ChildSpec[] = [];
  for (let i = 0; i < list.length; i++) {
    const c = childOf(list[i], i, seen);
    if (typeof c === 'string') return c;
    children.push(c);
  }
  const strategy = p.strategy === '' ? 'one_for_one' : p.strategy;
  if (!STRATEGIES.includes(strategy)) return `strategy must be one of ${STRATEGIES.join(', ')}, not ${p.strategy}`;
  for (const k of ['intensity', 'periodMs', 'backoffMs', 'maxBackoffMs'] as const) {
    if (!Number.isInteger(p[k]) || p[k] < 0) return `${k} must be a whole number of at least 0`;
  }
  const backoffMs = p.backoffMs;
  return {
    strategy: strategy as Strategy,
    intensity: p.intensity === 0 ? 3 : p.intensity,
    periodMs: p.periodMs === 0 ? 5000 : p.periodMs,
    backoffMs,
    maxBackoffMs: p.maxBackoffMs === 0 ? backoffMs * 8 : Math.max(p.maxBackoffMs, backoffMs),
    children,
  };
}

/** Whether a child that ended this way is started again. */
export function wantsRestart(restart: Restart, state: 'exited' | 'failed', code: number): boolean {
  if (restart === 'permanent') return true;
  if (restart === 'temporary') return false;
  return state === 'failed' || code !== 0;
}

/** The children (indices, in start order) restarted when child `i` of `n` ended. */
export function restartSet(strategy: Strategy, i: number, n: number): number[] {
  const from = strategy === 'one_for_all' ? 0 : i;
  const to = strategy === 'one_for_one' ? i : n - 1;
  const out: number[] = [];
  for (let j = from; j <= to; j++) out.push(j);
  return out;
}

/** Restarts within the period: `admit(now)` records one and says whether it is within the
 * intensity (false: too many, the supervisor gives up). */
export class RestartWindow {
  readonly #times: number[] = [];
  constructor(private readonly intensity: number, private readonly periodMs: number) {}

  admit(now: number): boolean {
    this.#forget(now);
    this.#times.push(now);
    return this.#times.length <= this.intensity;
  }

  /** Restarts recorded within the period before `now`. */
  recent(now: number): number {
    this.#forget(now);
    return this.#times.length;
  }

  #forget(now: number): void {
    while (this.#times.length > 0 && now - (this.#times[0] as number) >= this.periodMs) this.#times.shift();
  }
}

/** The wait before the `k`th restart within the period (k from 1). */
export function backoffFor(t: TreeSpec, k: number): number {
  if (t.backoffMs === 0) return 0;
  let d = t.backoffMs;
  for (let i = 1; i < k && d < t.maxBackoffMs; i++) d *= 2;
  return Math.min(d, t.maxBackoffMs);
}
