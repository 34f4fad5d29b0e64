// Rule 4, linearity: endpoints and exchange-heap blocks are owned by exactly one place at a time,
// Sing#-style, and every owned one is eventually consumed (sent, closed, freed, returned, passed on).
// Rules for callers: the driver runs `linearityRule` like any rule; it reads only the program's own
// files and reports SING4001 use after move, SING4002 moved on some paths only, SING4003 captured by
// a closure, SING4004 stored in a plain container, SING4005 still owned at exit (or dropped).
// How it works: each function body is walked once in evaluation order over an abstract state that
// maps each tracked place to owned | moved(at) | maybe-moved(at) | absent. A place is a local or
// parameter whose type is linear (sing-types.ts `isLinear`), or `x.f` for a local/parameter x whose
// object type has linear properties (a received message's `ep` and blocks, `{ imp, exp }`, main's
// `ctx`). Branches fork the state and join it; loops are iterated (muted) to a fixed point and then
// walked once more to report; `m.tag`, `=== null` and truthiness tests narrow which union members,
// and so which places, exist on a branch.
// Choices: (1) main's context endpoints (`main({ calc })` or `ctx.calc`) are not reported as still
// owned when main returns: the kernel closes everything a process holds when it exits, and an early
// `return 1` that leaves a result endpoint unsent is the normal way for a program to fail. They are
// still tracked for use after move, and their successors (`let idle = ep`) are ordinary places.
// (2) Object and array literals may carry linear values only across a call boundary: an object
// literal that is a call argument (send payloads, create options, nested), and an object or array
// literal that is returned (`return { sum, calc: m.ep }`); anywhere else they are plain containers.
// (3) Borrows: `select([a, b])` borrows its endpoints, and `b.view(...)` is a window on a block the
// caller still owns (never owned itself). (4) Nothing is reported on throw paths, and a catch block
// starts from the join of "before try" and "after try" (a move seen there is "maybe", never a leak).
// (5) A class instance never carries linear values (its fields cannot hold them: SING4004).
// (6) One report per move: a moved value used three times is reported at its first reuse only.
// Known gaps: a linear value reached through an array element, a field or an unawaited promise
// held in a variable is not tracked (storing one is refused, so only a parameter typed `Bytes[]` or
// `Promise<...>` brings one in); freeing through a view frees a block the caller is still taken to
// own; an early `return` inside `try` is checked before its `finally` runs, and moves in a `finally`
// reached only by an abrupt exit are not carried on; generators are walked like plain functions.
// Invariants: the rule never throws for a bad program; each diagnostic is reported once per node.
import ts from 'typescript';
import type { Rule, RuleContext } from './rule.ts';
import { blockOf, endpointOf, isLinear } from './sing-types.ts';

const USE_AFTER_MOVE = 'SING4001';
const MAYBE_MOVED = 'SING4002';
const CAPTURED = 'SING4003';
const STORED = 'SING4004';
const STILL_OWNED = 'SING4005';

const CONTAINER_ADVICE = 'endpoints and blocks cannot live in plain arrays, maps or fields; keep them in locals, move them through a channel, or keep many endpoints in an EndpointMap (sing/runtime)';
const EXIT_ADVICE = 'close it, free it, send it or return it';

const ENDPOINT_MOVES = new Set(['send', 'receive', 'expect', 'close']);
const BLOCK_MOVES = new Set(['free', 'split']);
const CONTAINER_STORES = new Set(['push', 'unshift', 'set', 'add', 'splice', 'fill']);
const CONTAINERS = new Set(['Array', 'ReadonlyArray', 'Map', 'Set', 'WeakMap', 'WeakSet']);

/** One member of a place's union type: which linear parts it carries. */
interface Member {
  readonly nullish: 'null' | 'undefined' | undefined;
  /** The member itself is linear (an endpoint or block). */
  readonly self: ts.Type | undefined;
  readonly tag: string | undefined;
  /** Its linear properties, by name. */
  readonly props: ReadonlyMap<string, ts.Type>;
}

