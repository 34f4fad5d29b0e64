// Rule 5, protocol: every conversation the program holds follows its contract, as far as the
// endpoint types show it. Reports (SING5xxx):
//   SING5001 a `switch (m.tag)` over a received message lacks a case for a tag the state allows
//            (including `$closed`, and `$timeout` after a select) and has no `default:`;
//   SING5002 `ep.send(tag, ...)` of a message the endpoint's state does not allow this side to send;
//   SING5003 `ep.expect(tag)`, a `case` label or a `m.tag === tag` test for a message that cannot
//            arrive in that state;
//   SING5004 a send on an endpoint whose conversation is finished (state `$end`);
//   SING5005 a send whose payload does not fit the message's fields.
// Rules for callers: run after the manifest rule and before the type rule. Apart from SING5001,
// every violation here is also a TypeScript error (the endpoint's state is in its type); this rule
// claims that error and says it in the contract's terms, so the type rule does not repeat it.
// Invariants: contracts, sides and states are read from the checker's types of Sing's own
// Endpoint/MessageOf/Closed (sing-types.ts recognises them by declaration, never by name alone);
// when a type does not pin a single contract and state (a union of states, a non-literal tag) the
// rule says nothing and leaves any TypeScript error to the type rule.
import ts from 'typescript';
import type { Rule, RuleContext } from './rule.ts';
import { contractNameOf, declaredIn, endpointOf } from './sing-types.ts';

/** A contract-typed conversation point: the contract type, its display name, a side and a state. */
interface At {
  readonly c: ts.Type;
  readonly name: string;
  readonly side: 'imp' | 'exp';
  readonly state: string;
}

/** One member of a received-message union. */
interface Member {
  readonly tag: string;
  /** The contract and the state the message was received in; undefined for `$closed`/`$timeout`. */
  readonly at: At | undefined;
}

const END = '$end';
/** TypeScript's complaints about a call's arguments (arity, assignability, unknown or missing
 * properties): the ones a wrong tag or payload causes. Anything else at the same place (an unknown
 * name in the payload, say) is the program's own type error and is left to the type rule. */
const ARGUMENT_ERRORS = new Set([2322, 2345, 2353, 2554, 2555, 2559, 2561, 2739, 2740, 2741, 2769, 2375, 2379]);
const VIEW = 'contracts/view.ts';
const SELECT = 'channels/select.ts';

function strip(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isAwaitExpression(e)) e = e.expression;
  return e;
}

function literalOf(t: ts.Type | undefined): string | undefined {
  return t !== undefined && t.isStringLiteral() ? t.value : undefined;
}

/** Reads contracts off the checker's types. */
class Contracts {
  constructor(private readonly checker: ts.TypeChecker) {}

  private prop(t: ts.Type, name: string): ts.Type | undefined {
    const s = this.checker.getPropertyOfType(t, name);
    return s === undefined ? undefined : this.checker.getTypeOfSymbol(s);
  }

  /** The contract's declared name (see sing-types.ts). */
  name(c: ts.Type): string {
    return contractNameOf(this.checker, c);
  }

  /** The tags the state's row lists (undefined when the contract has no such state). */
  private row(c: ts.Type, state: string): string[] | undefined {
    const states = this.prop(c, 'states');
    const r = states === undefined ? undefined : this.prop(states, state);
    return r === undefined ? undefined : r.getProperties().map((p) => p.getName());
  }

  private dir(c: ts.Type, tag: string): string | undefined {
    const msgs = this.prop(c, 'messages');
    const spec = msgs === undefined ? undefined : this.prop(msgs, tag);
    return spec === undefined ? undefined : literalOf(this.prop(spec, 'dir'));
  }

  /** What `side` may send (`sending`) or receive in `state`; undefined if the state is unknown. */
  tags(at: At, sending: boolean): string[] | undefined {
    const want = (at.side === 'imp') === sending ? 'in' : 'out';
    return this.row(at.c, at.state)?.filter((t) => this.dir(at.c, t) === want);
  }

