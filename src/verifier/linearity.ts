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
// (3) Borrows: `select([a, b])` borrows its endpoints, `b.view(...)` is a window on a block the
// caller still owns and `r.open(field)` lends a block where it stands in the caller's tree (never
// owned themselves); `r.put(field, x)` moves x into the tree, `r.take(field)` gives back an owned
// block (or null). (4) Nothing is reported on throw paths, and a catch block
// starts from the join of "before try" and "after try" (a move seen there is "maybe", never a leak).
// (5) A class instance never carries linear values (its fields cannot hold them: SING4004).
// (6) One report per move: a moved value used three times is reported at its first reuse only.
// Known gaps: a linear value reached through an array element, a field or an unawaited promise
// held in a variable is not tracked (storing one is refused, so only a parameter typed `Bytes[]` or
// `Promise<...>` brings one in); freeing through a view frees a block the caller is still taken to
// own; an early `return` inside `try` is checked before its `finally` runs, and moves in a `finally`
// reached only by an abrupt exit are not carried on; generators are walked like plain functions.
// Invariants: the rule never throws for a bad program; each diagnostic is reported once per node.
// Files: linearity-state.ts (the abstract state and its joins), linearity-places.ts (places, uses,
// reports, closures), linearity-expressions.ts (the walk over expressions and conditions), and this
// one (the walk over statements, and the rule).
import ts from 'typescript';
import type { Rule, RuleContext } from './rule.ts';
import { contractNameOf } from './sing-types.ts';
import { STILL_OWNED, EXIT_ADVICE, ABSENT, READ, DISCARD, move, clone, join, joinAll, same, strip, hasBody, text, literalText, isMain, memberReader, type State, type Flow, type Target } from './linearity-state.ts';
import { Expressions } from './linearity-expressions.ts';

class Analysis extends Expressions {
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

}

/** Contract names for messages: the declared name ('Calculator', 'Provider.Calculator' for a
 * listener), or nothing when only a long structural rendering is available. */
function contractNamer(ctx: RuleContext): (endpoint: ts.Type) => string | undefined {
  return (endpoint) => {
    const c = ctx.checker.getTypeArguments(endpoint as ts.TypeReference)[0];
    if (c === undefined) return undefined;
    const n = contractNameOf(ctx.checker, c);
    return n.length <= 40 && !n.includes('<') && !n.endsWith('...') ? n : undefined;
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