interface Root {
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

interface Place {
  readonly root: Root;
  /** Undefined for the root itself. */
  readonly prop: string | undefined;
  readonly key: string;
  readonly name: string;
  readonly type: ts.Type;
}

type Status =
  | { readonly k: 'owned' }
  | { readonly k: 'absent' }
  | { readonly k: 'moved' | 'maybe'; readonly at: ts.Node; readonly how: string; readonly prev: boolean; readonly soft: boolean; readonly told?: boolean };

const OWNED: Status = { k: 'owned' };
const ABSENT: Status = { k: 'absent' };

/** The abstract state at one program point. Forks clone it; joins build a new one. */
interface State {
  readonly places: Map<string, Status>;
  /** Per root id: which members (bit i for members[i]) the value may be on this path. */
  readonly masks: Map<number, number>;
}
type Flow = State | null;

type JoinMode = 'branch' | 'back' | 'try';

interface Use {
  /** move: consumed; read: looked at; peek: compared or typeof'd (never an error); discard: an
   * expression statement's value; store: put into a plain container. */
  readonly k: 'move' | 'read' | 'peek' | 'discard' | 'store';
  readonly how: string;
  /** Where object (call or return) and array (return) literals may carry linear values. */
  readonly lit: 'call' | 'return' | 'none';
}
const READ: Use = { k: 'read', how: '', lit: 'none' };
const PEEK: Use = { k: 'peek', how: '', lit: 'none' };
const DISCARD: Use = { k: 'discard', how: '', lit: 'none' };
const INNER: Use = { k: 'move', how: '', lit: 'none' };
const move = (how: string, lit: Use['lit'] = 'none'): Use => ({ k: 'move', how, lit });
const store = (how: string): Use => ({ k: 'store', how, lit: 'none' });

interface Target {
  readonly kind: 'loop' | 'switch' | 'block';
  readonly label: string | undefined;
  readonly breaks: State[];
  readonly continues: State[];
}

function clone(s: State): State {
  return { places: new Map(s.places), masks: new Map(s.masks) };
}

function joinStatus(a: Status | undefined, b: Status | undefined, mode: JoinMode): Status | undefined {
  if (a === undefined || a.k === 'absent') return b;
  if (b === undefined || b.k === 'absent') return a;
  if (a.k === 'owned' && b.k === 'owned') return a;
  if (a.k === 'moved' && b.k === 'moved') return a;
  const m = a.k === 'owned' ? b : a;
  if (m.k === 'owned') return m;
  const ownedSide = a.k === 'owned' || b.k === 'owned';
  return { k: 'maybe', at: m.at, how: m.how, prev: m.prev || (mode === 'back' && a.k === 'owned'), soft: m.soft || (mode === 'try' && ownedSide) };
}

function join(a: Flow, b: Flow, mode: JoinMode = 'branch'): Flow {
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

function joinAll(first: Flow, rest: readonly State[]): Flow {
  let out = first;
  for (const s of rest) out = join(out, s);
  return out;
}

function same(a: Flow, b: Flow): boolean {
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

function strip(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isTypeAssertionExpression(e)) e = e.expression;
  return e;
}

function hasBody(n: ts.Node): n is ts.FunctionLikeDeclaration & { body: ts.ConciseBody } {
  return (ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isConstructorDeclaration(n) || ts.isGetAccessorDeclaration(n)
    || ts.isSetAccessorDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n)) && n.body !== undefined;
}

function lc(n: ts.Node): string {
  const sf = n.getSourceFile();
  const { line, character } = sf.getLineAndCharacterOfPosition(n.getStart(sf));
  return `${line + 1}:${character + 1}`;
}

/** A short rendering of an expression for messages. */
function text(n: ts.Node): string {
  const t = n.getText().replace(/\s+/g, ' ');
  return t.length > 40 ? `${t.slice(0, 37)}...` : t;
}

function literalText(e: ts.Expression | undefined): string | undefined {
  if (e === undefined) return undefined;
  const s = strip(e);
  return ts.isStringLiteral(s) || ts.isNoSubstitutionTemplateLiteral(s) ? s.text : undefined;
}

function nullishLiteral(e: ts.Expression): 'null' | 'undefined' | undefined {
  const s = strip(e);
  if (s.kind === ts.SyntaxKind.NullKeyword) return 'null';
  if (ts.isIdentifier(s) && s.text === 'undefined') return 'undefined';
  if (ts.isVoidExpression(s)) return 'undefined';
  return undefined;
}

function functionName(fn: ts.Node): string {
  if ((ts.isFunctionDeclaration(fn) || ts.isMethodDeclaration(fn) || ts.isFunctionExpression(fn)) && fn.name !== undefined && ts.isIdentifier(fn.name)) return fn.name.text;
  if (ts.isConstructorDeclaration(fn)) return 'the constructor';
  const p = fn.parent;
  if (p !== undefined && (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) && ts.isIdentifier(p.name)) return p.name.text;
  return `the function at ${lc(fn)}`;
}

/** main's own function: `main` of the object literal given to defineProgram. */
function isMain(fn: ts.Node): boolean {
  let holder: ts.Node = fn;
  if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isPropertyAssignment(fn.parent)) holder = fn.parent;
  const named = (ts.isMethodDeclaration(holder) || ts.isPropertyAssignment(holder)) && ts.isIdentifier(holder.name) && holder.name.text === 'main';
  const lit = holder.parent;
  if (!named || lit === undefined || !ts.isObjectLiteralExpression(lit)) return false;
  const call = lit.parent;
  return call !== undefined && ts.isCallExpression(call) && ts.isIdentifier(call.expression) && call.expression.text === 'defineProgram';
}

/** What one function's walk needs from the whole rule. */
class Analysis {
  private readonly checker: ts.TypeChecker;
  private readonly roots = new Map<ts.Symbol, Root | null>();
  private readonly byScope = new Map<ts.Node, Root[]>();
  private readonly targets: Target[] = [];
  private readonly fnName: string;
  private muted = 0;
  private nextId = 0;

  constructor(
    private readonly ctx: RuleContext,
    private readonly fn: ts.FunctionLikeDeclaration & { body: ts.ConciseBody },
    private readonly members: (t: ts.Type) => readonly Member[],
    private readonly names: (endpoint: ts.Type) => string | undefined,
    private readonly reported: Set<string>,
  ) {
    this.checker = ctx.checker;
    this.fnName = functionName(fn);
  }

  run(): void {
    const st: State = { places: new Map(), masks: new Map() };
    const body = this.fn.body;
    const main = isMain(this.fn);
    this.fn.parameters.forEach((p, i) => this.bindName(p.name, st, main && i === 0, undefined));
    if (ts.isBlock(body)) {
      const end = this.stmts(body.statements, st);
      if (end !== null) this.exitCheck(end, body.getLastToken() ?? body, `when ${this.fnName} returns`);
    } else {
      const end = this.expr(body, st, move('return', 'return'));
      if (end !== null) this.exitCheck(end, body, `when ${this.fnName} returns`);
    }
    this.captures();
  }

  // --- reporting -------------------------------------------------------------------------------

  private report(node: ts.Node, code: string, message: string, key = ''): void {
    if (this.muted > 0) return;
    const k = `${node.getSourceFile().fileName}:${node.getStart()}:${code}:${key}`;
    if (this.reported.has(k)) return;
    this.reported.add(k);
    this.ctx.report(node, code, message);
  }

  private describe(t: ts.Type): string {
    const e = endpointOf(this.checker, t);
    if (e !== undefined) return `endpoint of ${this.names(e.type) ?? e.contract}${e.state !== undefined ? ` in state ${e.state}` : ''}`;
    const b = blockOf(t);
    return b !== undefined ? `block ${b}` : 'linear value';
  }

  private hint(p: Place, how: string): string {
    const e = endpointOf(this.checker, p.type);
    if (e !== undefined) {
      const c = this.names(e.type) ?? e.contract;
      if (how.startsWith('send(')) return `send returned the ${c} endpoint at its next state: use the endpoint send returned`;
      if (how.startsWith('receive(') || how.startsWith('expect(')) return `the message ${how.slice(0, how.indexOf('('))} resolved to carries the ${c} endpoint at its next state: use the message's ep`;
      if (how === 'close()') return `the ${c} endpoint is closed`;
      return `the ${c} endpoint now belongs to where it was moved`;
    }
    if (how === 'free()') return 'the block is freed';
    if (how.startsWith('split(')) return 'use the two halves split returned';
    return 'a block has one owner, and it is no longer this one';
  }

  // --- roots and places ------------------------------------------------------------------------

  private symbolOf(id: ts.Identifier): ts.Symbol | undefined {
    const p = id.parent;
    if (p !== undefined && ts.isShorthandPropertyAssignment(p) && p.name === id) return this.checker.getShorthandAssignmentValueSymbol(p);
    return this.checker.getSymbolAtLocation(id);
  }

