// Enum member values: the C# constant expressions the RDK writes after `=` (`1u << 3`, `(A | B)`,
// `(uint)5`, `Other.Member | 0xfff`). Sing uses only members' names (enumOf), so a value that
// cannot be evaluated (a member of an enum declared later, or in a C# file) is NaN, not an error;
// a bare name that is not a member declared above is an error, as in C#.
// Rules for callers (parser.ts): pass one member's expression, the tokens between `=` and the
// `,` or `}` that ends it; report `unknown` as the error. Nothing here throws.
import type { Token } from './lexer.ts';

export interface Member { readonly name: string; readonly value: number }
export interface ConstantValue {
  readonly value: number;
  /** A bare name that is not a member of this enum declared above. */
  readonly unknown: { readonly ref: string; readonly at: Token } | null;
}

/** Binary operators by precedence, loosest first. */
const LEVELS: readonly (readonly string[])[] = [['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];

/** Evaluates `toks` for member values of enum `enumName`: `own` are its members so far, `other`
 * finds a member of another enum read before it. */
export function constantValue(toks: readonly Token[], enumName: string, own: readonly Member[], other: (owner: string, member: string) => number | undefined): ConstantValue {
  let p = 0;
  let unknown: ConstantValue['unknown'] = null;
  const tok = (k = 0): Token | undefined => toks[p + k];
  const is = (text: string, k = 0): boolean => { const t = tok(k); return t !== undefined && t.kind === 'punct' && t.text === text; };
  const isIdent = (k = 0): boolean => tok(k)?.kind === 'ident';

  const lookup = (at: Token): number => {
    const parts = [at.text];
    p++;
    while (is('.') && isIdent(1)) { parts.push((tok(1) as Token).text); p += 2; }
    const ref = parts.join('.');
    const last = parts.pop() as string;
    const owner = parts.pop();
    if (owner === undefined || owner === enumName) {
      const m = own.find((x) => x.name === last);
      if (m !== undefined) return m.value;
      if (owner === undefined) { unknown ??= { ref, at }; return Number.NaN; }
    }
    return other(owner, last) ?? Number.NaN;
  };
  const primary = (): number => {
    const t = tok();
    if (t === undefined) return Number.NaN;
    if (is('-')) { p++; return -primary(); }
    if (is('+')) { p++; return primary(); }
    if (is('~')) { p++; return ~primary(); }
    if (is('(')) {
      p++;
      // A cast `(uint)x` / `(E)x`: a name in parentheses followed by an operand.
      const next = tok(2);
      if (isIdent() && is(')', 1) && next !== undefined && (next.kind === 'number' || next.kind === 'ident' || next.text === '(')) { p += 2; return primary(); }
      const v = binary(0);
      if (is(')')) p++;
      return v;
    }
    if (t.kind === 'number') { p++; return Number(t.text.replace(/[uUlL]+$/, '')); }
    if (t.kind === 'ident') return lookup(t);
    return Number.NaN;
  };
  const op = (): string | null => {
    const t = tok();
    if (t === undefined || t.kind !== 'punct') return null;
    if ((t.text === '<' || t.text === '>') && is(t.text, 1)) return t.text + t.text; // the lexer reads `<<` as two `<`
    return t.text;
  };
  const binary = (level: number): number => {
    if (level === LEVELS.length) return primary();
    let v = binary(level + 1);
    for (let o = op(); o !== null && (LEVELS[level] as readonly string[]).includes(o); o = op()) {
      p += o.length;
      const r = binary(level + 1);
      switch (o) {
        case '|': v = v | r; break;
        case '^': v = v ^ r; break;
        case '&': v = v & r; break;
        case '<<': v = v << r; break;
        case '>>': v = v >> r; break;
        case '+': v += r; break;
        case '-': v -= r; break;
        case '*': v *= r; break;
        case '/': v /= r; break;
        default: v %= r;
      }
    }
    return v;
  };
  const value = binary(0);
  return { value: p === toks.length ? value : Number.NaN, unknown };
}
