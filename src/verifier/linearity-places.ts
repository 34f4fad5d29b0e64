// Rule 4's places (see linearity.ts): one function's tracked roots and places, how a use changes a
// place's status and what it reports, exit and scope-end checks, the type questions the analysis
// asks, and closures that capture a place. `Analysis` (linearity.ts) extends this with the walk
// over statements and expressions. Rules: every report goes through `report`, which mutes reports
// while a loop is iterated to its fixed point and keeps one report per node and code.
import ts from 'typescript';
import type { RuleContext } from './rule.ts';
import { blockOf, endpointOf, isLinear } from './sing-types.ts';
import { USE_AFTER_MOVE, MAYBE_MOVED, CAPTURED, STORED, STILL_OWNED, CONTAINER_ADVICE, EXIT_ADVICE, CONTAINERS, OWNED, ABSENT, strip, nullishLiteral, hasBody, lc, text, functionName, type Member, type Root, type Place, type Status, type State, type Flow, type Use, type Target } from './linearity-state.ts';

export abstract class Places {
  protected readonly checker: ts.TypeChecker;
  protected readonly roots = new Map<ts.Symbol, Root | null>();
  protected readonly byScope = new Map<ts.Node, Root[]>();
  protected readonly targets: Target[] = [];
  protected readonly fnName: string;
  protected muted = 0;
  protected nextId = 0;

  constructor(
    protected readonly ctx: RuleContext,
    protected readonly fn: ts.FunctionLikeDeclaration & { body: ts.ConciseBody },
    protected readonly members: (t: ts.Type) => readonly Member[],
    protected readonly names: (endpoint: ts.Type) => string | undefined,
    protected readonly reported: Set<string>,
  ) {
    this.checker = ctx.checker;
    this.fnName = functionName(fn);
  }

  protected report(node: ts.Node, code: string, message: string, key = ''): void {
    if (this.muted > 0) return;
    const k = `${node.getSourceFile().fileName}:${node.getStart()}:${code}:${key}`;
    if (this.reported.has(k)) return;
    this.reported.add(k);
    this.ctx.report(node, code, message);
  }

  protected describe(t: ts.Type): string {
    const e = endpointOf(this.checker, t);
    if (e !== undefined) return `endpoint of ${this.names(e.type) ?? e.contract}${e.state !== undefined ? ` in state ${e.state}` : ''}`;
    const b = blockOf(t);
    return b !== undefined ? `block ${b}` : 'linear value';
  }

