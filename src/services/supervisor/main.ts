// The supervisor: a program (not kernel magic) that starts its children through the child-process
// ABI, watches each end, and restarts them by its tree's rules (tree.ts, after Erlang/OTP):
// strategy one_for_one, rest_for_one or one_for_all; restart types permanent, transient and
// temporary; at most `intensity` restarts within `periodMs`, beyond which it stops every child and
// fails (exit 1), so that its own supervisor decides; an optional backoff before each restart.
//   parameters: children (JSON: [{"program","name"?,"restart"?,"params"?}]), strategy, intensity
//   (default 3), periodMs (5000), backoffMs (0), maxBackoffMs (8x backoffMs), control (a name
//   to serve SupervisorControl at, '' for none: a Quiesce there stops all restarts, so that its
//   starter can stop the children in an order of its own)
// Its children are its own processes: they end with it. Clients of a restarted service see
// `$closed` on their channels and bind again by name.
// Invariants: one decision at a time, in the order children ended; a child the supervisor stops
// itself (its siblings' restart) is not counted as ending on its own (each start has a
// generation, and an end is acted on only for the current one); siblings are stopped last to
// first and started first to last.
import { defineProgram, i32, str, type Abi, type Child, type ExitStatus, type Listener } from 'sing/runtime';
import { SupervisorControl } from 'sing/contracts/supervisor';
import { backoffFor, readTree, restartSet, RestartWindow, wantsRestart, type TreeSpec } from './tree.ts';

interface Slot { readonly name: string; child: Child | null; gen: number }
/** A child's end; `status` null: it could not be created or started at all (a name it imports
 * not served yet, say), which counts as a failure and is retried like one. */
interface Ended { readonly i: number; readonly gen: number; readonly status: ExitStatus | null }

/** The supervisor's running state: its slots and the ends not yet acted on. */
class Tree {
  readonly slots: Slot[];
  readonly ended: Ended[] = [];
  /** Set by a Quiesce on the control name: the system is being stopped, nothing is restarted. */
  quiet = false;
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
      this.abi.spawn(async () => { this.#push({ i, gen, status: await this.abi.join(child) }); });
      return true;
    } catch (e) {
      slot.child = null;
      this.log(`supervisor: cannot start ${slot.name} (${c.program}): ${e instanceof Error ? e.message : String(e)}`);
      this.#push({ i, gen: slot.gen, status: null });
      return false;
    }
  }

  #push(e: Ended): void {
    this.ended.push(e);
    const w = this.#wake;
    this.#wake = null;
    if (w !== null) w();
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

function describe(s: ExitStatus | null): string {
  if (s === null) return 'could not be started';
  return s.state === 'exited' ? `exited with code ${String(s.code)}` : `failed (${s.reason}${s.error === undefined ? '' : `: ${s.error.code}`})`;
}

/** Runs the tree until restarts come too often (returns 1) — it never ends otherwise. */
async function supervise(tree: Tree, abi: Abi, log: (s: string) => void): Promise<number> {
  const spec = tree.spec;
  const window = new RestartWindow(spec.intensity, spec.periodMs);
  for (let i = 0; i < tree.slots.length; i++) tree.start(i);
  for (;;) {
    const e = await tree.next();
    const slot = tree.slots[e.i] as Slot;
    const c = spec.children[e.i];
    if (e.gen !== slot.gen || c === undefined) continue; // one the supervisor stopped itself
    slot.child = null;
    if (tree.quiet) {
      log(`supervisor: ${slot.name} ${describe(e.status)}; not restarted (the supervisor was quiesced)`);
      continue;
    }
    if (!(e.status === null ? c.restart !== 'temporary' : wantsRestart(c.restart, e.status.state, e.status.code))) {
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

/** Serves the control name: each client is told Ready, and its Quiesce stops all restarts. */
async function control(listener: Listener<typeof SupervisorControl>, tree: Tree, log: (s: string) => void): Promise<void> {
  let l = listener;
  for (;;) {
    const m = await l.receive();
    if (m.tag === '$closed') return;
    l = m.ep.send('Accept');
    const q = await m.client.send('Ready').receive();
    if (q.tag === '$closed') continue;
    tree.quiet = true;
    log('supervisor: quiesced; no child will be restarted');
    q.ep.send('Quiet');
  }
}

export default defineProgram({
  name: 'supervisor',
  version: '1.0.0',
  category: 'service',
  parameters: { children: str, strategy: str, intensity: i32, periodMs: i32, backoffMs: i32, maxBackoffMs: i32, control: str },
  console: true,
  async main({ abi, params, console }) {
    const log = (s: string): void => { console.log(s); };
    const spec = readTree(params);
    if (typeof spec === 'string') {
      console.error(`supervisor: ${spec}`);
      return 2;
    }
    const tree = new Tree(spec, abi, log);
    if (params.control !== '') {
      // A name to be quiesced at, for an orderly stop (sing boot's shutdown).
      try {
        abi.spawn(control, abi.register(params.control, SupervisorControl), tree, log);
      } catch (e) {
        console.error(`supervisor: control ${params.control}: ${e instanceof Error ? e.message : String(e)}`);
        return 2;
      }
    }
    return supervise(tree, abi, log);
  },
});