  private scopeOf(n: ts.Node): ts.Node {
    let cur: ts.Node | undefined = n.parent;
    let isVar = false;
    while (cur !== undefined) {
      if (ts.isVariableDeclarationList(cur)) isVar = (cur.flags & ts.NodeFlags.BlockScoped) === 0;
      if (cur === this.fn || hasBody(cur)) return this.fn.body;
      if (!isVar && (ts.isBlock(cur) || ts.isCaseBlock(cur) || ts.isForStatement(cur) || ts.isForOfStatement(cur) || ts.isForInStatement(cur))) return cur;
      cur = cur.parent;
    }
    return this.fn.body;
  }

  /** The root declared by `name` (a variable, parameter or binding element), if it is tracked. */
  private declare(name: ts.Identifier, ctxRoot: boolean): Root | undefined {
    const sym = this.symbolOf(name);
    if (sym === undefined) return undefined;
    const known = this.roots.get(sym);
    if (known !== undefined) return known ?? undefined;
    const members = this.members(this.checker.getTypeAtLocation(name));
    const tracked = members.some((m) => m.self !== undefined || m.props.size > 0);
    if (!tracked) {
      this.roots.set(sym, null);
      return undefined;
    }
    const id = this.nextId++;
    const places: Place[] = [];
    const root: Root = { id, name: name.text, members, ctx: ctxRoot, scope: this.scopeOf(name), places };
    const self = members.find((m) => m.self !== undefined)?.self;
    if (self !== undefined) places.push({ root, prop: undefined, key: `${id}`, name: name.text, type: self });
    const seen = new Set<string>();
    for (const m of members) {
      for (const [prop, t] of m.props) {
        if (seen.has(prop)) continue;
        seen.add(prop);
        places.push({ root, prop, key: `${id}.${prop}`, name: `${name.text}.${prop}`, type: t });
      }
    }
    this.roots.set(sym, root);
    const list = this.byScope.get(root.scope) ?? [];
    list.push(root);
    this.byScope.set(root.scope, list);
    return root;
  }

  private rootOf(e: ts.Expression): Root | undefined {
    const s = strip(e);
    if (!ts.isIdentifier(s)) return undefined;
    const sym = this.symbolOf(s);
    return sym === undefined ? undefined : (this.roots.get(sym) ?? undefined);
  }

  private placeOf(e: ts.Expression): Place | undefined {
    const s = strip(e);
    if (ts.isIdentifier(s)) return this.rootOf(s)?.places.find((p) => p.prop === undefined);
    let prop: string | undefined;
    if (ts.isPropertyAccessExpression(s) && ts.isIdentifier(s.name)) prop = s.name.text;
    else if (ts.isElementAccessExpression(s)) {
      const a = strip(s.argumentExpression);
      if (ts.isStringLiteral(a) || ts.isNumericLiteral(a)) prop = a.text;
    }
    if (prop === undefined || !(ts.isPropertyAccessExpression(s) || ts.isElementAccessExpression(s))) return undefined;
    return this.rootOf(s.expression)?.places.find((p) => p.prop === prop);
  }

  /** Binds a root to a new value: its places become owned where the value has them. A literal
   * value owns nothing: whatever linear value went into it was reported as stored (SING4004). */
  private bind(root: Root, st: State, value: ts.Expression | undefined, at: ts.Node): void {
    for (const p of root.places) {
      const s = st.places.get(p.key);
      if (s !== undefined && this.owned(st, p) !== undefined) {
        this.report(at, STILL_OWNED, `${p.name} (${this.describe(p.type)}) is ${s.k === 'owned' ? 'still' : 'perhaps still'} owned when it is overwritten here: ${EXIT_ADVICE} first`, p.key);
      }
    }
    const v = value === undefined ? undefined : strip(value);
    const vm = v === undefined ? root.members : ts.isObjectLiteralExpression(v) || ts.isArrayLiteralExpression(v) || this.isView(v) ? [] : this.members(this.typeOf(v));
    for (const p of root.places) {
      const has = vm.some((m) => (p.prop === undefined ? m.self !== undefined : m.props.has(p.prop)));
      st.places.set(p.key, has ? OWNED : ABSENT);
    }
    st.masks.set(root.id, (1 << Math.min(root.members.length, 30)) - 1);
  }

  /** Declares and binds every name in a binding name, to its own declared type. */
  private bindName(name: ts.BindingName, st: State, ctxRoot: boolean, at: ts.Node | undefined): void {
    if (ts.isIdentifier(name)) {
      const r = this.declare(name, ctxRoot);
      if (r !== undefined) this.bind(r, st, undefined, at ?? name);
      return;
    }
    for (const el of name.elements) if (!ts.isOmittedExpression(el)) this.bindName(el.name, st, ctxRoot, at);
  }

  private usePlace(p: Place, node: ts.Node, st: State, use: Use): void {
    const s = st.places.get(p.key);
    if (s === undefined || s.k === 'absent') return;
    if ((s.k === 'moved' || s.k === 'maybe') && use.k !== 'peek' && s.told !== true) {
      // One report per move: later uses of the same moved value would only repeat it.
      st.places.set(p.key, { ...s, told: true });
      if (s.k === 'moved' || s.prev) {
        const when = s.prev ? ' in the previous iteration of the loop' : '';
        this.report(node, USE_AFTER_MOVE, `${p.name} was moved by ${s.how} at ${lc(s.at)}${when} and used again here: ${this.hint(p, s.how)}`, p.key);
      } else {
        this.report(node, MAYBE_MOVED, `${p.name} may have been moved (by ${s.how} at ${lc(s.at)} on one branch) and is used here after the branches join: move it on every branch or on none`, p.key);
      }
    }
    if (use.k === 'move') st.places.set(p.key, { k: 'moved', at: node, how: use.how, prev: false, soft: false });
    else if (use.k === 'store') {
      this.report(node, STORED, `${p.name} (${this.describe(p.type)}) is stored by ${use.how}: ${CONTAINER_ADVICE}`, p.key);
      st.places.set(p.key, { k: 'moved', at: node, how: use.how, prev: false, soft: false });
    }
  }

  /** A whole root with linear properties (a message, `{ imp, exp }`, ctx) used by name. */
  private useHolder(root: Root, node: ts.Node, st: State, use: Use): void {
    if (use.k !== 'move' && use.k !== 'store') return;
    for (const p of root.places) this.usePlace(p, node, st, use);
  }

  // --- exits -----------------------------------------------------------------------------------

  /** The place's status if it must still be consumed here. A "maybe" carried round a loop's back
   * edge is not (its use inside the loop is already reported as a use after move), nor one whose
   * use after the join was reported. */
  private owned(st: State, p: Place): Status | undefined {
    if (p.root.ctx) return undefined;
    const s = st.places.get(p.key);
    return s !== undefined && (s.k === 'owned' || (s.k === 'maybe' && !s.soft && !s.prev && s.told !== true)) ? s : undefined;
  }

