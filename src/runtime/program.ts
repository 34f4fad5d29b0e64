// defineProgram: how a program declares its manifest beside its code.
// Rules for callers (programs): the entry module default-exports `defineProgram({...})`. The
// manifest names the program, its typed parameters, its startup endpoints (given by the creator),
// its imports (bound by the kernel through the name service at start) and exports (registered at
// start; `main` gets a Listener), whether it wants a console, and `main`.
// Invariants: the manifest is read once into a frozen snapshot kept out of the program's reach
// (`manifestOf`), so the kernel never re-reads program-controlled objects.
import { isEndpointDecl, type AnyContract, type EndpointDecl } from '../contracts/contract.ts';
import { isFieldType, type FieldMap, type FieldType, type Payload } from '../contracts/field.ts';
import type { Endpoint, Side } from '../contracts/view.ts';
import { SingError } from '../lib/error.ts';
import type { Abi, Console } from './abi.ts';
import type { Listener } from './provider.ts';

type DeclMap = { readonly [key: string]: EndpointDecl<AnyContract, Side, string> };
type EndpointOfDecl<D> = D extends EndpointDecl<infer C, infer Sd, infer St> ? Endpoint<C, Sd, St> : never;
type ListenerOfDecl<D> = D extends EndpointDecl<infer C, 'exp', string> ? Listener<C> : never;

export type Context<P extends FieldMap, E extends DeclMap, I extends DeclMap, X extends DeclMap, K extends boolean> =
  { readonly abi: Abi; readonly params: Readonly<Payload<P>>; readonly console: K extends true ? Console : undefined }
  & { readonly [N in keyof E]: EndpointOfDecl<E[N]> }
  & { readonly [N in keyof I]: EndpointOfDecl<I[N]> }
  & { readonly [N in keyof X]: ListenerOfDecl<X[N]> };

export interface ProgramSpec<P extends FieldMap, E extends DeclMap, I extends DeclMap, X extends DeclMap, K extends boolean> {
  readonly name: string;
  readonly parameters?: P;
  /** Startup endpoints handed over by the creator. */
  readonly endpoints?: E;
  /** Endpoints the kernel binds at start: `C.imp('/service/x')`. */
  readonly imports?: I;
  /** Names this program provides: `C.exp('/service/x')`; main receives a Listener. */
  readonly exports?: X;
  readonly console?: K;
  main(ctx: Context<P, E, I, X, K>): Promise<number | void> | number | void;
}

export interface Program { readonly kind: 'sing.program'; readonly name: string }

export interface ManifestEndpoint { readonly key: string; readonly decl: EndpointDecl<AnyContract, Side, string> }
export interface Manifest {
  readonly name: string;
  readonly parameters: readonly { readonly key: string; readonly type: FieldType<unknown> }[];
  readonly endpoints: readonly ManifestEndpoint[];
  readonly imports: readonly ManifestEndpoint[];
  readonly exports: readonly ManifestEndpoint[];
  readonly console: boolean;
  readonly main: (ctx: object) => unknown;
}

export class ManifestError extends SingError {
  constructor(program: string, message: string) { super('E_MANIFEST', `program ${program}: ${message}`); }
}

const manifests = new WeakMap<object, Manifest>();
const RESERVED = new Set(['abi', 'params', 'console']);

export function manifestOf(p: unknown): Manifest | undefined {
  return typeof p === 'object' && p !== null ? manifests.get(p) : undefined;
}

function own(o: unknown, what: string, program: string): [string, unknown][] {
  if (o === undefined) return [];
  if (typeof o !== 'object' || o === null) throw new ManifestError(program, `${what} must be an object`);
  return Object.keys(o).map((k) => [k, (o as Record<string, unknown>)[k]]);
}

export function defineProgram<const P extends FieldMap = Record<never, never>, const E extends DeclMap = Record<never, never>, const I extends DeclMap = Record<never, never>, const X extends DeclMap = Record<never, never>, const K extends boolean = false>(
  spec: ProgramSpec<P, E, I, X, K>,
): Program {
  const s = spec as unknown as Record<string, unknown>;
  const name = s['name'];
  if (typeof name !== 'string' || !/^[a-z][\w.-]*$/i.test(name)) throw new ManifestError(String(name), 'name must be a word such as "calc-client"');
  const keys = new Set<string>();
  const claim = (k: string, what: string): void => {
    if (RESERVED.has(k) || keys.has(k)) throw new ManifestError(name, `${what} ${k}: the name is reserved or used twice`);
    keys.add(k);
  };
  const parameters = own(s['parameters'], 'parameters', name).map(([key, type]) => {
    if (!isFieldType(type) || type.kind === 'endpoint') throw new ManifestError(name, `parameter ${key} must be a value field type (i32, str, record(...))`);
    return Object.freeze({ key, type });
  });
  const decls = (what: 'endpoints' | 'imports' | 'exports'): ManifestEndpoint[] =>
    own(s[what], what, name).map(([key, decl]) => {
      claim(key, what);
      if (!isEndpointDecl(decl)) throw new ManifestError(name, `${what}.${key} must be an endpoint declaration such as C.imp('/service/x')`);
      if (what === 'endpoints' && decl.path !== undefined) throw new ManifestError(name, `endpoints.${key} is handed over by the creator and takes no path; use imports/exports for names`);
      if (what !== 'endpoints' && decl.path === undefined) throw new ManifestError(name, `${what}.${key} needs a path`);
      if (what === 'imports' && decl.side !== 'imp') throw new ManifestError(name, `imports.${key} must be an import end (C.imp(path))`);
      if (what === 'exports' && decl.side !== 'exp') throw new ManifestError(name, `exports.${key} must be an export end (C.exp(path))`);
      return Object.freeze({ key, decl });
    });
  const endpoints = decls('endpoints');
  const imports = decls('imports');
  const exports = decls('exports');
  const main = s['main'];
  if (typeof main !== 'function') throw new ManifestError(name, 'main must be a function');
  const console = s['console'] === true;
  const manifest: Manifest = Object.freeze({
    name, parameters: Object.freeze(parameters), endpoints: Object.freeze(endpoints), imports: Object.freeze(imports),
    exports: Object.freeze(exports), console, main: main as (ctx: object) => unknown,
  });
  const program: Program = Object.freeze({ kind: 'sing.program' as const, name });
  manifests.set(program, manifest);
  return program;
}