  /** The message's fields as the contract writes them: `{ a: i32, b: i32 }`. */
  payload(c: ts.Type, tag: string): string {
    const msgs = this.prop(c, 'messages');
    const spec = msgs === undefined ? undefined : this.prop(msgs, tag);
    const fields = spec === undefined ? undefined : this.prop(spec, 'fields');
    const ps = fields?.getProperties() ?? [];
    if (ps.length === 0) return 'no payload';
    const one = (p: ts.Symbol): string => {
      const d = p.valueDeclaration;
      const t = d !== undefined && ts.isPropertyAssignment(d) ? d.initializer.getText() : this.checker.typeToString(this.checker.getTypeOfSymbol(p));
      return `${p.getName()}: ${t}`;
    };
    return `{ ${ps.map(one).join(', ')} }`;
  }

  /** The endpoint a value's type pins down (one contract, side and state), or undefined. */
  endpoint(t: ts.Type): At | undefined {
    const info = endpointOf(this.checker, t);
    if (info === undefined || info.state === undefined) return undefined;
    // A union of endpoints in different states does not pin a state.
    if (t.isUnion() && t.types.some((p) => p !== info.type && endpointOf(this.checker, p)?.state !== info.state)) return undefined;
    const c = this.checker.getTypeArguments(info.type as ts.TypeReference)[0];
    return c === undefined ? undefined : { c, name: this.name(c), side: info.side, state: info.state };
  }

  /** The members of a received-message union, or undefined when `t` is not one. */
  received(t: ts.Type): Member[] | undefined {
    const out: Member[] = [];
    for (const p of t.isUnion() ? t.types : [t]) {
      const sym = p.getSymbol();
      if (declaredIn(sym, VIEW, 'Closed')) { out.push({ tag: '$closed', at: undefined }); continue; }
      if (declaredIn(sym, SELECT, 'Timeout')) { out.push({ tag: '$timeout', at: undefined }); continue; }
      const args = p.aliasTypeArguments ?? [];
      if (declaredIn(p.aliasSymbol, VIEW, 'MessageOf') && args.length === 4) {
        const [c, side, state, tag] = args as [ts.Type, ts.Type, ts.Type, ts.Type];
        const tg = literalOf(tag);
        const st = literalOf(state);
        const sd = literalOf(side);
        if (tg === undefined) return undefined;
        out.push({ tag: tg, at: st === undefined || (sd !== 'imp' && sd !== 'exp') ? undefined : { c, name: this.name(c), side: sd, state: st } });
        continue;
      }
      return undefined;
    }
    return out.some((m) => m.at !== undefined || m.tag === '$closed') ? out : undefined;
  }
}

const list = (tags: readonly string[]): string => (tags.length === 0 ? 'nothing' : tags.join(', '));
const sideName = (side: 'imp' | 'exp'): string => (side === 'imp' ? 'the importer' : 'the exporter');

