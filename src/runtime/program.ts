// defineProgram: how a program declares its manifest beside its code.
// Rules for callers (programs): the entry module default-exports `defineProgram({...})`. The
// manifest names the program, its typed parameters, its startup endpoints (given by the creator),
// its imports (bound by the kernel through the name service at start) and exports (registered at
// start; `main` gets a Listener), whether it wants a console, and `main`.
// Invariants: the manifest is read once into a frozen snapshot kept out of the program's reach
// (`manifestOf`), so the kernel never re-reads program-controlled objects.
import { compiledOf, isEndpointDecl, type AnyContract, type EndpointDecl } from '../contracts/contract.ts';
import type { CompiledContract } from '../contracts/compiler.ts';
import { isFieldType, type FieldMap, type FieldType, type Payload } from '../contracts/field.ts';
import type { Endpoint, Side } from '../contracts/view.ts';
import { harden } from '../lib/harden.ts';
import type { Abi, Console } from './abi.ts';
import type { Listener } from './provider.ts';
import { DEFAULT_FUEL, isTcpDestination, ManifestError, normalizeResourcePath, parseSize, tcpDestination } from './manifest-values.ts';

export { DEFAULT_FUEL, isTcpDestination, ManifestError, normalizeResourcePath, parseSize, tcpDestination };

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
  /** Resources: the most exchange-heap bytes this program may hold (`'64KiB'`, or a number), its
   * memory budget (`'128MiB'`: the JavaScript heap and buffers each of its processes may hold;
   * the system's default when absent), and the CPU fuel of one turn (checks at calls and loop
   * iterations before it must yield). */
  readonly resources?: {
    readonly exchangeHeap?: string | number;
    readonly memory?: string | number;
    readonly cpuFuel?: number;
    /** Host resources by key: a file (a disk image), a TCP port to listen on (exclusive unless said
     * otherwise) or a TCP destination to connect to (never exclusive). */
    readonly host?: { readonly [key: string]: HostResourceSpec };
    /** Paths below mount points the program may bind: an exact path or a subtree (`/fs/www/**`),
     * each 'read' or 'write', or `{ access, exclusive: true }` to claim it for this program alone
     * (the installer refuses another program whose claims overlap it). */
    readonly files?: { readonly [pattern: string]: FileClaimSpec };
    /** What the program may ask the network service for: ports to listen on (each claimed for
     * this program alone: the installer refuses a second claim on a port) and destinations to
     * connect to ('127.0.0.1:6379'). The service checks requests against them (`abi.peer`). */
    readonly network?: { readonly listen?: readonly number[]; readonly connect?: readonly string[] };
  };
  /** The `trusted` privilege: raw views of exchange-heap blocks; the system policy must grant it. */
  readonly trusted?: boolean;
  /** Safe-subset rules (SING2xxx codes) a trusted program is allowed to break. */
  readonly unsafe?: readonly string[];
  /** A version such as '1.2.0' (default '0.0.0'). */
  readonly version?: string;
  readonly category?: 'application' | 'service' | 'driver';
  /** Programs (by name) that must be installed before this one. */
  readonly dependencies?: readonly string[];
  main(ctx: Context<P, E, I, X, K>): Promise<number | void> | number | void;
}

/** A host resource a program declares: a file (such as a disk image), a TCP port to listen on, or
 * a TCP destination to connect to (`'127.0.0.1:6379'`, `'[::1]:6379'`, `'localhost:6379'`: a
 * literal address or localhost, never a name to look up; never exclusive). */
export type HostResourceSpec =
  | { readonly kind: 'file'; readonly path: string; readonly exclusive?: boolean }
  | { readonly kind: 'tcp'; readonly port: number; readonly exclusive?: boolean }
  | { readonly kind: 'tcp'; readonly connect: string; readonly exclusive?: false }
  /** The host's terminal (the console driver's keyboard and screen): one holder at a time. */
  | { readonly kind: 'terminal'; readonly exclusive?: true }
  /** The kernel's status (processes, channels, the exchange heap; `abi.status()`): shared. */
  | { readonly kind: 'status'; readonly exclusive?: false };

export type HostResourceKind = 'file' | 'tcp' | 'terminal' | 'status';

