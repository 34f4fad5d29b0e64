// Rule 4's abstract state (see linearity.ts): the places it tracks, their ownership status, and
// how states join at branches, loop back-edges and try/catch; plus the small syntax helpers and the
// per-type member reader the analysis shares. Rules: values here are immutable snapshots or
// cloned before change (`clone`); `join` never loses a move (a move on any path is at least "maybe").
import ts from 'typescript';
import { endpointOf, isLinear } from './sing-types.ts';

export const USE_AFTER_MOVE = 'SING4001';
export const MAYBE_MOVED = 'SING4002';
export const CAPTURED = 'SING4003';
export const STORED = 'SING4004';
export const STILL_OWNED = 'SING4005';

export const CONTAINER_ADVICE = 'endpoints and blocks cannot live in plain arrays, maps or fields; keep them in locals, move them through a channel, or keep many endpoints in an EndpointMap (sing/runtime)';
export const EXIT_ADVICE = 'close it, free it, send it or return it';

export const ENDPOINT_MOVES = new Set(['send', 'receive', 'expect', 'close']);
export const BLOCK_MOVES = new Set(['free', 'split']);
export const CONTAINER_STORES = new Set(['push', 'unshift', 'set', 'add', 'splice', 'fill']);
export const CONTAINERS = new Set(['Array', 'ReadonlyArray', 'Map', 'Set', 'WeakMap', 'WeakSet']);

/** One member of a place's union type: which linear parts it carries. */
export interface Member {
  readonly nullish: 'null' | 'undefined' | undefined;
  /** The member itself is linear (an endpoint or block). */
  readonly self: ts.Type | undefined;
  readonly tag: string | undefined;
  /** Its linear properties, by name. */
  readonly props: ReadonlyMap<string, ts.Type>;
}

export interface Root {
  readonly id: number;
  readonly name: string;
  readonly members: readonly Member[];
  /** main's context: never reported as still owned (see the header). */
  readonly ctx: boolean;
  /** The block (or loop statement) whose end closes the root's scope. */
  readonly scope: ts.Node;
  /** The places of this root: '' for the root itself, else a property name. */
  readonly places: readonly Place[];
}

export interface Place {
  readonly root: Root;
  /** Undefined for the root itself. */
  readonly prop: string | undefined;
  readonly key: string;
  readonly name: string;
  readonly type: ts.Type;
}

export type Status =
  | { readonly k: 'owned' }
  | { readonly k: 'absent' }
  | { readonly k: 'moved' | 'maybe'; readonly at: ts.Node; readonly how: string; readonly prev: boolean; readonly soft: boolean; readonly told?: boolean };

export const OWNED: Status = { k: 'owned' };
export const ABSENT: Status = { k: 'absent' };

/** The abstract state at one program point. Forks clone it; joins build a new one. */
export interface State {
  readonly places: Map<string, Status>;
  /** Per root id: which members (bit i for members[i]) the value may be on this path. */
  readonly masks: Map<number, number>;
}
export type Flow = State | null;

export type JoinMode = 'branch' | 'back' | 'try';

export interface Use {
  /** move: consumed; read: looked at; peek: compared or typeof'd (never an error); discard: an
   * expression statement's value; store: put into a plain container. */
  readonly k: 'move' | 'read' | 'peek' | 'discard' | 'store';
  readonly how: string;
  /** Where object (call or return) and array (return) literals may carry linear values. */
  readonly lit: 'call' | 'return' | 'none';
}
export const READ: Use = { k: 'read', how: '', lit: 'none' };
export const PEEK: Use = { k: 'peek', how: '', lit: 'none' };
export const DISCARD: Use = { k: 'discard', how: '', lit: 'none' };
export const INNER: Use = { k: 'move', how: '', lit: 'none' };
export const move = (how: string, lit: Use['lit'] = 'none'): Use => ({ k: 'move', how, lit });
export const store = (how: string): Use => ({ k: 'store', how, lit: 'none' });

export interface Target {
  readonly kind: 'loop' | 'switch' | 'block';
  readonly label: string | undefined;
  readonly breaks: State[];
  readonly continues: State[];
}

export function clone(s: State): State {
  return { places: new Map(s.places), masks: new Map(s.masks) };
}

export function joinStatus(a: Status | undefined, b: Status | undefined, mode: JoinMode): Status | undefined {
  if (a === undefined || a.k === 'absent') return b;
  if (b === undefined || b.k === 'absent') return a;
  if (a.k === 'owned' && b.k === 'owned') return a;
  if (a.k === 'moved' && b.k === 'moved') return a;
  const m = a.k === 'owned' ? b : a;
  if (m.k === 'owned') return m;
  const ownedSide = a.k === 'owned' || b.k === 'owned';
  return { k: 'maybe', at: m.at, how: m.how, prev: m.prev || (mode === 'back' && a.k === 'owned'), soft: m.soft || (mode === 'try' && ownedSide) };
}

export function join(a: Flow, b: Flow, mode: JoinMode = 'branch'): Flow {
  if (a === null) return b === null ? null : clone(b);
  if (b === null) return clone(a);
  const places = new Map<string, Status>();
  for (const k of new Set([...a.places.keys(), ...b.places.keys()])) {
    const s = joinStatus(a.places.get(k), b.places.get(k), mode);
    if (s !== undefined) places.set(k, s);
  }
  const masks = new Map<number, number>();
  for (const k of new Set([...a.masks.keys(), ...b.masks.keys()])) masks.set(k, (a.masks.get(k) ?? 0) | (b.masks.get(k) ?? 0));
  return { places, masks };
}

