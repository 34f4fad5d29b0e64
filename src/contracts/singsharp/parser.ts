// The Sing# reader's parser: finds enums, rep structs and contracts in a token stream and skips
// everything else (classes are entered, since contracts may stand inside them).
// Rules for callers: `parse(tokens)` never throws; syntax errors inside a contract come back as
// diagnostics and the parser resynchronises at the next `;` or `}`. Positions are the tokens'.
import type { Token } from './lexer.ts';
import { constantValue, type Member } from './enum-values.ts';

export interface Pos { readonly line: number; readonly col: number }

/** `ns`: the namespaces and classes a declaration stands in, dotted ('' at file level). */
export interface EnumDecl { readonly name: string; readonly ns: string; readonly base: string | null; readonly members: { name: string; value: number }[]; readonly pos: Pos }
export interface StructField { readonly name: string; readonly type: TypeExpr; readonly pos: Pos }
export interface StructDecl { readonly name: string; readonly ns: string; readonly rep: boolean; readonly fields: StructField[]; readonly pos: Pos }

/** A type suffix, in source order: `Packet*[]` is ['*', '[]'] (a vector of pointers). */
export type Suffix = '[]' | '*';

export type TypeExpr =
  | { readonly kind: 'named'; readonly name: string; readonly pos: Pos }
  /** `C.Imp:State`; state '' when none is written (the contract's initial state). */
  | { readonly kind: 'endpoint'; readonly contract: string; readonly side: 'imp' | 'exp'; readonly state: string; readonly pos: Pos }
  /** A type in the exchange heap: `T[] in ExHeap`, `T[][] in ExHeap`, `S* in ExHeap`,
   * `S*[] in ExHeap`; `T* opt(ExHeap[])` reads as `T[] in ExHeap`, `S* opt(ExHeap)` as `S* in ExHeap`. */
  | { readonly kind: 'exheap'; readonly elem: string; readonly suffix: readonly Suffix[]; readonly pos: Pos }
  /** Anything not exchangeable: plain arrays and pointers, generics. */
  | { readonly kind: 'other'; readonly text: string; readonly pos: Pos };

export interface Arg { readonly name: string; readonly type: TypeExpr; readonly pos: Pos }
export interface MessageDecl { readonly name: string; readonly dir: 'in' | 'out' | null; readonly args: Arg[]; readonly pos: Pos }

export interface MsgRef { readonly name: string; readonly mark: '?' | '!'; readonly pos: Pos }
export type ChainItem =
  | { readonly kind: 'msg'; readonly alts: MsgRef[]; readonly pos: Pos }
  | { readonly kind: 'state'; readonly name: string; readonly pos: Pos };
export interface Chain { readonly items: ChainItem[]; readonly pos: Pos }

export interface StateDecl { readonly name: string; readonly override: boolean; readonly steps: Chain[]; readonly pos: Pos }

export interface ContractDecl {
  readonly name: string;
  readonly ns: string;
  readonly base: string | null;
  readonly basePos: Pos | null;
  readonly consts: Record<string, string>;
  readonly messages: MessageDecl[];
  readonly states: StateDecl[];
  readonly pos: Pos;
}

export interface ParseResult {
  readonly enums: EnumDecl[];
  readonly structs: StructDecl[];
  readonly contracts: ContractDecl[];
  readonly diagnostics: { line: number; col: number; message: string; contract: string | null; state: string | null }[];
}

const MODIFIERS = new Set(['public', 'private', 'internal', 'protected', 'static', 'sealed', 'abstract', 'partial', 'unsafe', 'new', 'virtual', 'readonly', 'extern', 'volatile', 'async', 'ref', 'transparent', 'inline']);
const SCALARS = new Set(['bool', 'byte', 'sbyte', 'short', 'ushort', 'int', 'uint', 'long', 'ulong', 'char', 'float', 'double', 'string', 'object', 'decimal']);

