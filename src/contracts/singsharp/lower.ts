// Lowering: parsed Sing# contracts → the Snapshots the contract compiler takes, plus the
// TypeScript source of each message field (for `sing contract import`).
// Rules for callers: `lowerAll(units)` never throws; every problem is a diagnostic whose message
// reads `contract NAME: state S: ...` (positions are separate fields). A contract with an error
// is left out of the result; warnings ride along with the contracts that drew them.
// Types: lower-types.ts; state machines and message directions: lower-states.ts. Here:
// - Names. A name written in a contract (an endpoint's contract, a base, a type) means the
//   declaration in the same file, else the one in the closest enclosing namespace, else the only
//   one; declarations that differ and stay in the running are an error asking for the namespace.
//   Declarations of --types files count only for names the other files do not declare.
// - The same contract declared in several files (the RDK copies small contracts between
//   programs): declarations whose lowered contracts have equal fingerprints are one contract,
//   reported once (`duplicateOf`); declarations that differ are each named by their namespace
//   (`Ns.Inner.Name`) and lowered again; differing ones in one namespace are an error.
// - A state the initial state cannot reach becomes an entry state (`entries`), with a warning:
//   Sing# could make a channel in any state, and the RDK's TCP connections start in one.
// - Recursive contracts. Contracts that carry each other's endpoints (a strongly connected set,
//   a contract carrying its own endpoints included) are lowered together as one group: such a
//   field is `endpointOf('Name', side, state)` and the group is compiled with `compileMembers`,
//   which defines their fingerprints over the group (fingerprint.ts).
import { compileMembers, type CompiledContract } from '../compiler.ts';
import { ContractError, endpointOf, type Dir, type MessageSpec } from '../contract.ts';
import { INVALID, sealFieldType, type FieldType } from '../field.ts';
import type { Snapshot } from '../intern.ts';
import type { ContractDecl, EnumDecl, MessageDecl, ParseResult, Pos, StateDecl, StructDecl } from './parser.ts';
import { TypeLowerer, type Located, type TypeContext } from './lower-types.ts';
import { lowerStates } from './lower-states.ts';
import { NameTable } from './names.ts';
import { argsOf, compilerWarnings, components, firstUnreachable, ident, movedWarning } from './lower-helpers.ts';

export { ident } from './lower-helpers.ts';

export interface Diagnostic { readonly file: string; readonly line: number; readonly col: number; readonly message: string; readonly severity: 'error' | 'warning' }
/** `fallback`: a --types file, whose declarations count only for names no other file declares. */
export interface SourceUnit { readonly file: string; readonly parsed: ParseResult; readonly fallback?: boolean }

export interface LoweredField { readonly name: string; readonly type: FieldType<unknown>; readonly ts: string }
export interface Lowered {
  /** The contract's name in Sing: its Sing# name, or qualified by its namespace when another
   * declaration of that name differs. */
  readonly name: string;
  readonly file: string;
  readonly pos: Pos;
  readonly consts: Readonly<Record<string, string>>;
  readonly snapshot: Snapshot;
  readonly compiled: CompiledContract;
  /** Per message tag, its fields with their TypeScript source. */
  readonly fields: Readonly<Record<string, readonly LoweredField[]>>;
  /** Names of the runtime exports the TypeScript source uses. */
  readonly imports: ReadonlySet<string>;
  /** Contracts (by name) whose endpoints this one carries, outside its group. */
  readonly deps: readonly string[];
  /** The members of its recursive group (itself included), in order; null when not recursive. */
  readonly group: readonly string[] | null;
  /** An earlier declaration of the same contract (equal fingerprint) this one is a copy of. */
  readonly duplicateOf: Lowered | null;
  readonly warnings: readonly Diagnostic[];
}

/** One contract declaration. */
export interface Entry { readonly file: string; readonly decl: ContractDecl; readonly index: number }

