// The contract compiler, shared by the runtime and the tools: validates a contract snapshot and
// builds the tables the channel layer runs on.
// Rules for callers: `compile` throws ContractError for a contract that breaks a rule (undeclared
// message or state, unreachable state when `unreachable: 'error'`, a cycle without a message in
// each direction, which would let one side fill the other's queue without bound) and returns
// warnings for what is legal but suspect (a state offering sends to both sides, an unused message).
// `compileGroup` compiles the members of one definition group together: a field made by
// `endpointOf('Name', side, state)` refers to the member called Name (its own contract, or one
// defined in the same `contracts({...})` call) and is resolved here; fingerprints are defined over
// the group (fingerprint.ts).
// Invariants of the result: state indexes are dense, END is the last index and has no transitions;
// `bounds[dir]` is the most messages of that direction that can wait in a queue at once; every
// endpoint mover names a contract value (a member's value for a reference).
import { ContractError, END, type Dir, type MessageSpec } from './contract.ts';
import type { FieldType } from './field.ts';
import type { BlockSpec } from './exfield.ts';
import { makeBuilder, type Build } from './builder.ts';
import type { Snapshot } from './intern.ts';
import { fingerprints, refOf } from './fingerprint.ts';

export interface CompiledField { readonly name: string; readonly type: FieldType<unknown> }

export interface CompiledMessage {
  readonly tag: string;
  readonly dir: Dir;
  readonly fields: readonly CompiledField[];
  /** The fields moved on send (endpoints and exchange-heap blocks), linked; null when none. */
  readonly movers: Mover | null;
  /** True when the message moves anything. */
  readonly moves: boolean;
  /** Checks a payload and makes the receiver's message object (see builder.ts). */
  readonly build: Build;
}

/** One side's view of a state: the first of the transitions that side may send there, linked.
 * (Linked objects, not arrays: after SES lockdown freezes Array.prototype, V8 reads array
 * elements about five times slower, and this is the send path.) */
export interface StateNode {
  readonly index: number;
  readonly name: string;
  readonly send: Transition | null;
  /** No message leaves this state in either direction: the conversation has ended. */
  readonly terminal: boolean;
}

/** A field whose value moves with the message: an endpoint (`endpoint` set) or an
 * exchange-heap block (`block` set). Linked, so the send path reads no arrays. */
export interface Mover {
  readonly name: string;
  readonly type: FieldType<unknown>;
  readonly endpoint: { readonly contract: unknown; readonly side: 'imp' | 'exp'; readonly state: string } | null;
  readonly block: BlockSpec | null;
  readonly next: Mover | null;
}

export interface Transition {
  readonly msg: CompiledMessage;
  readonly from: number;
  readonly next: number;
  /** The sender's node after sending. */
  readonly to: StateNode;
  /** The receiver's node before and after receiving (the receiver lags the sender). */
  readonly peerFrom: StateNode;
  readonly peerTo: StateNode;
  /** The next transition the same side may send from the same state. */
  readonly link: Transition | null;
}

/** Per state index: the transitions one side may take there (for tools and error messages). */
export type Table = readonly (readonly Transition[])[];

export function findTransition(node: StateNode, tag: string): Transition | null {
  let tr = node.send;
  while (tr !== null && tr.msg.tag !== tag) tr = tr.link;
  return tr;
}

export interface CompiledContract {
  readonly name: string;
  /** A stable structural name: equal fingerprints mean interchangeable contracts. */
  readonly fingerprint: string;
  /** State names by index; the last one is END. */
  readonly states: readonly string[];
  readonly initial: number;
  /** Other states a channel may start in (none unless the contract names them). */
  readonly entries: readonly number[];
  readonly end: number;
  readonly messages: readonly CompiledMessage[];
  readonly byTag: Readonly<Record<string, CompiledMessage>>;
  readonly impSend: Table;
  readonly impRecv: Table;
  readonly expSend: Table;
  readonly expRecv: Table;
  /** Each side's state nodes, by state index. */
  readonly impNodes: readonly StateNode[];
  readonly expNodes: readonly StateNode[];
  readonly bounds: Readonly<Record<Dir, number>>;
  /** States that offer sends to both sides (legal, warned about). */
  readonly mixed: readonly string[];
  readonly warnings: readonly string[];
}

export interface CompileOptions { readonly unreachable: 'error' | 'warning' }

/** One member of a definition group: its snapshot and the value its endpoint movers will name
 * (the contract object; the Sing# reader uses the snapshot itself). */
export interface GroupMember { readonly snapshot: Snapshot; readonly value: unknown }

/** Compiles a contract alone (a reference may name only itself); throws ContractError. */
export function compile(s: Snapshot, opts: CompileOptions): CompiledContract {
  const [r] = compileMembers([{ snapshot: s, value: s }], opts);
  if (r instanceof ContractError) throw r;
  return r as CompiledContract;
}

