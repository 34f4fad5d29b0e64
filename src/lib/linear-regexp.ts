// Linear-time regular expressions: which patterns V8's linear-time engine can run.
// Sing runs every regular expression with V8's fallback to its breadth-first (linear-time) engine
// after too many backtracks (src/kernel/regexp.ts). That fallback exists only for patterns the
// linear engine can run; any other pattern backtracks without bound. This module decides which
// those are, from the pattern's text, with the reason in the program's terms, so that the
// verifier (SING2018, at install, for literals) and the kernel (E_REGEXP, at run time, for
// patterns built from strings) give the same verdict.
// What V8 11.3 (Node 20)'s linear engine refuses, measured against V8 itself (see the tests):
//   - the flags `i`, `u`, `v` and `d` (only `g`, `m`, `s`, `y` are supported);
//   - backreferences (`\1`, `\k<name>`) and lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`);
//   - counted repetition above 16: a count (`{17}`, `{0,17}`, `{17,}`) or the product of nested
//     counts (`(?:a{4}){5}`), where an open-ended `{n,}` (and `*`, `+`) counts n + 1.
// Sing also refuses groups nested more than MAX_NESTING deep (V8 takes them; this parser reads
// them by recursion, and its verdict must not depend on the caller's stack).
// Rules for callers: `linearProblem(source, flags)` returns undefined when the pattern may run
// (it runs in linear time), a `LinearProblem` otherwise. A pattern V8 itself rejects as invalid
// is not this module's business: it returns undefined and the engine throws its own SyntaxError.
// Invariants: the parser reads the Annex B (non-Unicode) grammar exactly as V8 does for the parts
// that matter (what is a backreference, a group, a quantifier and what it repeats); when it cannot
// read a pattern that V8 accepts it says so (`unreadable`) rather than guess, and when V8's own
// verdict is available (the `l` flag, below) it is consulted too, so a pattern passes only when both
// agree it can run in linear time.
import v8 from 'node:v8';

/** V8's own RegExp constructor, captured when this module loads (before SES, or anything, can
 * replace the global). */
const NativeRegExp = RegExp;

/** What a pattern uses that the linear engine cannot run. */
export interface LinearProblem {
  /** 'flag' | 'backreference' | 'lookaround' | 'count' | 'unreadable' */
  readonly kind: 'flag' | 'backreference' | 'lookaround' | 'count' | 'unreadable';
  /** The construct, as the program wrote it (`i`, `\1`, `(?=`, `{1,20}`). */
  readonly text: string;
  /** Where in the source it starts (0 for flags). */
  readonly at: number;
  /** A phrase naming it: "a backreference (`\1`)". */
  readonly what: string;
  /** What to write instead. */
  readonly hint: string;
}

/** The rule every refusal quotes. */
export const LINEAR_RULE = 'backreferences, lookaround, the i/u/v/d flags and repetition counts above 16 cannot run in linear time in Sing';

/** Groups nested deeper than this are refused (read by recursion, they could exhaust the stack). */
export const MAX_NESTING = 500;

/** The largest count (and product of nested counts) the linear engine takes. */
export const MAX_REPLICATION = 16;

const FLAG_HINTS: Readonly<Record<string, readonly [string, string]>> = {
  i: ['the `i` flag (case-insensitive matching)', 'spell the cases out in classes ([Hh]ello) or lower-case the input first'],
  u: ['the `u` flag (Unicode mode)', 'match UTF-16 code units (a character outside the BMP is two of them)'],
  v: ['the `v` flag (Unicode sets)', 'match UTF-16 code units with plain classes'],
  d: ['the `d` flag (match indices)', 'compute positions from match.index and the lengths of the groups'],
};

/** The explanation a refusal gives: `/src/flags uses <what>; <the rule>: <hint>`. */
export function describeProblem(source: string, flags: string, p: LinearProblem): string {
  const shown = source.length <= 60 ? source : `${source.slice(0, 57)}...`;
  return `the regular expression /${shown}/${flags} uses ${p.what}; ${LINEAR_RULE}: ${p.hint}`;
}

const INF = Number.POSITIVE_INFINITY;
/** V8 reads a count at or above this as "unbounded" (its kInfinity, the largest int32). */
const V8_INFINITY = 2147483647;

class Unreadable extends Error {
  constructor(readonly at: number) { super('unreadable'); }
}
class Found extends Error {
  constructor(readonly problem: LinearProblem) { super('found'); }
}

function isDigit(c: string | undefined): boolean { return c !== undefined && c >= '0' && c <= '9'; }
function isHex(c: string | undefined): boolean { return c !== undefined && /^[0-9a-fA-F]$/.test(c); }

/** Counts capturing groups and notes named ones, skipping escapes and classes (V8's
 * ScanForCaptures): a backreference's meaning depends on the whole pattern's groups. */