  private exitCheck(st: State, at: ts.Node, when: string): void {
    for (const r of this.allRoots()) {
      for (const p of r.places) {
        const s = this.owned(st, p);
        if (s === undefined) continue;
        const maybe = s.k === 'maybe' ? ` on some paths (elsewhere it was moved by ${s.how} at ${lc(s.at)})` : '';
        this.report(at, STILL_OWNED, `${p.name} (${this.describe(p.type)}) is ${s.k === 'maybe' ? 'perhaps ' : ''}still owned ${when}${maybe}: ${EXIT_ADVICE}`, p.key);
      }
    }
  }

  private *allRoots(): Iterable<Root> {
    for (const r of this.roots.values()) if (r !== null) yield r;
  }

  /** The end of a scope: its roots must be consumed, and leave the state. */
  private scopeEnd(scope: ts.Node, st: Flow, at: ts.Node): Flow {
    const roots = this.byScope.get(scope);
    if (st === null || roots === undefined) return st;
    for (const r of roots) {
      for (const p of r.places) {
        const s = this.owned(st, p);
        if (s !== undefined) this.report(at, STILL_OWNED, `${p.name} (${this.describe(p.type)}) is ${s.k === 'maybe' ? 'perhaps ' : ''}still owned at the end of the block that declares it: ${EXIT_ADVICE}`, p.key);
        st.places.delete(p.key);
      }
      st.masks.delete(r.id);
    }
    return st;
  }

  // --- statements ------------------------------------------------------------------------------

  private stmts(list: readonly ts.Statement[], st: Flow): Flow {
    for (const s of list) {
      if (st === null) return null;
      st = this.stmt(s, st);
    }
    return st;
  }

  private block(b: ts.Block, st: State): Flow {
    return this.scopeEnd(b, this.stmts(b.statements, st), b.getLastToken() ?? b);
  }

  private stmt(s: ts.Statement, st: State): Flow {
    if (ts.isBlock(s)) return this.block(s, st);
    if (ts.isVariableStatement(s)) return this.declList(s.declarationList, st);
    if (ts.isExpressionStatement(s)) return this.expr(s.expression, st, DISCARD);
    if (ts.isIfStatement(s)) {
      const c = this.expr(s.expression, st, READ);
      if (c === null) return null;
      const t = this.refine(c, s.expression, true);
      const f = this.refine(c, s.expression, false);
      const a = t === null ? null : this.stmt(s.thenStatement, t);
      const b = s.elseStatement === undefined ? f : f === null ? null : this.stmt(s.elseStatement, f);
      return join(a, b);
    }
    if (ts.isReturnStatement(s)) {
      const end = s.expression === undefined ? st : this.expr(s.expression, st, move('return', 'return'));
      if (end !== null) this.exitCheck(end, s, `when ${this.fnName} returns`);
      return null;
    }
    if (ts.isThrowStatement(s)) {
      this.expr(s.expression, st, move('throw'));
      return null;
    }
    if (ts.isBreakStatement(s) || ts.isContinueStatement(s)) {
      const label = s.label?.text;
      const brk = ts.isBreakStatement(s);
      for (let i = this.targets.length - 1; i >= 0; i--) {
        const t = this.targets[i] as Target;
        const hit = label !== undefined ? t.label === label : brk ? t.kind !== 'block' : t.kind === 'loop';
        if (!hit) continue;
        (brk ? t.breaks : t.continues).push(clone(st));
        break;
      }
      return null;
    }
    if (ts.isSwitchStatement(s)) return this.switchStmt(s, st, undefined);
    if (ts.isIterationStatement(s, false)) return this.loop(s, st, undefined);
    if (ts.isLabeledStatement(s)) {
      const label = s.label.text;
      if (ts.isIterationStatement(s.statement, false)) return this.loop(s.statement, st, label);
      const t: Target = { kind: 'block', label, breaks: [], continues: [] };
      this.targets.push(t);
      const out = ts.isSwitchStatement(s.statement) ? this.switchStmt(s.statement, st, label) : this.stmt(s.statement, st);
      this.targets.pop();
      return joinAll(out, t.breaks);
    }
    if (ts.isTryStatement(s)) return this.tryStmt(s, st);
    return st;
  }

  private declList(list: ts.VariableDeclarationList, st: State): Flow {
    let cur: Flow = st;
    for (const d of list.declarations) {
      if (cur === null) return null;
      cur = this.varDecl(d, cur);
    }
    return cur;
  }

  private varDecl(d: ts.VariableDeclaration, st: State): Flow {
    const init = d.initializer;
    if (ts.isIdentifier(d.name)) {
      const root = this.declare(d.name, false);
      if (init === undefined) {
        if (root !== undefined) for (const p of root.places) st.places.set(p.key, ABSENT);
        return st;
      }
      const out = this.expr(init, st, move(`assignment to ${d.name.text}`));
      if (out !== null && root !== undefined) this.bind(root, out, init, d.name);
      return out;
    }
    if (init === undefined) return st;
    return this.destructure(d.name, init, st);
  }

  /** `const { a, b } = init` / `const [h, t] = init`. */
  private destructure(pattern: ts.BindingPattern, init: ts.Expression, st: State): Flow {
    const from = this.rootOf(init);
    if (from !== undefined && ts.isObjectBindingPattern(pattern)) {
      for (const el of pattern.elements) {
        const prop = el.propertyName !== undefined ? (ts.isIdentifier(el.propertyName) || ts.isStringLiteral(el.propertyName) ? el.propertyName.text : undefined)
          : ts.isIdentifier(el.name) ? el.name.text : undefined;
        const p = prop === undefined || el.dotDotDotToken !== undefined ? undefined : from.places.find((q) => q.prop === prop);
        if (p !== undefined) this.usePlace(p, el, st, move(`destructuring into ${ts.isIdentifier(el.name) ? el.name.text : prop ?? ''}`));
        this.bindName(el.name, st, false, el.name);
      }
      return st;
    }
    const out = this.expr(init, st, move('destructuring'));
    if (out === null) return null;
    this.bindName(pattern, out, false, undefined);
    this.droppedByPattern(pattern, init);
    return out;
  }

