// The manifest reader: extracts a program's manifest from its source without running it.
// Rules for callers: `readManifest(vp)` finds `export default defineProgram({...})` in the entry
// file and reads every manifest field as a literal (strings, numbers, booleans, arrays and object
// literals of those, Sing's field types, and `Contract.imp(path)`/`.exp(path)` declarations whose
// contract is a `contract('Name', ...)` declared in the program or in sing/contracts). Anything it
// cannot read without evaluating code is reported (SING6001–SING6004) instead of guessed. The
// result then passes the same schema check (manifest-schema.ts) as a manifest loaded from the store.
// Invariants: one source of truth — the code's endpoint types come from the very declaration read
// here, and the kernel re-reads the evaluated declaration at start and compares (src/install).
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import ts from 'typescript';
import { DEFAULT_FUEL, normalizeResourcePath, parseSize, tcpDestination } from '../runtime/manifest-values.ts';
import type { Diagnostic } from './diagnostic.ts';
import { CONTRACTS_LIB, insideDir, type VerifyProgram } from './host.ts';
import { declaredIn } from './sing-types.ts';
import { checkManifestJson, MANIFEST_SCHEMA, RESOURCE_KEYS, type EndpointManifest, type FileClaimManifest, type HostResourceManifest, type ProgramManifest } from './manifest-schema.ts';
import type { DeclaredManifest } from './rule.ts';
import { diagnosticAt } from './verify.ts';

export type { ProgramManifest, EndpointManifest, HostResourceManifest } from './manifest-schema.ts';

export interface ReadResult {
  readonly manifest: ProgramManifest | undefined;
  readonly diagnostics: readonly Diagnostic[];
  /** The `defineProgram({...})` object literal, for rules that look at the manifest's syntax. */
  readonly literal: ts.ObjectLiteralExpression | undefined;
}

const FIELDS = new Set(['name', 'version', 'category', 'trusted', 'unsafe', 'console', 'parameters', 'endpoints', 'imports', 'exports', 'resources', 'dependencies', 'main']);
const SCALARS: Readonly<Record<string, string>> = { i32: 'i32', u32: 'u32', f64: 'f64', bool: 'bool', str: 'str' };
const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

class Unreadable extends Error {
  constructor(readonly node: ts.Node, readonly code: string, message: string) { super(message); }
}

function strip(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isTypeAssertionExpression(e)) e = e.expression;
  return e;
}

function propName(p: ts.ObjectLiteralElementLike): string | undefined {
  const n = p.name;
  if (n === undefined) return undefined;
  if (ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isNumericLiteral(n)) return n.text;
  return undefined;
}

