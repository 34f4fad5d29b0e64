// Lowering: parsed Sing# contracts → the Snapshot the contract compiler takes, plus the
// TypeScript source of each message field (for `sing contract import`).
// Rules for callers: `lowerAll(units)` never throws; every problem is a diagnostic whose message
// reads `contract NAME: state S: ...` (positions are separate fields). A contract with an error
// is left out of the result; warnings ride along with the contracts that drew them.
// Type mapping: type-map.ts. Lowering decisions:
// - `byte[] in ExHeap`→bytes; `char[] in ExHeap`→text; `T[] in ExHeap` of any other scalar or
//   enum→exArray; `S[] in ExHeap` / `S* opt(ExHeap[])`→exVector(exLayout(S)) and
//   `S* in ExHeap`→exRecord(...) for a rep struct S of fixed-width scalars; vectors of vectors and
//   structs holding blocks are rejected (trees of blocks are not in Sing's exchange heap yet).
// - `!` (non-null) is accepted and dropped: Sing's fields are never null.
// - A message with no direction takes the one its marks imply; marked both ways, it is rejected
//   (Sing messages have one direction).
// - Intermediate states are named `Owner_k` (Sing state names are identifiers; a declared name is
//   never reused) after the declared state whose chain makes them; a
//   subroutine called from a chain is copied (inlined) once per call site and return point.
import { compile, type CompiledContract } from '../compiler.ts';
import { ContractError, END, type Dir, type MessageSpec } from '../contract.ts';
import { enumOf, INVALID, record, sealFieldType, type FieldType } from '../field.ts';
import { bytes, exArray, exLayout, exRecord, exVector, text, type Scalar } from '../exfield.ts';
import type { Snapshot } from '../intern.ts';
import type { Chain, ChainItem, ContractDecl, EnumDecl, MessageDecl, ParseResult, Pos, StateDecl, StructDecl, TypeExpr } from './parser.ts';
import { describeType, fieldName, LAYOUT_SCALAR, NOT_EXCHANGEABLE, SCALAR_FIELD } from './type-map.ts';

export interface Diagnostic { readonly file: string; readonly line: number; readonly col: number; readonly message: string; readonly severity: 'error' | 'warning' }
export interface SourceUnit { readonly file: string; readonly parsed: ParseResult }

export interface LoweredField { readonly name: string; readonly type: FieldType<unknown>; readonly ts: string }
export interface Lowered {
  readonly name: string;
  readonly file: string;
  readonly consts: Readonly<Record<string, string>>;
  readonly snapshot: Snapshot;
  readonly compiled: CompiledContract;
  /** Per message, its fields with their TypeScript source. */
  readonly fields: Readonly<Record<string, readonly LoweredField[]>>;
  /** Names of the runtime exports the TypeScript source uses. */
  readonly imports: ReadonlySet<string>;
  /** Contracts (by name) whose endpoints this one carries. */
  readonly deps: readonly string[];
  readonly warnings: readonly Diagnostic[];
}

interface Located<T> { readonly file: string; readonly decl: T }

const simple = (q: string): string => q.split('.').pop() as string;

