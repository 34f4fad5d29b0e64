// Lowering of a Sing# contract's state machine: its declared states and chains become the flat
// transition table Sing's compiler takes, and each message gets its direction (and its tag).
// Rules for callers: `lowerStates(messages, states, diag)` takes the contract's effective
// declarations (with inherited ones) and returns null after reporting errors through `diag`.
// Lowering decisions:
// - a directed message's marks must agree with its direction (`in` takes ?, `out` takes !).
// - a message declared without a direction takes the one its marks give. Used both ways (in
//   different states), it becomes two Sing messages, `Name_in` (the uses with ?) and `Name_out`
//   (the uses with !), an underscore more while a name is taken; used both ways in one state, it is
//   refused, naming both places (who would send it there is not decided).
// - intermediate states of a chain are named `Owner_k` after the declared state whose chain makes
//   them (a declared name is never reused); a subroutine called from a chain is copied (inlined)
//   once per call site and return point; recursive subroutine calls are refused.
import { END, type Dir } from '../contract.ts';
import type { Chain, ChainItem, MessageDecl, Pos, StateDecl } from './parser.ts';
import type { Located } from './lower-types.ts';

export type Diag = (file: string, pos: Pos, where: string | null, msg: string) => void;

/** A Sing message made from a declared one (two from an undirected message used both ways). */
export interface LoweredMessage { readonly decl: Located<MessageDecl>; readonly tag: string; readonly dir: Dir }

export interface LoweredStates {
  readonly messages: readonly LoweredMessage[];
  readonly initial: string;
  /** Declared states first, in declaration order; generated ones after, in the order made. */
  readonly states: Record<string, Record<string, string>>;
  /** The declared state each lowered state comes from (for warnings). */
  readonly origin: ReadonlyMap<string, Located<StateDecl>>;
}