function scanGroups(src: string): { readonly captures: number; readonly named: boolean } {
  let captures = 0;
  let named = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') { i++; continue; }
    if (c === '[') {
      for (i++; i < src.length && src[i] !== ']'; i++) if (src[i] === '\\') i++;
      continue;
    }
    if (c !== '(') continue;
    if (src[i + 1] !== '?') { captures++; continue; }
    if (src[i + 2] === '<' && src[i + 3] !== '=' && src[i + 3] !== '!') { captures++; named = true; }
  }
  return { captures, named };
}

/** The parsed pattern, as much of it as the verdict needs: text and assertions are leaves with
 * the most characters they match; groups and quantifiers keep their bodies. */
type Node =
  | { readonly t: 'leaf'; readonly max: number }
  | { readonly t: 'group'; readonly body: Disjunction; readonly max: number }
  | { readonly t: 'quant'; readonly min: number; readonly qmax: number; readonly body: Node; readonly at: number; readonly text: string; readonly max: number };
type Disjunction = readonly (readonly Node[])[];

/** An atom as parsed, before its quantifier. */
interface Atom { readonly node: Node; readonly repeatable: boolean }

const ONE: Node = { t: 'leaf', max: 1 };
const ZERO: Node = { t: 'leaf', max: 0 };

function maxOf(d: Disjunction): number {
  let m = 0;
  for (const alt of d) {
    let sum = 0;
    for (const n of alt) sum += n.max;
    m = Math.max(m, sum);
  }
  return m;
}

/** Recursive descent over the Annex B (non-Unicode) grammar. Backreferences and lookaround are
 * reported as soon as they are read; counts are judged afterwards, by `checkCounts`. */