/** Compiles the members of one group; throws the first member's ContractError. */
export function compileGroup(members: readonly GroupMember[], opts: CompileOptions): CompiledContract[] {
  const rs = compileMembers(members, opts);
  for (const r of rs) if (r instanceof ContractError) throw r;
  return rs as CompiledContract[];
}

/** Compiles each member, reporting each member's error in its place. Fingerprints need every
 * member: when one fails, the others are compiled but carry no fingerprint worth keeping, so the
 * caller must treat the group as failed. */
export function compileMembers(members: readonly GroupMember[], opts: CompileOptions): (CompiledContract | ContractError)[] {
  const byName = new Map(members.map((m) => [m.snapshot.name, m]));
  const made = members.map((m): Omit<CompiledContract, 'fingerprint'> | ContractError => {
    try {
      return compileTables(m.snapshot, opts, byName);
    } catch (e) {
      if (e instanceof ContractError) return e;
      throw e;
    }
  });
  const fps = fingerprints(members.map((m) => m.snapshot));
  return made.map((c, i) => (c instanceof ContractError ? c : Object.freeze({ ...c, fingerprint: fps[i] as string })));
}

function compileTables(s: Snapshot, opts: CompileOptions, group: ReadonlyMap<string, GroupMember>): Omit<CompiledContract, 'fingerprint'> {
  const fail = (msg: string): never => { throw new ContractError(s.name, msg); };
  const warnings: string[] = [];
  const stateNames = Object.keys(s.states);
  if (stateNames.includes(END)) fail(`${END} is reserved for the end state`);
  const states = [...stateNames, END];
  const end = states.length - 1;
  const index = new Map(states.map((n, i) => [n, i]));
  const initial = index.get(s.initial);
  if (initial === undefined || initial === end) fail(`the initial state ${s.initial} is not declared`);
  // Entry states: where else a channel may start (Sing#'s NewChannel(..., State.Value)).
  const entries: number[] = [];
  for (const en of s.entries ?? []) {
    const i = index.get(en);
    if (i === undefined || i === end) fail(`entry state ${en} is not declared`);
    if (i === initial || entries.includes(i as number)) fail(`entry state ${en} is named twice (or is the initial state)`);
    entries.push(i as number);
  }

  const messages: CompiledMessage[] = [];
  const byTag = new Map<string, CompiledMessage>();
  for (const [tag, spec] of Object.entries(s.messages) as [string, MessageSpec][]) {
    const fields = Object.entries(spec.fields).map(([name, type]) => Object.freeze({ name, type: type as FieldType<unknown> }));
    let movers: Mover | null = null;
    for (const f of [...fields].reverse()) {
      if (f.type.kind !== 'endpoint' && f.type.kind !== 'block') continue;
      const t = f.type as FieldType<unknown> & { endpoint?: Mover['endpoint']; block?: BlockSpec };
      const endpoint = t.endpoint ?? resolveRef(s, tag, f.name, f.type, group);
      movers = Object.freeze({ name: f.name, type: f.type, endpoint, block: t.block ?? null, next: movers });
    }
    const m = Object.freeze({ tag, dir: spec.dir, fields: Object.freeze(fields), movers, moves: movers !== null, build: makeBuilder(tag, fields) });
    messages.push(m);
    byTag.set(tag, m);
  }

  // Edges of the state machine, validated.
  interface Edge { from: number; to: number; msg: CompiledMessage }
  const edges: Edge[] = [];
  const used = new Set<string>();
  stateNames.forEach((st, from) => {
    for (const [tag, target] of Object.entries(s.states[st] as Record<string, string>)) {
      const msg = byTag.get(tag) ?? fail(`state ${st}: message ${tag} is not declared`);
      const to = index.get(target) ?? fail(`state ${st}: ${tag} leads to ${target}, which is not declared`);
      edges.push({ from, to, msg });
      used.add(tag);
    }
  });
  for (const m of messages) if (!used.has(m.tag)) warnings.push(`message ${m.tag} is declared but no state uses it`);

  // Reachability from the initial state and the entry states.
  const seen = new Set<number>([initial as number, ...entries]);
  const work = [initial as number, ...entries];
  while (work.length > 0) {
    const at = work.pop() as number;
    for (const e of edges) if (e.from === at && !seen.has(e.to)) { seen.add(e.to); work.push(e.to); }
  }
  for (let i = 0; i < end; i++) {
    if (seen.has(i)) continue;
    const msg = `state ${states[i]} cannot be reached from ${s.initial}${entries.length === 0 ? '' : ` or the entry states ${(s.entries ?? []).join(', ')}`}`;
    if (opts.unreachable === 'error') fail(msg);
    warnings.push(msg);
  }

  // Every cycle needs a message in each direction; the longest one-direction run bounds a queue.
  const bounds = { in: longestRun(edges, states, 'in', fail), out: longestRun(edges, states, 'out', fail) };
  const mixed: string[] = [];
  stateNames.forEach((st, i) => {
    const dirs = new Set(edges.filter((e) => e.from === i).map((e) => e.msg.dir));
    if (dirs.size === 2) {
      mixed.push(st);
      warnings.push(`state ${st} offers sends to both sides; if both send at once the channel breaks (both see $closed)`);
    }
  });
  if (mixed.length > 0) { bounds.in += 1; bounds.out += 1; }

  // Nodes and transitions are built mutable, linked, then frozen.
  type MNode = { index: number; name: string; send: MTrans | null; terminal: boolean };
  type MTrans = { msg: CompiledMessage; from: number; next: number; to: MNode; peerFrom: MNode; peerTo: MNode; link: MTrans | null };
  const leaves = new Set(edges.map((e) => e.from));
  const impNodes: MNode[] = states.map((name, index) => ({ index, name, send: null, terminal: !leaves.has(index) }));
  const expNodes: MNode[] = states.map((name, index) => ({ index, name, send: null, terminal: !leaves.has(index) }));
  const sent: MTrans[] = [];
  for (const e of [...edges].reverse()) {
    const [mine, theirs] = e.msg.dir === 'in' ? [impNodes, expNodes] : [expNodes, impNodes];
    const from = mine[e.from] as MNode;
    const tr: MTrans = { msg: e.msg, from: e.from, next: e.to, to: mine[e.to] as MNode, peerFrom: theirs[e.from] as MNode, peerTo: theirs[e.to] as MNode, link: from.send };
    from.send = tr;
    sent.push(tr);
  }
  for (const t of sent) Object.freeze(t);
  for (const n of [...impNodes, ...expNodes]) Object.freeze(n);
  const table = (dir: Dir): Table =>
    states.map((_, i) => {
      const row: Transition[] = [];
      for (let t = ((dir === 'in' ? impNodes : expNodes)[i] as StateNode).send; t !== null; t = t.link) row.push(t);
      return Object.freeze(row);
    });

  return {
    name: s.name,
    states: Object.freeze(states),
    initial: initial as number,
    entries: Object.freeze(entries),
    end,
    messages: Object.freeze(messages),
    byTag: Object.freeze(Object.assign(Object.create(null) as Record<string, CompiledMessage>, Object.fromEntries(byTag))),
    impSend: table('in'),
    impRecv: table('out'),
    expSend: table('out'),
    expRecv: table('in'),
    impNodes: Object.freeze(impNodes as StateNode[]),
    expNodes: Object.freeze(expNodes as StateNode[]),
    bounds: Object.freeze(bounds),
    mixed: Object.freeze(mixed),
    warnings: Object.freeze(warnings),
  };
}

