// Contract interning: one compiled contract per distinct definition, shared by every process.
// Rules for callers: `intern(name, def, make)` reads the untrusted definition once into a frozen
// snapshot (so a getter or proxy cannot change it between check and use), and calls `make` only
// for a definition not seen before. The fast path, taken when a process instance re-evaluates the
// same contract module, compares the definition with a cached snapshot without allocating.
// `internGroup(entries, make)` does the same for the definitions of one `contracts({...})` call: a
// group is found again only when every member matches (a member's references name other members,
// so a member alone says nothing about the contracts its fields stand for).
// Invariants: snapshots hold only genuine field types (see field.ts) and plain strings.
import { ContractError, type MessageSpec } from './contract.ts';
import { isFieldType, type FieldMap, type FieldType } from './field.ts';

export interface Snapshot {
  readonly name: string;
  readonly messages: { readonly [tag: string]: MessageSpec };
  readonly initial: string;
  /** Other states a channel may start in (Sing#'s `NewChannel(..., State.Value)`). */
  readonly entries?: readonly string[];
  readonly states: { readonly [state: string]: { readonly [tag: string]: string } };
}

interface Entry<V> { readonly snap: Snapshot; readonly value: V }
const cache = new Map<string, Entry<unknown>[]>();
const RESERVED_FIELDS = new Set(['tag', 'ep', 'then', '__proto__', 'constructor']);
const IDENT = /^[A-Za-z_]\w*$/;

export function intern<V>(name: string, def: unknown, make: (s: Snapshot) => V): V {
  const entries = cache.get(name);
  if (entries !== undefined) {
    for (const e of entries) if (matches(def, e.snap)) return e.value as V;
  }
  const snap = snapshot(name, def);
  const value = make(snap);
  if (entries === undefined) cache.set(name, [{ snap, value }]);
  else entries.push({ snap, value });
  return value;
}

interface GroupEntry<V> { readonly snaps: readonly Snapshot[]; readonly value: V }
const groups = new Map<string, GroupEntry<unknown>[]>();

export function internGroup<V>(entries: readonly (readonly [string, unknown])[], make: (s: readonly Snapshot[]) => V): V {
  const key = entries.map(([n]) => n).join('\0');
  const known = groups.get(key);
  if (known !== undefined) {
    for (const e of known) if (entries.every(([, def], i) => matches(def, e.snaps[i] as Snapshot))) return e.value as V;
  }
  const snaps = entries.map(([n, def]) => snapshot(n, def));
  const value = make(snaps);
  if (known === undefined) groups.set(key, [{ snaps, value }]);
  else known.push({ snaps, value });
  return value;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function countKeys(o: object): number {
  let n = 0;
  for (const k in o) if (Object.hasOwn(o, k)) n++;
  return n;
}

function matches(def: unknown, s: Snapshot): boolean {
  if (!isObj(def) || def['initial'] !== s.initial) return false;
  const en = def['entries'];
  const want = s.entries ?? [];
  if (en === undefined ? want.length > 0 : !Array.isArray(en) || en.length !== want.length || want.some((x, i) => en[i] !== x)) return false;
  const ms = def['messages'];
  const ss = def['states'];
  if (!isObj(ms) || !isObj(ss)) return false;
  if (countKeys(ms) !== countKeys(s.messages) || countKeys(ss) !== countKeys(s.states)) return false;
  for (const tag in s.messages) {
    const a = ms[tag];
    const b = s.messages[tag] as MessageSpec;
    if (!isObj(a) || a['dir'] !== b.dir) return false;
    const fa = a['fields'];
    if (!isObj(fa) || countKeys(fa) !== countKeys(b.fields)) return false;
    for (const f in b.fields) {
      const x = fa[f];
      const y = b.fields[f] as FieldType<unknown>;
      if (x !== y && !(isFieldType(x) && x.describe === y.describe)) return false;
    }
  }
  for (const st in s.states) {
    const a = ss[st];
    const b = s.states[st] as Record<string, string>;
    if (!isObj(a) || countKeys(a) !== countKeys(b)) return false;
    for (const t in b) if (a[t] !== b[t]) return false;
  }
  return true;
}

function snapshot(name: string, def: unknown): Snapshot {
  const fail = (msg: string): never => { throw new ContractError(name, msg); };
  if (!isObj(def)) fail('the definition must be an object with messages, initial and states');
  const d = def as Record<string, unknown>;
  const ms = d['messages'];
  const ss = d['states'];
  const initial = d['initial'];
  if (!isObj(ms)) fail('messages must be an object of inn(...) / out(...)');
  if (!isObj(ss)) fail('states must be an object of transition tables');
  if (typeof initial !== 'string') fail('initial must name a state');
  const messages: Record<string, MessageSpec> = Object.create(null) as Record<string, MessageSpec>;
  for (const tag of Object.keys(ms as object)) {
    if (!IDENT.test(tag)) fail(`message ${JSON.stringify(tag)}: a message name must be an identifier`);
    const spec = (ms as Record<string, unknown>)[tag];
    if (!isObj(spec) || (spec['dir'] !== 'in' && spec['dir'] !== 'out')) fail(`message ${tag}: must be inn(...) or out(...)`);
    const fs = (spec as Record<string, unknown>)['fields'];
    if (!isObj(fs)) fail(`message ${tag}: fields must be an object`);
    const fields: Record<string, FieldType<unknown>> = Object.create(null) as Record<string, FieldType<unknown>>;
    for (const f of Object.keys(fs as object)) {
      const t = (fs as Record<string, unknown>)[f];
      if (!IDENT.test(f) || RESERVED_FIELDS.has(f)) fail(`message ${tag}: field name ${JSON.stringify(f)} is reserved or not an identifier`);
      if (!isFieldType(t)) fail(`message ${tag}: field ${f} is not a Sing field type (i32, str, record(...), endpointOf(...))`);
      fields[f] = t as FieldType<unknown>;
    }
    messages[tag] = Object.freeze({ dir: (spec as { dir: 'in' | 'out' }).dir, fields: Object.freeze(fields) as FieldMap });
  }
  const en = d['entries'];
  const entries: string[] = [];
  if (en !== undefined) {
    if (!Array.isArray(en)) fail('entries must be an array of state names');
    const len = (en as unknown[]).length;
    for (let i = 0; i < len; i++) {
      const x = (en as unknown[])[i];
      if (typeof x !== 'string' || !IDENT.test(x)) fail('entries must be an array of state names');
      entries.push(x as string);
    }
  }
  const states: Record<string, Record<string, string>> = Object.create(null) as Record<string, Record<string, string>>;
  for (const st of Object.keys(ss as object)) {
    if (!IDENT.test(st)) fail(`state ${JSON.stringify(st)}: a state name must be an identifier`);
    const row = (ss as Record<string, unknown>)[st];
    if (!isObj(row)) fail(`state ${st}: must be an object of message → next state`);
    const r: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const t of Object.keys(row as object)) {
      const target = (row as Record<string, unknown>)[t];
      if (typeof target !== 'string') fail(`state ${st}: the target of ${t} must be a state name or END`);
      r[t] = target as string;
    }
    states[st] = Object.freeze(r);
  }
  return Object.freeze({ name, messages: Object.freeze(messages), initial: initial as string, ...(entries.length > 0 ? { entries: Object.freeze(entries) } : {}), states: Object.freeze(states) });
}