export function readManifest(vp: VerifyProgram): ReadResult {
  const checker = vp.checker;
  const diagnostics: Diagnostic[] = [];
  const entry = vp.entry;
  if (entry === undefined) {
    return { manifest: undefined, literal: undefined, diagnostics: [{ file: vp.source.entry, line: 1, col: 1, code: 'SING6001', message: `the entry file ${vp.source.entry} does not exist in the program folder` }] };
  }
  const fail = (node: ts.Node, code: string, message: string): never => { throw new Unreadable(node, code, message); };

  /** The symbol an identifier or property name refers to, through imports. */
  const target = (n: ts.Node): ts.Symbol | undefined => {
    let s = checker.getSymbolAtLocation(n);
    if (s !== undefined && s.flags & ts.SymbolFlags.Alias) s = checker.getAliasedSymbol(s);
    return s;
  };
  const calleeIs = (call: ts.CallExpression, file: string, name: string): boolean => declaredIn(target(call.expression), file, name);
  /** The initialiser of the const an identifier names, followed through imports. */
  const constInit = (n: ts.Expression): ts.Expression | undefined => {
    const d = target(n)?.valueDeclaration;
    if (d === undefined || !ts.isVariableDeclaration(d) || d.initializer === undefined) return undefined;
    if (!(ts.getCombinedNodeFlags(d) & ts.NodeFlags.Const)) return undefined;
    return strip(d.initializer);
  };

  const literal = (e0: ts.Expression, what: string): unknown => {
    const e = strip(e0);
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
    if (ts.isNumericLiteral(e)) return Number(e.text);
    if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(e.operand)) return -Number(e.operand.text);
    if (e.kind === ts.SyntaxKind.TrueKeyword) return true;
    if (e.kind === ts.SyntaxKind.FalseKeyword) return false;
    if (ts.isArrayLiteralExpression(e)) return e.elements.map((x, i) => literal(x, `${what}[${i}]`));
    if (ts.isObjectLiteralExpression(e)) return Object.fromEntries(props(e, what).map(([k, v]) => [k, literal(v, `${what}.${k}`)]));
    if (ts.isIdentifier(e)) {
      const init = constInit(e);
      if (init !== undefined && vp.owns(init.getSourceFile().fileName)) return literal(init, what);
    }
    return fail(e, 'SING6002', `manifest field ${what} must be written as a literal (the installer reads the manifest without running the program)`);
  };
  const props = (o: ts.ObjectLiteralExpression, what: string): [string, ts.Expression][] => o.properties.map((p) => {
    const k = propName(p);
    if (k === undefined || !(ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p))) return fail(p, 'SING6002', `manifest field ${what} must be a plain object literal (no spreads, methods or computed keys)`);
    return [k, ts.isPropertyAssignment(p) ? p.initializer : p.name];
  });
  const objectAt = (e0: ts.Expression, what: string): ts.ObjectLiteralExpression => {
    let e = strip(e0);
    if (ts.isIdentifier(e)) e = constInit(e) ?? e;
    return ts.isObjectLiteralExpression(e) ? e : fail(e, 'SING6002', `manifest field ${what} must be an object literal`);
  };

  const fieldType = (e0: ts.Expression, what: string): string => {
    const e = strip(e0);
    if (ts.isIdentifier(e)) {
      const s = target(e);
      for (const k of Object.keys(SCALARS)) if (declaredIn(s, 'contracts/field.ts', k)) return SCALARS[k] as string;
      const init = constInit(e);
      if (init !== undefined) return fieldType(init, what);
    }
    if (ts.isCallExpression(e)) {
      const args = e.arguments;
      if (calleeIs(e, 'contracts/field.ts', 'record') && args[0] !== undefined) {
        return `{${props(objectAt(args[0], what), what).map(([k, v]) => `${k}:${fieldType(v, `${what}.${k}`)}`).join(',')}}`;
      }
      if (calleeIs(e, 'contracts/field.ts', 'array') && args[0] !== undefined) {
        const max = args[1] === undefined ? 65536 : literal(args[1], `${what} length`);
        return `${fieldType(args[0], `${what}[]`)}[${String(max)}]`;
      }
      if (calleeIs(e, 'contracts/field.ts', 'enumOf')) return `enum(${JSON.stringify(args.map((a, i) => literal(a, `${what} value ${i}`)))})`;
    }
    return fail(e, 'SING6002', `parameter ${what} must be a field type written literally (i32, u32, f64, bool, str, enumOf(...), record({...}), array(...))`);
  };

  /** A member of a `contracts({...})` group: `const { A, B } = contracts({ A: ..., B: ... })`
   * binds A to the group's member named A (or `const { A: Alpha } = ...`). */
  const groupMember = (d: ts.Declaration): { init: ts.CallExpression; member: string } | undefined => {
    if (!ts.isBindingElement(d) || !ts.isObjectBindingPattern(d.parent) || !ts.isVariableDeclaration(d.parent.parent)) return undefined;
    const init = d.parent.parent.initializer === undefined ? undefined : strip(d.parent.parent.initializer);
    const key = d.propertyName ?? d.name;
    if (init === undefined || !ts.isCallExpression(init) || !calleeIs(init, 'contracts/contract.ts', 'contracts') || !ts.isIdentifier(key)) return undefined;
    return { init, member: key.text };
  };

  const contractOf = (ref: ts.Expression, what: string): { contract: string; fingerprint: string; module: string } => {
    const s = target(ts.isPropertyAccessExpression(ref) ? ref.name : ref);
    const d = s?.valueDeclaration;
    const group = d === undefined ? undefined : groupMember(d);
    const init = group !== undefined ? group.init : d !== undefined && ts.isVariableDeclaration(d) && d.initializer !== undefined ? strip(d.initializer) : undefined;
    if (d === undefined || init === undefined || !ts.isCallExpression(init) || (group === undefined && !calleeIs(init, 'contracts/contract.ts', 'contract'))) {
      return fail(ref, 'SING6003', `${what}: ${ref.getText()} is not a known contract: a manifest endpoint's contract must be a contract(...), or a member of contracts({...}), declared in the program or imported from sing/contracts`);
    }
    const file = d.getSourceFile();
    const module = vp.owns(file.fileName) ? `./${vp.rel(file.fileName)}` : insideDir(CONTRACTS_LIB, file.fileName) ? `sing/contracts/${basename(file.fileName, '.ts')}` : undefined;
    if (module === undefined) return fail(ref, 'SING6003', `${what}: ${ref.getText()} is declared outside the program and sing/contracts`);
    // A group's members share its definition: the fingerprint covers the whole call and the member.
    const nameArg = init.arguments[0];
    const name = group !== undefined ? group.member : nameArg === undefined ? undefined : literal(nameArg, `${what} contract name`);
    if (typeof name !== 'string') return fail(init, 'SING6003', `${what}: the contract's name must be a string literal`);
    const printed = printer.printNode(ts.EmitHint.Expression, init, file);
    const fingerprint = createHash('sha256').update(group !== undefined ? `${printed}#${name}` : printed).digest('hex');
    return { contract: name, fingerprint, module };
  };

  const endpoint = (e0: ts.Expression, what: string): EndpointManifest => {
    const e = strip(e0);
    if (!ts.isCallExpression(e) || !ts.isPropertyAccessExpression(e.expression) || !['imp', 'exp'].includes(e.expression.name.text)) {
      return fail(e, 'SING6002', `${what} must be an endpoint declaration such as Calculator.imp('/service/calc')`);
    }
    const side = e.expression.name.text as 'imp' | 'exp';
    const c = contractOf(e.expression.expression, what);
    const [pathArg, stateArg] = e.arguments;
    const path = pathArg === undefined || strip(pathArg).kind === ts.SyntaxKind.UndefinedKeyword || (ts.isIdentifier(strip(pathArg)) && strip(pathArg).getText() === 'undefined') ? undefined : literal(pathArg, `${what} path`);
    const state = stateArg === undefined ? undefined : literal(stateArg, `${what} state`);
    if (path !== undefined && typeof path !== 'string') fail(pathArg as ts.Node, 'SING6004', `${what}: the path must be a string`);
    if (state !== undefined && typeof state !== 'string') fail(stateArg as ts.Node, 'SING6004', `${what}: the state must be a string`);
    return { ...c, side, ...(path !== undefined ? { path: path as string } : {}), ...(state !== undefined ? { state: state as string } : {}) };
  };

  let obj: ts.ObjectLiteralExpression | undefined;
  try {
    const def = entry.statements.find(ts.isExportAssignment);
    if (def === undefined || def.isExportEquals) return fail(entry, 'SING6001', `${vp.rel(entry.fileName)} must default-export defineProgram({...}): export default defineProgram({ name: ..., main() {...} })`);
    let call = strip(def.expression);
    if (ts.isIdentifier(call)) call = constInit(call) ?? call;
    if (!ts.isCallExpression(call) || !calleeIs(call, 'runtime/program.ts', 'defineProgram')) return fail(def, 'SING6001', 'the default export must be a call of defineProgram from sing/runtime');
    const arg = call.arguments[0];
    if (arg === undefined || !ts.isObjectLiteralExpression(strip(arg))) return fail(call, 'SING6001', 'defineProgram must be given an object literal');
    obj = strip(arg) as ts.ObjectLiteralExpression;
    const o = obj;
    const fields = new Map<string, ts.Expression>();
    for (const p of o.properties) {
      const k = propName(p);
      if (k === undefined || ts.isSpreadAssignment(p)) { fail(p, 'SING6002', 'the manifest must be a plain object literal (no spreads or computed keys)'); continue; }
      if (!FIELDS.has(k)) fail(p, 'SING6004', `${k} is not a manifest field (have: ${[...FIELDS].join(', ')})`);
      if (k === 'main') continue;
      if (!ts.isPropertyAssignment(p) && !ts.isShorthandPropertyAssignment(p)) fail(p, 'SING6002', `manifest field ${k} must be a property`);
      fields.set(k, ts.isPropertyAssignment(p) ? p.initializer : (p as ts.ShorthandPropertyAssignment).name);
    }
    if (!o.properties.some((p) => propName(p) === 'main')) fail(o, 'SING6004', 'the manifest has no main');
    const get = (k: string): ts.Expression | undefined => fields.get(k);
    const lit = (k: string, dflt: unknown): unknown => { const e = get(k); return e === undefined ? dflt : literal(e, k); };
    const group = (k: 'endpoints' | 'imports' | 'exports'): Record<string, EndpointManifest> => {
      const e = get(k);
      return e === undefined ? {} : Object.fromEntries(props(objectAt(e, k), k).map(([key, v]) => [key, endpoint(v, `${k}.${key}`)]));
    };
    const paramsExpr = get('parameters');
    const parameters = paramsExpr === undefined ? {} : Object.fromEntries(props(objectAt(paramsExpr, 'parameters'), 'parameters').map(([k, v]) => [k, fieldType(v, k)]));
    const resExpr = get('resources');
    const res = resExpr === undefined ? {} : (literal(resExpr, 'resources') as Record<string, unknown>);
    const size = (v: unknown): number => {
      try { return parseSize(v, '', ''); } catch { return fail(resExpr ?? o, 'SING6004', `resources.exchangeHeap must be a size such as 4096 or '64KiB', got ${JSON.stringify(v)}`); }
    };
    const host: Record<string, HostResourceManifest> = {};
    const hostSpec = res['host'];
    if (hostSpec !== undefined && (typeof hostSpec !== 'object' || hostSpec === null)) fail(resExpr ?? o, 'SING6004', 'resources.host must be an object');
    for (const [k, h] of Object.entries((hostSpec ?? {}) as Record<string, Record<string, unknown>>)) {
      const kind = h['kind'];
      const connect = kind === 'tcp' && h['connect'] !== undefined;
      const tgt = kind === 'file' ? h['path'] : connect ? h['connect'] : kind === 'tcp' ? h['port'] : kind === 'terminal' || kind === 'status' ? kind : undefined;
      const target = tgt === undefined ? '' : kind === 'file' && typeof tgt === 'string' && tgt !== '' ? normalizeResourcePath(tgt)
        : connect && typeof tgt === 'string' ? tcpDestination(tgt) ?? tgt : String(tgt);
      host[k] = { kind: kind as 'file', target, exclusive: (h['exclusive'] ?? (kind !== 'status' && !connect)) as boolean };
      if (connect && (typeof tgt !== 'string' || tcpDestination(tgt) === undefined || h['port'] !== undefined)) fail(resExpr ?? o, 'SING6004', `resources.host.${k}.connect must be 'host:port' (a literal address or localhost), without a port`);
      if (kind === 'tcp' && !connect && typeof tgt !== 'number') fail(resExpr ?? o, 'SING6004', `resources.host.${k}.port must be a number`);
    }
    const manifest = {
      schema: MANIFEST_SCHEMA,
      name: lit('name', undefined),
      version: lit('version', '0.0.0'),
      category: lit('category', 'application'),
      entry: vp.rel(entry.fileName),
      trusted: lit('trusted', false),
      unsafe: lit('unsafe', []),
      console: lit('console', false),
      parameters,
      endpoints: group('endpoints'),
      imports: group('imports'),
      exports: group('exports'),
      resources: {
        exchangeHeap: res['exchangeHeap'] === undefined ? 0 : size(res['exchangeHeap']),
        cpuFuel: res['cpuFuel'] ?? DEFAULT_FUEL,
        memory: res['memory'] === undefined ? 0 : size(res['memory']),
        host,
        ...(res['files'] !== undefined ? { files: res['files'] as Record<string, FileClaimManifest> } : {}),
        ...(res['network'] !== undefined ? { network: res['network'] as NonNullable<ProgramManifest['resources']['network']> } : {}),
      },
      dependencies: lit('dependencies', []),
    };
    for (const k of Object.keys(res)) if (!RESOURCE_KEYS.includes(k)) fail(resExpr ?? o, 'SING6004', `resources.${k} is not a resource (have: ${RESOURCE_KEYS.join(', ')})`);
    const problems = checkManifestJson(manifest);
    if (problems.length > 0) {
      for (const p of problems) {
        const field = p.split(':')[0]?.split('.')[0] ?? '';
        const at = fields.get(field) ?? o;
        diagnostics.push(diagnosticAt(vp, at, 'SING6004', `manifest ${p}`));
      }
      return { manifest: undefined, diagnostics, literal: obj };
    }
    return { manifest: manifest as ProgramManifest, diagnostics, literal: obj };
  } catch (e) {
    if (!(e instanceof Unreadable)) throw e;
    diagnostics.push(diagnosticAt(vp, e.node, e.code, e.message));
    return { manifest: undefined, diagnostics, literal: obj };
  }
}

/** What the rules need to know of a manifest. */
export function declaredOf(m: ProgramManifest): DeclaredManifest {
  const paths = (g: Readonly<Record<string, EndpointManifest>>): { key: string; path: string }[] =>
    Object.entries(g).map(([key, e]) => ({ key, path: e.path ?? '' }));
  return {
    name: m.name,
    endpoints: [...Object.keys(m.endpoints), ...Object.keys(m.imports), ...Object.keys(m.exports)],
    imports: paths(m.imports),
    exports: paths(m.exports),
    parameters: Object.keys(m.parameters),
    hostResources: Object.keys(m.resources.host),
    exchangeHeap: m.resources.exchangeHeap,
    console: m.console,
    trusted: m.trusted,
    unsafe: m.unsafe,
  };
}