  /** Linear properties of a fresh value that a destructuring leaves behind are dropped. */
  private droppedByPattern(pattern: ts.BindingPattern, init: ts.Expression): void {
    const s = strip(init);
    if (!(ts.isCallExpression(s) || ts.isAwaitExpression(s) || ts.isNewExpression(s))) return;
    if (pattern.elements.some((el) => !ts.isOmittedExpression(el) && el.dotDotDotToken !== undefined)) return;
    const kept = new Set<string>();
    pattern.elements.forEach((el, i) => {
      if (ts.isOmittedExpression(el)) return;
      if (ts.isArrayBindingPattern(pattern)) kept.add(String(i));
      else if (el.propertyName !== undefined && (ts.isIdentifier(el.propertyName) || ts.isStringLiteral(el.propertyName))) kept.add(el.propertyName.text);
      else if (ts.isIdentifier(el.name)) kept.add(el.name.text);
    });
    const ms = this.members(this.checker.getTypeAtLocation(init));
    const dropped = new Map<string, ts.Type>();
    for (const m of ms) for (const [p, t] of m.props) if (!kept.has(p)) dropped.set(p, t);
    for (const [p, t] of dropped) {
      this.report(pattern, STILL_OWNED, `${p} (${this.describe(t)}) of ${text(init)} is dropped: the destructuring does not keep it; ${EXIT_ADVICE}`, p);
    }
  }

  private switchStmt(s: ts.SwitchStatement, st0: State, label: string | undefined): Flow {
    const st = this.expr(s.expression, st0, READ);
    if (st === null) return null;
    const d = strip(s.expression);
    const subject = ts.isPropertyAccessExpression(d) && d.name.text === 'tag' ? this.rootOf(d.expression) : undefined;
    const tags: string[] = [];
    for (const c of s.caseBlock.clauses) {
      const lit = ts.isCaseClause(c) ? literalText(c.expression) : undefined;
      if (lit !== undefined) tags.push(lit);
    }
    const rest = (from: State): Flow => (subject === undefined ? clone(from) : this.restrict(clone(from), subject, (m) => m.tag === undefined || !tags.includes(m.tag)));
    const t: Target = { kind: 'switch', label, breaks: [], continues: [] };
    this.targets.push(t);
    let fall: Flow = null;
    let hasDefault = false;
    for (const c of s.caseBlock.clauses) {
      let entry: Flow;
      if (ts.isCaseClause(c)) {
        const lit = literalText(c.expression);
        entry = subject !== undefined && lit !== undefined ? this.restrict(clone(st), subject, (m) => m.tag === lit) : clone(st);
        if (entry !== null) entry = this.expr(c.expression, entry, READ);
      } else {
        hasDefault = true;
        entry = rest(st);
      }
      fall = this.stmts(c.statements, join(fall, entry));
    }
    this.targets.pop();
    let out = joinAll(fall, t.breaks);
    if (!hasDefault) out = join(out, rest(st));
    return this.scopeEnd(s.caseBlock, out, s.caseBlock.getLastToken() ?? s);
  }

  private loop(s: ts.IterationStatement, st: State, label: string | undefined): Flow {
    let entry: Flow = st;
    if (ts.isForStatement(s) && s.initializer !== undefined) {
      entry = ts.isVariableDeclarationList(s.initializer) ? this.declList(s.initializer, st) : this.expr(s.initializer, st, DISCARD);
    } else if (ts.isForOfStatement(s) || ts.isForInStatement(s)) {
      entry = this.expr(s.expression, st, READ);
    }
    if (entry === null) return null;
    let head: State = entry;
    this.muted++;
    for (let i = 0; i < 4; i++) {
      const r = this.iteration(s, clone(head), label);
      const next = join(entry, r.back, 'back') ?? entry;
      if (same(next, head)) break;
      head = next;
    }
    this.muted--;
    const r = this.iteration(s, clone(head), label);
    return this.scopeEnd(s, r.exit, s);
  }

  private iteration(s: ts.IterationStatement, head: State, label: string | undefined): { exit: Flow; back: Flow } {
    const t: Target = { kind: 'loop', label, breaks: [], continues: [] };
    let exitCond: Flow = null;
    let back: Flow = null;
    const body = (from: Flow): Flow => {
      this.targets.push(t);
      const out = from === null ? null : this.stmt(s.statement, from);
      this.targets.pop();
      return joinAll(out, t.continues);
    };
    if (ts.isForStatement(s) || ts.isWhileStatement(s)) {
      const cond = ts.isForStatement(s) ? s.condition : s.expression;
      let cur: Flow = head;
      let bodyIn: Flow = cur;
      if (cond !== undefined) {
        cur = this.expr(cond, cur, READ);
        const always = strip(cond).kind === ts.SyntaxKind.TrueKeyword;
        exitCond = cur === null || always ? null : this.refine(cur, cond, false);
        bodyIn = cur === null ? null : this.refine(cur, cond, true);
      }
      let cont = body(bodyIn);
      if (ts.isForStatement(s) && s.incrementor !== undefined && cont !== null) cont = this.expr(s.incrementor, cont, DISCARD);
      back = cont;
    } else if (ts.isForOfStatement(s) || ts.isForInStatement(s)) {
      exitCond = clone(head);
      const init = s.initializer;
      if (ts.isVariableDeclarationList(init)) {
        for (const d of init.declarations) this.bindName(d.name, head, false, undefined);
      } else {
        const r = this.rootOf(init);
        if (r !== undefined) this.bind(r, head, undefined, init);
      }
      back = body(head);
    } else if (ts.isDoStatement(s)) {
      let cont = body(head);
      if (cont !== null) cont = this.expr(s.expression, cont, READ);
      if (cont !== null) {
        const never = strip(s.expression).kind === ts.SyntaxKind.FalseKeyword;
        const always = strip(s.expression).kind === ts.SyntaxKind.TrueKeyword;
        back = never ? null : this.refine(cont, s.expression, true);
        exitCond = always ? null : this.refine(cont, s.expression, false);
      }
    }
    return { exit: joinAll(exitCond, t.breaks), back };
  }

  private tryStmt(s: ts.TryStatement, st: State): Flow {
    const before = clone(st);
    const tryEnd = this.block(s.tryBlock, st);
    let normal: Flow = tryEnd;
    if (s.catchClause !== undefined) {
      const entry = join(before, tryEnd, 'try');
      const catchEnd = entry === null ? null : this.block(s.catchClause.block, entry);
      normal = join(tryEnd, catchEnd);
    }
    if (s.finallyBlock === undefined) return normal;
    if (normal === null) {
      // Only abrupt paths reach the finally block; walk it for its uses, then stop.
      const f = join(before, tryEnd, 'try');
      if (f !== null) this.block(s.finallyBlock, f);
      return null;
    }
    return this.block(s.finallyBlock, normal);
  }

