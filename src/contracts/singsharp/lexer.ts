// The Sing# reader's lexer: tokens with line:col, comments, strings and characters skipped as
// whole tokens (so braces inside them never count), and C#'s conditional sections.
// Rules for callers: `lex(text, file, defines)` never throws; problems (an unterminated comment or
// string, a malformed `#if` expression, an unbalanced `#endif`) come back as diagnostics; text after
// a complete `#if` expression is only warned about and ignored (the RDK's own compiler accepted
// `#if WHAT_FOR?`, so its section follows the expression before the junk). Lines in
// a false section are dropped wherever they stand. Symbols are true only when passed in or
// `#define`d (in a live section) before use; `#undef` removes one.

export type TokKind = 'ident' | 'number' | 'string' | 'char' | 'punct' | 'eof';

export interface Token {
  readonly kind: TokKind;
  /** The text: identifier name, punctuation, literal source (for strings, the decoded value). */
  readonly text: string;
  readonly line: number;
  readonly col: number;
}

export interface LexDiagnostic { readonly line: number; readonly col: number; readonly message: string; readonly severity: 'error' | 'warning' }

export interface LexResult { readonly tokens: Token[]; readonly diagnostics: LexDiagnostic[] }

const TWO_CHAR = new Set(['->', '=>', '&&', '||', '==', '!=', '::', '<=', '>=', '++', '--']);

interface Cond { readonly parentLive: boolean; taken: boolean; live: boolean; seenElse: boolean; readonly line: number }

export function lex(text: string, defines: Iterable<string> = []): LexResult {
  const tokens: Token[] = [];
  const diagnostics: LexDiagnostic[] = [];
  const symbols = new Set(defines);
  const conds: Cond[] = [];
  let i = 0;
  let line = 1;
  let col = 1;
  let lineStart = true; // only white space so far on this line
  const n = text.length;
  const live = (): boolean => conds.length === 0 || (conds[conds.length - 1] as Cond).live;
  const err = (l: number, c: number, message: string): void => { diagnostics.push({ line: l, col: c, message, severity: 'error' }); };
  const warn = (l: number, c: number, message: string): void => { diagnostics.push({ line: l, col: c, message, severity: 'warning' }); };

  const advance = (): void => {
    if (text[i] === '\n') { line++; col = 1; lineStart = true; } else col++;
    i++;
  };
  const restOfLine = (): string => {
    const start = i;
    while (i < n && text[i] !== '\n') { i++; col++; }
    return text.slice(start, i);
  };

  const directive = (l: number, c: number): void => {
    // At '#': read the directive's line.
    advance();
    const body = restOfLine().replace(/\r/g, '').replace(/\/\/.*$/, '').trim(); // CRLF files too
    const m = /^([a-z]+)\s*(.*)$/.exec(body);
    const word = m?.[1] ?? '';
    const arg = (m?.[2] ?? '').trim();
    const top = conds[conds.length - 1];
    switch (word) {
      case 'if': {
        const parentLive = live();
        const v = parentLive ? evalExpr(arg, symbols, (msg) => err(l, c, msg), (msg) => warn(l, c, msg)) : false;
        conds.push({ parentLive, taken: v, live: parentLive && v, seenElse: false, line: l });
        return;
      }
      case 'elif': {
        if (top === undefined) { err(l, c, '#elif without #if'); return; }
        if (top.seenElse) { err(l, c, '#elif after #else'); return; }
        const v = top.parentLive && !top.taken ? evalExpr(arg, symbols, (msg) => err(l, c, msg), (msg) => warn(l, c, msg)) : false;
        top.live = top.parentLive && !top.taken && v;
        if (v) top.taken = true;
        return;
      }
      case 'else':
        if (top === undefined) { err(l, c, '#else without #if'); return; }
        if (top.seenElse) { err(l, c, 'a second #else'); return; }
        top.seenElse = true;
        top.live = top.parentLive && !top.taken;
        top.taken = true;
        return;
      case 'endif':
        if (top === undefined) { err(l, c, '#endif without #if'); return; }
        conds.pop();
        return;
      case 'define': case 'undef':
        if (!live()) return;
        if (!/^[A-Za-z_]\w*$/.test(arg)) { err(l, c, `#${word} needs a symbol name`); return; }
        if (word === 'define') symbols.add(arg); else symbols.delete(arg);
        return;
      case 'error':
        if (live()) err(l, c, `#error ${arg}`);
        return;
      default:
        return; // #region, #endregion, #pragma, #line, #warning, #nullable: no effect here
    }
  };

  while (i < n) {
    const ch = text[i] as string;
    if (ch === '\n' || ch === ' ' || ch === '\t' || ch === '\r' || ch === '\f' || ch === '\v' || ch === '\uFEFF') { advance(); continue; }
    if (ch === '#' && lineStart) { directive(line, col); continue; }
    if (!live()) { restOfLine(); continue; }
    lineStart = false;
    const l = line;
    const c = col;
    // Comments.
    if (ch === '/' && text[i + 1] === '/') { restOfLine(); continue; }
    if (ch === '/' && text[i + 1] === '*') {
      advance(); advance();
      while (i < n && !(text[i] === '*' && text[i + 1] === '/')) advance();
      if (i >= n) { err(l, c, 'unterminated /* comment'); break; }
      advance(); advance();
      continue;
    }
    // Strings: regular, verbatim (@"..." with "" as a quote), interpolated ($"..." read as regular).
    if (ch === '"' || ((ch === '@' || ch === '$') && text[i + 1] === '"') || (ch === '$' && text[i + 1] === '@' && text[i + 2] === '"') || (ch === '@' && text[i + 1] === '$' && text[i + 2] === '"')) {
      let verbatim = false;
      while (text[i] !== '"') { if (text[i] === '@') verbatim = true; advance(); }
      advance();
      let value = '';
      let closed = false;
      while (i < n) {
        const d = text[i] as string;
        if (verbatim) {
          if (d === '"' && text[i + 1] === '"') { value += '"'; advance(); advance(); continue; }
          if (d === '"') { advance(); closed = true; break; }
          value += d; advance();
        } else {
          if (d === '\n') break;
          if (d === '\\') { value += unescape(text[i + 1] ?? ''); advance(); if (i < n) advance(); continue; }
          if (d === '"') { advance(); closed = true; break; }
          value += d; advance();
        }
      }
      if (!closed) err(l, c, 'unterminated string');
      tokens.push({ kind: 'string', text: value, line: l, col: c });
      continue;
    }
    if (ch === '\'') {
      advance();
      let value = '';
      let closed = false;
      while (i < n && text[i] !== '\n') {
        const d = text[i] as string;
        if (d === '\\') { value += unescape(text[i + 1] ?? ''); advance(); if (i < n) advance(); continue; }
        if (d === '\'') { advance(); closed = true; break; }
        value += d; advance();
      }
      if (!closed) err(l, c, 'unterminated character literal');
      tokens.push({ kind: 'char', text: value, line: l, col: c });
      continue;
    }
    if (/[A-Za-z_@]/.test(ch)) {
      const start = i;
      advance();
      while (i < n && /\w/.test(text[i] as string)) advance();
      tokens.push({ kind: 'ident', text: text.slice(start, i).replace(/^@/, ''), line: l, col: c });
      continue;
    }
    if (/[0-9]/.test(ch)) {
      const start = i;
      while (i < n && /[\w.]/.test(text[i] as string)) {
        if (text[i] === '.' && !/[0-9]/.test(text[i + 1] ?? '')) break;
        advance();
      }
      tokens.push({ kind: 'number', text: text.slice(start, i), line: l, col: c });
      continue;
    }
    const two = text.slice(i, i + 2);
    if (TWO_CHAR.has(two)) { advance(); advance(); tokens.push({ kind: 'punct', text: two, line: l, col: c }); continue; }
    advance();
    tokens.push({ kind: 'punct', text: ch, line: l, col: c });
  }
  for (const cnd of conds) err(cnd.line, 1, '#if without #endif');
  tokens.push({ kind: 'eof', text: '', line, col });
  return { tokens, diagnostics };
}

