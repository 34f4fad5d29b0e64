// Host resources: the files and TCP ports programs declare, and who holds them right now.
// Rules for callers: the kernel calls `claim` when it creates a process (after its manifest is
// validated) and `release` when the process ends, whatever the reason. A process holds only the
// resources its manifest declares; `abi.resource(key)` hands out the declared descriptor and
// nothing else. The host may give a probe that says whether a resource is available at all (a
// file exists, a port is free); without one, every resource is taken to exist.
// A tcp listen port the host bound to 0 is not held (each listen gets its own free port).
// Invariants: an exclusive resource has at most one live holder, and a shared one is never held
// exclusively at the same time; a refused claim leaves no claim behind.
import { isTcpDestination, normalizeResourcePath, tcpDestination, type HostResource } from '../runtime/program.ts';
import { KernelError } from './error.ts';

/** Why `r` is not available (a reason), or undefined when it is. */
export type ResourceProbe = (r: HostResource) => string | undefined;

interface Holders { exclusive: boolean; count: number; holder: string }

export class HostResources {
  readonly #held = new Map<string, Holders>();
  readonly #probe: ResourceProbe | undefined;
  readonly #bindings: Readonly<Record<string, Readonly<Record<string, string>>>>;
  constructor(probe: ResourceProbe | undefined, bindings: Readonly<Record<string, Readonly<Record<string, string>>>> = {}) {
    this.#probe = probe;
    this.#bindings = bindings;
  }

  /** The system's host bindings for `program` (KernelOptions.hostBindings), applied whoever creates
   * it: the host, or a program such as a supervisor, which cannot bind host resources itself. */
  bindingsFor(program: string): Readonly<Record<string, string>> | undefined {
    return Object.hasOwn(this.#bindings, program) ? this.#bindings[program] : undefined;
  }

  /** Claims every resource in `rs` for `who`, or none of them (throws E_RESOURCE_BUSY or E_RESOURCE_UNAVAILABLE). */
  claim(who: string, rs: readonly HostResource[]): void {
    for (const r of rs) {
      if (unclaimed(r)) continue;
      const h = this.#held.get(idOf(r));
      if (h !== undefined && (h.exclusive || r.exclusive)) {
        throw new KernelError('E_RESOURCE_BUSY', `${who}: resources.host.${r.key} (${r.kind} ${r.target}) is held ${h.exclusive ? 'exclusively ' : ''}by ${h.holder}; ${r.exclusive ? 'an exclusive claim needs it free' : 'it cannot be shared'}`);
      }
      const why = this.#probe?.(r);
      if (why !== undefined) throw new KernelError('E_RESOURCE_UNAVAILABLE', `${who}: resources.host.${r.key} (${r.kind} ${r.target}) is not available: ${why}`);
    }
    for (const r of rs) {
      if (unclaimed(r)) continue;
      const id = idOf(r);
      const h = this.#held.get(id);
      if (h === undefined) this.#held.set(id, { exclusive: r.exclusive, count: 1, holder: who });
      else h.count++;
    }
  }

  release(rs: readonly HostResource[]): void {
    for (const r of rs) {
      const id = idOf(r);
      const h = this.#held.get(id);
      if (h === undefined) continue;
      if (--h.count === 0) this.#held.delete(id);
    }
  }

  /** Who holds the resource now (for `sing` and tests), or undefined. */
  holder(kind: HostResource['kind'], target: string): string | undefined {
    return this.#held.get(`${kind}:${target}`)?.holder;
  }
}

function idOf(r: HostResource): string { return `${r.kind}:${r.target}`; }

/** A listen port the host bound to 0 (any free port, the host's to choose at listen): there is
 * nothing to hold, so two such never conflict. */
function unclaimed(r: HostResource): boolean { return r.kind === 'tcp' && r.target === '0'; }

/** A manifest's host resources with the targets the host bound (only declared keys, same kind). */
export function bindHost(where: string, declared: readonly HostResource[], bound: Readonly<Record<string, string>> | undefined): readonly HostResource[] {
  if (bound === undefined) return declared;
  for (const k of Object.keys(bound)) {
    if (!declared.some((r) => r.key === k)) throw new KernelError('E_RESOURCE', `${where}: host binding ${k}: the manifest declares no host resource of that name (declared: ${declared.map((r) => r.key).join(', ') || 'none'})`);
  }
  return Object.freeze(declared.map((r) => {
    const t = Object.hasOwn(bound, r.key) ? bound[r.key] : undefined;
    if (t === undefined) return r;
    if (r.kind === 'terminal' || r.kind === 'status') throw new KernelError('E_RESOURCE', `${where}: host binding ${r.key}: the ${r.kind} is the system's own and cannot be bound elsewhere`);
    const connect = r.kind === 'tcp' && isTcpDestination(r.target);
    const target = typeof t !== 'string' || t === '' ? undefined : r.kind === 'file' ? normalizeResourcePath(t)
      : connect ? tcpDestination(t) : /^\d{1,5}$/.test(t) && Number(t) <= 65535 ? String(Number(t)) : undefined;
    if (target === undefined) throw new KernelError('E_RESOURCE', `${where}: host binding ${r.key}: ${JSON.stringify(t)} is not a ${r.kind === 'file' ? 'path' : connect ? "connect destination ('host:port', a literal address or localhost)" : 'port (0..65535; 0 for any free one)'}`);
    return Object.freeze({ ...r, target });
  }));
}