  protected hint(p: Place, how: string): string {
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

  protected symbolOf(id: ts.Identifier): ts.Symbol | undefined {
    const p = id.parent;
    if (p !== undefined && ts.isShorthandPropertyAssignment(p) && p.name === id) return this.checker.getShorthandAssignmentValueSymbol(p);
    return this.checker.getSymbolAtLocation(id);
  }

  protected scopeOf(n: ts.Node): ts.Node {
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
  protected declare(name: ts.Identifier, ctxRoot: boolean): Root | undefined {
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

  protected rootOf(e: ts.Expression): Root | undefined {
    const s = strip(e);
    if (!ts.isIdentifier(s)) return undefined;
    const sym = this.symbolOf(s);
    return sym === undefined ? undefined : (this.roots.get(sym) ?? undefined);
  }

  protected placeOf(e: ts.Expression): Place | undefined {
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
  protected bind(root: Root, st: State, value: ts.Expression | undefined, at: ts.Node): void {
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
  protected bindName(name: ts.BindingName, st: State, ctxRoot: boolean, at: ts.Node | undefined): void {
    if (ts.isIdentifier(name)) {
      const r = this.declare(name, ctxRoot);
      if (r !== undefined) this.bind(r, st, undefined, at ?? name);
      return;
    }
    for (const el of name.elements) if (!ts.isOmittedExpression(el)) this.bindName(el.name, st, ctxRoot, at);
  }

  protected usePlace(p: Place, node: ts.Node, st: State, use: Use): void {
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
  protected useHolder(root: Root, node: ts.Node, st: State, use: Use): void {
    if (use.k !== 'move' && use.k !== 'store') return;
    for (const p of root.places) this.usePlace(p, node, st, use);
  }

  // --- exits -----------------------------------------------------------------------------------

  /** The place's status if it must still be consumed here. A "maybe" carried round a loop's back
   * edge is not (its use inside the loop is already reported as a use after move), nor one whose
   * use after the join was reported. */
  protected owned(st: State, p: Place): Status | undefined {
    if (p.root.ctx) return undefined;
    const s = st.places.get(p.key);
    return s !== undefined && (s.k === 'owned' || (s.k === 'maybe' && !s.soft && !s.prev && s.told !== true)) ? s : undefined;
  }

  protected exitCheck(st: State, at: ts.Node, when: string): void {
    for (const r of this.allRoots()) {
      for (const p of r.places) {
        const s = this.owned(st, p);
        if (s === undefined) continue;
        const maybe = s.k === 'maybe' ? ` on some paths (elsewhere it was moved by ${s.how} at ${lc(s.at)})` : '';
        this.report(at, STILL_OWNED, `${p.name} (${this.describe(p.type)}) is ${s.k === 'maybe' ? 'perhaps ' : ''}still owned ${when}${maybe}: ${EXIT_ADVICE}`, p.key);
      }
    }
  }

  protected *allRoots(): Iterable<Root> {
    for (const r of this.roots.values()) if (r !== null) yield r;
  }

  /** The end of a scope: its roots must be consumed, and leave the state. */
  protected scopeEnd(scope: ts.Node, st: Flow, at: ts.Node): Flow {
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

  // --- expressions -----------------------------------------------------------------------------

  protected typeOf(e: ts.Node): ts.Type {
    return this.checker.getTypeAtLocation(e);
  }

  protected containsLinear(t: ts.Type): boolean {
    return isLinear(this.checker, t) || this.members(t).some((m) => m.props.size > 0);
  }

  /** `b.view(...)`, `r.open(...)`: a window on a block the caller still owns, or a block lent
   * where it stands in the caller's tree; borrowed, never owned. */
  protected isView(e: ts.Expression): boolean {
    const s = strip(e);
    if (ts.isConditionalExpression(s)) return this.isViewOrNull(s.whenTrue) && this.isViewOrNull(s.whenFalse) && !(nullishLiteral(s.whenTrue) !== undefined && nullishLiteral(s.whenFalse) !== undefined);
    return ts.isCallExpression(s) && ts.isPropertyAccessExpression(s.expression) && (s.expression.name.text === 'view' || s.expression.name.text === 'open')
      && blockOf(this.checker.getNonNullableType(this.typeOf(s.expression.expression))) !== undefined;
  }

  private isViewOrNull(e: ts.Expression): boolean {
    return nullishLiteral(e) !== undefined || this.isView(e);
  }

  /** A fresh value (a call's result) that its context drops or stores. */
  protected fresh(e: ts.Expression, use: Use): void {
    if (use.k === 'move' || use.k === 'peek' || this.isView(e)) return;
    let t = this.typeOf(e);
    if (use.k === 'discard') t = this.checker.getAwaitedType(t) ?? t;
    if (!this.containsLinear(t)) return;
    const what = isLinear(this.checker, t) ? this.describe(t) : `a value carrying ${this.members(t).flatMap((m) => [...m.props].map(([p, pt]) => `${p}: ${this.describe(pt)}`)).filter((x, i, a) => a.indexOf(x) === i).join(', ')}`;
    if (use.k === 'store') this.report(e, STORED, `${text(e)} (${what}) is stored by ${use.how}: ${CONTAINER_ADVICE}`);
    else this.report(e, STILL_OWNED, `the result of ${text(e)} (${what}) is dropped: ${EXIT_ADVICE}, or keep it in a variable`);
  }

  protected calleeName(e: ts.Expression): string {
    const s = strip(e);
    if (ts.isPropertyAccessExpression(s)) return s.name.text;
    if (ts.isIdentifier(s)) return s.text;
    return text(s);
  }

  protected isSelect(callee: ts.Expression): boolean {
    const sym = this.checker.getSymbolAtLocation(strip(callee));
    const target = sym !== undefined && (sym.flags & ts.SymbolFlags.Alias) !== 0 ? this.checker.getAliasedSymbol(sym) : sym;
    return target?.getName() === 'select' && (target.getDeclarations() ?? []).some((d) => d.getSourceFile().fileName.endsWith('channels/select.ts'));
  }

  protected isContainer(t: ts.Type): boolean {
    const parts = t.isUnion() ? t.types : [t];
    return parts.some((p) => {
      const name = (p.getSymbol() ?? p.aliasSymbol)?.getName();
      return name !== undefined && (CONTAINERS.has(name) || this.checker.isArrayType(p) || this.checker.isTupleType(p));
    });
  }

  // --- closures --------------------------------------------------------------------------------

  /** Every nested function that names one of this function's places captures it. */
  protected captures(): void {
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

  protected captureAt(id: ts.Identifier, closure: ts.Node, seen: Set<Root>): void {
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

  protected reportCapture(at: ts.Node, name: string, t: ts.Type, closure: ts.Node): void {
    const what = ts.isArrowFunction(closure) ? 'an arrow function' : ts.isClassLike(closure) ? 'a class' : ts.isFunctionDeclaration(closure) && closure.name !== undefined ? `the nested function ${closure.name.text}` : 'a nested function';
    this.report(at, CAPTURED, `${name} (${this.describe(t)}) of ${this.fnName} is captured by ${what} declared at ${lc(closure)}: a closure cannot own an endpoint or block; pass it as an argument instead (abi.spawn(fn, ${name.split(' ')[0] ?? name}))`);
  }
}