interface Pending { readonly target: Entry; readonly side: 'imp' | 'exp'; readonly state: string; readonly written: string; readonly file: string; readonly pos: Pos; readonly where: string }
export interface PhaseOne {
  readonly entry: Entry;
  readonly snapshot: Snapshot;
  readonly fields: Record<string, LoweredField[]>;
  readonly imports: Set<string>;
  readonly deps: string[];
  readonly pending: Pending[];
  readonly origin: ReadonlyMap<string, Located<StateDecl>>;
  readonly msgDecls: ReadonlyMap<string, Located<MessageDecl>>;
}

export function lowerAll(units: readonly SourceUnit[]): { contracts: Lowered[]; diagnostics: Diagnostic[] } {
  const entries: Entry[] = [];
  const enums: Located<EnumDecl>[] = [];
  const structs: Located<StructDecl>[] = [];
  for (const u of units) {
    for (const e of u.parsed.enums) enums.push({ file: u.file, decl: e });
    for (const s of u.parsed.structs) structs.push({ file: u.file, decl: s });
    for (const c of u.parsed.contracts) entries.push({ file: u.file, decl: c, index: entries.length });
  }
  const fallback = new Set(units.filter((u) => u.fallback === true).map((u) => u.file));
  const names = new Map<Entry, string>(entries.map((e) => [e, e.decl.name]));
  const clashes = new Map<Entry, Entry>();
  // Lower; name apart the declarations of one name that turn out different; lower again.
  for (let round = 0; ; round++) {
    const r = lowerPass(entries, enums, structs, names, clashes, fallback);
    const byName = new Map<string, Entry[]>();
    for (const e of entries) if (!clashes.has(e)) byName.set(names.get(e) as string, [...(byName.get(names.get(e) as string) ?? []), e]);
    let changed = false;
    for (const all of byName.values()) {
      // A --types file's contract of the same name only stands in when no other file has one.
      const group = all.some((e) => !fallback.has(e.file)) ? all.filter((e) => !fallback.has(e.file)) : all;
      if (group.length < 2) continue;
      const fps = group.map((e) => r.lowered.get(e)?.compiled.fingerprint);
      if (fps.every((f) => f === fps[0])) continue;
      let renamed = false;
      for (const e of group) {
        const q = e.decl.ns === '' ? e.decl.name : `${e.decl.ns}.${e.decl.name}`;
        if (names.get(e) !== q) { names.set(e, q); renamed = true; }
      }
      changed ||= renamed;
      if (renamed) continue;
      // Already qualified: the same name in the same namespace, declared differently.
      for (const e of group.slice(1)) if (fps[group.indexOf(e)] !== fps[0]) { clashes.set(e, group[0] as Entry); changed = true; }
    }
    if (!changed || round > entries.length) return finish(r, entries, names, clashes, fallback);
  }
}

/** The result of the last pass: copies marked, their diagnostics dropped, clashes reported. */
function finish(r: PassResult, entries: readonly Entry[], names: ReadonlyMap<Entry, string>, clashes: ReadonlyMap<Entry, Entry>, fallback: ReadonlySet<string>): { contracts: Lowered[]; diagnostics: Diagnostic[] } {
  // Per name, the declaration that stands for it: the first outside --types files, else the first.
  const first = new Map<string, Lowered>();
  for (const l of r.order) if (!fallback.has(l.file) && !first.has(l.name)) first.set(l.name, l);
  for (const l of r.order) if (!first.has(l.name)) first.set(l.name, l);
  const copies = new Set<Entry>();
  const contracts: Lowered[] = [];
  for (const l of r.order) {
    const f = first.get(l.name) as Lowered;
    if (f === l) { contracts.push(l); continue; }
    copies.add(entryOf(entries, l));
    contracts.push({ ...l, duplicateOf: f });
  }
  const diagnostics = r.diagnostics.filter((d) => d.entry === null || !copies.has(d.entry)).map((d) => d.d);
  for (const [e, prev] of clashes) {
    diagnostics.push({
      file: e.file, ...e.decl.pos, severity: 'error',
      message: `contract ${names.get(e) as string}: already declared at ${prev.file}:${prev.decl.pos.line}:${prev.decl.pos.col} with different contents${e.decl.ns === '' ? '' : ` (both in ${e.decl.ns})`}`,
    });
  }
  for (const l of contracts) if (l.duplicateOf === null) diagnostics.push(...l.warnings);
  return { contracts, diagnostics };
}