  // --- narrowing -------------------------------------------------------------------------------

  /** Keeps the members of `root` that `keep` accepts; an empty set means the path is impossible. */
  private restrict(st: State, root: Root, keep: (m: Member) => boolean, emptyIsDead = true): Flow {
    let mask = st.masks.get(root.id) ?? (1 << Math.min(root.members.length, 30)) - 1;
    root.members.forEach((m, i) => { if (!keep(m)) mask &= ~(1 << i); });
    if (mask === 0) {
      if (emptyIsDead) return null;
      return st;
    }
    st.masks.set(root.id, mask);
    for (const p of root.places) {
      const present = root.members.some((m, i) => (mask & (1 << i)) !== 0 && (p.prop === undefined ? m.self !== undefined : m.props.has(p.prop)));
      if (!present) st.places.set(p.key, ABSENT);
    }
    return st;
  }

  /** The state on the branch where `cond` is `truth`. Always a new state (or null: impossible). */
  private refine(st: State, cond: ts.Expression, truth: boolean): Flow {
    const c = strip(cond);
    if (ts.isPrefixUnaryExpression(c) && c.operator === ts.SyntaxKind.ExclamationToken) return this.refine(st, c.operand, !truth);
    if (ts.isBinaryExpression(c)) {
      const op = c.operatorToken.kind;
      if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken) {
        const and = op === ts.SyntaxKind.AmpersandAmpersandToken;
        const l = this.refine(st, c.left, and);
        const r = l === null ? null : this.refine(l, c.right, truth);
        if (truth === and) return r;
        return join(this.refine(st, c.left, !and), r);
      }
      const eq = op === ts.SyntaxKind.EqualsEqualsEqualsToken || op === ts.SyntaxKind.EqualsEqualsToken;
      const ne = op === ts.SyntaxKind.ExclamationEqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsToken;
      if (eq || ne) {
        const pos = eq === truth;
        const loose = op === ts.SyntaxKind.EqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsToken;
        const l = this.refineCompare(clone(st), c.left, c.right, pos, loose);
        if (l !== undefined) return l;
        const r = this.refineCompare(clone(st), c.right, c.left, pos, loose);
        return r !== undefined ? r : clone(st);
      }
    }
    const r = this.rootOf(c);
    if (r !== undefined && r.members.some((m) => m.nullish !== undefined)) {
      return this.restrict(clone(st), r, (m) => (m.nullish === undefined) === truth, false);
    }
    return clone(st);
  }

  /** `subject === lit` narrowing; undefined when the comparison says nothing we track. */
  private refineCompare(st: State, subject: ts.Expression, other: ts.Expression, pos: boolean, loose: boolean): Flow | undefined {
    const s = strip(subject);
    const tag = literalText(other);
    const nul = nullishLiteral(other);
    if (ts.isPropertyAccessExpression(s)) {
      const r = this.rootOf(s.expression);
      if (r === undefined) return undefined;
      const prop = s.name.text;
      if (prop === 'tag' && tag !== undefined) return this.restrict(st, r, (m) => (m.tag === tag) === pos);
      if (nul !== undefined && r.places.some((p) => p.prop === prop)) return this.restrict(st, r, (m) => !m.props.has(prop) === pos, false);
      return undefined;
    }
    const r = this.rootOf(s);
    if (r === undefined || nul === undefined) return undefined;
    const matches = (m: Member): boolean => m.nullish !== undefined && (loose || m.nullish === nul);
    return this.restrict(st, r, (m) => matches(m) === pos, false);
  }

  // --- expressions -----------------------------------------------------------------------------

  private typeOf(e: ts.Node): ts.Type {
    return this.checker.getTypeAtLocation(e);
  }

  private containsLinear(t: ts.Type): boolean {
    return isLinear(this.checker, t) || this.members(t).some((m) => m.props.size > 0);
  }

  /** `b.view(...)`: a window on a block the caller still owns; it is borrowed, never owned. */
  private isView(e: ts.Expression): boolean {
    const s = strip(e);
    return ts.isCallExpression(s) && ts.isPropertyAccessExpression(s.expression) && s.expression.name.text === 'view'
      && blockOf(this.typeOf(s.expression.expression)) !== undefined;
  }

  /** A fresh value (a call's result) that its context drops or stores. */
  private fresh(e: ts.Expression, use: Use): void {
    if (use.k === 'move' || use.k === 'peek' || this.isView(e)) return;
    let t = this.typeOf(e);
    if (use.k === 'discard') t = this.checker.getAwaitedType(t) ?? t;
    if (!this.containsLinear(t)) return;
    const what = isLinear(this.checker, t) ? this.describe(t) : `a value carrying ${this.members(t).flatMap((m) => [...m.props].map(([p, pt]) => `${p}: ${this.describe(pt)}`)).filter((x, i, a) => a.indexOf(x) === i).join(', ')}`;
    if (use.k === 'store') this.report(e, STORED, `${text(e)} (${what}) is stored by ${use.how}: ${CONTAINER_ADVICE}`);
    else this.report(e, STILL_OWNED, `the result of ${text(e)} (${what}) is dropped: ${EXIT_ADVICE}, or keep it in a variable`);
  }

  private calleeName(e: ts.Expression): string {
    const s = strip(e);
    if (ts.isPropertyAccessExpression(s)) return s.name.text;
    if (ts.isIdentifier(s)) return s.text;
    return text(s);
  }

  private isSelect(callee: ts.Expression): boolean {
    const sym = this.checker.getSymbolAtLocation(strip(callee));
    const target = sym !== undefined && (sym.flags & ts.SymbolFlags.Alias) !== 0 ? this.checker.getAliasedSymbol(sym) : sym;
    return target?.getName() === 'select' && (target.getDeclarations() ?? []).some((d) => d.getSourceFile().fileName.endsWith('channels/select.ts'));
  }

  private isContainer(t: ts.Type): boolean {
    const parts = t.isUnion() ? t.types : [t];
    return parts.some((p) => {
      const name = (p.getSymbol() ?? p.aliasSymbol)?.getName();
      return name !== undefined && (CONTAINERS.has(name) || this.checker.isArrayType(p) || this.checker.isTupleType(p));
    });
  }

  private args(args: readonly ts.Expression[], st: Flow, use: (i: number) => Use): Flow {
    args.forEach((a, i) => { if (st !== null) st = this.expr(a, st, use(i)); });
    return st;
  }

  private call(e: ts.CallExpression, st: State, use: Use): Flow {
    const callee = strip(e.expression);
    let cur: Flow = st;
    if (ts.isPropertyAccessExpression(callee)) {
      const recvType = this.typeOf(callee.expression);
      const method = callee.name.text;
      const arg0 = literalText(e.arguments[0]);
      const how = `${method}(${arg0 !== undefined ? `'${arg0}'` : ''})`;
      if (endpointOf(this.checker, recvType) !== undefined && ENDPOINT_MOVES.has(method)) {
        cur = this.expr(callee.expression, cur, move(how));
        cur = this.args(e.arguments, cur, () => move(`sending it in the payload of ${how}`, 'call'));
      } else if (blockOf(recvType) !== undefined && BLOCK_MOVES.has(method)) {
        cur = this.expr(callee.expression, cur, move(method === 'split' ? 'split()' : how));
        cur = this.args(e.arguments, cur, () => READ);
      } else if (CONTAINER_STORES.has(method) && this.isContainer(recvType)) {
        cur = this.expr(callee.expression, cur, READ);
        const what = method === 'push' || method === 'unshift' || method === 'splice' || method === 'fill' ? `${method} into an array` : `${text(callee.expression)}.${method}`;
        cur = this.args(e.arguments, cur, () => store(what));
      } else {
        cur = this.expr(callee.expression, cur, READ);
        cur = this.args(e.arguments, cur, () => move(`passing it to ${method}`, 'call'));
      }
    } else if (this.isSelect(callee)) {
      // select borrows: the endpoints stay the caller's (the winner's successor is in the result).
      e.arguments.forEach((a, i) => {
        const s = strip(a);
        if (i === 0 && ts.isArrayLiteralExpression(s)) for (const el of s.elements) { if (cur !== null) cur = this.expr(el, cur, READ); }
        else if (cur !== null) cur = this.expr(a, cur, READ);
      });
      return cur;
    } else {
      cur = this.expr(callee, cur, READ);
      cur = this.args(e.arguments, cur, () => move(`passing it to ${this.calleeName(callee)}`, 'call'));
    }
    if (cur === null) return null;
    if ((this.typeOf(e).flags & ts.TypeFlags.Never) !== 0) return null;
    this.fresh(e, use);
    return cur;
  }

  private assign(e: ts.BinaryExpression, st: State): Flow {
    const left = strip(e.left);
    if (ts.isIdentifier(left)) {
      const out = this.expr(e.right, st, move(`assignment to ${left.text}`));
      const r = this.rootOf(left);
      if (out !== null && r !== undefined) this.bind(r, out, e.right, e);
      return out;
    }
    if (ts.isPropertyAccessExpression(left) || ts.isElementAccessExpression(left)) {
      let cur: Flow = this.expr(left.expression, st, READ);
      if (cur !== null && ts.isElementAccessExpression(left)) cur = this.expr(left.argumentExpression, cur, READ);
      return cur === null ? null : this.expr(e.right, cur, store(`assignment to ${text(left)}`));
    }
    // A destructuring assignment: the right side moves into the targets.
    const out = this.expr(e.right, st, move('destructuring'));
    if (out === null) return null;
    const visit = (n: ts.Node): void => {
      if (ts.isIdentifier(n)) {
        const r = this.rootOf(n);
        if (r !== undefined) this.bind(r, out, undefined, n);
        return;
      }
      ts.forEachChild(n, visit);
    };
    visit(left);
    return out;
  }

  private objectLiteral(e: ts.ObjectLiteralExpression, st: State, use: Use): Flow {
    const carry = use.k === 'move' && use.lit !== 'none';
    const inner = carry ? use : store('an object literal');
    let cur: Flow = st;
    for (const p of e.properties) {
      if (cur === null) return null;
      if (ts.isPropertyAssignment(p)) cur = this.expr(p.initializer, cur, inner);
      else if (ts.isShorthandPropertyAssignment(p)) cur = this.expr(p.name, cur, inner);
      else if (ts.isSpreadAssignment(p)) cur = this.expr(p.expression, cur, READ);
    }
    return cur;
  }

  private expr(e: ts.Expression, st: State, use: Use): Flow {
    const place = this.placeOf(e);
    if (place !== undefined) {
      this.usePlace(place, e, st, use);
      return st;
    }
    const holder = this.rootOf(e);
    if (holder !== undefined) {
      this.useHolder(holder, e, st, use);
      return st;
    }
    if (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isTypeAssertionExpression(e)) {
      return this.expr(e.expression, st, use);
    }
    if (ts.isCallExpression(e)) return this.call(e, st, use);
    if (ts.isAwaitExpression(e)) {
      const out = this.expr(e.expression, st, INNER);
      if (out !== null) this.fresh(e, use);
      return out;
    }
    if (ts.isNewExpression(e)) {
      let cur: Flow = this.expr(e.expression, st, READ);
      cur = this.args(e.arguments ?? [], cur, () => move(`passing it to new ${text(e.expression)}`, 'call'));
      if (cur !== null) this.fresh(e, use);
      return cur;
    }
    if (ts.isObjectLiteralExpression(e)) return this.objectLiteral(e, st, use);
    if (ts.isArrayLiteralExpression(e)) {
      const inner = use.k === 'move' && use.lit === 'return' ? use : store('an array literal');
      let cur: Flow = st;
      for (const el of e.elements) if (cur !== null) cur = this.expr(el, cur, inner);
      return cur;
    }
    if (ts.isSpreadElement(e)) return this.expr(e.expression, st, use);
    if (ts.isConditionalExpression(e)) {
      const c = this.expr(e.condition, st, READ);
      if (c === null) return null;
      const t = this.refine(c, e.condition, true);
      const f = this.refine(c, e.condition, false);
      return join(t === null ? null : this.expr(e.whenTrue, t, use), f === null ? null : this.expr(e.whenFalse, f, use));
    }
    if (ts.isBinaryExpression(e)) return this.binary(e, st, use);
    if (ts.isYieldExpression(e)) return e.expression === undefined ? st : this.expr(e.expression, st, move('yield'));
    if (ts.isTypeOfExpression(e)) return this.expr(e.expression, st, PEEK);
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
      // Taking a linear property out of a fresh value (`(await x.receive()).ep`) moves it out.
      const propLinear = use.k === 'move' && isLinear(this.checker, this.typeOf(e));
      let cur: Flow = this.expr(e.expression, st, propLinear ? INNER : READ);
      if (cur !== null && ts.isElementAccessExpression(e)) cur = this.expr(e.argumentExpression, cur, READ);
      return cur;
    }
    if (ts.isFunctionLike(e) || ts.isClassExpression(e)) return st;
    // Anything else (operators, template literals) only looks at its operands.
    let cur: Flow = st;
    const walk = (n: ts.Node): void => {
      ts.forEachChild(n, (child) => {
        if (cur === null || ts.isFunctionLike(child)) return;
        if (ts.isExpression(child)) cur = this.expr(child, cur, READ);
        else walk(child);
      });
    };
    walk(e);
    return cur;
  }

  private binary(e: ts.BinaryExpression, st: State, use: Use): Flow {
    const op = e.operatorToken.kind;
    if (op === ts.SyntaxKind.EqualsToken) return this.assign(e, st);
    if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken) {
      const l = this.expr(e.left, st, READ);
      if (l === null) return null;
      const and = op === ts.SyntaxKind.AmpersandAmpersandToken;
      const go = this.refine(l, e.left, and);
      const stop = this.refine(l, e.left, !and);
      return join(go === null ? null : this.expr(e.right, go, use), stop);
    }
    if (op === ts.SyntaxKind.QuestionQuestionToken) {
      const l = this.expr(e.left, st, use);
      if (l === null) return null;
      return join(l, this.expr(e.right, clone(l), use));
    }
    if (op === ts.SyntaxKind.CommaToken) {
      const l = this.expr(e.left, st, DISCARD);
      return l === null ? null : this.expr(e.right, l, use);
    }
    const cmp = op === ts.SyntaxKind.EqualsEqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsEqualsToken
      || op === ts.SyntaxKind.EqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsToken;
    const side = cmp && (nullishLiteral(e.left) !== undefined || nullishLiteral(e.right) !== undefined) ? PEEK : READ;
    const l = this.expr(e.left, st, side);
    return l === null ? null : this.expr(e.right, l, side);
  }

  // --- closures --------------------------------------------------------------------------------

  /** Every nested function that names one of this function's places captures it. */
  private captures(): void {
    const scan = (closure: ts.Node): void => {
      const seen = new Set<Root>();
      const visit = (n: ts.Node): void => {
        if (ts.isIdentifier(n)) this.captureAt(n, closure, seen);
        ts.forEachChild(n, visit);
      };
      ts.forEachChild(closure, visit);
    };
    const find = (n: ts.Node): void => {
      if (hasBody(n) || ts.isClassLike(n)) {
        scan(n);
        return;
      }
      ts.forEachChild(n, find);
    };
    ts.forEachChild(this.fn.body, find);
  }

  private captureAt(id: ts.Identifier, closure: ts.Node, seen: Set<Root>): void {
    const sym = this.symbolOf(id);
    const root = sym === undefined ? undefined : this.roots.get(sym);
    if (root === undefined || root === null || seen.has(root)) return;
    const p = id.parent;
    if (p !== undefined && ts.isPropertyAccessExpression(p) && p.expression === id) {
      const place = root.places.find((q) => q.prop === p.name.text) ?? root.places.find((q) => q.prop === undefined);
      if (place === undefined) return;
      this.reportCapture(place.prop === undefined ? id : p, place.name, place.type, closure);
    } else {
      const place = root.places.find((q) => q.prop === undefined) ?? root.places[0];
      if (place === undefined) return;
      this.reportCapture(id, place.prop === undefined ? root.name : `${root.name} (holding ${place.name})`, place.type, closure);
    }
    seen.add(root);
  }

  private reportCapture(at: ts.Node, name: string, t: ts.Type, closure: ts.Node): void {
    const what = ts.isArrowFunction(closure) ? 'an arrow function' : ts.isClassLike(closure) ? 'a class' : ts.isFunctionDeclaration(closure) && closure.name !== undefined ? `the nested function ${closure.name.text}` : 'a nested function';
    this.report(at, CAPTURED, `${name} (${this.describe(t)}) of ${this.fnName} is captured by ${what} declared at ${lc(closure)}: a closure cannot own an endpoint or block; pass it as an argument instead (abi.spawn(fn, ${name.split(' ')[0] ?? name}))`);
  }
}