class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly src: string, private readonly captures: number, private readonly named: boolean) {}

  run(): Disjunction {
    const d = this.disjunction();
    if (this.i < this.src.length) throw new Unreadable(this.i); // an unmatched ')'
    return d;
  }

  private peek(k = 0): string | undefined { return this.src[this.i + k]; }

  private disjunction(): Disjunction {
    const alts: Node[][] = [this.alternative()];
    while (this.peek() === '|') {
      this.i++;
      alts.push(this.alternative());
    }
    return alts;
  }

  private alternative(): Node[] {
    const terms: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|' || c === ')') return terms;
      const n = this.term();
      if (n !== undefined) terms.push(n);
    }
  }

  /** One term: an atom and its quantifier, if any (undefined: V8 drops the term). */
  private term(): Node | undefined {
    const start = this.i;
    const atom = this.atom();
    const q = this.quantifier();
    if (q === undefined) return atom.node;
    if (!atom.repeatable) throw new Unreadable(start); // nothing to repeat
    // V8 drops a quantifier on a term that can only match the empty string (an empty group, a
    // group of assertions): with a minimum of 0 the term goes too.
    if (atom.node.max === 0) return q.min === 0 ? undefined : atom.node;
    const max = q.max === INF ? INF : q.max * atom.node.max;
    return { t: 'quant', min: q.min, qmax: q.max, body: atom.node, at: q.at, text: this.src.slice(q.at, this.i), max };
  }

  private quantifier(): Quantifier | undefined {
    const at = this.i;
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === '*') { min = 0; max = INF; this.i++; }
    else if (c === '+') { min = 1; max = INF; this.i++; }
    else if (c === '?') { min = 0; max = 1; this.i++; }
    else if (c === '{') {
      const braced = this.braced();
      if (braced === undefined) return undefined; // a literal '{' (Annex B)
      [min, max] = braced;
    } else return undefined;
    if (this.peek() === '?') this.i++; // lazy
    return { min, max, at };
  }

  /** `{n}`, `{n,}`, `{n,m}` at the cursor, consumed; undefined (nothing consumed) otherwise. */
  private braced(): [number, number] | undefined {
    const s = this.src;
    let j = this.i + 1;
    const num = (): number | undefined => {
      if (!isDigit(s[j])) return undefined;
      let v = 0;
      while (isDigit(s[j])) { v = Math.min(v * 10 + Number(s[j]), V8_INFINITY); j++; }
      return v >= V8_INFINITY ? INF : v;
    };
    const min = num();
    if (min === undefined) return undefined;
    let max = min;
    if (s[j] === ',') {
      j++;
      if (s[j] === '}') max = INF;
      else {
        const m = num();
        if (m === undefined) return undefined;
        max = m;
      }
    }
    if (s[j] !== '}') return undefined;
    if (max < min) throw new Unreadable(this.i); // numbers out of order: V8 throws
    this.i = j + 1;
    return [min, max];
  }

  private atom(): Atom {
    const at = this.i;
    const c = this.peek() as string;
    if (c === '^' || c === '$') { this.i++; return { node: ZERO, repeatable: false }; }
    if (c === '*' || c === '+' || c === '?') throw new Unreadable(at); // nothing to repeat
    if (c === '{') {
      if (this.braced() !== undefined) throw new Unreadable(at); // nothing to repeat
      this.i++;
      return { node: ONE, repeatable: true };
    }
    if (c === '[') { this.characterClass(); return { node: ONE, repeatable: true }; }
    if (c === '\\') return this.atomEscape();
    if (c === '(') return this.group();
    this.i++; // any other character, including '.', ']' and '}'
    return { node: ONE, repeatable: true };
  }

  private characterClass(): void {
    const s = this.src;
    let j = this.i + 1;
    for (; j < s.length && s[j] !== ']'; j++) if (s[j] === '\\') j++;
    if (j >= s.length) throw new Unreadable(this.i); // unterminated class
    this.i = j + 1;
  }

  private atomEscape(): Atom {
    const s = this.src;
    const at = this.i;
    const e = s[at + 1];
    if (e === undefined) throw new Unreadable(at); // a trailing backslash
    if (e === 'b' || e === 'B') { this.i += 2; return { node: ZERO, repeatable: false }; }
    if (e >= '1' && e <= '9') {
      let j = at + 1;
      let v = 0;
      while (isDigit(s[j]) && v <= V8_INFINITY) { v = v * 10 + Number(s[j]); j++; }
      if (v <= this.captures) {
        const text = s.slice(at, j);
        throw new Found({ kind: 'backreference', text, at, what: `a backreference (\`${text}\`)`, hint: 'match without it and compare the groups in code' });
      }
      // Not a backreference: a legacy octal escape (V8 reads up to three octal digits below 256)
      // or an identity escape (\8, \9), one character.
      this.i = at + 2;
      if (e <= '7') this.octalTail(e);
      return { node: ONE, repeatable: true };
    }
    if (e === 'k' && this.named) {
      const close = s.indexOf('>', at);
      const text = close < 0 ? '\\k' : s.slice(at, close + 1);
      throw new Found({ kind: 'backreference', text, at, what: `a named backreference (\`${text}\`)`, hint: 'match without it and compare the groups in code' });
    }
    if (e === 'x') { this.i = isHex(s[at + 2]) && isHex(s[at + 3]) ? at + 4 : at + 2; return { node: ONE, repeatable: true }; }
    if (e === 'u') {
      this.i = isHex(s[at + 2]) && isHex(s[at + 3]) && isHex(s[at + 4]) && isHex(s[at + 5]) ? at + 6 : at + 2;
      return { node: ONE, repeatable: true };
    }
    if (e === 'c') {
      const l = s[at + 2];
      // `\cX` with a letter is a control character; otherwise the backslash is itself a character.
      this.i = l !== undefined && /^[A-Za-z]$/.test(l) ? at + 3 : at + 1;
      return { node: ONE, repeatable: true };
    }
    this.i = at + 2; // \0, a class escape (\d \w \s ...) or an identity escape: one character
    if (e === '0' && isOctal(s[this.i])) this.octalTail(e);
    return { node: ONE, repeatable: true };
  }

  /** The rest of a legacy octal escape whose first digit `first` was read. */
  private octalTail(first: string): void {
    if (!isOctal(this.peek())) return;
    const v = Number(first) * 8 + Number(this.peek());
    this.i++;
    if (v < 32 && isOctal(this.peek())) this.i++;
  }

  private group(): Atom {
    const s = this.src;
    const at = this.i;
    let bodyAt: number;
    if (s[at + 1] !== '?') bodyAt = at + 1;
    else if (s[at + 2] === ':') bodyAt = at + 3;
    else if (s[at + 2] === '=' || s[at + 2] === '!') throw new Found(lookaround(s.slice(at, at + 3), at));
    else if (s[at + 2] === '<' && (s[at + 3] === '=' || s[at + 3] === '!')) throw new Found(lookaround(s.slice(at, at + 4), at));
    else if (s[at + 2] === '<') {
      const close = s.indexOf('>', at + 3);
      if (close <= at + 3) throw new Unreadable(at);
      bodyAt = close + 1;
    } else throw new Unreadable(at); // `(?` and something Node 20's V8 does not take (modifiers)
    // A fixed bound, not the stack's: the verdict must not depend on how deep the caller was.
    if (++this.depth > MAX_NESTING) {
      throw new Found({ kind: 'unreadable', text: '(', at, what: `groups nested more than ${MAX_NESTING} deep`, hint: 'nest fewer groups' });
    }
    this.i = bodyAt;
    const body = this.disjunction();
    this.depth--;
    if (this.peek() !== ')') throw new Unreadable(at); // unterminated group
    this.i++;
    return { node: { t: 'group', body, max: maxOf(body) }, repeatable: true };
  }
}

