// The contract DSL: `contract(name, { messages, initial, states })` with full type inference.
// Rules for callers: directions are seen from the exporter (`inn`: importer → exporter, `out`:
// exporter → importer); a transition names a declared message and a declared state or END.
// `contract()` validates and compiles at once (see compiler.ts) and throws ContractError naming the
// contract, the state and the rule broken; a returned contract is frozen and interned, so two
// identical definitions (for example, one per process instance of an image) share one compiled form.
// Recursive contracts: `endpointOf('Name', side, state)` (a string, not a contract) is an endpoint
// of the contract being defined: the contract itself in `contract('Name', ...)`, or any member of a
// `contracts({ A: {...}, B: {...} })` call, which defines contracts that carry each other's
// endpoints. The types follow the reference (a received field is an Endpoint of the member named).
// `entries: ['S', ...]` names states other than the initial one where a channel may also start
// (Sing# could make a channel in any state); every state must be reachable from the initial state
// or an entry state.
import { compileMembers, type CompiledContract } from './compiler.ts';
import { INVALID, sealFieldType, type FieldMap, type FieldType } from './field.ts';
import { intern, internGroup, type Snapshot } from './intern.ts';
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

declare const groupKey: unique symbol;

/** What a contract is, as data; the endpoint types need only this. `G` (types only) is the group a
 * contract was defined in by `contracts({...})`: its members by name. */
export interface ContractShape<M extends MessagesDef = MessagesDef, S extends StatesDef = StatesDef, I extends string = string, G = unknown> {
  readonly name: string;
  readonly messages: M;
  readonly initial: I;
  readonly states: S;
  /** Other states a channel may start in (Sing#'s `NewChannel(..., State.Value)`); made by
   * `contract()`, absent from hand-made shapes. */
  readonly entries?: readonly string[];
  readonly [groupKey]?: G;
}

/** The members of the group a contract type was defined in (unknown for `contract()`). */
export type GroupOf<C> = C extends { readonly [groupKey]?: infer G } ? G : unknown;

export interface Contract<M extends MessagesDef = MessagesDef, S extends StatesDef = StatesDef, I extends string = string, G = unknown> extends ContractShape<M, S, I, G> {
  /** A manifest or endpoint-field declaration: the import end, bound at `path` when given. */
  imp<const St extends keyof S & string = I>(path?: string, state?: St): EndpointDecl<Contract<M, S, I, G>, 'imp', NoInfer<St>>;
  /** The export end; with a path, the process becomes the provider registered there. */
  exp<const St extends keyof S & string = I>(path?: string, state?: St): EndpointDecl<Contract<M, S, I, G>, 'exp', NoInfer<St>>;
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
const NO_ENTRIES: readonly string[] = Object.freeze([]);
const NAME = /^[A-Za-z_][\w.]*$/;

/** The compiled form of a contract made by `contract()`, or undefined for anything else. */
export function compiledOf(c: unknown): CompiledContract | undefined {
  return typeof c === 'object' && c !== null ? compiled.get(c) : undefined;
}

export function contract<const M extends MessagesDef, const S extends StatesDef, const I extends keyof S & string>(
  name: string,
  def: { readonly messages: M; readonly initial: I; readonly entries?: readonly (keyof S & string)[]; readonly states: S & CheckStates<M, S> },
): Contract<M, S, I> {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new ContractError(String(name), 'the name must be an identifier (letters, digits, _ and .)');
  }
  return intern(name, def, (snapshot) => build([snapshot])[0] as unknown as Contract<M, S, I>);
}

/** The definitions of a group, by contract name. */
export type GroupDef = { readonly [name: string]: { readonly messages: MessagesDef; readonly initial: string; readonly entries?: readonly string[]; readonly states: StatesDef } };

/** Checks, at the type level, each member's initial state and transitions. */
export type CheckGroup<D> = {
  readonly [K in keyof D]: D[K] extends { readonly messages: infer M; readonly states: infer S }
    ? { readonly messages: M; readonly initial: keyof S & string; readonly entries?: readonly (keyof S & string)[]; readonly states: CheckStates<M, S> }
    : never;
};

/** The contracts a `contracts({...})` call returns, by name; each knows the group (for the types of
 * its reference fields). */
export type ContractGroup<D extends GroupDef> = {
  readonly [K in keyof D]: Contract<D[K]['messages'], D[K]['states'], D[K]['initial'] & string, ContractGroup<D>>;
};

/** Defines contracts that carry each other's endpoints: a field `endpointOf('B', side, state)` in
 * A's messages is an endpoint of the member B. Each member is validated as `contract()` validates
 * it; the group is interned as a whole. Returns the contracts by name (frozen). */