/** The members of a type, by union part: what linear values each carries. Cached per type. */
function memberReader(checker: ts.TypeChecker): (t: ts.Type) => readonly Member[] {
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

/** Contract names for messages: the checker renders a contract type structurally (pages of it), so
 * the program's `const X = contract('Name', ...)` declarations (its own and sing/contracts') are
 * read once and their types mapped back to 'Name'. A Listener's contract is `Provider.Name`. */
function contractNamer(ctx: RuleContext): (endpoint: ts.Type) => string | undefined {
  const checker = ctx.checker;
  let byType: Map<ts.Type, string> | undefined;
  const load = (): Map<ts.Type, string> => {
    const out = new Map<ts.Type, string>();
    for (const sf of ctx.vp.program.getSourceFiles()) {
      if (sf.isDeclarationFile || !(ctx.vp.owns(sf.fileName) || sf.fileName.includes('/contracts/lib/'))) continue;
      for (const st of sf.statements) {
        if (!ts.isVariableStatement(st)) continue;
        for (const d of st.declarationList.declarations) {
          const init = d.initializer === undefined ? undefined : strip(d.initializer);
          if (init === undefined || !ts.isCallExpression(init) || !ts.isIdentifier(init.expression) || init.expression.text !== 'contract') continue;
          const name = literalText(init.arguments[0]);
          if (name !== undefined) out.set(checker.getTypeAtLocation(d.name), name);
        }
      }
    }
    return out;
  };
  const nameOf = (c: ts.Type): string | undefined => {
    byType ??= load();
    const direct = byType.get(c);
    if (direct !== undefined) return direct;
    const inner = c.aliasSymbol?.getName() === 'ProviderShape' ? c.aliasTypeArguments?.[0] : undefined;
    const n = inner === undefined ? undefined : nameOf(inner);
    return n === undefined ? undefined : `Provider.${n}`;
  };
  return (endpoint) => {
    const c = checker.getTypeArguments(endpoint as ts.TypeReference)[0];
    if (c === undefined) return undefined;
    const t = checker.typeToString(c);
    return nameOf(c) ?? (t.length <= 40 && !t.includes('<') ? t : undefined);
  };
}

export const linearityRule: Rule = {
  id: 4,
  name: 'linearity',
  check(ctx) {
    const members = memberReader(ctx.checker);
    const names = contractNamer(ctx);
    const reported = new Set<string>();
    const visit = (n: ts.Node): void => {
      if (hasBody(n)) new Analysis(ctx, n, members, names, reported).run();
      ts.forEachChild(n, visit);
    };
    for (const sf of ctx.files) visit(sf);
  },
};