function check(ctx: RuleContext): void {
  const checker = ctx.checker;
  const cs = new Contracts(checker);
  const typeOf = (e: ts.Node): ts.Type => checker.getTypeAtLocation(e);

  /** TypeScript's errors that start exactly at one of `nodes` (errors nested deeper are the
   * program's own type errors, not the protocol's). */
  const errorsAt = (nodes: readonly (ts.Node | undefined)[]): ts.Diagnostic[] => {
    const starts = new Set(nodes.flatMap((n) => (n === undefined ? [] : [`${n.getSourceFile().fileName}:${n.getStart()}`])));
    return ctx.typeErrors.filter((d) => d.file !== undefined && d.start !== undefined && starts.has(`${d.file.fileName}:${d.start}`));
  };
  /** Claims the TypeScript errors at `nodes` with this rule's message, or reports at `at` when
   * TypeScript said nothing (an endpoint typed loosely somewhere). */
  const claimOrReport = (errs: readonly ts.Diagnostic[], at: ts.Node, code: string, msg: string): void => {
    if (errs.length === 0) ctx.report(at, code, msg);
    for (const d of errs) ctx.claim(d, code, msg);
  };
  const where = (at: At): string => `${at.name} in state ${at.state}`;

  const onSend = (call: ts.CallExpression, recv: ts.Expression, name: ts.Node): void => {
    const at = cs.endpoint(typeOf(recv));
    const [tagArg, payload] = call.arguments;
    const tag = tagArg === undefined ? undefined : literalOf(typeOf(tagArg));
    if (at === undefined || tagArg === undefined || tag === undefined) return;
    const direct = payload !== undefined && ts.isObjectLiteralExpression(strip(payload)) ? (strip(payload) as ts.ObjectLiteralExpression).properties.map((p) => p.name) : [];
    const errs = errorsAt([name, tagArg, payload, ...direct]).filter((d) => ARGUMENT_ERRORS.has(d.code));
    const ep = short(recv);
    if (at.state === END) {
      claimOrReport(errs, tagArg, 'SING5004', `${ep} may not send ${tag}: its ${at.name} conversation is finished (state $end), so nothing more may be sent on it`);
      return;
    }
    const allowed = cs.tags(at, true);
    if (allowed === undefined) return;
    if (!allowed.includes(tag)) {
      claimOrReport(errs, tagArg, 'SING5002', `${where(at)} does not allow sending ${tag} on ${ep} (${sideName(at.side)} may send ${list(allowed)} here)`);
      return;
    }
    for (const d of errs) ctx.claim(d, 'SING5005', `${tag} takes ${cs.payload(at.c, tag)} (${ep}, ${where(at)})`);
  };

  const onExpect = (call: ts.CallExpression, recv: ts.Expression, name: ts.Node): void => {
    const at = cs.endpoint(typeOf(recv));
    const tagArg = call.arguments[0];
    const tag = tagArg === undefined ? undefined : literalOf(typeOf(tagArg));
    if (at === undefined || tagArg === undefined || tag === undefined || at.state === END) return;
    const can = cs.tags(at, false);
    if (can === undefined || can.includes(tag)) return;
    claimOrReport(errorsAt([name, tagArg]).filter((d) => ARGUMENT_ERRORS.has(d.code)), tagArg, 'SING5003', `${tag} cannot arrive on ${short(recv)}: in ${at.name} state ${at.state}, ${sideName(at.side)} may receive only ${list(can)}`);
  };

  /** How to name where a message came from: `receive on idle (Calculator, state Busy)`. */
  const origin = (subject: ts.Expression, members: readonly Member[]): string => {
    const ats = new Map<string, At>();
    for (const m of members) if (m.at !== undefined) ats.set(`${m.at.name}:${m.at.state}`, m.at);
    const states = [...ats.values()].map((a) => `${a.name}, state ${a.state}`).join('; ');
    let from = `the message ${short(subject)}`;
    let s = strip(subject);
    if (ts.isPropertyAccessExpression(s) && s.name.text === 'msg') s = strip(s.expression); // a select's result
    const decl = ts.isIdentifier(s) ? checker.getSymbolAtLocation(s)?.valueDeclaration : undefined;
    const init = decl !== undefined && ts.isVariableDeclaration(decl) && decl.initializer !== undefined ? strip(decl.initializer) : undefined;
    if (init !== undefined && ts.isCallExpression(init)) {
      const callee = init.expression;
      if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'receive') from = `receive on ${short(callee.expression)}`;
      else if (ts.isIdentifier(callee) && callee.text === 'select' && init.arguments[0] !== undefined) from = `select on ${short(init.arguments[0])}`;
    }
    return states === '' ? from : `${from} (${states})`;
  };

  const onSwitch = (sw: ts.SwitchStatement, subject: ts.Expression): void => {
    const members = cs.received(typeOf(subject));
    if (members === undefined) return;
    const can = tagsOf(members);
    const covered = new Set<string>();
    let dflt = false;
    for (const clause of sw.caseBlock.clauses) {
      if (ts.isDefaultClause(clause)) { dflt = true; continue; }
      const tag = literalOf(typeOf(clause.expression));
      if (tag === undefined) continue;
      if (can.includes(tag)) { covered.add(tag); continue; }
      claimOrReport(errorsAt([clause.expression]).filter((d) => d.code === 2678), clause.expression, 'SING5003',
        `case '${tag}' cannot match: ${origin(subject, members)} is one of ${list(can)} here`);
    }
    const missing = can.filter((t) => !covered.has(t));
    if (dflt || missing.length === 0) return;
    const extra = can.includes('$timeout') ? ', ChannelClosed and the timeout' : ' and ChannelClosed';
    ctx.report(sw, 'SING5001', `${origin(subject, members)} does not handle ${list(missing)}: every message the state allows${extra} need a case (or a default:)`);
  };

  const onCompare = (b: ts.BinaryExpression): void => {
    const [subject, other] = isTagAccess(b.left) ? [b.left, b.right] : isTagAccess(b.right) ? [b.right, b.left] : [undefined, undefined];
    if (subject === undefined || other === undefined) return;
    const tag = literalOf(typeOf(other));
    const members = tag === undefined ? undefined : cs.received(typeOf(subject.expression));
    if (tag === undefined || members === undefined || members.some((m) => m.tag === tag)) return;
    const errs = errorsAt([b]).filter((d) => d.code === 2367);
    if (errs.length === 0) return; // only a test TypeScript also found pointless is reported
    for (const d of errs) ctx.claim(d, 'SING5003', `${short(subject.expression)} cannot be ${tag} here: ${origin(subject.expression, members)} is one of ${list(tagsOf(members))}`);
  };

  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) {
      const { name, expression } = n.expression;
      if (name.text === 'send') onSend(n, expression, name);
      else if (name.text === 'expect') onExpect(n, expression, name);
    } else if (ts.isSwitchStatement(n) && isTagAccess(n.expression)) {
      onSwitch(n, n.expression.expression);
    } else if (ts.isBinaryExpression(n) && isEquality(n.operatorToken.kind)) {
      onCompare(n);
    }
    ts.forEachChild(n, visit);
  };
  for (const sf of ctx.files) visit(sf);
}

