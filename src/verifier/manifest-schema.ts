// The stored manifest: its JSON shape and the schema check every manifest passes, whether it was
// just read from a program's source (manifest.ts) or loaded back from the install store.
// Rules for callers: `checkManifestJson(v)` returns a list of problems, each naming the field
// (`resources.host.disk.path`) and the rule broken; an empty list means `v` is a ProgramManifest.
// Nothing here runs program code: a manifest is data.
import { isTcpDestination, tcpDestination } from '../runtime/manifest-values.ts';

/** The keys `resources` may have. */
export const RESOURCE_KEYS: readonly string[] = ['exchangeHeap', 'memory', 'cpuFuel', 'host', 'files', 'network'];

export const MANIFEST_SCHEMA = 1;
export const CATEGORIES = ['application', 'service', 'driver'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface EndpointManifest {
  /** The contract's declared name, e.g. 'Calculator'. */
  readonly contract: string;
  /** sha256 of the contract's declaration, normalised: two programs agree on a contract when this matches. */
  readonly fingerprint: string;
  /** Where the contract is declared: 'sing/contracts/<name>' or a file of the program ('./contracts.ts'). */
  readonly module: string;
  readonly side: 'imp' | 'exp';
  readonly path?: string;
  readonly state?: string;
}

export interface HostResourceManifest {
  readonly kind: 'file' | 'tcp' | 'terminal' | 'status';
  /** The file's path, the listen port's number as text, or a connect destination `host:port`. */
  readonly target: string;
  readonly exclusive: boolean;
}

/** A file claim as declared: 'read', 'write', or { access, exclusive? } (shared unless exclusive). */
export type FileClaimManifest = 'read' | 'write' | { readonly access: 'read' | 'write'; readonly exclusive?: boolean };

export interface ProgramManifest {
  readonly schema: typeof MANIFEST_SCHEMA;
  readonly name: string;
  readonly version: string;
  readonly category: Category;
  /** The entry file, relative to the program's folder. */
  readonly entry: string;
  readonly trusted: boolean;
  readonly unsafe: readonly string[];
  readonly console: boolean;
  /** Parameter name → field type description ('i32', 'str', '{a:i32}', 'i32[65536]', 'enum(["a"])'). */
  readonly parameters: Readonly<Record<string, string>>;
  readonly endpoints: Readonly<Record<string, EndpointManifest>>;
  readonly imports: Readonly<Record<string, EndpointManifest>>;
  readonly exports: Readonly<Record<string, EndpointManifest>>;
  readonly resources: {
    readonly exchangeHeap: number;
    /** Memory budget in bytes; 0 (or absent, in manifests stored before it existed): the system's default. */
    readonly memory?: number;
    readonly cpuFuel: number;
    readonly host: Readonly<Record<string, HostResourceManifest>>;
    /** Paths below mount points the program may bind: an exact path or a subtree (/fs/www/**), with
     * its access, or its access and whether the program claims it alone (installer.ts). */
    readonly files?: Readonly<Record<string, FileClaimManifest>>;
    /** Ports the program may listen on and destinations it may connect to through the network service. */
    readonly network?: { readonly listen?: readonly number[]; readonly connect?: readonly string[] };
  };
  readonly dependencies: readonly string[];
}

export const NAME_RE = /^[a-z][\w.-]*$/i;
export const VERSION_RE = /^\d+\.\d+\.\d+(?:-[\w.]+)?$/;
export const PATH_RE = /^(\/[\w.-]+)+$/;
const KEY_RE = /^[A-Za-z_$][\w$]*$/;
const RESERVED = new Set(['abi', 'params', 'console']);
const TOP = ['schema', 'name', 'version', 'category', 'entry', 'trusted', 'unsafe', 'console', 'parameters', 'endpoints', 'imports', 'exports', 'resources', 'dependencies'];

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is readonly string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** The problems with `v` as a stored manifest (empty when it is one). */
export function checkManifestJson(v: unknown): string[] {
  const out: string[] = [];
  const bad = (field: string, rule: string): void => { out.push(`${field}: ${rule}`); };
  if (!isObj(v)) return ['manifest: must be an object'];
  for (const k of Object.keys(v)) if (!TOP.includes(k)) bad(k, 'is not a manifest field');
  if (v['schema'] !== MANIFEST_SCHEMA) bad('schema', `must be ${MANIFEST_SCHEMA}`);
  if (typeof v['name'] !== 'string' || !NAME_RE.test(v['name'])) bad('name', 'must be a word such as "calc-client"');
  if (typeof v['version'] !== 'string' || !VERSION_RE.test(v['version'])) bad('version', "must be a version such as '1.2.0'");
  if (!(CATEGORIES as readonly unknown[]).includes(v['category'])) bad('category', `must be one of ${CATEGORIES.join(', ')}`);
  if (typeof v['entry'] !== 'string' || v['entry'] === '' || v['entry'].startsWith('/') || v['entry'].split('/').includes('..')) bad('entry', 'must be a file inside the program folder');
  if (typeof v['trusted'] !== 'boolean') bad('trusted', 'must be true or false');
  if (typeof v['console'] !== 'boolean') bad('console', 'must be true or false');
  if (!isStrings(v['unsafe']) || v['unsafe'].some((c) => !/^SING2\d{3}$/.test(c))) bad('unsafe', 'must list safe-subset rule codes (SING2xxx)');
  else if (v['unsafe'].length > 0 && v['trusted'] !== true) bad('unsafe', 'only a trusted program may waive safe-subset rules');
  if (!isStrings(v['dependencies']) || v['dependencies'].some((d) => !NAME_RE.test(d))) bad('dependencies', 'must list program names');
  const keys = new Set<string>();
  const key = (field: string, k: string): void => {
    if (!KEY_RE.test(k)) bad(field, 'must be a plain identifier');
    else if (RESERVED.has(k)) bad(field, `${k} is reserved for the context (abi, params, console)`);
    else if (keys.has(k)) bad(field, `the key ${k} is used twice in the manifest`);
    keys.add(k);
  };
  const params = v['parameters'];
  if (!isObj(params)) bad('parameters', 'must be an object');
  else for (const [k, t] of Object.entries(params)) if (typeof t !== 'string' || t === '') bad(`parameters.${k}`, 'must describe a value field type');
  for (const group of ['endpoints', 'imports', 'exports'] as const) {
    const g = v[group];
    if (!isObj(g)) { bad(group, 'must be an object'); continue; }
    for (const [k, e] of Object.entries(g)) {
      const f = `${group}.${k}`;
      key(f, k);
      if (!isObj(e)) { bad(f, 'must be an endpoint declaration'); continue; }
      if (typeof e['contract'] !== 'string' || e['contract'] === '') bad(`${f}.contract`, 'must name a contract');
      if (typeof e['fingerprint'] !== 'string' || !/^[0-9a-f]{64}$/.test(e['fingerprint'])) bad(`${f}.fingerprint`, 'must be a sha256 hex digest');
      if (typeof e['module'] !== 'string' || !(/^sing\/contracts\/[\w-]+$/.test(e['module']) || e['module'].startsWith('./'))) bad(`${f}.module`, 'must be sing/contracts/<name> or a file of the program');
      if (e['side'] !== 'imp' && e['side'] !== 'exp') bad(`${f}.side`, "must be 'imp' or 'exp'");
      if (e['state'] !== undefined && typeof e['state'] !== 'string') bad(`${f}.state`, 'must be a state name');
      const path = e['path'];
      if (group === 'endpoints' && path !== undefined) bad(`${f}.path`, 'a startup endpoint is handed over by the creator and takes no path; use imports/exports for names');
      if (group !== 'endpoints' && (typeof path !== 'string' || !PATH_RE.test(path))) bad(`${f}.path`, "must be a name-service path such as '/service/calc'");
      if (group === 'imports' && e['side'] !== 'imp') bad(f, 'an import must be an import end (C.imp(path))');
      if (group === 'exports' && e['side'] !== 'exp') bad(f, 'an export must be an export end (C.exp(path))');
    }
  }
  const r = v['resources'];
  if (!isObj(r)) bad('resources', 'must be an object');
  else {
    for (const k of Object.keys(r)) if (!RESOURCE_KEYS.includes(k)) bad(`resources.${k}`, `is not a resource (have: ${RESOURCE_KEYS.join(', ')})`);
    const net = r['network'];
    if (net !== undefined) {
      if (!isObj(net) || Object.keys(net).some((f) => f !== 'listen' && f !== 'connect')) bad('resources.network', "must be { listen?: [ports], connect?: ['host:port'] }");
      else {
        const listen = net['listen'] ?? [];
        const connect = net['connect'] ?? [];
        if (!Array.isArray(listen) || !listen.every((x) => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= 65535) || new Set(listen).size !== listen.length) bad('resources.network.listen', 'must be a list of distinct ports 1..65535');
        if (!Array.isArray(connect) || !connect.every((x) => typeof x === 'string' && tcpDestination(x) === x)) bad('resources.network.connect', "must be a list of 'host:port' destinations (a literal address or localhost, a port 1..65535)");
      }
    }
    const files = r['files'];
    if (files !== undefined && !isObj(files)) bad('resources.files', 'must be an object of paths');
    else for (const [k, a] of Object.entries(files ?? {})) {
      if (!/^(\/[\w.-]+)+(\/\*\*)?$/.test(k)) bad(`resources.files.${k}`, 'must be a path (/fs/www/index.html) or a subtree (/fs/www/**)');
      if (a === 'read' || a === 'write') continue;
      if (!isObj(a) || (a['access'] !== 'read' && a['access'] !== 'write') || Object.keys(a).some((f) => f !== 'access' && f !== 'exclusive')) bad(`resources.files.${k}`, "must be 'read', 'write' or { access: 'read' | 'write', exclusive?: true | false }");
      else if (a['exclusive'] !== undefined && typeof a['exclusive'] !== 'boolean') bad(`resources.files.${k}.exclusive`, 'must be true or false');
    }
    if (r['memory'] !== undefined && (!Number.isSafeInteger(r['memory']) || (r['memory'] as number) < 0)) bad('resources.memory', 'must be a size in bytes');
    if (!Number.isSafeInteger(r['exchangeHeap']) || (r['exchangeHeap'] as number) < 0) bad('resources.exchangeHeap', 'must be a size in bytes');
    if (!Number.isSafeInteger(r['cpuFuel']) || (r['cpuFuel'] as number) <= 0) bad('resources.cpuFuel', 'must be a positive whole number of checks');
    const host = r['host'];
    if (!isObj(host)) bad('resources.host', 'must be an object');
    else for (const [k, h] of Object.entries(host)) {
      const f = `resources.host.${k}`;
      if (!KEY_RE.test(k)) bad(f, 'must be a plain identifier');
      if (!isObj(h)) { bad(f, 'must be a host resource'); continue; }
      if (typeof h['exclusive'] !== 'boolean') bad(`${f}.exclusive`, 'must be true or false');
      if (h['kind'] === 'file') { if (typeof h['target'] !== 'string' || h['target'] === '') bad(`${f}.path`, 'must be a file path'); }
      else if (h['kind'] === 'tcp' && typeof h['target'] === 'string' && isTcpDestination(h['target'])) {
        if (tcpDestination(h['target']) !== h['target']) bad(`${f}.connect`, "must be 'host:port' with a literal address or localhost and a port 1..65535");
        else if (h['exclusive'] === true) bad(`${f}.exclusive`, 'a connect destination is never exclusive');
      } else if (h['kind'] === 'tcp') { const p = Number(h['target']); if (!Number.isInteger(p) || p < 1 || p > 65535 || String(p) !== h['target']) bad(`${f}.port`, 'must be a port 1..65535'); }
      else if (h['kind'] === 'terminal' || h['kind'] === 'status') {
        if (h['target'] !== h['kind']) bad(`${f}.target`, `must be '${h['kind']}'`);
        if (h['exclusive'] !== (h['kind'] === 'terminal')) bad(`${f}.exclusive`, h['kind'] === 'terminal' ? 'the terminal is always exclusive' : 'the status is never exclusive');
      } else bad(`${f}.kind`, "must be 'file', 'tcp', 'terminal' or 'status'");
    }
  }
  return out;
}