export function lowerAll(units: readonly SourceUnit[]): { contracts: Lowered[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const enums = new Map<string, Located<EnumDecl>>();
  const structs = new Map<string, Located<StructDecl>>();
  const decls = new Map<string, Located<ContractDecl>>();
  for (const u of units) {
    for (const e of u.parsed.enums) if (!enums.has(e.name)) enums.set(e.name, { file: u.file, decl: e });
    for (const s of u.parsed.structs) if (!structs.has(s.name)) structs.set(s.name, { file: u.file, decl: s });
    for (const c of u.parsed.contracts) {
      const prev = decls.get(c.name);
      if (prev !== undefined) {
        diagnostics.push({ file: u.file, ...c.pos, message: `contract ${c.name}: already declared at ${prev.file}:${prev.decl.pos.line}:${prev.decl.pos.col}`, severity: 'error' });
        continue;
      }
      decls.set(c.name, { file: u.file, decl: c });
    }
  }

  const done = new Map<string, Lowered | null>();
  const inProgress = new Set<string>();
  const order: Lowered[] = [];

  const get = (name: string): Lowered | null | 'cycle' => {
    const key = simple(name);
    if (done.has(key)) return done.get(key) as Lowered | null;
    if (inProgress.has(key)) return 'cycle';
    const d = decls.get(key);
    if (d === undefined) return null;
    inProgress.add(key);
    const r = lowerOne(d);
    inProgress.delete(key);
    done.set(key, r);
    if (r !== null) order.push(r);
    return r;
  };

  // Effective declarations of a contract with its bases: messages and states, in order.
  interface Eff { messages: Located<MessageDecl>[]; states: Located<StateDecl>[]; ok: boolean }
  const effCache = new Map<string, Eff>();
  const effective = (d: Located<ContractDecl>, seen: Set<string>, err: (file: string, pos: Pos, msg: string) => void): Eff => {
    const cached = effCache.get(d.decl.name);
    if (cached !== undefined && seen.size === 0) return cached;
    const c = d.decl;
    let messages: Located<MessageDecl>[] = [];
    let states: Located<StateDecl>[] = [];
    let ok = true;
    if (c.base !== null) {
      const b = decls.get(simple(c.base));
      const bp = c.basePos ?? c.pos;
      if (b === undefined) { err(d.file, bp, `base contract ${c.base} is not in the files given`); ok = false; }
      else if (seen.has(b.decl.name) || b.decl.name === c.name) { err(d.file, bp, `contract ${c.name} inherits from itself`); ok = false; }
      else {
        const be = effective(b, new Set([...seen, c.name]), () => { /* the base reports its own errors */ });
        if (!be.ok) { err(d.file, bp, `base contract ${c.base} has errors`); ok = false; }
        messages = [...be.messages];
        states = [...be.states];
      }
    }
    for (const m of c.messages) {
      const prev = messages.find((x) => x.decl.name === m.name);
      if (prev !== undefined) { err(d.file, m.pos, `message ${m.name} is declared twice (also at ${prev.file}:${prev.decl.pos.line}:${prev.decl.pos.col})`); ok = false; continue; }
      messages.push({ file: d.file, decl: m });
    }
    for (const s of c.states) {
      const at = states.findIndex((x) => x.decl.name === s.name);
      const own = at >= 0 && c.states.indexOf(states[at]?.decl as StateDecl) >= 0;
      if (at >= 0 && !own && s.override) { states[at] = { file: d.file, decl: s }; continue; }
      if (at >= 0) {
        const prev = states[at] as Located<StateDecl>;
        err(d.file, s.pos, own ? `state ${s.name}: declared twice (also at line ${prev.decl.pos.line})` : `state ${s.name}: already declared in the base contract; write override state`);
        ok = false;
        continue;
      }
      if (s.override) { err(d.file, s.pos, `state ${s.name}: override, but no base contract declares ${s.name}`); ok = false; continue; }
      states.push({ file: d.file, decl: s });
    }
    const r = { messages, states, ok };
    if (seen.size === 0) effCache.set(c.name, r);
    return r;
  };

  const lowerOne = (d: Located<ContractDecl>): Lowered | null => {
    const c = d.decl;
    const name = c.name;
    let failed = false;
    const warnings: Diagnostic[] = [];
    const diag = (file: string, pos: Pos, where: string | null, msg: string, severity: 'error' | 'warning' = 'error'): void => {
      const full = `contract ${name}: ${where === null ? '' : `${where}: `}${msg}`;
      const dg = { file, line: pos.line, col: pos.col, message: full, severity };
      if (severity === 'error') { failed = true; diagnostics.push(dg); } else warnings.push(dg);
    };
    if (c.base !== null && simple(c.base) !== name && decls.has(simple(c.base))) {
      const b = get(c.base);
      if (b === 'cycle') { diag(d.file, c.basePos ?? c.pos, null, `contract ${name} inherits from itself through ${c.base}`); return null; }
      if (b === null) { diag(d.file, c.basePos ?? c.pos, null, `base contract ${c.base} has errors`); return null; }
    }
    const eff = effective(d, new Set(), (file, pos, msg) => diag(file, pos, null, msg));
    if (!eff.ok) failed = true;
    const imports = new Set<string>(['contract']);
    const deps: string[] = [];

    // Types.
    const structStack: string[] = [];
    const recordType = (t: TypeExpr, file: string, where: string): [FieldType<unknown>, string] | null => {
      if (t.kind !== 'named') { diag(file, t.pos, where, `${describeType(t)} may not stand inside a rep struct`); return null; }
      const n = simple(t.name);
      const sc = SCALAR_FIELD[t.name];
      if (sc !== undefined) { imports.add(sc[1]); return sc; }
      if (NOT_EXCHANGEABLE.has(t.name)) { diag(file, t.pos, where, `type ${t.name} cannot cross a channel (use char[] or byte[] in ExHeap, or an enum)`); return null; }
      const e = enums.get(n);
      if (e !== undefined) {
        const names = e.decl.members.map((m) => m.name);
        if (names.length === 0) { diag(file, t.pos, where, `enum ${n} has no members`); return null; }
        imports.add('enumOf');
        return [enumOf(...(names as [string, ...string[]])), `enumOf(${names.map((x) => `'${x}'`).join(', ')})`];
      }
      const s = structs.get(n);
      if (s !== undefined) {
        if (!s.decl.rep) { diag(file, t.pos, where, `struct ${n} is not a rep struct, so it cannot cross a channel`); return null; }
        if (structStack.includes(n)) { diag(file, t.pos, where, `rep struct ${n} contains itself`); return null; }
        structStack.push(n);
        const fts: Record<string, FieldType<unknown>> = {};
        const src: string[] = [];
        let ok = true;
        for (const f of s.decl.fields) {
          const r = recordType(f.type, s.file, `rep struct ${n}: field ${f.name}`);
          if (r === null) { ok = false; continue; }
          fts[f.name] = r[0];
          src.push(`${f.name}: ${r[1]}`);
        }
        structStack.pop();
        if (!ok) return null;
        imports.add('record');
        return [record(fts), `record({ ${src.join(', ')} })`];
      }
      diag(file, t.pos, where, `type ${t.name} is not declared (not a scalar, enum, rep struct or endpoint); a type declared outside contract files can be given with --types FILE.sg`);
      return null;
    };
    const layoutOf = (elem: string, file: string, pos: Pos, where: string): string | null => {
      const s = structs.get(simple(elem));
      if (s === undefined || !s.decl.rep) {
        diag(file, pos, where, `${elem} in ExHeap: Sing's exchange heap holds byte vectors and rep structs of fixed-width scalars, not ${elem}`);
        return null;
      }
      const parts: string[] = [];
      for (const f of s.decl.fields) {
        let sc: Scalar | undefined;
        if (f.type.kind === 'named') {
          sc = LAYOUT_SCALAR[f.type.name];
          const en = enums.get(simple(f.type.name));
          if (sc === undefined && en !== undefined) sc = LAYOUT_SCALAR[en.decl.base ?? 'int'];
        }
        if (sc === undefined) { diag(s.file, f.pos, `rep struct ${s.decl.name}: field ${f.name}`, `${describeType(f.type)} cannot live in an exchange-heap block (fixed-width scalars only)`); return null; }
        parts.push(`${f.name}: '${sc}'`);
      }
      if (parts.length === 0) { diag(s.file, s.decl.pos, `rep struct ${s.decl.name}`, 'an exchange-heap struct needs at least one field'); return null; }
      imports.add('exLayout');
      return `exLayout({ ${parts.join(', ')} })`;
    };
    const layoutValue = (src: string): ReturnType<typeof exLayout> => {
      const fields: Record<string, Scalar> = {};
      for (const m of src.matchAll(/(\w+): '(\w+)'/g)) fields[m[1] as string] = m[2] as Scalar;
      return exLayout(fields);
    };
    const fieldType = (t: TypeExpr, file: string, where: string): [FieldType<unknown>, string] | null => {
      switch (t.kind) {
        case 'named': return recordType(t, file, where);
        case 'other': diag(file, t.pos, where, `type ${t.text} cannot cross a channel (only scalars, enums, rep structs, ExHeap vectors and pointers, and endpoints)`); return null;
        case 'exvec': {
          if (t.depth > 1) { diag(file, t.pos, where, `${t.elem}${'[]'.repeat(t.depth)} in ExHeap: vectors of vectors are not supported by Sing's exchange heap`); return null; }
          if (t.elem === 'byte') { imports.add('bytes'); return [bytes, 'bytes']; }
          if (t.elem === 'char') { imports.add('text'); return [text, 'text']; }
          const sc = LAYOUT_SCALAR[t.elem] ?? (enums.has(simple(t.elem)) ? LAYOUT_SCALAR[enums.get(simple(t.elem))?.decl.base ?? 'int'] : undefined);
          if (sc !== undefined) { imports.add('exArray'); return [exArray(sc), `exArray('${sc}')`]; }
          const l = layoutOf(t.elem, file, t.pos, where);
          if (l === null) return null;
          imports.add('exVector');
          return [exVector(layoutValue(l)), `exVector(${l})`];
        }
        case 'exptr': {
          const l = layoutOf(t.elem, file, t.pos, where);
          if (l === null) return null;
          imports.add('exRecord');
          return [exRecord(layoutValue(l)), `exRecord(${l})`];
        }
        case 'endpoint': {
          const target = get(t.contract);
          const cn = simple(t.contract);
          if (target === 'cycle') { diag(file, t.pos, where, `endpoint type ${t.contract} refers back to a contract being defined; Sing contracts cannot carry their own endpoints`); return null; }
          if (target === null) {
            diag(file, t.pos, where, decls.has(cn) ? `endpoint type ${t.contract}: contract ${cn} has errors` : `endpoint type ${t.contract}: contract ${cn} is not in the files given`);
            return null;
          }
          const st = t.state === '' ? target.snapshot.initial : t.state;
          const row = target.snapshot.states[st];
          if (row === undefined) { diag(file, t.pos, where, `endpoint type ${t.contract}.${t.side === 'imp' ? 'Imp' : 'Exp'}:${st}: contract ${cn} has no state ${st}`); return null; }
          const holder: Dir = t.side === 'imp' ? 'in' : 'out';
          const other = Object.keys(row).filter((tag) => target.snapshot.messages[tag]?.dir !== holder);
          if (other.length > 0) {
            diag(file, t.pos, where, `endpoint ${cn}.${t.side === 'imp' ? 'Imp' : 'Exp'}:${st} moves in a state where the other side may send first (${other.join(', ')}); messages already queued move with it`, 'warning');
          }
          if (!deps.includes(cn)) deps.push(cn);
          imports.add('endpointOf');
          const ft = sealFieldType({
            kind: 'endpoint' as const,
            describe: `${target.compiled.fingerprint}.${t.side}:${st}`,
            check: () => false,
            take: () => INVALID,
            endpoint: Object.freeze({ contract: target.snapshot, side: t.side, state: st }),
          });
          return [ft, `endpointOf(${cn}, '${t.side}', '${st}')`];
        }
      }
    };

    const msgDecls = new Map<string, Located<MessageDecl>>();
    for (const m of eff.messages) msgDecls.set(m.decl.name, m);
    const stateDecls = new Map<string, Located<StateDecl>>();
    for (const s of eff.states) stateDecls.set(s.decl.name, s);

    // Rule 1 and 2: messages declared and marked right, states declared; marks of undirected messages.
    const marks = new Map<string, Set<'?' | '!'>>();
    const calls: { from: string; to: string; pos: Pos; file: string }[] = [];
    const gotos = new Map<string, Set<string>>();
    for (const { file, decl: s } of eff.states) {
      const where = `state ${s.name}`;
      const g = new Set<string>();
      gotos.set(s.name, g);
      for (const ch of s.steps) {
        const first = ch.items[0];
        if (first !== undefined && first.kind === 'state') diag(file, first.pos, where, `a step must begin with a message, not with state ${first.name}`);
        ch.items.forEach((it, k) => {
          if (it.kind === 'state') {
            if (!stateDecls.has(it.name)) diag(file, it.pos, where, k === ch.items.length - 1 ? `target state ${it.name} is not declared` : `subroutine state ${it.name} is not declared`);
            else if (k === ch.items.length - 1) g.add(it.name);
            else if (k > 0) calls.push({ from: s.name, to: it.name, pos: it.pos, file });
            return;
          }
          for (const a of it.alts) {
            const m = msgDecls.get(a.name);
            if (m === undefined) { diag(file, a.pos, where, `message ${a.name} is not declared`); continue; }
            const dir = m.decl.dir;
            if (dir === 'in' && a.mark === '!') diag(file, a.pos, where, `message ${a.name} is an in message (importer to exporter), so it takes ?, not !`);
            else if (dir === 'out' && a.mark === '?') diag(file, a.pos, where, `message ${a.name} is an out message (exporter to importer), so it takes !, not ?`);
            let set = marks.get(a.name);
            if (set === undefined) marks.set(a.name, (set = new Set()));
            set.add(a.mark);
          }
        });
      }
    }
    const dirs = new Map<string, Dir>();
    for (const { file, decl: m } of eff.messages) {
      if (m.dir !== null) { dirs.set(m.name, m.dir); continue; }
      const set = marks.get(m.name);
      if (set !== undefined && set.size === 2) diag(file, m.pos, `message ${m.name}`, 'has no direction and is used both with ? and with !; Sing messages travel one way, so give it in or out');
      dirs.set(m.name, set?.has('!') === true ? 'out' : 'in');
    }
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
      diag(cl.file, cl.pos, `state ${cl.from}`, `calls itself as a subroutine (${path.join(' -> ')}); recursive subroutine states are not allowed`);
    }

    // Message fields (rule 5) and endpoint states (rule 6).
    const messages: Record<string, MessageSpec> = Object.create(null) as Record<string, MessageSpec>;
    const fields: Record<string, LoweredField[]> = Object.create(null) as Record<string, LoweredField[]>;
    for (const { file, decl: m } of eff.messages) {
      const fs: LoweredField[] = [];
      const ftMap: Record<string, FieldType<unknown>> = Object.create(null) as Record<string, FieldType<unknown>>;
      const declared = new Set(m.args.map((a) => a.name));
      for (const a of m.args) {
        const where = `message ${m.name}: argument ${a.name}`;
        if (a.name in ftMap) { diag(file, a.pos, where, 'declared twice'); continue; }
        const r = fieldType(a.type, file, where);
        if (r === null) continue;
        const name = fieldName(a.name, declared);
        ftMap[name] = r[0];
        fs.push({ name, type: r[0], ts: r[1] });
      }
      messages[m.name] = Object.freeze({ dir: dirs.get(m.name) ?? 'in', fields: Object.freeze(ftMap) });
      fields[m.name] = fs;
    }
    const initialDecl = stateDecls.has('Start') ? 'Start' : eff.states[0]?.decl.name;
    if (initialDecl === undefined) diag(d.file, c.pos, null, 'declares no states');
    if (failed) return null;

    // Lowering of states: declared states are entered with the top-level continuation (END);
    // a subroutine call makes a copy of the callee whose returns continue the caller's chain.
    interface Ctx { readonly id: number; readonly items: readonly ChainItem[]; readonly i: number; readonly outer: Ctx | null; readonly decl: Located<StateDecl> }
    const states: Record<string, Record<string, string>> = Object.create(null) as Record<string, Record<string, string>>;
    const origin = new Map<string, Located<StateDecl>>();
    const counters = new Map<string, number>();
    const fresh = (base: string): string => {
      for (;;) {
        const k = (counters.get(base) ?? 0) + 1;
        counters.set(base, k);
        const nm = `${base}_${k}`;
        if (!stateDecls.has(nm)) return nm;
      }
    };
    const instances = new Map<string, string>();
    const memo = new Map<readonly ChainItem[], Map<string, string | Ctx>>();
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
        const prev = row[a.name];
        if (prev !== undefined && prev !== to) diag(decl.file, a.pos, `state ${decl.decl.name}`, `message ${a.name} is offered twice with different continuations (${prev} and ${to})`);
        row[a.name] = to;
      }
    };
    const lowerState = (s: string, k: Ctx | null): string => {
      const key = `${s}|${k?.id ?? 0}`;
      const known = instances.get(key);
      if (known !== undefined) return known;
      if (--budget < 0) throw new Error('too many states');
      const decl = stateDecls.get(s) as Located<StateDecl>;
      const nm = k === null ? s : fresh(s);
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
      const nm = fresh(decl.decl.name);
      m.set(key, nm);
      states[nm] = Object.create(null) as Record<string, string>;
      origin.set(nm, decl);
      emitFrom(nm, ch, i, k, decl);
      return nm;
    };

    const called = new Set(calls.map((x) => x.to));
    try {
      for (const { decl: s } of eff.states) if (s.name === initialDecl || !called.has(s.name)) lowerState(s.name, null);
    } catch (e) {
      if (!(e instanceof Error) || e.message !== 'too many states') throw e;
      diag(d.file, c.pos, null, 'subroutine expansion makes more than 20000 states');
    }
    if (failed) return null;

    // Declared states first, in declaration order; generated ones after, in the order made.
    const ordered: Record<string, Record<string, string>> = Object.create(null) as Record<string, Record<string, string>>;
    for (const { decl: s } of eff.states) { const row = states[s.name]; if (row !== undefined) ordered[s.name] = Object.freeze(row); }
    for (const [st, row] of Object.entries(states)) if (!(st in ordered)) ordered[st] = Object.freeze(row);
    const snapshot: Snapshot = Object.freeze({ name, messages: Object.freeze(messages), initial: initialDecl as string, states: Object.freeze(ordered) });
    let compiled: CompiledContract;
    try {
      compiled = compile(snapshot, { unreachable: 'warning' });
    } catch (e) {
      if (!(e instanceof ContractError)) throw e;
      diag(d.file, c.pos, null, e.message.replace(/^contract [\w.]+: /, ''));
      return null;
    }
    for (const w of compiled.warnings) {
      const ms = /^message (\w+) /.exec(w);
      const ss = /^state (\w+) (.*)$/.exec(w);
      if (ms !== null) {
        const m = msgDecls.get(ms[1] as string);
        diag(m?.file ?? d.file, m?.decl.pos ?? c.pos, null, w, 'warning');
      } else if (ss !== null) {
        const o = origin.get(ss[1] as string);
        // An unreachable declared state makes its intermediate states unreachable too: say it once.
        if ((ss[2] as string).startsWith('cannot be reached') && o !== undefined && o.decl.name !== ss[1]) {
          if (compiled.warnings.includes(`state ${o.decl.name} ${ss[2] as string}`)) continue;
        }
        diag(o?.file ?? d.file, o?.decl.pos ?? c.pos, `state ${ss[1] as string}`, ss[2] as string, 'warning');
      } else diag(d.file, c.pos, null, w, 'warning');
    }
    return { name, file: d.file, consts: c.consts, snapshot, compiled, fields, imports, deps, warnings };
  };

  for (const u of units) for (const c of u.parsed.contracts) if (decls.get(c.name)?.decl === c) get(c.name);
  for (const l of order) diagnostics.push(...l.warnings);
  return { contracts: order, diagnostics };
}