/** An expression as the program wrote it, with long argument lists elided. */
function short(e: ts.Expression): string {
  const s = strip(e);
  if (ts.isIdentifier(s) || s.kind === ts.SyntaxKind.ThisKeyword) return s.getText();
  if (ts.isPropertyAccessExpression(s)) return `${short(s.expression)}.${s.name.text}`;
  if (ts.isCallExpression(s)) return `${short(s.expression)}(${s.arguments.length === 0 ? '' : '...'})`;
  if (ts.isElementAccessExpression(s)) return `${short(s.expression)}[${s.argumentExpression.getText()}]`;
  const t = s.getText();
  return t.length > 40 ? `${t.slice(0, 37)}...` : t;
}

/** A union's tags, contract messages first and `$closed`/`$timeout` last. */
function tagsOf(members: readonly Member[]): string[] {
  const tags = [...new Set(members.map((m) => m.tag))];
  return [...tags.filter((t) => !t.startsWith('$')), ...tags.filter((t) => t.startsWith('$'))];
}

function isTagAccess(e: ts.Expression): e is ts.PropertyAccessExpression {
  return ts.isPropertyAccessExpression(e) && e.name.text === 'tag';
}

function isEquality(k: ts.SyntaxKind): boolean {
  return k === ts.SyntaxKind.EqualsEqualsEqualsToken || k === ts.SyntaxKind.ExclamationEqualsEqualsToken
    || k === ts.SyntaxKind.EqualsEqualsToken || k === ts.SyntaxKind.ExclamationEqualsToken;
}

export const protocolRule: Rule = {
  id: 5,
  name: 'protocol',
  check,
};