/** A declared host resource, as the kernel keeps it and `abi.resource(key)` returns it. */
export interface HostResource {
  readonly key: string;
  readonly kind: HostResourceKind;
  /** The file's path, the listen port's number as text (digits only), a connect destination
   * as `host:port` (tcpDestination's spelling), or the kind's own name for the terminal and the
   * status: what exclusivity is judged on. */
  readonly target: string;
  readonly exclusive: boolean;
}

export interface ManifestEndpoint {
  readonly key: string;
  readonly decl: EndpointDecl<AnyContract, Side, string>;
  /** The declaration's compiled contract, looked up once. */
  readonly cc: CompiledContract;
}
/** The validated manifest: everything a program declares except its code. */
export interface Manifest {
  readonly name: string;
  readonly parameters: readonly { readonly key: string; readonly type: FieldType<unknown> }[];
  readonly endpoints: readonly ManifestEndpoint[];
  readonly imports: readonly ManifestEndpoint[];
  readonly exports: readonly ManifestEndpoint[];
  readonly console: boolean;
  /** Exchange-heap quota in bytes (0 when the manifest declares none). */
  readonly heapQuota: number;
  /** CPU fuel per turn. */
  readonly fuel: number;
  /** Memory budget per process in bytes (0: the system's default, limits.memoryBudget). */
  readonly memory: number;
  readonly trusted: boolean;
  /** What kind of program it is; only a driver may open a host file as a device. */
  readonly category: 'application' | 'service' | 'driver';
  readonly host: readonly HostResource[];
  /** The paths below mount points the program may bind (`resources.files`), each with its access:
   * an exact path, or a subtree (`/fs/www/**`). */
  readonly files: readonly FileClaim[];
  /** `resources.network`: the ports it may listen on and the destinations it may connect to
   * (normalized by tcpDestination), through the network service. */
  readonly network: NetworkClaims;
}

export interface NetworkClaims { readonly listen: readonly number[]; readonly connect: readonly string[] }

/** A declared file claim as written: the access, or the access and whether it is exclusive. */
export type FileClaimSpec = 'read' | 'write' | { readonly access: 'read' | 'write'; readonly exclusive?: boolean };

/** A declared file claim as the kernel keeps it. Shared (exclusive false) unless it says so. */
export interface FileClaim { readonly pattern: string; readonly access: 'read' | 'write'; readonly exclusive: boolean }

const FILE_PATTERN = /^(\/[\w.-]+)+(\/\*\*)?$/;


let specOf: (p: unknown) => object | undefined;

/** What `defineProgram` returns: an opaque, frozen token holding the program's spec. Validation
 * happens in the kernel (`validateManifest`) once per image: module initialisation is
 * deterministic (a compartment offers no clock, randomness or input), so every instance of an
 * image declares the same manifest and only `main` differs between instances. */
