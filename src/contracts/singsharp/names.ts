// What a name written in a Sing# contract means: which contract, enum or struct declaration,
// when several files (or namespaces) declare the same name.
// Rules for callers: make one NameTable per lowering pass. A lookup narrows the declarations of
// the name to those outside --types files (`fallback`) when there are any, then (the qualified ones
// matching, when the name is written with its namespace) to those in
// the file that writes it, else to those in the closest namespace enclosing the writer, and takes
// the first. When what is left differs (contracts: they have different names in Sing, see
// lower.ts; enums and structs: their declarations differ), the name is ambiguous: `report` is
// called with the reason and the lookup returns null. Undeclared names return undefined.
import type { EnumDecl, StructDecl } from './parser.ts';
import type { Located } from './lower-types.ts';
import type { Entry } from './lower.ts';
import type { Pos } from './parser.ts';

interface Named { readonly file: string; readonly ns: string; readonly name: string; readonly pos: Pos }

const simple = (q: string): string => q.split('.').pop() as string;
const where = (x: Named): string => `${x.file}:${x.pos.line}:${x.pos.col}${x.ns === '' ? '' : ` (in ${x.ns})`}`;

/** Narrows candidates as a C# reader would: same file, then the closest enclosing namespace. */
function narrow<T extends Named>(cands: readonly T[], written: string, file: string, ns: string, fallback: ReadonlySet<string>): T[] {
  let cs = cands;
  const primary = cs.filter((c) => !fallback.has(c.file));
  if (primary.length > 0) cs = primary;
  if (written.includes('.')) {
    const full = (c: T): string => (c.ns === '' ? c.name : `${c.ns}.${c.name}`);
    const q = cs.filter((c) => full(c) === written || full(c).endsWith(`.${written}`));
    if (q.length > 0) cs = q; // else the qualifier names something Sing does not track (a using alias)
  }
  if (cs.length <= 1) return [...cs];
  const same = cs.filter((c) => c.file === file);
  if (same.length > 0) cs = same;
  if (cs.length <= 1) return [...cs];
  const encloses = (c: T): boolean => c.ns === '' || ns === c.ns || ns.startsWith(`${c.ns}.`);
  const inScope = cs.filter(encloses);
  if (inScope.length > 0) {
    const best = Math.max(...inScope.map((c) => c.ns.length));
    cs = inScope.filter((c) => c.ns.length === best);
  }
  return [...cs];
}

export class NameTable {
  readonly #contracts = new Map<string, (Named & { entry: Entry })[]>();
  readonly #enums = new Map<string, (Named & { d: Located<EnumDecl>; key: string })[]>();
  readonly #structs = new Map<string, (Named & { d: Located<StructDecl>; key: string })[]>();
  readonly #names: ReadonlyMap<Entry, string>;
  readonly #fallback: ReadonlySet<string>;

  constructor(entries: readonly Entry[], enums: readonly Located<EnumDecl>[], structs: readonly Located<StructDecl>[], names: ReadonlyMap<Entry, string>, fallback: ReadonlySet<string>) {
    this.#names = names;
    this.#fallback = fallback;
    for (const e of entries) push(this.#contracts, e.decl.name, { file: e.file, ns: e.decl.ns, name: e.decl.name, pos: e.decl.pos, entry: e });
    for (const d of enums) {
      push(this.#enums, d.decl.name, { file: d.file, ns: d.decl.ns, name: d.decl.name, pos: d.decl.pos, d, key: JSON.stringify([d.decl.base, d.decl.members.map((m) => m.name)]) });
    }
    for (const d of structs) {
      const key = JSON.stringify([d.decl.rep, d.decl.fields.map((f) => [f.name, shape(f.type)])]);
      push(this.#structs, d.decl.name, { file: d.file, ns: d.decl.ns, name: d.decl.name, pos: d.decl.pos, d, key });
    }
  }

  /** The contract a name written in contract `from` means. */
  contract(written: string, from: Entry, pos: Pos, report: ((pos: Pos, msg: string) => void) | null): Entry | undefined | null {
    const cs = narrow(this.#contracts.get(simple(written)) ?? [], written, from.file, from.decl.ns, this.#fallback);
    const first = cs[0];
    if (first === undefined) return undefined;
    const name = this.#names.get(first.entry);
    if (cs.every((c) => this.#names.get(c.entry) === name)) return first.entry;
    report?.(pos, `${written} is ambiguous: contracts ${cs.map(where).join(' and ')} differ; write it with its namespace`);
    return null;
  }

  enumOf(written: string, file: string, ns: string, report: ((msg: string) => void) | null): Located<EnumDecl> | undefined | null {
    return pick(narrow(this.#enums.get(simple(written)) ?? [], written, file, ns, this.#fallback), 'enum', written, report);
  }

  structOf(written: string, file: string, ns: string, report: ((msg: string) => void) | null): Located<StructDecl> | undefined | null {
    return pick(narrow(this.#structs.get(simple(written)) ?? [], written, file, ns, this.#fallback), 'struct', written, report);
  }
}

function pick<D>(cs: readonly (Named & { d: D; key: string })[], what: string, written: string, report: ((msg: string) => void) | null): D | undefined | null {
  const first = cs[0];
  if (first === undefined) return undefined;
  if (cs.every((c) => c.key === first.key)) return first.d;
  report?.(`type ${written} is ambiguous: the ${what}s ${cs.map(where).join(' and ')} differ; write it with its namespace`);
  return null;
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const a = m.get(k);
  if (a === undefined) m.set(k, [v]);
  else a.push(v);
}

/** A struct field's type, for comparing declarations. */
function shape(t: { readonly kind: string }): unknown {
  const { pos: _pos, ...rest } = t as { pos?: unknown };
  return rest;
}