function unescape(c: string): string {
  switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case '0': return '\0';
    default: return c;
  }
}

/** Evaluates a `#if` expression: true, false, symbols, !, &&, ||, ==, != and parentheses. Text
 * after a complete expression goes to `trailing` when given (else it is an error). */
export function evalExpr(src: string, symbols: ReadonlySet<string>, err: (msg: string) => void, trailing: (msg: string) => void = err): boolean {
  const toks = src.match(/\s*(&&|\|\||==|!=|!|\(|\)|[A-Za-z_]\w*|\S)/g)?.map((t) => t.trim()) ?? [];
  let p = 0;
  let bad = false;
  const fail = (msg: string): boolean => { if (!bad) err(msg); bad = true; return false; };
  const peek = (): string | undefined => toks[p];
  const primary = (): boolean => {
    const t = toks[p++];
    if (t === undefined) return fail(`#if expression ${JSON.stringify(src)} ends too soon`);
    if (t === '!') return !primary();
    if (t === '(') {
      const v = or();
      if (toks[p++] !== ')') return fail(`#if expression ${JSON.stringify(src)}: missing )`);
      return v;
    }
    if (t === 'true') return true;
    if (t === 'false') return false;
    if (/^[A-Za-z_]\w*$/.test(t)) return symbols.has(t);
    return fail(`#if expression ${JSON.stringify(src)}: unexpected ${t}`);
  };
  const eq = (): boolean => {
    let v = primary();
    while (peek() === '==' || peek() === '!=') {
      const op = toks[p++];
      const w = primary();
      v = op === '==' ? v === w : v !== w;
    }
    return v;
  };
  const and = (): boolean => {
    let v = eq();
    while (peek() === '&&') { p++; const w = eq(); v = v && w; }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (peek() === '||') { p++; const w = and(); v = v || w; }
    return v;
  };
  if (toks.length === 0) { fail('#if needs an expression'); return false; }
  const v = or();
  if (p < toks.length && !bad) trailing(`#if expression ${JSON.stringify(src)}: unexpected ${String(toks[p])}${trailing === err ? '' : '; the rest of the line is ignored'}`);
  return bad || (p < toks.length && trailing === err) ? false : v;
}
