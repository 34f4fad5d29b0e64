// What a new process is handed at create: its typed parameters and its startup endpoints.
// Rules for callers (the kernel's create): both functions check everything before changing
// anything, and throw KernelError (E_PARAMS, E_ENDPOINTS) naming the creator, the program and the
// rule; only when every endpoint is right are they moved from the creator to the new process.
// The create path allocates no closures (`refuse` is a plain function): see design-notes §4.
import { coreOfHandle, RevokedEndpoint, transfer, type EndpointCore, type Owner } from '../channels/index.ts';
import { INVALID } from '../contracts/field.ts';
import type { Manifest, ManifestEndpoint } from '../runtime/program.ts';
import type { CompiledContract } from '../contracts/compiler.ts';
import { KernelError, who } from './error.ts';
import type { Process } from './process.ts';

const NO_PARAMS: Readonly<Record<string, unknown>> = Object.freeze({});

function refuse(code: string, parent: Process | null, m: Manifest, msg: string): never {
  throw new KernelError(code, `${who(parent)}: create(${m.name}): ${msg}`);
}

/** The parameters, checked against the manifest and copied into a frozen object. */
export function startupParams(parent: Process | null, m: Manifest, given: unknown): Readonly<Record<string, unknown>> {
  const ps = m.parameters;
  if (ps.length === 0 && given === undefined) return NO_PARAMS;
  if (typeof given !== 'object' || given === null) refuse('E_PARAMS', parent, m, 'params must be an object');
  const src = given as Record<string, unknown>;
  for (const k in src) if (Object.hasOwn(src, k) && !ps.some((p) => p.key === k)) refuse('E_PARAMS', parent, m, `unknown parameter ${k}`);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < ps.length; i++) {
    const { key, type } = ps[i] as Manifest['parameters'][number];
    const v = type.take(src[key]);
    if (v === INVALID) refuse('E_PARAMS', parent, m, `parameter ${key} must be ${type.describe}`);
    out[key] = v;
  }
  return Object.freeze(out);
}

/** Checks every startup endpoint the manifest declares (contract, side, state, owned by the
 * creator), then moves them all into `ctx` for the new process. */
export function moveStartupEndpoints(parent: Process | null, creator: Owner, m: Manifest, given: unknown, p: Process, ctx: Record<string, unknown>): void {
  const eps = m.endpoints;
  const n = eps.length;
  if (n === 0 && given === undefined) return;
  if (typeof given !== 'object' || given === null) refuse('E_ENDPOINTS', parent, m, 'endpoints must be an object');
  const src = given as Record<string, unknown>;
  let count = 0;
  for (const k in src) if (Object.hasOwn(src, k)) count++;
  // Read every value first (a getter is the creator's code, and could move, close or start a
  // receive on an endpoint already checked); then check them all; then move them all, with no
  // program code running between the checks and the moves.
  const values: unknown[] = [];
  for (let i = 0; i < n; i++) values.push(src[(eps[i] as ManifestEndpoint).key]);
  if (count !== n) for (const k in src) if (Object.hasOwn(src, k) && !eps.some((e) => e.key === k)) refuse('E_ENDPOINTS', parent, m, `the manifest declares no endpoint ${k}`);
  const cores: EndpointCore[] = [];
  for (let i = 0; i < n; i++) {
    const { key, decl, cc } = eps[i] as ManifestEndpoint;
    const h = values[i];
    if (h === undefined) refuse('E_ENDPOINTS', parent, m, `endpoint ${key} (${decl.contract.name}.${decl.side}) is required`);
    const c = coreOfHandle(h);
    if (c === undefined) refuse('E_ENDPOINTS', parent, m, `endpoint ${key} is not an endpoint`);
    if (c === null) {
      creator.violate(new RevokedEndpoint(`${who(parent)}: create(${m.name}): endpoint ${key} was already moved or closed`));
      refuse('E_ENDPOINTS', parent, m, `endpoint ${key} was already moved or closed`);
    }
    const core = c as EndpointCore;
    if (core.owner !== creator || core.cc !== cc || core.side !== decl.side || core.node.name !== decl.state || cores.includes(core) || core.waiter !== null) {
      refuse('E_ENDPOINTS', parent, m, `endpoint ${key} must be ${decl.contract.name}.${decl.side} in state ${decl.state}, owned by the creator, with no receive pending; got ${core.describe()}`);
    }
    cores.push(core);
  }
  for (let i = 0; i < n; i++) ctx[(eps[i] as ManifestEndpoint).key] = transfer(cores[i] as EndpointCore, p);
}

/** The state a new channel of `cc` starts in: the initial one, or one of the contract's entry
 * states (Sing#'s NewChannel in a named state); anything else is E_CHANNEL_STATE. */
export function startState(cc: CompiledContract, state: string | undefined, where: string): number {
  if (state === undefined) return cc.initial;
  const i = typeof state === 'string' ? cc.states.indexOf(state) : -1;
  if (i === cc.initial || cc.entries.includes(i)) return i;
  const allowed = [cc.initial, ...cc.entries].map((x) => cc.states[x]).join(', ');
  throw new KernelError('E_CHANNEL_STATE', `${where}: a channel may start only in ${allowed}, not in ${String(state)}${i < 0 ? ' (no such state)' : ''}`);
}