export function lowerStates(msgs: readonly Located<MessageDecl>[], decls: readonly Located<StateDecl>[], contractPos: Pos, contractFile: string, diag: Diag): LoweredStates | null {
  let failed = false;
  const err: Diag = (file, pos, where, msg) => { failed = true; diag(file, pos, where, msg); };
  const msgDecls = new Map<string, Located<MessageDecl>>();
  for (const m of msgs) msgDecls.set(m.decl.name, m);
  const stateDecls = new Map<string, Located<StateDecl>>();
  for (const s of decls) stateDecls.set(s.decl.name, s);

  // Messages declared and marked right, states declared; marks of undirected messages.
  const marks = new Map<string, Set<'?' | '!'>>();
  const calls: { from: string; to: string; pos: Pos; file: string }[] = [];
  const gotos = new Map<string, Set<string>>();
  for (const { file, decl: s } of decls) {
    const where = `state ${s.name}`;
    const g = new Set<string>();
    gotos.set(s.name, g);
    for (const ch of s.steps) {
      const first = ch.items[0];
      if (first !== undefined && first.kind === 'state') err(file, first.pos, where, `a step must begin with a message, not with state ${first.name}`);
      ch.items.forEach((it, k) => {
        if (it.kind === 'state') {
          if (!stateDecls.has(it.name)) err(file, it.pos, where, k === ch.items.length - 1 ? `target state ${it.name} is not declared` : `subroutine state ${it.name} is not declared`);
          else if (k === ch.items.length - 1) g.add(it.name);
          else if (k > 0) calls.push({ from: s.name, to: it.name, pos: it.pos, file });
          return;
        }
        for (const a of it.alts) {
          const m = msgDecls.get(a.name);
          if (m === undefined) { err(file, a.pos, where, `message ${a.name} is not declared`); continue; }
          const dir = m.decl.dir;
          if (dir === 'in' && a.mark === '!') err(file, a.pos, where, `message ${a.name} is an in message (importer to exporter), so it takes ?, not !`);
          else if (dir === 'out' && a.mark === '?') err(file, a.pos, where, `message ${a.name} is an out message (exporter to importer), so it takes !, not ?`);
          let set = marks.get(a.name);
          if (set === undefined) marks.set(a.name, (set = new Set()));
          set.add(a.mark);
        }
      });
    }
  }

  // Directions and tags.
  const messages: LoweredMessage[] = [];
  const split = new Map<string, { in: string; out: string }>();
  const taken = new Set(msgs.map((m) => m.decl.name));
  const fresh = (base: string): string => {
    let n = base;
    while (taken.has(n)) n += '_';
    taken.add(n);
    return n;
  };
  for (const m of msgs) {
    const d = m.decl;
    const set = marks.get(d.name);
    if (d.dir !== null) { messages.push({ decl: m, tag: d.name, dir: d.dir }); continue; }
    if (set !== undefined && set.size === 2) {
      const tags = { in: fresh(`${d.name}_in`), out: fresh(`${d.name}_out`) };
      split.set(d.name, tags);
      messages.push({ decl: m, tag: tags.in, dir: 'in' }, { decl: m, tag: tags.out, dir: 'out' });
      continue;
    }
    messages.push({ decl: m, tag: d.name, dir: set?.has('!') === true ? 'out' : 'in' });
  }
  const tagOf = (name: string, mark: '?' | '!'): string => {
    const s = split.get(name);
    return s === undefined ? name : mark === '?' ? s.in : s.out;
  };

  // Subroutine recursion: a call X→S is recursive when X can run again inside S.
  const callees = new Map<string, string[]>();
  for (const cl of calls) { const a = callees.get(cl.from) ?? []; a.push(cl.to); callees.set(cl.from, a); }
  const reported = new Set<string>();
  for (const cl of calls) {
    const parent = new Map<string, string>([[cl.to, '']]);
    const work = [cl.to];
    let found = false;
    while (work.length > 0 && !found) {
      const at = work.shift() as string;
      for (const nx of [...(gotos.get(at) ?? []), ...(callees.get(at) ?? [])]) {
        if (parent.has(nx)) continue;
        parent.set(nx, at);
        if (nx === cl.from) { found = true; break; }
        work.push(nx);
      }
      if (cl.to === cl.from) found = true;
    }
    if (!found || reported.has(cl.from)) continue;
    reported.add(cl.from);
    const path: string[] = [cl.from];
    if (cl.to === cl.from) path.push(cl.from);
    else {
      for (let at = cl.from; at !== cl.to;) { at = parent.get(at) as string; path.unshift(at); }
      path.unshift(cl.from);
    }
    err(cl.file, cl.pos, `state ${cl.from}`, `calls itself as a subroutine (${path.join(' -> ')}); recursive subroutine states are not allowed`);
  }

  const initial = stateDecls.has('Start') ? 'Start' : decls[0]?.decl.name;
  if (initial === undefined) err(contractFile, contractPos, null, 'declares no states');
  if (failed) return null;

  // Declared states are entered with the top-level continuation (END); a subroutine call makes a
  // copy of the callee whose returns continue the caller's chain.
  interface Ctx { readonly id: number; readonly items: readonly ChainItem[]; readonly i: number; readonly outer: Ctx | null; readonly decl: Located<StateDecl> }
  const states: Record<string, Record<string, string>> = Object.create(null) as Record<string, Record<string, string>>;
  const origin = new Map<string, Located<StateDecl>>();
  const counters = new Map<string, number>();
  const freshState = (base: string): string => {
    for (;;) {
      const k = (counters.get(base) ?? 0) + 1;
      counters.set(base, k);
      const nm = `${base}_${k}`;
      if (!stateDecls.has(nm)) return nm;
    }
  };
  const instances = new Map<string, string>();
  const memo = new Map<readonly ChainItem[], Map<string, string | Ctx>>();
  // Per lowered state, the mark and place of each split message's use there.
  const used = new Map<string, Map<string, { mark: '?' | '!'; pos: Pos }>>();
  let ctxIds = 0;
  let budget = 20000;
  const memoOf = (items: readonly ChainItem[]): Map<string, string | Ctx> => {
    let m = memo.get(items);
    if (m === undefined) memo.set(items, (m = new Map()));
    return m;
  };
  const addEdge = (from: string, item: ChainItem & { kind: 'msg' }, to: string, decl: Located<StateDecl>): void => {
    const row = states[from] as Record<string, string>;
    for (const a of item.alts) {
      if (split.has(a.name)) {
        let u = used.get(from);
        if (u === undefined) used.set(from, (u = new Map()));
        const prev = u.get(a.name);
        if (prev !== undefined && prev.mark !== a.mark) {
          err(decl.file, a.pos, `state ${decl.decl.name}`, `message ${a.name} has no direction and is used both with ${prev.mark} (at ${prev.pos.line}:${prev.pos.col}) and with ${a.mark} in one state, so who sends it there is not decided; give it in or out, or use it one way in each state`);
        } else if (prev === undefined) u.set(a.name, { mark: a.mark, pos: a.pos });
      }
      const tag = tagOf(a.name, a.mark);
      const prev = row[tag];
      if (prev !== undefined && prev !== to) err(decl.file, a.pos, `state ${decl.decl.name}`, `message ${a.name} is offered twice with different continuations (${prev} and ${to})`);
      row[tag] = to;
    }
  };
  const lowerState = (s: string, k: Ctx | null): string => {
    const key = `${s}|${k?.id ?? 0}`;
    const known = instances.get(key);
    if (known !== undefined) return known;
    if (--budget < 0) throw new Error('too many states');
    const decl = stateDecls.get(s) as Located<StateDecl>;
    const nm = k === null ? s : freshState(s);
    instances.set(key, nm);
    states[nm] = Object.create(null) as Record<string, string>;
    origin.set(nm, decl);
    for (const ch of decl.decl.steps) emitFrom(nm, ch, 0, k, decl);
    return nm;
  };
  const emitFrom = (from: string, ch: Chain, i: number, k: Ctx | null, decl: Located<StateDecl>): void => {
    const item = ch.items[i];
    if (item === undefined || item.kind !== 'msg') return;
    addEdge(from, item, resolve(ch, i + 1, k, decl), decl);
  };
  const resolve = (ch: Chain, i: number, k: Ctx | null, decl: Located<StateDecl>): string => {
    if (i >= ch.items.length) {
      if (k === null) return END;
      return resolve({ items: k.items as ChainItem[], pos: k.decl.decl.pos }, k.i, k.outer, k.decl);
    }
    const item = ch.items[i] as ChainItem;
    const m = memoOf(ch.items);
    const key = `${i}|${k?.id ?? 0}`;
    if (item.kind === 'state') {
      if (i === ch.items.length - 1) return lowerState(item.name, k);
      let ctx = m.get(key) as Ctx | undefined;
      if (ctx === undefined) { ctx = { id: ++ctxIds, items: ch.items, i: i + 1, outer: k, decl }; m.set(key, ctx); }
      return lowerState(item.name, ctx);
    }
    const known = m.get(key) as string | undefined;
    if (known !== undefined) return known;
    const nm = freshState(decl.decl.name);
    m.set(key, nm);
    states[nm] = Object.create(null) as Record<string, string>;
    origin.set(nm, decl);
    emitFrom(nm, ch, i, k, decl);
    return nm;
  };

  const called = new Set(calls.map((x) => x.to));
  try {
    for (const { decl: s } of decls) if (s.name === initial || !called.has(s.name)) lowerState(s.name, null);
  } catch (e) {
    if (!(e instanceof Error) || e.message !== 'too many states') throw e;
    err(contractFile, contractPos, null, 'subroutine expansion makes more than 20000 states');
  }
  if (failed) return null;

  const ordered: Record<string, Record<string, string>> = Object.create(null) as Record<string, Record<string, string>>;
  for (const { decl: s } of decls) { const row = states[s.name]; if (row !== undefined) ordered[s.name] = Object.freeze(row); }
  for (const [st, row] of Object.entries(states)) if (!(st in ordered)) ordered[st] = Object.freeze(row);
  return { messages, initial: initial as string, states: ordered, origin };
}