interface Quantifier { readonly min: number; readonly max: number; readonly at: number }

function isOctal(c: string | undefined): boolean { return c !== undefined && c >= '0' && c <= '7'; }

/** V8's replication rule, walked as its visitor walks: a count above the limit is refused, and so
 * is a product of nested counts above it, where an open-ended quantifier counts its minimum + 1. */
function checkCounts(d: Disjunction, factor: number): LinearProblem | undefined {
  for (const alt of d) {
    for (const n of alt) {
      const p = checkNode(n, factor);
      if (p !== undefined) return p;
    }
  }
  return undefined;
}

function checkNode(n: Node, factor: number): LinearProblem | undefined {
  if (n.t === 'leaf') return undefined;
  if (n.t === 'group') return checkCounts(n.body, factor);
  if (n.min > MAX_REPLICATION || (n.qmax !== INF && n.qmax > MAX_REPLICATION)) {
    return countProblem(n.text, n.at, `a repetition count above ${MAX_REPLICATION} (\`${n.text}\`)`);
  }
  const f = factor * (n.qmax === INF ? n.min + 1 : n.qmax);
  if (f > MAX_REPLICATION) {
    return countProblem(n.text, n.at, `nested repetitions whose counts multiply past ${MAX_REPLICATION} (\`${n.text}\` with the counts around it)`);
  }
  return checkNode(n.body, f);
}

function lookaround(text: string, at: number): LinearProblem {
  const what = text === '(?=' ? 'a lookahead' : text === '(?!' ? 'a negative lookahead' : text === '(?<=' ? 'a lookbehind' : 'a negative lookbehind';
  return { kind: 'lookaround', text, at, what: `${what} (\`${text}\`)`, hint: 'match without it and check the surroundings in code' };
}

function countProblem(text: string, at: number, what: string): LinearProblem {
  return { kind: 'count', text, at, what, hint: `repeat at most ${MAX_REPLICATION} times in all, or use * or + and check lengths in code` };
}

/** What the parser alone finds (no V8 involved): undefined when the pattern can run in linear
 * time, or when V8 would reject it anyway (see `linearProblem`). */
export function parseProblem(source: string, flags: string): LinearProblem | undefined {
  for (const f of flags) {
    const h = FLAG_HINTS[f];
    if (h !== undefined) return { kind: 'flag', text: f, at: 0, what: h[0], hint: h[1] };
  }
  const { captures, named } = scanGroups(source);
  try {
    return checkCounts(new Parser(source, captures, named).run(), 1);
  } catch (e) {
    if (e instanceof Found) return e.problem;
    if (e instanceof Unreadable) {
      return { kind: 'unreadable', text: source.slice(e.at, e.at + 8), at: e.at, what: `a construct Sing cannot read (at \`${source.slice(e.at, e.at + 8)}\`)`, hint: 'write it in plain ECMAScript regular-expression syntax' };
    }
    throw e;
  }
}

// ---- V8's own verdict ---------------------------------------------------------------------------

let probing: boolean | undefined;

/** Whether V8's linear engine takes the pattern, asked through the `l` (linear) flag, which
 * `--enable-experimental-regexp-engine` adds: true or false, or undefined when the pattern (or its
 * flags) is invalid or the question cannot be asked. The flag only lets `l` be written; a pattern
 * without it runs as before. */
export function v8RunsLinear(source: string, flags: string): boolean | undefined {
  if (probing === undefined) {
    try {
      v8.setFlagsFromString('--enable-experimental-regexp-engine');
      new NativeRegExp('a', 'l');
      probing = true;
    } catch {
      probing = false;
    }
  }
  if (!probing) return undefined;
  try {
    new NativeRegExp(source, flags.includes('l') ? flags : `${flags}l`);
    return true;
  } catch {
    try {
      new NativeRegExp(source, flags);
    } catch {
      return undefined; // invalid: the engine's own SyntaxError is the answer
    }
    return false;
  }
}

/** Whether V8 accepts the pattern at all. */
export function isValidPattern(source: string, flags: string): boolean {
  try {
    new NativeRegExp(source, flags);
    return true;
  } catch {
    return false;
  }
}

/** The verdict: undefined when the pattern runs in linear time (or is invalid, which the engine
 * reports itself), else the first thing it uses that the linear engine cannot run. */
export function linearProblem(source: string, flags: string): LinearProblem | undefined {
  const p = parseProblem(source, flags);
  if (p !== undefined) {
    // An unreadable pattern V8 rejects too is simply invalid.
    if (p.kind === 'unreadable' && !isValidPattern(source, flags)) return undefined;
    return p;
  }
  if (v8RunsLinear(source, flags) === false) {
    return { kind: 'unreadable', text: '', at: 0, what: 'a construct V8\'s linear-time engine does not take', hint: 'simplify the pattern' };
  }
  return undefined;
}