export class Program {
  readonly #spec: object;
  static {
    specOf = (p) => (typeof p === 'object' && p !== null && #spec in p ? (p as Program).#spec : undefined);
  }
  private constructor(spec: object) {
    this.#spec = spec; // not frozen: the token is the module's own and holds nothing but #spec
  }
  static define(spec: object): Program { return new Program(spec); }
}
harden(Program);

/** The spec behind a `defineProgram` result, or undefined for anything else. */
export function programSpec(p: unknown): object | undefined { return specOf(p); }

export function defineProgram<const P extends FieldMap = Record<never, never>, const E extends DeclMap = Record<never, never>, const I extends DeclMap = Record<never, never>, const X extends DeclMap = Record<never, never>, const K extends boolean = false>(
  spec: ProgramSpec<P, E, I, X, K>,
): Program {
  if (typeof spec !== 'object' || spec === null) throw new ManifestError('?', 'defineProgram takes an object');
  return Program.define(spec);
}

const RESERVED = new Set(['abi', 'params', 'console']);

function own(o: unknown, what: string, program: string): [string, unknown][] {
  if (o === undefined) return [];
  if (typeof o !== 'object' || o === null) throw new ManifestError(program, `${what} must be an object`);
  return Object.keys(o).map((k) => [k, (o as Record<string, unknown>)[k]]);
}

/** Reads and checks a program's spec (everything but main) into a frozen Manifest. */
export function validateManifest(spec: object): Manifest {
  const s = spec as Record<string, unknown>;
  const name = s['name'];
  if (typeof name !== 'string' || !/^[a-z][\w.-]*$/i.test(name)) throw new ManifestError(String(name), 'name must be a word such as "calc-client"');
  const keys = new Set<string>();
  const claim = (k: string, what: string): void => {
    if (RESERVED.has(k) || keys.has(k)) throw new ManifestError(name, `${what} ${k}: the name is reserved or used twice`);
    keys.add(k);
  };
  const parameters = own(s['parameters'], 'parameters', name).map(([key, type]) => {
    if (!isFieldType(type) || type.kind === 'endpoint' || type.kind === 'block') throw new ManifestError(name, `parameter ${key} must be a value field type (i32, str, record(...))`);
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
      return Object.freeze({ key, decl, cc: compiledOf(decl.contract) as CompiledContract });
    });
  const endpoints = decls('endpoints');
  const imports = decls('imports');
  const exports = decls('exports');
  const resources = s['resources'];
  if (resources !== undefined && (typeof resources !== 'object' || resources === null)) throw new ManifestError(name, 'resources must be an object');
  const quota = resources === undefined ? undefined : (resources as Record<string, unknown>)['exchangeHeap'];
  const heapQuota = quota === undefined ? 0 : parseSize(quota, name, 'resources.exchangeHeap');
  const fuelSpec = resources === undefined ? undefined : (resources as Record<string, unknown>)['cpuFuel'];
  if (fuelSpec !== undefined && !(typeof fuelSpec === 'number' && Number.isInteger(fuelSpec) && fuelSpec > 0)) {
    throw new ManifestError(name, `resources.cpuFuel must be a positive whole number of checks, got ${JSON.stringify(fuelSpec)}`);
  }
  const fuel = fuelSpec ?? DEFAULT_FUEL;
  const memorySpec = resources === undefined ? undefined : (resources as Record<string, unknown>)['memory'];
  const memory = memorySpec === undefined ? 0 : parseSize(memorySpec, name, 'resources.memory');
  const host = own(resources === undefined ? undefined : (resources as Record<string, unknown>)['host'], 'resources.host', name)
    .map(([key, r]) => hostResource(name, key, r));
  const files = own(resources === undefined ? undefined : (resources as Record<string, unknown>)['files'], 'resources.files', name)
    .map(([pattern, spec]) => fileClaim(name, pattern, spec));
  const network = networkClaims(name, resources === undefined ? undefined : (resources as Record<string, unknown>)['network']);
  const category = s['category'] ?? 'application';
  if (category !== 'application' && category !== 'service' && category !== 'driver') throw new ManifestError(name, `category must be application, service or driver, got ${JSON.stringify(category)}`);
  return Object.freeze({
    name, parameters: Object.freeze(parameters), endpoints: Object.freeze(endpoints), imports: Object.freeze(imports),
    exports: Object.freeze(exports), console: s['console'] === true, heapQuota, fuel, memory, trusted: s['trusted'] === true,
    category, host: Object.freeze(host), files: Object.freeze(files), network,
  });
}

/** `resources.network`, checked: { listen?: ports 1..65535, connect?: 'host:port' destinations }. */
function networkClaims(program: string, spec: unknown): NetworkClaims {
  if (spec === undefined) return NO_NETWORK;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new ManifestError(program, 'resources.network must be { listen?: [ports], connect?: [\'host:port\'] }');
  const o = spec as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'listen' && k !== 'connect') throw new ManifestError(program, `resources.network.${k} is not a network claim (have: listen, connect)`);
  const listen = o['listen'] ?? [];
  const connect = o['connect'] ?? [];
  if (!Array.isArray(listen) || !listen.every((p) => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535)) {
    throw new ManifestError(program, `resources.network.listen must be a list of ports 1..65535, got ${JSON.stringify(listen)}`);
  }
  if (new Set(listen).size !== listen.length) throw new ManifestError(program, `resources.network.listen names a port twice: ${JSON.stringify(listen)}`);
  if (!Array.isArray(connect)) throw new ManifestError(program, `resources.network.connect must be a list of 'host:port' destinations, got ${JSON.stringify(connect)}`);
  const dests = connect.map((d) => {
    const n = typeof d === 'string' ? tcpDestination(d) : undefined;
    if (n === undefined) throw new ManifestError(program, `resources.network.connect: ${JSON.stringify(d)} is not 'host:port' with a literal address or localhost and a port 1..65535`);
    return n;
  });
  return Object.freeze({ listen: Object.freeze([...(listen as number[])]), connect: Object.freeze(dests) });
}

const NO_NETWORK: NetworkClaims = Object.freeze({ listen: Object.freeze([]), connect: Object.freeze([]) });