export function parse(tokens: readonly Token[]): ParseResult {
  const out: ParseResult = { enums: [], structs: [], contracts: [], diagnostics: [] };
  let p = 0;
  const eof = tokens[tokens.length - 1] as Token;
  const tok = (k = 0): Token => tokens[p + k] ?? eof;
  const is = (text: string, k = 0): boolean => { const t = tok(k); return t.kind !== 'string' && t.kind !== 'char' && t.text === text; };
  const isIdent = (k = 0): boolean => tok(k).kind === 'ident';
  const pos = (t: Token): Pos => ({ line: t.line, col: t.col });
  let current: string | null = null; // the contract being read, for diagnostics
  let currentState: string | null = null; // and the state
  const scope: string[] = []; // enclosing namespaces and classes
  const ns = (): string => scope.join('.');

  class Syntax extends Error { constructor(readonly at: Token, msg: string) { super(msg); } }
  const fail = (msg: string, at: Token = tok()): never => { throw new Syntax(at, msg); };
  const expect = (text: string): Token => {
    if (!is(text)) fail(`expected ${text}, found ${describe(tok())}`);
    return tokens[p++] as Token;
  };
  const ident = (): Token => {
    if (!isIdent()) fail(`expected a name, found ${describe(tok())}`);
    return tokens[p++] as Token;
  };
  const qualName = (): string => {
    let s = ident().text;
    while (is('.') && isIdent(1)) { p++; s += `.${ident().text}`; }
    return s;
  };
  const report = (e: unknown): void => {
    if (!(e instanceof Syntax)) throw e;
    out.diagnostics.push({ line: e.at.line, col: e.at.col, message: e.message, contract: current, state: currentState });
  };

  /** Skips a balanced (), [] or {} group starting at the opener. */
  const skipGroup = (): void => {
    const open = tok().text;
    const close = open === '(' ? ')' : open === '[' ? ']' : '}';
    const start = tok();
    let depth = 0;
    for (;;) {
      const t = tok();
      if (t.kind === 'eof') fail(`unbalanced ${open}`, start);
      p++;
      if (t.kind !== 'punct') continue;
      if (t.text === open) depth++;
      else if (t.text === close && --depth === 0) return;
    }
  };
  /** Skips one member or declaration we do not read: up to `;` or the end of its body. */
  const skipMember = (): void => {
    for (;;) {
      const t = tok();
      if (t.kind === 'eof' || is('}')) return;
      if (is(';')) { p++; return; }
      if (is('(') || is('[')) { skipGroup(); continue; }
      if (is('{')) {
        skipGroup();
        if (is(';')) { p++; return; }
        if (is('=') || is(',') || is(')') || is('.')) continue;
        return;
      }
      p++;
    }
  };
  const skipModifiersAndAttributes = (): void => {
    for (;;) {
      if (is('[')) { skipGroup(); continue; }
      if (isIdent() && MODIFIERS.has(tok().text) && !is('(', 1)) { p++; continue; }
      return;
    }
  };

  /** An enum member's value (enum-values.ts), from `=` to the `,` or `}` that ends it. */
  const constant = (own: readonly Member[], enumName: string): number => {
    const start = p;
    for (let depth = 0; tok().kind !== 'eof' && !(depth === 0 && (is(',') || is('}'))); p++) {
      if (is('(')) depth++;
      else if (is(')')) depth--;
    }
    if (p === start) fail(`enum ${enumName}: expected a value`);
    const other = (owner: string, member: string): number | undefined => out.enums.find((e) => e.name === owner)?.members.find((m) => m.name === member)?.value;
    const r = constantValue(tokens.slice(start, p), enumName, own, other);
    if (r.unknown !== null) fail(`enum ${enumName}: cannot evaluate ${r.unknown.ref}`, r.unknown.at);
    return r.value;
  };

  const parseEnum = (): void => {
    p++; // enum
    const name = ident();
    let base: string | null = null;
    if (is(':')) { p++; base = qualName(); }
    expect('{');
    const members: Member[] = [];
    let next = 0;
    while (!is('}')) {
      if (is('[')) { skipGroup(); continue; }
      const m = ident();
      let value = next;
      if (is('=')) {
        p++;
        value = constant(members, name.text);
      }
      members.push({ name: m.text, value });
      next = value + 1;
      if (is(',')) p++;
      else if (!is('}')) fail(`enum ${name.text}: expected , or }`);
    }
    p++;
    if (is(';')) p++;
    out.enums.push({ name: name.text, ns: ns(), base, members, pos: pos(name) });
  };

  const parseType = (): TypeExpr => {
    const start = tok();
    const at = pos(start);
    const name = qualName();
    const last = name.split('.').pop() as string;
    if ((last === 'Imp' || last === 'Exp') && is(':') && name.includes('.')) {
      p++;
      const st = ident().text;
      if (is('!')) p++;
      return { kind: 'endpoint', contract: name.slice(0, -last.length - 1), side: last === 'Imp' ? 'imp' : 'exp', state: st, pos: at };
    }
    if ((last === 'Imp' || last === 'Exp') && name.includes('.') && !is('[') && !is('*')) {
      // No state named: the contract's initial state.
      if (is('!')) p++;
      return { kind: 'endpoint', contract: name.slice(0, -last.length - 1), side: last === 'Imp' ? 'imp' : 'exp', state: '', pos: at };
    }
    if (is('<')) { skipAngles(); return { kind: 'other', text: `${name}<...>`, pos: at }; }
    const suffix: Suffix[] = [];
    for (;;) {
      if (is('[') && is(']', 1)) { p += 2; suffix.push('[]'); if (is('!')) p++; continue; }
      if (is('*')) { p++; suffix.push('*'); if (is('!')) p++; continue; }
      if (is('?')) { p++; continue; }
      break;
    }
    if (is('in') && is('ExHeap', 1)) {
      p += 2;
      if (suffix.length > 0) return { kind: 'exheap', elem: name, suffix, pos: at };
      return { kind: 'other', text: `${name} in ExHeap`, pos: at };
    }
    if (is('opt') && is('(', 1)) {
      const save = p;
      p += 2;
      const last = suffix[suffix.length - 1];
      if (last === '*' && is('ExHeap') && is('[', 1) && is(']', 2) && is(')', 3)) { p += 4; return { kind: 'exheap', elem: name, suffix: [...suffix.slice(0, -1), '[]'], pos: at }; }
      if (last === '*' && is('ExHeap') && is(')', 1)) { p += 2; return { kind: 'exheap', elem: name, suffix, pos: at }; }
      p = save + 1;
      skipGroup();
      return { kind: 'other', text: `${name} opt(...)`, pos: at };
    }
    if (suffix.length > 0) return { kind: 'other', text: `${name}${suffix.join('')}`, pos: at };
    return { kind: 'named', name, pos: at };
  };
  const skipAngles = (): void => {
    let depth = 0;
    do {
      if (is('<')) depth++;
      else if (is('>')) depth--;
      else if (tok().kind === 'eof') fail('unbalanced <');
      p++;
    } while (depth > 0);
  };

  const parseStruct = (rep: boolean): void => {
    p++; // struct
    const name = ident();
    if (is('<')) skipAngles();
    while (!is('{')) { if (tok().kind === 'eof') fail('expected {'); p++; }
    p++;
    const fields: StructField[] = [];
    while (!is('}')) {
      if (tok().kind === 'eof') fail(`struct ${name.text}: missing }`);
      const save = p;
      try {
        skipModifiersAndAttributes();
        if (is('const') || !(isIdent() && (isIdent(1) || is('.', 1) || is('[', 1) || is('*', 1)))) { p = save; skipMember(); continue; }
        const type = parseType();
        const names: Token[] = [ident()];
        while (is(',')) { p++; names.push(ident()); }
        if (!is(';')) { p = save; skipMember(); continue; }
        p++;
        for (const n of names) fields.push({ name: n.text, type, pos: pos(n) });
      } catch (e) {
        if (!(e instanceof Syntax)) throw e;
        p = save;
        skipMember();
      }
    }
    p++;
    if (is(';')) p++;
    out.structs.push({ name: name.text, ns: ns(), rep, fields, pos: pos(name) });
  };

  const parseChainElement = (items: ChainItem[]): void => {
    if (is('(')) {
      const open = tok();
      p++;
      const alts: MsgRef[] = [];
      for (;;) {
        const m = ident();
        if (!is('?') && !is('!')) fail(`in a choice, ${m.text} needs ? or !`, m);
        alts.push({ name: m.text, mark: tok().text as '?' | '!', pos: pos(m) });
        p++;
        if (is('or') || is('|') || is('||')) { p++; continue; }
        expect(')');
        break;
      }
      items.push({ kind: 'msg', alts, pos: pos(open) });
      return;
    }
    const name = ident();
    if (is('?') || is('!')) {
      items.push({ kind: 'msg', alts: [{ name: name.text, mark: tok().text as '?' | '!', pos: pos(name) }], pos: pos(name) });
      p++;
      return;
    }
    items.push({ kind: 'state', name: name.text, pos: pos(name) });
  };
  const parseChain = (): Chain => {
    const start = tok();
    const items: ChainItem[] = [];
    parseChainElement(items);
    while (is('->') || is('=>')) { p++; parseChainElement(items); }
    return { items, pos: pos(start) };
  };

  const parseState = (c: ContractDecl, override: boolean): void => {
    p++; // state
    const name = ident();
    const st: StateDecl = { name: name.text, override, steps: [], pos: pos(name) };
    currentState = name.text;
    c.states.push(st);
    expect(':');
    if (is(';')) { p++; return; }
    const block = is('one') && is('{', 1) ? (p++, true) : is('{');
    if (!block) {
      st.steps.push(parseChain());
      expect(';');
      return;
    }
    expect('{');
    while (!is('}')) {
      if (tok().kind === 'eof') fail(`state ${name.text}: missing }`);
      if (is(';')) { p++; continue; }
      try {
        st.steps.push(parseChain());
        if (!is('}')) expect(';');
      } catch (e) {
        report(e);
        while (!is(';') && !is('}') && tok().kind !== 'eof') p++;
      }
    }
    p++;
    if (is(';')) p++;
  };

  const parseMessage = (c: ContractDecl, dir: 'in' | 'out' | null): void => {
    p++; // message
    const name = ident();
    expect('(');
    const args: Arg[] = [];
    while (!is(')')) {
      if (is('[')) { skipGroup(); continue; }
      const type = parseType();
      const an = ident();
      args.push({ name: an.text, type, pos: pos(an) });
      if (is(',')) p++;
      else if (!is(')')) fail(`message ${name.text}: expected , or ) after ${an.text}`);
    }
    p++;
    expect(';');
    c.messages.push({ name: name.text, dir, args, pos: pos(name) });
  };

  const parseContract = (): void => {
    p++; // contract
    const name = ident();
    current = name.text;
    let base: string | null = null;
    let basePos: Pos | null = null;
    if (is(':')) { p++; basePos = pos(tok()); base = qualName(); }
    expect('{');
    const c: ContractDecl = { name: name.text, ns: ns(), base, basePos, consts: {}, messages: [], states: [], pos: pos(name) };
    out.contracts.push(c);
    const depth = scope.length;
    scope.push(name.text); // declarations inside a contract are named within it
    try {
      contractBody(c, name);
    } finally {
      scope.length = depth;
    }
    p++;
    if (is(';')) p++;
    current = null;
  };

  const contractBody = (c: ContractDecl, name: Token): void => {
    while (!is('}')) {
      if (tok().kind === 'eof') fail(`contract ${name.text}: missing }`, name);
      const save = p;
      try {
        skipModifiersAndAttributes();
        let override = false;
        if (is('override')) { override = true; p++; skipModifiersAndAttributes(); }
        currentState = null;
        if (is('state') && isIdent(1)) { parseState(c, override); currentState = null; continue; }
        if ((is('in') || is('out')) && is('message', 1)) { const dir = tok().text as 'in' | 'out'; p++; parseMessage(c, dir); continue; }
        if (is('message') && isIdent(1)) { parseMessage(c, null); continue; }
        if (is('const')) {
          p++;
          parseType();
          const cn = ident();
          expect('=');
          const v = tok();
          let text = '';
          while (!is(';') && tok().kind !== 'eof') { text += tokens[p]?.kind === 'string' ? tokens[p]?.text : tokens[p]?.text; p++; }
          expect(';');
          c.consts[cn.text] = v.kind === 'string' && text === v.text ? v.text : text;
          continue;
        }
        if (declaration()) continue;
        if (is(';')) { p++; continue; }
        p = save;
        skipMember();
      } catch (e) {
        report(e);
        currentState = null;
        if (p === save) p++;
        while (!is(';') && !is('}') && tok().kind !== 'eof') {
          if (is('{')) { try { skipGroup(); } catch { p++; } continue; }
          p++;
        }
        if (is(';')) p++;
        else if (is('}') && !is('state', 1) && tokens[p + 1]?.kind !== 'eof') p++;
      }
    }
  };

  /** Reads one declaration we understand (after modifiers); false if the next one is not. */
  const declaration = (): boolean => {
    if (is('enum') && isIdent(1)) { parseEnum(); return true; }
    if ((is('rep') || is('pointerfree')) && (is('struct', 1) || is('struct', 2))) {
      while (!is('struct')) p++;
      parseStruct(true);
      return true;
    }
    if (is('struct') && isIdent(1)) { parseStruct(false); return true; }
    if (is('contract') && isIdent(1)) { parseContract(); return true; }
    if ((is('class') || is('namespace')) && isIdent(1)) {
      const isNs = is('namespace');
      p++;
      const qn = qualName();
      if (isNs && is(';')) { p++; scope.push(qn); return true; } // file-scoped namespace
      while (!is('{')) { if (tok().kind === 'eof' || is(';')) fail('expected {'); p++; }
      p++;
      const depth = scope.length;
      scope.push(qn);
      try {
        declarations(true);
      } finally {
        scope.length = depth;
      }
      if (is('}')) p++;
      if (is(';')) p++;
      return true;
    }
    return false;
  };

  const declarations = (inner: boolean): void => {
    while (tok().kind !== 'eof') {
      if (is('}')) { if (inner) return; p++; continue; }
      const save = p;
      try {
        if (is('using') && !is('(', 1)) { while (!is(';') && tok().kind !== 'eof') p++; p++; continue; }
        skipModifiersAndAttributes();
        if (declaration()) continue;
        if (p === save && is(';')) { p++; continue; }
        skipMember();
        if (p === save) p++;
      } catch (e) {
        report(e);
        current = null;
        currentState = null;
        if (p === save) p++;
      }
    }
  };

  declarations(false);
  return out;
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'the end of the file';
  if (t.kind === 'string') return 'a string';
  return JSON.stringify(t.text);
}

export { SCALARS };