export function contracts<const D extends GroupDef>(defs: D & CheckGroup<D>): ContractGroup<D> {
  if (typeof defs !== 'object' || defs === null) throw new ContractError('(group)', 'contracts() takes an object of definitions by contract name');
  const names = Object.keys(defs);
  if (names.length === 0) throw new ContractError('(group)', 'contracts() needs at least one definition');
  for (const n of names) if (!NAME.test(n)) throw new ContractError(n, 'the name must be an identifier (letters, digits, _ and .)');
  const entries = names.map((n) => [n, (defs as Record<string, unknown>)[n]] as const);
  const values = internGroup(entries, (snaps) => build(snaps));
  const out = Object.create(null) as Record<string, unknown>;
  names.forEach((n, i) => { out[n] = values[i]; });
  return Object.freeze(out) as ContractGroup<D>;
}

/** Makes the contract values of one group from their snapshots (interning has run). */
function build(snaps: readonly Snapshot[]): object[] {
  const values = snaps.map((snapshot) => {
    // The plain `C.imp()` / `C.exp()` declarations are made once: every process instance of an
    // image asks for them again when its manifest is built.
    let plainImp: object | undefined;
    let plainExp: object | undefined;
    const value: Record<string, unknown> = {
      name: snapshot.name,
      messages: snapshot.messages,
      initial: snapshot.initial,
      entries: snapshot.entries ?? NO_ENTRIES,
      states: snapshot.states,
      imp: (path?: string, state?: string) => (path === undefined && state === undefined ? (plainImp ??= declare(value as unknown as AnyContract, 'imp', path, state)) : declare(value as unknown as AnyContract, 'imp', path, state)),
      exp: (path?: string, state?: string) => (path === undefined && state === undefined ? (plainExp ??= declare(value as unknown as AnyContract, 'exp', path, state)) : declare(value as unknown as AnyContract, 'exp', path, state)),
    };
    return value;
  });
  const ccs = compileMembers(snaps.map((snapshot, i) => ({ snapshot, value: values[i] })), { unreachable: 'error' });
  for (const cc of ccs) if (cc instanceof ContractError) throw cc;
  values.forEach((v, i) => {
    Object.freeze(v);
    compiled.set(v, ccs[i] as CompiledContract);
  });
  return values;
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

/** A field holding an endpoint of a contract named by a string: the contract being defined, or a
 * member of the same `contracts({...})` group (resolved when the contract is compiled). Its own
 * type is loose (an endpoint of any contract); a contract's endpoint types resolve it to the
 * member named (view.ts). */
export interface EndpointRef<N extends string = string, Sd extends Side = Side, St extends string = string> extends FieldType<Endpoint<AnyContract, Sd, St>> {
  readonly ref: { readonly name: N; readonly side: Sd; readonly state: St };
}

/** The field type of an endpoint of contract C, side and state, moved when sent. Give the
 * contract's name as a string for the contract being defined (or one of its group). */
export function endpointOf<const N extends string, Sd extends Side, const St extends string>(c: N, side: Sd, state: St): EndpointRef<N, Sd, St>;
export function endpointOf<C extends AnyContract, Sd extends Side, const St extends keyof C['states'] & string>(
  c: C, side: Sd, state: St,
): FieldType<Endpoint<C, Sd, St>> & { readonly endpoint: EndpointDecl<C, Sd, St> };
export function endpointOf(c: AnyContract | string, side: Side, state: string): FieldType<unknown> {
  if (typeof c === 'string') {
    if (!NAME.test(c)) throw new TypeError(`endpointOf: ${JSON.stringify(c)} is not a contract name`);
    if (side !== 'imp' && side !== 'exp') throw new TypeError(`endpointOf('${c}', ...): the side must be 'imp' or 'exp'`);
    if (typeof state !== 'string' || !/^[A-Za-z_]\w*$/.test(state)) throw new TypeError(`endpointOf('${c}', '${side}', ...): the state must be a state name`);
    return sealFieldType({
      kind: 'endpoint' as const,
      describe: `@${c}.${side}:${state}`,
      check: () => false,
      take: () => INVALID,
      ref: Object.freeze({ name: c, side, state }),
    });
  }
  const d = declare(c, side, undefined, state);
  const cc = compiled.get(c) as CompiledContract;
  return sealFieldType({
    kind: 'endpoint' as const,
    describe: `${cc.fingerprint}.${side}:${String(state)}`,
    check: () => false, // endpoints are checked by the channel layer, which can see ownership
    take: () => INVALID,
    endpoint: d,
  });
}