/** The mover endpoint of a field made by `endpointOf('Name', side, state)`: the group member
 * called Name, in a state it declares; null for a block field. */
function resolveRef(s: Snapshot, tag: string, field: string, t: FieldType<unknown>, group: ReadonlyMap<string, GroupMember>): Mover['endpoint'] {
  const r = refOf(t);
  if (r === undefined) return null;
  const where = `message ${tag}: field ${field}: endpointOf('${r.name}', '${r.side}', '${r.state}')`;
  const target = group.get(r.name);
  if (target === undefined) {
    const alone = group.size === 1;
    throw new ContractError(s.name, `${where} names no contract of this definition (${alone ? `contract ${s.name} is defined alone` : `the group defines ${[...group.keys()].join(', ')}`}); a string names the contract itself or one defined in the same contracts({...}) call`);
  }
  if (!Object.hasOwn(target.snapshot.states, r.state)) throw new ContractError(s.name, `${where}: contract ${r.name} has no state ${r.state}`);
  return Object.freeze({ contract: target.value, side: r.side, state: r.state });
}

/** Longest path using only edges of one direction; rejects a cycle made only of such edges. */
function longestRun(edges: readonly { from: number; to: number; msg: CompiledMessage }[], states: readonly string[], dir: Dir, fail: (m: string) => never): number {
  const out = states.map((_, i) => edges.filter((e) => e.from === i && e.msg.dir === dir));
  const memo = new Map<number, number>();
  const onStack: number[] = [];
  const via: string[] = [];
  const visit = (n: number): number => {
    const known = memo.get(n);
    if (known !== undefined) return known;
    const at = onStack.indexOf(n);
    if (at >= 0) {
      const cycle = onStack.slice(at).map((st, k) => `${states[st]} -${via[at + k]}->`).join(' ');
      const who = dir === 'in' ? 'the importer' : 'the exporter';
      fail(`cycle ${cycle} ${states[n]} has only ${dir} messages: ${who} could send forever without waiting, so no queue bound exists`);
    }
    onStack.push(n);
    let best = 0;
    for (const e of out[n] ?? []) {
      via.push(e.msg.tag);
      best = Math.max(best, 1 + visit(e.to));
      via.pop();
    }
    onStack.pop();
    memo.set(n, best);
    return best;
  };
  let max = 0;
  for (let i = 0; i < states.length; i++) max = Math.max(max, visit(i));
  return max;
}