export function joinAll(first: Flow, rest: readonly State[]): Flow {
  let out = first;
  for (const s of rest) out = join(out, s);
  return out;
}

export function same(a: Flow, b: Flow): boolean {
  if (a === null || b === null) return a === b;
  if (a.places.size !== b.places.size || a.masks.size !== b.masks.size) return false;
  for (const [k, s] of a.places) {
    const t = b.places.get(k);
    if (t === undefined || t.k !== s.k) return false;
    if ((s.k === 'moved' || s.k === 'maybe') && (t.k === 'moved' || t.k === 'maybe') && (s.at !== t.at || s.prev !== t.prev || s.soft !== t.soft)) return false;
  }
  for (const [k, m] of a.masks) if (b.masks.get(k) !== m) return false;
  return true;
}

export function strip(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isTypeAssertionExpression(e)) e = e.expression;
  return e;
}

export function hasBody(n: ts.Node): n is ts.FunctionLikeDeclaration & { body: ts.ConciseBody } {
  return (ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isConstructorDeclaration(n) || ts.isGetAccessorDeclaration(n)
    || ts.isSetAccessorDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n)) && n.body !== undefined;
}

export function lc(n: ts.Node): string {
  const sf = n.getSourceFile();
  const { line, character } = sf.getLineAndCharacterOfPosition(n.getStart(sf));
  return `${line + 1}:${character + 1}`;
}

/** A short rendering of an expression for messages. */
export function text(n: ts.Node): string {
  const t = n.getText().replace(/\s+/g, ' ');
  return t.length > 40 ? `${t.slice(0, 37)}...` : t;
}

export function literalText(e: ts.Expression | undefined): string | undefined {
  if (e === undefined) return undefined;
  const s = strip(e);
  return ts.isStringLiteral(s) || ts.isNoSubstitutionTemplateLiteral(s) ? s.text : undefined;
}

export function nullishLiteral(e: ts.Expression): 'null' | 'undefined' | undefined {
  const s = strip(e);
  if (s.kind === ts.SyntaxKind.NullKeyword) return 'null';
  if (ts.isIdentifier(s) && s.text === 'undefined') return 'undefined';
  if (ts.isVoidExpression(s)) return 'undefined';
  return undefined;
}

export function functionName(fn: ts.Node): string {
  if ((ts.isFunctionDeclaration(fn) || ts.isMethodDeclaration(fn) || ts.isFunctionExpression(fn)) && fn.name !== undefined && ts.isIdentifier(fn.name)) return fn.name.text;
  if (ts.isConstructorDeclaration(fn)) return 'the constructor';
  const p = fn.parent;
  if (p !== undefined && (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) && ts.isIdentifier(p.name)) return p.name.text;
  return `the function at ${lc(fn)}`;
}

/** main's own function: `main` of the object literal given to defineProgram. */
export function isMain(fn: ts.Node): boolean {
  let holder: ts.Node = fn;
  if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isPropertyAssignment(fn.parent)) holder = fn.parent;
  const named = (ts.isMethodDeclaration(holder) || ts.isPropertyAssignment(holder)) && ts.isIdentifier(holder.name) && holder.name.text === 'main';
  const lit = holder.parent;
  if (!named || lit === undefined || !ts.isObjectLiteralExpression(lit)) return false;
  const call = lit.parent;
  return call !== undefined && ts.isCallExpression(call) && ts.isIdentifier(call.expression) && call.expression.text === 'defineProgram';
}

/** What one function's walk needs from the whole rule. */

/** The members of a type, by union part: what linear values each carries. Cached per type. */
export function memberReader(checker: ts.TypeChecker): (t: ts.Type) => readonly Member[] {
  const cache = new Map<ts.Type, readonly Member[]>();
  return (t) => {
    const hit = cache.get(t);
    if (hit !== undefined) return hit;
    const out: Member[] = [];
    for (const part of t.isUnion() ? t.types : [t]) {
      if ((part.flags & ts.TypeFlags.Null) !== 0) { out.push({ nullish: 'null', self: undefined, tag: undefined, props: new Map() }); continue; }
      if ((part.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) !== 0) { out.push({ nullish: 'undefined', self: undefined, tag: undefined, props: new Map() }); continue; }
      if (isLinear(checker, part)) { out.push({ nullish: undefined, self: part, tag: undefined, props: new Map() }); continue; }
      const props = new Map<string, ts.Type>();
      let tag: string | undefined;
      // A class instance is not a carrier: storing a linear value in its field is refused (SING4004).
      const cls = ((part.getSymbol()?.flags ?? 0) & ts.SymbolFlags.Class) !== 0;
      const objectLike = (part.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection)) !== 0 && !cls && endpointOf(checker, part) === undefined;
      if (objectLike && part.getCallSignatures().length === 0) {
        for (const p of checker.getPropertiesOfType(part)) {
          const pt = checker.getTypeOfSymbol(p);
          if (p.getName() === 'tag' && pt.isStringLiteral()) tag = pt.value;
          if (isLinear(checker, pt)) props.set(p.getName(), pt);
        }
      }
      out.push({ nullish: undefined, self: undefined, tag, props });
    }
    cache.set(t, out);
    return out;
  };
}