function entryOf(entries: readonly Entry[], l: Lowered): Entry {
  return entries.find((e) => e.file === l.file && e.decl.pos === l.pos) as Entry;
}

interface PassResult {
  readonly lowered: Map<Entry, Lowered | null>;
  /** Successful contracts, dependencies first. */
  readonly order: Lowered[];
  readonly diagnostics: { readonly entry: Entry | null; readonly d: Diagnostic }[];
}

function lowerPass(all: readonly Entry[], enums: readonly Located<EnumDecl>[], structs: readonly Located<StructDecl>[], names: ReadonlyMap<Entry, string>, clashes: ReadonlyMap<Entry, Entry>, fallback: ReadonlySet<string>): PassResult {
  const entries = all.filter((e) => !clashes.has(e));
  const out: PassResult = { lowered: new Map(), order: [], diagnostics: [] };
  const table = new NameTable(entries, enums, structs, names, fallback);
  const nameOf = (e: Entry): string => names.get(e) as string;

  // Inheritance: effective declarations; cycles of bases are reported once, as before.
  interface Eff { messages: Located<MessageDecl>[]; states: Located<StateDecl>[]; ok: boolean }
  const effCache = new Map<Entry, { eff: Eff; errors: [string, Pos, string][] }>();
  /** A contract's effective declarations; `err` hears its errors (every time it is asked). */
  const effectiveOf = (e: Entry, err: (file: string, pos: Pos, msg: string) => void): Eff => {
    let c = effCache.get(e);
    if (c === undefined) {
      const errors: [string, Pos, string][] = [];
      c = { eff: effective(e, new Set(), (file, pos, msg) => errors.push([file, pos, msg])), errors };
      effCache.set(e, c);
    }
    for (const [file, pos, msg] of c.errors) err(file, pos, msg);
    return c.eff;
  };
  const baseOf = (e: Entry, report: ((pos: Pos, msg: string) => void) | null): Entry | undefined => {
    if (e.decl.base === null) return undefined;
    const b = table.contract(e.decl.base, e, e.decl.basePos ?? e.decl.pos, report === null ? null : (pos, msg) => report(pos, msg));
    return b ?? undefined;
  };
  function effective(e: Entry, seen: Set<Entry>, err: (file: string, pos: Pos, msg: string) => void): Eff {
    const c = e.decl;
    let messages: Located<MessageDecl>[] = [];
    let states: Located<StateDecl>[] = [];
    let ok = true;
    if (c.base !== null) {
      const bp = c.basePos ?? c.pos;
      const b = table.contract(c.base, e, bp, seen.size === 0 ? (pos, msg) => err(e.file, pos, msg) : null);
      if (b === null) ok = false;
      else if (b === undefined) { err(e.file, bp, `base contract ${c.base} is not in the files given`); ok = false; }
      else if (seen.has(b) || b === e) { err(e.file, bp, `contract ${c.name} inherits from itself`); ok = false; }
      else {
        const be = effective(b, new Set([...seen, e]), () => { /* the base reports its own errors */ });
        if (!be.ok) { err(e.file, bp, `base contract ${c.base} has errors`); ok = false; }
        messages = [...be.messages];
        states = [...be.states];
      }
    }
    for (const m of c.messages) {
      const prev = messages.find((x) => x.decl.name === m.name);
      if (prev !== undefined) { err(e.file, m.pos, `message ${m.name} is declared twice (also at ${prev.file}:${prev.decl.pos.line}:${prev.decl.pos.col})`); ok = false; continue; }
      messages.push({ file: e.file, decl: m });
    }
    for (const s of c.states) {
      const at = states.findIndex((x) => x.decl.name === s.name);
      const own = at >= 0 && c.states.indexOf(states[at]?.decl as StateDecl) >= 0;
      if (at >= 0 && !own && s.override) { states[at] = { file: e.file, decl: s }; continue; }
      if (at >= 0) {
        const prev = states[at] as Located<StateDecl>;
        err(e.file, s.pos, own ? `state ${s.name}: declared twice (also at line ${prev.decl.pos.line})` : `state ${s.name}: already declared in the base contract; write override state`);
        ok = false;
        continue;
      }
      if (s.override) { err(e.file, s.pos, `state ${s.name}: override, but no base contract declares ${s.name}`); ok = false; continue; }
      states.push({ file: e.file, decl: s });
    }
    return { messages, states, ok };
  }
  const initialOf = (e: Entry): string | undefined => {
    const st = effectiveOf(e, () => undefined).states;
    return st.some((s) => s.decl.name === 'Start') ? 'Start' : st[0]?.decl.name;
  };

  // Per contract, its diagnostics and whether it failed.
  const failed = new Set<Entry>();
  const warnings = new Map<Entry, Diagnostic[]>();
  const diagFor = (e: Entry) => (file: string, pos: Pos, where: string | null, msg: string, severity: 'error' | 'warning' = 'error'): void => {
    const d: Diagnostic = { file, line: pos.line, col: pos.col, message: `contract ${nameOf(e)}: ${where === null ? '' : `${where}: `}${msg}`, severity };
    if (severity === 'error') { failed.add(e); out.diagnostics.push({ entry: e, d }); } else warnings.set(e, [...(warnings.get(e) ?? []), d]);
  };

  // Inheritance cycles: the contract that closes a cycle says so, the others that their base has errors.
  const baseBad = new Map<Entry, boolean>();
  const inProgress = new Set<Entry>();
  const checkBase = (e: Entry): boolean => {
    const known = baseBad.get(e);
    if (known !== undefined) return known;
    inProgress.add(e);
    let bad = false;
    const b = baseOf(e, null);
    if (b !== undefined && b !== e) {
      if (inProgress.has(b)) { diagFor(e)(e.file, e.decl.basePos ?? e.decl.pos, null, `contract ${nameOf(e)} inherits from itself through ${e.decl.base as string}`); bad = true; }
      else if (checkBase(b)) { diagFor(e)(e.file, e.decl.basePos ?? e.decl.pos, null, `base contract ${e.decl.base as string} has errors`); bad = true; }
    }
    inProgress.delete(e);
    baseBad.set(e, bad);
    return bad;
  };
  for (const e of entries) checkBase(e);

  // The graph of contracts carrying each other's endpoints (and bases), strongly connected sets
  // in dependency order.
  const depsOf = (e: Entry): Entry[] => {
    const ds: Entry[] = [];
    const b = baseOf(e, null);
    if (b !== undefined && b !== e) ds.push(b);
    for (const m of effectiveOf(e, () => undefined).messages) {
      for (const a of m.decl.args) {
        if (a.type.kind !== 'endpoint') continue;
        const t = table.contract(a.type.contract, e, a.type.pos, null);
        if (t !== undefined && t !== null && !ds.includes(t)) ds.push(t);
      }
    }
    return ds;
  };
  const graph = new Map(entries.map((e) => [e, depsOf(e)]));

  for (const scc of components(entries, graph)) {
    const members = new Set(scc);
    const recursive = scc.length > 1 || (graph.get(scc[0] as Entry) ?? []).includes(scc[0] as Entry);
    const parts = new Map<Entry, PhaseOne>();
    for (const e of scc) {
      if (baseBad.get(e) === true) continue;
      const p = lowerContract(e, members);
      if (p !== null && !failed.has(e)) parts.set(e, p);
      else failed.add(e);
    }
    // A member fails when a member it refers to (or inherits from) failed.
    for (let again = true; again;) {
      again = false;
      for (const [e, p] of parts) {
        const bad = p.pending.find((x) => failed.has(x.target));
        const b = baseOf(e, null);
        if (bad !== undefined) diagFor(e)(bad.file, bad.pos, bad.where, `endpoint type ${bad.written}: contract ${nameOf(bad.target)} has errors`);
        else if (b !== undefined && members.has(b) && failed.has(b)) diagFor(e)(e.file, e.decl.basePos ?? e.decl.pos, null, `base contract ${e.decl.base as string} has errors`);
        else continue;
        parts.delete(e);
        again = true;
      }
    }
    // References' states and moves, now that every member's states are known.
    for (const [e, p] of [...parts]) {
      for (const x of p.pending) {
        const target = parts.get(x.target) as PhaseOne;
        if (!Object.hasOwn(target.snapshot.states, x.state)) {
          diagFor(e)(x.file, x.pos, x.where, `endpoint type ${x.written}.${x.side === 'imp' ? 'Imp' : 'Exp'}:${x.state}: contract ${nameOf(x.target)} has no state ${x.state}`);
        } else movedWarning(diagFor(e), target.snapshot, nameOf(x.target), x.side, x.state, x.file, x.pos, x.where);
      }
    }
    const ok = scc.filter((e) => parts.has(e) && !failed.has(e));
    if (ok.length !== scc.length) {
      for (const e of ok) {
        const other = scc.find((x) => !ok.includes(x)) as Entry;
        diagFor(e)(e.file, e.decl.pos, null, `carries endpoints of contract ${nameOf(other)} (directly or through other contracts that carry its own), which has errors`);
      }
      for (const e of scc) out.lowered.set(e, null);
      continue;
    }
    const ps = ok.map((e) => parts.get(e) as PhaseOne);
    const ccs = compileMembers(ps.map((p) => ({ snapshot: p.snapshot, value: p.snapshot })), { unreachable: 'warning' });
    const errs = ccs.filter((c): c is ContractError => c instanceof ContractError);
    ccs.forEach((cc, i) => {
      if (!(cc instanceof ContractError)) return;
      const p = ps[i] as PhaseOne;
      diagFor(p.entry)(p.entry.file, p.entry.decl.pos, null, cc.message.replace(/^contract [\w.]+: /, ''));
    });
    if (errs.length > 0) {
      for (const p of ps) {
        if (!failed.has(p.entry)) diagFor(p.entry)(p.entry.file, p.entry.decl.pos, null, `carries endpoints of a contract of its recursive group that has errors (${errs.map((x) => x.contract).join(', ')})`);
      }
      for (const e of scc) out.lowered.set(e, null);
      continue;
    }
    ps.forEach((p, i) => {
      const cc = ccs[i] as CompiledContract;
      const e = p.entry;
      compilerWarnings(diagFor(e), cc, p, e);
      const l: Lowered = {
        name: nameOf(e), file: e.file, pos: e.decl.pos, consts: e.decl.consts, snapshot: p.snapshot, compiled: cc, fields: p.fields,
        imports: p.imports, deps: p.deps, group: recursive ? ps.map((x) => nameOf(x.entry)) : null, duplicateOf: null, warnings: warnings.get(e) ?? [],
      };
      out.lowered.set(e, l);
      out.order.push(l);
    });
  }
  return out;

  /** Phase one of a contract: types and states; references to its group's members pending. */
  function lowerContract(e: Entry, group: ReadonlySet<Entry>): PhaseOne | null {
    const diag = diagFor(e);
    const eff = effectiveOf(e, (file, pos, msg) => diag(file, pos, null, msg));
    const imports = new Set<string>(['contract']);
    const deps: string[] = [];
    const pending: Pending[] = [];
    const cx: TypeContext = {
      imports,
      diag: (file, pos, where, msg) => diag(file, pos, where, msg),
      enumOf: (n, file, pos, where) => table.enumOf(n, file, e.decl.ns, (msg) => diag(file, pos, where, msg)),
      structOf: (n, file, pos, where) => table.structOf(n, file, e.decl.ns, (msg) => diag(file, pos, where, msg)),
      quiet: {
        enumOf: (n, file) => table.enumOf(n, file, e.decl.ns, null),
        structOf: (n, file) => table.structOf(n, file, e.decl.ns, null),
      },
      endpoint: (t, file, where) => {
        const target = table.contract(t.contract, e, t.pos, (pos, msg) => diag(file, pos, where, msg));
        if (target === null) return null;
        if (target === undefined) { diag(file, t.pos, where, `endpoint type ${t.contract}: contract ${t.contract.split('.').pop() as string} is not in the files given`); return null; }
        const sideName = t.side === 'imp' ? 'Imp' : 'Exp';
        imports.add('endpointOf');
        if (group.has(target)) {
          const st = t.state === '' ? initialOf(target) ?? 'Start' : t.state;
          pending.push({ target, side: t.side, state: st, written: t.contract, file, pos: t.pos, where });
          const n = nameOf(target);
          return { type: endpointOf(n, t.side, st), ts: `endpointOf('${n}', '${t.side}', '${st}')` };
        }
        const l = out.lowered.get(target);
        if (l === undefined || l === null) { diag(file, t.pos, where, `endpoint type ${t.contract}: contract ${nameOf(target)} has errors`); return null; }
        const st = t.state === '' ? l.snapshot.initial : t.state;
        if (l.snapshot.states[st] === undefined) { diag(file, t.pos, where, `endpoint type ${t.contract}.${sideName}:${st}: contract ${l.name} has no state ${st}`); return null; }
        movedWarning(diag, l.snapshot, l.name, t.side, st, file, t.pos, where);
        if (!deps.includes(l.name)) deps.push(l.name);
        const ft = sealFieldType({
          kind: 'endpoint' as const,
          describe: `${l.compiled.fingerprint}.${t.side}:${st}`,
          check: () => false,
          take: () => INVALID,
          endpoint: Object.freeze({ contract: l.snapshot, side: t.side, state: st }),
        });
        return { type: ft, ts: `endpointOf(${ident(l.name)}, '${t.side}', '${st}')` };
      },
    };
    const base = baseOf(e, null);
    if (base !== undefined && base !== e && !group.has(base) && out.lowered.get(base) === null) {
      diag(e.file, e.decl.basePos ?? e.decl.pos, null, `base contract ${e.decl.base as string} has errors`);
      return null;
    }
    const types = new TypeLowerer(cx);
    const ls = lowerStates(eff.messages, eff.states, e.decl.pos, e.file, (file, pos, where, msg) => diag(file, pos, where, msg));
    if (!eff.ok || ls === null) return null;

    // A state the initial state cannot reach is an entry state: Sing# could make a channel in any
    // state (`NewChannel(..., State.Value)`), and the RDK does (a TCP connection starts in
    // PreConnected). The fewest entries, in table order, so a declared state covers its chain.
    const entries: string[] = [];
    for (let st = firstUnreachable(ls.initial, entries, ls.states); st !== undefined; st = firstUnreachable(ls.initial, entries, ls.states)) {
      entries.push(st);
      const o = ls.origin.get(st);
      diag(o?.file ?? e.file, o?.decl.pos ?? e.decl.pos, `state ${st}`, `cannot be reached from ${ls.initial}; kept as an entry state (a Sing# channel could be made in it)`, 'warning');
    }
    const messages: Record<string, MessageSpec> = Object.create(null) as Record<string, MessageSpec>;
    const fields: Record<string, LoweredField[]> = Object.create(null) as Record<string, LoweredField[]>;
    const made = new Map<MessageDecl, { fs: LoweredField[]; map: Record<string, FieldType<unknown>> }>();
    for (const { decl: m, tag, dir } of ls.messages) {
      let f = made.get(m.decl);
      if (f === undefined) {
        f = argsOf(m, types, diag);
        made.set(m.decl, f);
      }
      messages[tag] = Object.freeze({ dir: dir as Dir, fields: Object.freeze({ ...f.map }) });
      fields[tag] = f.fs;
    }
    const snapshot: Snapshot = Object.freeze({ name: nameOf(e), messages: Object.freeze(messages), initial: ls.initial, ...(entries.length > 0 ? { entries: Object.freeze(entries) } : {}), states: Object.freeze(ls.states) });
    const msgDecls = new Map(eff.messages.map((m) => [m.decl.name, m]));
    return { entry: e, snapshot, fields, imports, deps, pending, origin: ls.origin, msgDecls };
  }
}
