// Lowering of Sing# types to Sing field types, each with the TypeScript source that makes the same
// field type (for `sing contract import`).
// Rules for callers: make one TypeLowerer per contract being lowered; `arg(type, file, where)`
// returns the field of a message argument or null after reporting a diagnostic through `diag`.
// Endpoint types are handed to the caller's `endpoint` hook (it knows the other contracts).
// Lowering decisions (docs/contracts.md has the table):
// - scalars and enums as type-map.ts says; a rep struct argument becomes a copied `record`, unless
//   it holds exchange-heap pointers (directly or in a struct it holds by value): then it travels as
//   an exchange-heap record, `exRecord(layout)` (Sing's copied records cannot hold blocks).
// - a type in ExHeap denotes a block: `byte[]`→bytes, `char[]`→text, `T[]` of another scalar or
//   enum→exArray, `S[]` of a rep struct→exVector(layout), `S*`→exRecord(layout), `X[]` where X is
//   itself a vector or a pointer (`byte[][]`, `char[][]`, `S*[]`)→exPointers(block of X), and a
//   pointer to a vector (`T[]*`) is the vector.
// - a layout lays out a rep struct's fields in order: scalars and enums by their width, a field in
//   ExHeap as a pointer, `exPtr(block)` (every pointer may be null, as in Sing#), and a rep struct
//   held by value inline, its fields named `outer_inner`. A struct that holds itself, by value or
//   through pointers, is refused (layouts are not recursive).
import { enumOf, record, type FieldType } from '../field.ts';
import { bytes, exArray, exLayout, exPointers, exPtr, exRecord, exVector, text, type BlockSpec, type FieldSpec, type Layout, type Scalar } from '../exfield.ts';
import type { EnumDecl, Pos, StructDecl, Suffix, TypeExpr } from './parser.ts';
import { describeType, LAYOUT_SCALAR, NOT_EXCHANGEABLE, SCALAR_FIELD } from './type-map.ts';

export interface Located<T> { readonly file: string; readonly decl: T }
/** A lowered field type and the TypeScript expression that makes it. */
export interface Lowered { readonly type: FieldType<unknown>; readonly ts: string }
type Block = { readonly type: FieldType<unknown> & { readonly block: BlockSpec }; readonly ts: string };
type LayoutOut = { readonly layout: Layout; readonly ts: string };

export interface TypeContext {
  /** The enum or struct a name means, seen from `file` (null: reported as ambiguous already). */
  enumOf(name: string, file: string, pos: Pos, where: string): Located<EnumDecl> | undefined | null;
  structOf(name: string, file: string, pos: Pos, where: string): Located<StructDecl> | undefined | null;
  endpoint(t: TypeExpr & { kind: 'endpoint' }, file: string, where: string): Lowered | null;
  /** The same lookups, reporting nothing. */
  readonly quiet: Pick<TypeContext, 'enumOf' | 'structOf'>;
  diag(file: string, pos: Pos, where: string | null, msg: string): void;
  /** Names of the runtime exports the TypeScript source uses. */
  readonly imports: Set<string>;
}

const simple = (q: string): string => q.split('.').pop() as string;

export class TypeLowerer {
  readonly #cx: TypeContext;
  readonly #layouts = new Map<string, LayoutOut | null>();
  /** Records being made (by struct name) and layouts being made (by declaration). */
  readonly #records: string[] = [];
  readonly #making: string[] = [];

  constructor(cx: TypeContext) { this.#cx = cx; }

  /** A message argument's field. */
  arg(t: TypeExpr, file: string, where: string): Lowered | null {
    const cx = this.#cx;
    switch (t.kind) {
      case 'named': return this.#value(t, file, where);
      case 'other': cx.diag(file, t.pos, where, `type ${t.text} cannot cross a channel (only scalars, enums, rep structs, ExHeap vectors and pointers, and endpoints)`); return null;
      case 'exheap': return this.#block(t.elem, t.suffix, file, t.pos, where);
      case 'endpoint': return cx.endpoint(t, file, where);
    }
  }

  /** A value (not in ExHeap): scalar, enum, or rep struct (a record, or an exRecord when it holds
   * pointers). */
  #value(t: TypeExpr & { kind: 'named' }, file: string, where: string): Lowered | null {
    const cx = this.#cx;
    const plain = SCALAR_FIELD[t.name] !== undefined || NOT_EXCHANGEABLE.has(t.name) || this.#quiet().enumOf(t.name, file, t.pos, where) !== undefined;
    const s = plain ? undefined : this.#quiet().structOf(t.name, file, t.pos, where);
    if (s !== undefined && s !== null && s.decl.rep && this.#holdsBlocks(s.decl, s.file, new Set())) {
      const l = this.#layout(s.decl.name, file, t.pos, where);
      if (l === null) return null;
      cx.imports.add('exRecord');
      return { type: exRecord(l.layout), ts: `exRecord(${l.ts})` };
    }
    return this.#recordField(t, file, where);
  }

