// Rule 4's walk over expressions (see linearity.ts): how each expression uses the places it names
// (calls, assignments, object literals, operators), and how a condition narrows a state (`m.tag`,
// `=== null`, truthiness). `Analysis` (linearity.ts) extends this with the walk over statements.
// Rules: each method takes the state before the expression and returns the state after it, or
// null when evaluation cannot go on (a call that never returns).
import ts from 'typescript';
import { Places } from './linearity-places.ts';
import { blockOf, endpointOf, isLinear } from './sing-types.ts';
import { ENDPOINT_MOVES, BLOCK_MOVES, CONTAINER_STORES, ABSENT, READ, PEEK, DISCARD, INNER, move, store, clone, join, strip, text, literalText, nullishLiteral, type Member, type Root, type State, type Flow, type Use } from './linearity-state.ts';

export abstract class Expressions extends Places {
  /** Keeps the members of `root` that `keep` accepts; an empty set means the path is impossible. */
  protected restrict(st: State, root: Root, keep: (m: Member) => boolean, emptyIsDead = true): Flow {
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
  protected refine(st: State, cond: ts.Expression, truth: boolean): Flow {
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
  protected refineCompare(st: State, subject: ts.Expression, other: ts.Expression, pos: boolean, loose: boolean): Flow | undefined {
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

  protected args(args: readonly ts.Expression[], st: Flow, use: (i: number) => Use): Flow {
    args.forEach((a, i) => { if (st !== null) st = this.expr(a, st, use(i)); });
    return st;
  }

  protected call(e: ts.CallExpression, st: State, use: Use): Flow {
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
      } else if (blockOf(recvType) !== undefined && method === 'put') {
        // A block stored into a record's pointer field moves into the tree (the last argument).
        const field = e.arguments.map((x) => literalText(x)).find((x) => x !== undefined) ?? '?';
        const last = e.arguments.length - 1;
        cur = this.expr(callee.expression, cur, READ);
        cur = this.args(e.arguments, cur, (i) => (i === last ? move(`storing it into ${text(callee.expression)}.${field}`) : READ));
      } else if (blockOf(recvType) !== undefined && method === 'copyFrom') {
        // copyFrom borrows its source: the bytes are copied, the source block stays the caller's.
        cur = this.expr(callee.expression, cur, READ);
        cur = this.args(e.arguments, cur, () => READ);
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

  protected assign(e: ts.BinaryExpression, st: State): Flow {
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

  protected objectLiteral(e: ts.ObjectLiteralExpression, st: State, use: Use): Flow {
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

  protected expr(e: ts.Expression, st: State, use: Use): Flow {
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

  protected binary(e: ts.BinaryExpression, st: State, use: Use): Flow {
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

}
