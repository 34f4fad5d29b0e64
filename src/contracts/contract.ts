// The contract DSL: `contract(name, { messages, initial, states })` with full type inference.
// Rules for callers: directions are seen from the exporter (`inn`: importer → exporter, `out`:
// exporter → importer); a transition names a declared message and a declared state or END.
// `contract()` validates and compiles at once (see compiler.ts) and throws ContractError naming the
// contract, the state and the rule broken; a returned contract is frozen and interned, so two
// identical definitions (for example, one per process instance of an image) share one compiled form.
import { compile, type CompiledContract } from './compiler.ts';
import { INVALID, sealFieldType, type FieldMap, type FieldType } from './field.ts';
import { intern } from './intern.ts';
import type { Endpoint, Side } from './view.ts';

export const END = '$end';
export type END = typeof END;
export type Dir = 'in' | 'out';

export interface MessageSpec<D extends Dir = Dir, F extends FieldMap = FieldMap> {
  readonly dir: D;
  readonly fields: F;
}

const NO_FIELDS: FieldMap = Object.freeze({});

type NoFields = Record<never, never>;

/** A message from importer to exporter (`in`; `in` is a TypeScript keyword in some positions). */
export function inn(): MessageSpec<'in', NoFields>;
export function inn<const F extends FieldMap>(fields: F): MessageSpec<'in', F>;
export function inn(fields?: FieldMap): MessageSpec<'in', FieldMap> {
  return Object.freeze({ dir: 'in' as const, fields: fields ?? NO_FIELDS });
}
/** A message from exporter to importer. */
export function out(): MessageSpec<'out', NoFields>;
export function out<const F extends FieldMap>(fields: F): MessageSpec<'out', F>;
export function out(fields?: FieldMap): MessageSpec<'out', FieldMap> {
  return Object.freeze({ dir: 'out' as const, fields: fields ?? NO_FIELDS });
}

export type MessagesDef = { readonly [tag: string]: MessageSpec };
export type StatesDef = { readonly [state: string]: { readonly [tag: string]: string } };

/** Checks, at the type level, that every transition names a declared message and target state. */
export type CheckStates<M, S> = {
  readonly [K in keyof S]: { readonly [T in keyof S[K]]: T extends keyof M ? (keyof S & string) | END : never };
};

/** What a contract is, as data; the endpoint types need only this. */
export interface ContractShape<M extends MessagesDef = MessagesDef, S extends StatesDef = StatesDef, I extends string = string> {
  readonly name: string;
  readonly messages: M;
  readonly initial: I;
  readonly states: S;
}

export interface Contract<M extends MessagesDef = MessagesDef, S extends StatesDef = StatesDef, I extends string = string> extends ContractShape<M, S, I> {
  /** A manifest or endpoint-field declaration: the import end, bound at `path` when given. */
  imp<const St extends keyof S & string = I>(path?: string, state?: St): EndpointDecl<Contract<M, S, I>, 'imp', NoInfer<St>>;
  /** The export end; with a path, the process becomes the provider registered there. */
  exp<const St extends keyof S & string = I>(path?: string, state?: St): EndpointDecl<Contract<M, S, I>, 'exp', NoInfer<St>>;
}

/** The widest contract type: every contract is one. */
export type AnyContract = ContractShape<MessagesDef, StatesDef, string>;

/** Declares an endpoint of a contract, side and state: used in manifests and message fields. */
export interface EndpointDecl<C extends AnyContract, Sd extends Side, St extends string> {
  readonly decl: 'endpoint';
  readonly contract: C;
  readonly side: Sd;
  readonly state: St;
  readonly path: string | undefined;
  readonly [marker]?: Endpoint<C, Sd, St>;
}
declare const marker: unique symbol;

export class ContractError extends Error {
  readonly code = 'E_CONTRACT';
  constructor(readonly contract: string, message: string) {
    super(`contract ${contract}: ${message}`);
    this.name = 'ContractError';
  }
}

const compiled = new WeakMap<object, CompiledContract>();

/** The compiled form of a contract made by `contract()`, or undefined for anything else. */
export function compiledOf(c: unknown): CompiledContract | undefined {
  return typeof c === 'object' && c !== null ? compiled.get(c) : undefined;
}

export function contract<const M extends MessagesDef, const S extends StatesDef, const I extends keyof S & string>(
  name: string,
  def: { readonly messages: M; readonly initial: I; readonly states: S & CheckStates<M, S> },
): Contract<M, S, I> {
  if (typeof name !== 'string' || !/^[A-Za-z_][\w.]*$/.test(name)) {
    throw new ContractError(String(name), 'the name must be an identifier (letters, digits, _ and .)');
  }
  return intern(name, def, (snapshot) => {
    const cc = compile(snapshot, { unreachable: 'error' });
    // The plain `C.imp()` / `C.exp()` declarations are made once: every process instance of an
    // image asks for them again when its manifest is built.
    let plainImp: object | undefined;
    let plainExp: object | undefined;
    const value = {
      name,
      messages: snapshot.messages,
      initial: snapshot.initial,
      states: snapshot.states,
      imp: (path?: string, state?: string) => (path === undefined && state === undefined ? (plainImp ??= declare(value, 'imp', path, state)) : declare(value, 'imp', path, state)),
      exp: (path?: string, state?: string) => (path === undefined && state === undefined ? (plainExp ??= declare(value, 'exp', path, state)) : declare(value, 'exp', path, state)),
    } as unknown as Contract<M, S, I>;
    Object.freeze(value);
    compiled.set(value, cc);
    return value;
  });
}

const decls = new WeakSet<object>();

/** True for declarations made by `C.imp()`, `C.exp()` or `endpointOf()`; programs cannot forge one. */
export function isEndpointDecl(v: unknown): v is EndpointDecl<AnyContract, Side, string> {
  return typeof v === 'object' && v !== null && decls.has(v);
}

function declare<C extends AnyContract, Sd extends Side>(c: C, side: Sd, path: string | undefined, state: string | undefined): EndpointDecl<C, Sd, string> {
  const cc = compiled.get(c);
  if (cc === undefined) throw new TypeError('endpoint declaration: not a contract');
  const st = state ?? c.initial;
  if (!cc.states.includes(st)) throw new ContractError(c.name, `state ${st} is not declared`);
  if (path !== undefined && (typeof path !== 'string' || !/^(\/[\w.-]+)+$/.test(path))) {
    throw new ContractError(c.name, `path ${String(path)} is not of the form /a/b`);
  }
  const d = Object.freeze({ decl: 'endpoint' as const, contract: c, side, state: st, path });
  decls.add(d);
  return d;
}

/** The field type of an endpoint of contract C, side and state, moved when sent. */
export function endpointOf<C extends AnyContract, Sd extends Side, const St extends keyof C['states'] & string>(
  c: C, side: Sd, state: St,
): FieldType<Endpoint<C, Sd, St>> & { readonly endpoint: EndpointDecl<C, Sd, St> } {
  const d = declare(c, side, undefined, state) as unknown as EndpointDecl<C, Sd, St>;
  const cc = compiled.get(c) as CompiledContract;
  return sealFieldType({
    kind: 'endpoint' as const,
    describe: `${cc.fingerprint}.${side}:${state}`,
    check: () => false, // endpoints are checked by the channel layer, which can see ownership
    take: () => INVALID,
    endpoint: d,
  });
}