/** One `resources.files` entry, checked: 'read', 'write' or { access, exclusive? }. */
function fileClaim(program: string, pattern: string, spec: unknown): FileClaim {
  const at = `resources.files[${JSON.stringify(pattern)}]`;
  if (!FILE_PATTERN.test(pattern)) throw new ManifestError(program, `resources.files: ${JSON.stringify(pattern)} is not a path (/fs/www/index.html) or a subtree (/fs/www/**)`);
  if (spec === 'read' || spec === 'write') return Object.freeze({ pattern, access: spec, exclusive: false });
  const o = typeof spec === 'object' && spec !== null ? spec as Record<string, unknown> : null;
  const extra = o === null ? [] : Object.keys(o).filter((k) => k !== 'access' && k !== 'exclusive');
  if (o === null || (o['access'] !== 'read' && o['access'] !== 'write') || extra.length > 0) {
    throw new ManifestError(program, `${at} must be 'read', 'write' or { access: 'read' | 'write', exclusive?: boolean }, got ${shown(spec)}`);
  }
  const exclusive = o['exclusive'] ?? false;
  if (typeof exclusive !== 'boolean') throw new ManifestError(program, `${at}.exclusive must be true or false, got ${shown(exclusive)}`);
  return Object.freeze({ pattern, access: o['access'], exclusive });
}

/** A manifest value for a message, without running any of the program's code (no toJSON, no
 * getters: an object is shown by its keys). */
function shown(v: unknown): string {
  if (typeof v === 'object' && v !== null) return `{ ${Object.keys(v).join(', ')} }`;
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function hostResource(program: string, key: string, r: unknown): HostResource {
  const o = (typeof r === 'object' && r !== null ? r : {}) as Record<string, unknown>;
  const exclusive = o['exclusive'] ?? true;
  if (typeof exclusive !== 'boolean') throw new ManifestError(program, `resources.host.${key}.exclusive must be true or false`);
  if (o['kind'] === 'file' && typeof o['path'] === 'string' && o['path'] !== '') return Object.freeze({ key, kind: 'file', target: normalizeResourcePath(o['path']), exclusive });
  if (o['kind'] === 'tcp' && o['connect'] !== undefined && o['port'] !== undefined) throw new ManifestError(program, `resources.host.${key} is either a port to listen on or a destination to connect to, not both`);
  if (o['kind'] === 'tcp' && o['connect'] !== undefined) {
    const dest = typeof o['connect'] === 'string' ? tcpDestination(o['connect']) : undefined;
    if (dest === undefined) throw new ManifestError(program, `resources.host.${key}.connect must be 'host:port', the host a literal IPv4 address, a bracketed IPv6 address ([::1]:6379) or localhost, and the port 1..65535, got ${shown(o['connect'])}`);
    if (o['exclusive'] === true) throw new ManifestError(program, `resources.host.${key}: a connect destination is never exclusive (many programs may connect to one place)`);
    return Object.freeze({ key, kind: 'tcp', target: dest, exclusive: false });
  }
  if (o['kind'] === 'tcp' && Number.isInteger(o['port']) && (o['port'] as number) > 0 && (o['port'] as number) < 65536) {
    return Object.freeze({ key, kind: 'tcp', target: String(o['port']), exclusive });
  }
  if (o['kind'] === 'terminal' || o['kind'] === 'status') {
    // The terminal has one keyboard, so one holder; the status is read by any number.
    const only = o['kind'] === 'terminal';
    if (o['exclusive'] !== undefined && o['exclusive'] !== only) throw new ManifestError(program, `resources.host.${key}: the ${o['kind']} is ${only ? 'always exclusive (one console driver holds the keyboard)' : 'never exclusive'}`);
    return Object.freeze({ key, kind: o['kind'], target: o['kind'], exclusive: only });
  }
  throw new ManifestError(program, `resources.host.${key} must be { kind: 'file', path }, { kind: 'tcp', port } (port 1..65535), { kind: 'tcp', connect: 'host:port' }, { kind: 'terminal' } or { kind: 'status' }`);
}



/** A program's main function, read from its spec. */
export function mainOf(spec: object): ((ctx: object) => unknown) | undefined {
  const main = (spec as Record<string, unknown>)['main'];
  return typeof main === 'function' ? (main as (ctx: object) => unknown) : undefined;
}