  /** True when a struct holds an exchange-heap type, itself or in a struct it holds by value. */
  #holdsBlocks(s: StructDecl, file: string, seen: Set<string>): boolean {
    if (seen.has(s.name)) return false;
    seen.add(s.name);
    return s.fields.some((f) => {
      if (f.type.kind === 'exheap') return true;
      if (f.type.kind !== 'named') return false;
      const inner = this.#quiet().structOf(f.type.name, file, f.pos, '');
      return inner !== undefined && inner !== null && inner.decl.rep && this.#holdsBlocks(inner.decl, inner.file, seen);
    });
  }

  /** The context without diagnostics (for looking ahead; the real lowering reports). */
  #quiet(): Pick<TypeContext, 'enumOf' | 'structOf'> {
    const cx = this.#cx;
    return cx.quiet;
  }

  /** A copied field: scalar, enum or (nested) record. */
  #recordField(t: TypeExpr, file: string, where: string): Lowered | null {
    const cx = this.#cx;
    if (t.kind !== 'named') { cx.diag(file, t.pos, where, `${describeType(t)} may not stand inside a rep struct`); return null; }
    const sc = SCALAR_FIELD[t.name];
    if (sc !== undefined) { cx.imports.add(sc[1]); return { type: sc[0], ts: sc[1] }; }
    if (NOT_EXCHANGEABLE.has(t.name)) { cx.diag(file, t.pos, where, `type ${t.name} cannot cross a channel (use char[] or byte[] in ExHeap, or an enum)`); return null; }
    const n = simple(t.name);
    const e = cx.enumOf(t.name, file, t.pos, where);
    if (e === null) return null;
    if (e !== undefined) {
      const names = e.decl.members.map((m) => m.name);
      if (names.length === 0) { cx.diag(file, t.pos, where, `enum ${n} has no members`); return null; }
      cx.imports.add('enumOf');
      return { type: enumOf(...(names as [string, ...string[]])), ts: `enumOf(${names.map((x) => `'${x}'`).join(', ')})` };
    }
    const s = cx.structOf(t.name, file, t.pos, where);
    if (s === null) return null;
    if (s === undefined) {
      cx.diag(file, t.pos, where, `type ${t.name} is not declared (not a scalar, enum, rep struct or endpoint); a type declared outside contract files can be given with --types FILE.sg`);
      return null;
    }
    if (!s.decl.rep) { cx.diag(file, t.pos, where, `struct ${n} is not a rep struct, so it cannot cross a channel`); return null; }
    if (this.#records.includes(n)) { cx.diag(file, t.pos, where, `rep struct ${n} contains itself`); return null; }
    this.#records.push(n);
    const fts: Record<string, FieldType<unknown>> = {};
    const src: string[] = [];
    let ok = true;
    for (const f of s.decl.fields) {
      const r = this.#recordField(f.type, s.file, `rep struct ${n}: field ${f.name}`);
      if (r === null) { ok = false; continue; }
      fts[f.name] = r.type;
      src.push(`${f.name}: ${r.ts}`);
    }
    this.#records.pop();
    if (!ok) return null;
    cx.imports.add('record');
    return { type: record(fts), ts: `record({ ${src.join(', ')} })` };
  }

  /** The block a type `elem` + `suffix` in ExHeap denotes. */
  #block(elem: string, suffix: readonly Suffix[], file: string, pos: Pos, where: string): Block | null {
    const cx = this.#cx;
    const inner = suffix.slice(0, -1);
    const shown = `${elem}${suffix.join('')} in ExHeap`;
    if (suffix[suffix.length - 1] === '*') {
      if (inner[inner.length - 1] === '[]') return this.#block(elem, inner, file, pos, where); // a pointer to a vector is the vector
      if (inner.length > 0) { cx.diag(file, pos, where, `${shown}: a pointer to a pointer cannot stand in the exchange heap`); return null; }
      const s = cx.structOf(elem, file, pos, where);
      if (s === null) return null;
      if (s === undefined || !s.decl.rep) {
        cx.diag(file, pos, where, `${shown}: a pointer in the exchange heap points to a rep struct or a vector, not to ${elem}`);
        return null;
      }
      const l = this.#layout(elem, file, pos, where);
      if (l === null) return null;
      cx.imports.add('exRecord');
      return { type: exRecord(l.layout), ts: `exRecord(${l.ts})` };
    }
    if (inner.length > 0) {
      const target = this.#block(elem, inner, file, pos, where);
      if (target === null) return null;
      cx.imports.add('exPointers');
      return { type: exPointers(target.type), ts: `exPointers(${target.ts})` };
    }
    if (elem === 'byte') { cx.imports.add('bytes'); return { type: bytes, ts: 'bytes' }; }
    if (elem === 'char') { cx.imports.add('text'); return { type: text, ts: 'text' }; }
    const sc = this.#scalar(elem, file, pos, where);
    if (sc === null) return null;
    if (sc !== undefined) { cx.imports.add('exArray'); return { type: exArray(sc), ts: `exArray('${sc}')` }; }
    const s = cx.structOf(elem, file, pos, where);
    if (s === null) return null;
    if (s === undefined || !s.decl.rep) {
      cx.diag(file, pos, where, `${shown}: Sing's exchange heap holds vectors of scalars, enums and rep structs, not of ${elem}${s === undefined ? ' (not declared; a type declared outside contract files can be given with --types FILE.sg)' : ''}`);
      return null;
    }
    const l = this.#layout(elem, file, pos, where);
    if (l === null) return null;
    cx.imports.add('exVector');
    return { type: exVector(l.layout), ts: `exVector(${l.ts})` };
  }

  /** A scalar's layout type (an enum by its base), undefined when not a scalar, null when the
   * name is ambiguous (reported). */
  #scalar(name: string, file: string, pos: Pos, where: string): Scalar | undefined | null {
    const sc = LAYOUT_SCALAR[name];
    if (sc !== undefined) return sc;
    const e = this.#cx.enumOf(name, file, pos, where);
    if (e === null) return null;
    return e === undefined ? undefined : LAYOUT_SCALAR[e.decl.base ?? 'int'];
  }

  /** A rep struct's exchange-heap layout (memoised per contract). */
  #layout(name: string, file: string, pos: Pos, where: string): LayoutOut | null {
    const cx = this.#cx;
    const s = cx.structOf(name, file, pos, where);
    if (s === null || s === undefined) return null;
    const key = `${s.file}\0${s.decl.name}\0${s.decl.pos.line}:${s.decl.pos.col}`;
    if (this.#layouts.has(key)) return this.#layouts.get(key) as LayoutOut | null;
    if (this.#making.includes(key)) {
      cx.diag(s.file, s.decl.pos, `rep struct ${s.decl.name}`, 'holds itself (by value or through a pointer); exchange-heap layouts cannot be recursive');
      return null;
    }
    this.#making.push(key);
    const fields: [string, FieldSpec, string][] = [];
    const ok = this.#layoutFields(s, '', fields);
    this.#making.pop();
    let out: LayoutOut | null = null;
    if (ok && fields.length === 0) cx.diag(s.file, s.decl.pos, `rep struct ${s.decl.name}`, 'an exchange-heap struct needs at least one field');
    else if (ok) {
      const names = new Set<string>();
      for (const [n] of fields) {
        if (names.has(n)) { cx.diag(s.file, s.decl.pos, `rep struct ${s.decl.name}`, `the inline field name ${n} is made twice (a field of a struct held by value is named outer_inner)`); return null; }
        names.add(n);
      }
      cx.imports.add('exLayout');
      out = {
        layout: exLayout(Object.fromEntries(fields.map(([n, f]) => [n, f]))),
        ts: `exLayout({ ${fields.map(([n, , ts]) => `${n}: ${ts}`).join(', ')} })`,
      };
    }
    this.#layouts.set(key, out);
    return out;
  }

  /** Appends a struct's fields to a layout, `prefix` naming a struct held by value. */
  #layoutFields(s: Located<StructDecl>, prefix: string, out: [string, FieldSpec, string][]): boolean {
    const cx = this.#cx;
    let ok = true;
    for (const f of s.decl.fields) {
      const where = `rep struct ${s.decl.name}: field ${f.name}`;
      const name = `${prefix}${f.name}`;
      const t = f.type;
      if (t.kind === 'exheap') {
        const b = this.#block(t.elem, t.suffix, s.file, t.pos, where);
        if (b === null) { ok = false; continue; }
        cx.imports.add('exPtr');
        out.push([name, exPtr(b.type), `exPtr(${b.ts})`]);
        continue;
      }
      if (t.kind !== 'named') {
        cx.diag(s.file, f.pos, where, t.kind === 'endpoint' ? `${describeType(t)} may not stand inside a rep struct` : `${describeType(t)} cannot live in an exchange-heap block (scalars, enums, rep structs and types in ExHeap)`);
        ok = false;
        continue;
      }
      const sc = this.#scalar(t.name, s.file, t.pos, where);
      if (sc === null) { ok = false; continue; }
      if (sc !== undefined) { out.push([name, sc, `'${sc}'`]); continue; }
      const inner = cx.structOf(t.name, s.file, t.pos, where);
      if (inner === null) { ok = false; continue; }
      if (inner === undefined || !inner.decl.rep) {
        cx.diag(s.file, f.pos, where, `${describeType(t)} cannot live in an exchange-heap block (${inner === undefined ? 'not declared; a type declared outside contract files can be given with --types FILE.sg' : 'not a rep struct'})`);
        ok = false;
        continue;
      }
      const key = `${inner.file}\0${inner.decl.name}\0${inner.decl.pos.line}:${inner.decl.pos.col}`;
      if (this.#making.includes(key)) {
        cx.diag(inner.file, inner.decl.pos, `rep struct ${inner.decl.name}`, 'holds itself (by value or through a pointer); exchange-heap layouts cannot be recursive');
        ok = false;
        continue;
      }
      this.#making.push(key);
      if (!this.#layoutFields(inner, `${name}_`, out)) ok = false;
      this.#making.pop();
    }
    return ok;
  }
}
