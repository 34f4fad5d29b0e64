// The supervisor: a program (not kernel magic) that starts its children through the child-process
// ABI, watches each end, and restarts them by its tree's rules (tree.ts, after Erlang/OTP):
// strategy one_for_one, rest_for_one or one_for_all; restart types permanent, transient and
// temporary; at most `intensity` restarts within `periodMs`, beyond which it stops every child and
// fails (exit 1), so that its own supervisor decides; an optional backoff before each restart.
//   parameters: children (JSON: [{"program","name"?,"restart"?,"params"?}]), strategy, intensity
//   (default 3), periodMs (5000), backoffMs (0), maxBackoffMs (8x backoffMs)
// Its children are its own processes: they end with it. Clients of a restarted service see
// `$closed` on their channels and bind again by name.
// Invariants: one decision at a time, in the order children ended; a child the supervisor stops
// itself (its siblings' restart) is not counted as ending on its own (each start has a
// generation, and an end is acted on only for the current one); siblings are stopped last to
// first and started first to last.
import { defineProgram, i32, str, type Abi, type Child, type ExitStatus } from 'sing/runtime';
import { backoffFor, readTree, restartSet, RestartWindow, wantsRestart, type TreeSpec } from './tree.ts';

interface Slot { readonly name: string; child: Child | null; gen: number }
interface Ended { readonly i: number; readonly gen: number; readonly status: ExitStatus }

/** The supervisor's running state: its slots and the ends not yet acted on. */
class Tree {
  readonly slots: Slot[];
  readonly ended: Ended[] = [];
  #wake: (() => void) | null = null;
  constructor(readonly spec: TreeSpec, private readonly abi: Abi, private readonly log: (s: string) => void) {
    this.slots = spec.children.map((c) => ({ name: c.name, child: null, gen: 0 }));
  }

  /** Starts child i; false (and said why) when it could not be created. */
  start(i: number): boolean {
    const slot = this.slots[i] as Slot;
    const c = this.spec.children[i];
    if (c === undefined) return false;
    slot.gen++;
    try {
      const child = this.abi.create(c.program, { params: c.params });
      this.abi.start(child);
      slot.child = child;
      this.log(`supervisor: started ${slot.name} (${c.program}, pid ${String(child.pid)})`);
      const gen = slot.gen;
      this.abi.spawn(async () => {
        const status = await this.abi.join(child);
        this.ended.push({ i, gen, status });
        const w = this.#wake;
        this.#wake = null;
        if (w !== null) w();
      });
      return true;
    } catch (e) {
      slot.child = null;
      this.log(`supervisor: cannot start ${slot.name} (${c.program}): ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  }

  /** Stops child i if it runs; its end will not count as its own. */
  stop(i: number): void {
    const slot = this.slots[i] as Slot;
    const child = slot.child;
    slot.gen++;
    slot.child = null;
    if (child !== null) this.abi.stop(child);
  }

  stopAll(): void {
    for (let i = this.slots.length - 1; i >= 0; i--) this.stop(i);
  }

  /** The next end to act on (waits for one). */
  async next(): Promise<Ended> {
    for (;;) {
      const e = this.ended.shift();
      if (e !== undefined) return e;
      await new Promise<void>((resolve) => { this.#wake = resolve; });
    }
  }
}

function describe(s: ExitStatus): string {
  return s.state === 'exited' ? `exited with code ${String(s.code)}` : `failed (${s.reason}${s.error === undefined ? '' : `: ${s.error.code}`})`;
}

/** Runs the tree until restarts come too often (returns 1) — it never ends otherwise. */
async function supervise(tree: Tree, abi: Abi, log: (s: string) => void): Promise<number> {
  const spec = tree.spec;
  const window = new RestartWindow(spec.intensity, spec.periodMs);
  for (let i = 0; i < tree.slots.length; i++) {
    if (!tree.start(i) && !window.admit(abi.now())) {
      log(`supervisor: giving up: children cannot be started`);
      tree.stopAll();
      return 1;
    }
  }
  for (;;) {
    const e = await tree.next();
    const slot = tree.slots[e.i] as Slot;
    const c = spec.children[e.i];
    if (e.gen !== slot.gen || c === undefined) continue; // one the supervisor stopped itself
    slot.child = null;
    if (!wantsRestart(c.restart, e.status.state, e.status.code)) {
      log(`supervisor: ${slot.name} ${describe(e.status)}; not restarted (${c.restart})`);
      continue;
    }
    const now = abi.now();
    if (!window.admit(now)) {
      log(`supervisor: ${slot.name} ${describe(e.status)}; more than ${String(spec.intensity)} restarts within ${String(spec.periodMs)} ms: stopping every child and giving up`);
      tree.stopAll();
      return 1;
    }
    const set = restartSet(spec.strategy, e.i, tree.slots.length);
    const wait = backoffFor(spec, window.recent(now));
    log(`supervisor: ${slot.name} ${describe(e.status)}; restarting ${set.map((j) => (tree.slots[j] as Slot).name).join(', ')} (${spec.strategy}, ${String(window.recent(now))} of ${String(spec.intensity)} within ${String(spec.periodMs)} ms${wait > 0 ? `, after ${String(wait)} ms` : ''})`);
    for (let k = set.length - 1; k >= 0; k--) if (set[k] !== e.i) tree.stop(set[k] as number);
    if (wait > 0) await abi.sleep(wait);
    for (const j of set) {
      const sj = spec.children[j];
      // A temporary sibling stopped for the strategy's sake is not started again.
      if (j !== e.i && sj !== undefined && sj.restart === 'temporary') continue;
      tree.start(j);
    }
  }
}

export default defineProgram({
  name: 'supervisor',
  version: '1.0.0',
  category: 'service',
  parameters: { children: str, strategy: str, intensity: i32, periodMs: i32, backoffMs: i32, maxBackoffMs: i32 },
  console: true,
  async main({ abi, params, console }) {
    const log = (s: string): void => { console.log(s); };
    const spec = readTree(params);
    if (typeof spec === 'string') {
      console.error(`supervisor: ${spec}`);
      return 2;
    }
    return supervise(new Tree(spec, abi, log), abi, log);
  },
});
