// The name service: a kernel-resident directory of paths such as /service/calc and /dev/disk0.
// Rules for callers: a provider registers a path with a contract and gets a Listener (the export
// end of a provider channel whose import end the name service keeps). A client binds a path by
// handing over the export end of a fresh channel of that contract; the name service forwards it
// as `Connect { client }` and reports the provider's Accept or Refuse. Binds to one path are
// served one at a time, in order. Missing names, contract mismatches, refusals and providers that
// die are reported as BindResult values, never thrown into the void.
// Mounts: a provider may also mount a contract at a prefix (`abi.mount('/fs', File)`): a bind of a
// path below it (or of the prefix itself) with that contract, which no exact name serves, goes to
// the nearest such mount, whose Connect says the rest of the path (Singularity's reparse). Several
// contracts may be mounted at one prefix (a file system serves files and directories there).
// A process reaches a mounted path only if its manifest declares it (`resources.files`: an exact
// path or a subtree, read or write); the Connect says the access granted, and the provider keeps
// to it. The host (the kernel owner) may bind anything, with write access.
// Invariants: every entry's owner is alive; when an owner ends (or deregisters) its entries go,
// its pending binds are answered E_GONE and the client endpoints they carried are closed.
// Inside a protection domain the directory spans domains through `upstream` (set by the domain
// layer): each name registered and each mount made here is also published to the parent, and a
// bind for a name not provided here is passed up. The parent holds the one directory every domain
// sees; the binds it routes to a name or mount published from here arrive through `forward`.
// Families (naming.ts): a manifest export of a taken member of an allowMultiple family
// (`/dev/disk0`) registers the family's lowest free member instead; `namesOf` tells the host which.
import { coreOfHandle, openChannel, transfer, useHandle, type EndpointCore, type EndpointHandle, type Msg } from '../channels/index.ts';
import { compiledOf, type AnyContract } from '../contracts/contract.ts';
import type { CompiledContract } from '../contracts/compiler.ts';
import { SingError } from '../lib/error.ts';
import { harden } from '../lib/harden.ts';
import type { BindResult, PeerIdentity } from '../runtime/abi.ts';
import { identityOf } from './peers.ts';
import { providerOf } from '../runtime/provider.ts';
import type { FileClaim } from '../runtime/program.ts';
import type { Owner } from '../channels/index.ts';
import { checkFamilies, familyOf, type NamingOptions } from './naming.ts';

/** Whoever can provide names: a process, or a protection domain standing in for its processes. */
export interface NameOwner extends Owner { names: string[] | null }

/** The parent's directory, seen from inside a protection domain. */
export interface NameUpstream {
  /** A name (or, when `mount`, a mount of `c` at the prefix `path`) made here, for the parent. */
  published(path: string, c: AnyContract, mount: boolean): void;
  /** It went; a mount is told apart by its contract's fingerprint. */
  withdrawn(path: string, cc: CompiledContract, mount: boolean): void;
  /** Binds a name no process here provides; `client` is the kernel-held export end, `binder` the
   * identity of the process that asked (null for the host or the kernel). */
  bind(path: string, client: EndpointHandle, cc: CompiledContract, access: 'read' | 'write' | null, binder: PeerIdentity | null): Promise<BindResult>;
}

export class NameError extends SingError {}
harden(NameError); // thrown to programs: its prototype is shared by all of them

interface PendingBind { readonly client: EndpointHandle; readonly rest: string; readonly access: string; readonly resolve: (r: BindResult) => void }

/** What a binder may do with a mounted path: null when it did not declare the path. */
export type FileAccess = (path: string) => 'read' | 'write' | null;

/** The access `files` grants to `path`: the exact claim, else the nearest subtree's. */
export function accessOf(files: readonly FileClaim[], path: string): 'read' | 'write' | null {
  let best: FileClaim | null = null;
  for (const f of files) {
    const sub = f.pattern.endsWith('/**') ? f.pattern.slice(0, -3) : null;
    const hit = sub === null ? f.pattern === path : path === sub || path.startsWith(`${sub}/`);
    if (hit && (best === null || f.pattern === path || (best.pattern !== path && f.pattern.length > best.pattern.length))) best = f;
  }
  return best === null ? null : best.access;
}
interface Entry {
  /** Its key in the directory: the path, or for a mount `prefix//fingerprint` (no path has //). */
  readonly key: string;
  readonly path: string;
  readonly mount: boolean;
  readonly owner: NameOwner;
  readonly cc: CompiledContract;
  readonly provider: EndpointHandle; // kernel-owned import end of the provider channel
  readonly pending: PendingBind[];
  busy: boolean;
}

const PATH = /^(\/[\w.-]+)+$/;
/** What a bind may name: a registered name (PATH), or below a mount any component a file system
 * could hold — no '/', no control character, not '.' or '..' — up to 4,096 characters. */
// eslint-disable-next-line no-control-regex -- control characters are what it keeps out
const BIND_COMPONENT = /^[^/\u0000-\u001f\u007f]+$/;
function bindable(path: unknown): path is string {
  if (typeof path !== 'string' || path.length > 4096 || !path.startsWith('/')) return false;
  if (PATH.test(path)) return true;
  const parts = path.slice(1).split('/');
  return parts.every((c) => BIND_COMPONENT.test(c) && c !== '.' && c !== '..');
}

export class NameService {
  private readonly entries = new Map<string, Entry>();
  upstream: NameUpstream | null = null;
  /** The allowMultiple families, checked (naming.ts). */
  readonly families: readonly string[];
  constructor(private readonly kernel: Owner, naming?: NamingOptions) {
    this.families = checkFamilies(naming, 'new Kernel');
  }

  list(): { path: string; pid: number; contract: string; mount: boolean }[] {
    return [...this.entries.values()].map((e) => ({ path: e.path, pid: e.owner.pid, contract: e.cc.name, mount: e.mount }));
  }

  /** Makes `owner` the server of contract `c` at and below `prefix` (see the header). */
  mount(owner: NameOwner, prefix: string, c: AnyContract): EndpointHandle {
    const cc = checked(owner, 'mount', prefix, c, 'a mount point looks like /fs');
    const key = mountKey(prefix, cc);
    const taken = this.entries.get(key);
    if (taken !== undefined) throw new NameError('E_NAME_TAKEN', `${owner.label}: mount(${prefix}, ${cc.name}): ${taken.owner.label} serves ${cc.name} there already`);
    const exp = this.add(owner, key, prefix, c, cc, true);
    this.upstream?.published(prefix, c, true);
    return exp;
  }

  private add(owner: NameOwner, key: string, path: string, c: AnyContract, cc: CompiledContract, mount: boolean): EndpointHandle {
    const [imp, exp] = openChannel(compiledOf(providerOf(c)) as CompiledContract, this.kernel, owner);
    this.entries.set(key, { key, path, mount, owner, cc, provider: imp, pending: [], busy: false });
    (owner.names ??= []).push(key);
    return exp;
  }

  register(owner: NameOwner, path: string, c: AnyContract): EndpointHandle {
    const cc = checked(owner, 'register', path, c, 'a path looks like /service/name');
    const taken = this.entries.get(path);
    if (taken !== undefined) throw new NameError('E_NAME_TAKEN', `${owner.label}: register(${path}): the name is already provided by ${taken.owner.label}`);
    const exp = this.add(owner, path, path, c, cc, false);
    this.upstream?.published(path, c, false);
    return exp;
  }

  /** Registers a manifest export: as `register`, except that when `path` is a taken member of an
   * allowMultiple family the family's lowest free member is registered instead (naming.ts). */
  registerExport(owner: NameOwner, path: string, c: AnyContract): EndpointHandle {
    const family = typeof path === 'string' && this.entries.has(path) ? familyOf(this.families, path) : null;
    if (family === null) return this.register(owner, path, c);
    let n = 0;
    while (this.entries.has(`${family}${n}`)) n++; // ends: every taken member is an entry
    return this.register(owner, `${family}${n}`, c);
  }

  /** The exact names `owner` provides, in the order it registered them (not its mounts). */
  namesOf(owner: NameOwner): string[] {
    return (owner.names ?? []).filter((key) => !key.includes('//'));
  }

  deregister(owner: NameOwner, path: string): void {
    const e = typeof path === 'string' && PATH.test(path) ? this.entries.get(path) : undefined;
    if (e === undefined || e.owner !== owner) throw new NameError('E_NAME_NOT_OWNER', `${owner.label}: deregister(${String(path)}): the caller does not provide this name`);
    this.remove(e);
  }

  /** Removes a name (with `fingerprint`, the mount of that contract at `path`) whatever its
   * owner: the parent directory refused to publish it, or a domain's name went. */
  withdraw(path: string, fingerprint?: string): void {
    const e = typeof path === 'string' && PATH.test(path) ? this.entries.get(fingerprint === undefined ? path : `${path}//${fingerprint}`) : undefined;
    if (e !== undefined) this.remove(e);
  }

  /** Removes every name an ended process provided. */
  ownerEnded(owner: NameOwner): void {
    for (const key of [...(owner.names ?? [])]) { // remove() edits owner.names
      const e = this.entries.get(key);
      if (e !== undefined && e.owner === owner) this.remove(e);
    }
    owner.names = null;
  }

  private remove(e: Entry): void {
    this.entries.delete(e.key);
    const names = e.owner.names;
    if (names !== null) names.splice(names.indexOf(e.key), 1);
    e.provider.close();
    for (const b of e.pending.splice(0)) this.answerGone(b, e.path);
    this.upstream?.withdrawn(e.path, e.cc, e.mount);
  }

  private answerGone(b: PendingBind, path: string): void {
    b.client.close();
    b.resolve({ ok: false, code: 'E_GONE', reason: `the provider of ${path} is gone` });
  }

  /** Binds `path` for `client` (a process, or the kernel binding a manifest import); `files` says
   * what the client may do with mounted paths (null: anything, as the host may); `onBehalf` is the
   * process the bind is for (the importing process when the kernel binds), whose identity a
   * parent domain is told. */
  bind(client: Owner, path: string, exp: unknown, files: FileAccess | null = null, onBehalf: unknown = client): Promise<BindResult> {
    const core: EndpointCore = useHandle(exp, `${client.label}: bind(${String(path)})`);
    if (core.owner !== client || core.side !== 'exp' || core.state !== core.cc.initial) {
      throw new NameError('E_NAME_ENDPOINT', `${client.label}: bind(${String(path)}): give the export end of a new channel, owned by the caller, in its initial state (got ${core.describe()})`);
    }
    const mine = transfer(core, this.kernel);
    const valid = bindable(path);
    const exact = valid ? this.entries.get(path) : undefined;
    const [e, rest] = exact !== undefined ? [exact, ''] : valid ? this.mountFor(path, core.cc) : [undefined, ''];
    const access = files === null ? 'write' : files(path);
    if (e === undefined && this.upstream !== null && valid) return this.upstream.bind(path, mine, core.cc, access, identityOf(onBehalf));
    if (e === undefined) {
      mine.close();
      return Promise.resolve({ ok: false, code: 'E_NO_NAME', reason: `no process provides ${String(path)}${valid ? `, and no mount above it serves ${core.cc.name}` : ' (not a path)'}` });
    }
    if (e.cc !== core.cc) {
      mine.close();
      return Promise.resolve({ ok: false, code: 'E_CONTRACT', reason: `${path} speaks ${e.cc.name}, not ${core.cc.name}` });
    }
    let granted = ''; // an exact name grants nothing to say
    if (e.mount) {
      if (access === null) {
        mine.close();
        return Promise.resolve({ ok: false, code: 'E_DENIED', reason: `${client.label}: ${path} is not among the files its manifest declares (resources.files)` });
      }
      granted = access;
    }
    return this.queue(e, mine, rest, granted);
  }

  /** Delivers a bind the parent directory routed to `key` (a name, or a mount's `prefix//fingerprint`,
   * published from here): `client` is an export end the kernel holds, `rest` the path below the
   * name, `access` what the parent granted the binder (it judged the binder's declared files).
   * Input from another domain: anything malformed is answered as a failed bind, never thrown. */
  forward(key: string, client: unknown, rest: unknown, access: unknown): Promise<BindResult> {
    const core = coreOfHandle(client);
    if (core === null || core === undefined || core.owner !== this.kernel || core.side !== 'exp' || core.state !== core.cc.initial) {
      if (core?.owner === this.kernel) (client as EndpointHandle).close();
      return Promise.resolve({ ok: false, code: 'E_CONTRACT', reason: `${shownName(String(key))}: the other domain's Connect carried no new export end` });
    }
    const mine = transfer(core, this.kernel);
    const e = typeof key === 'string' ? this.entries.get(key) : undefined;
    const fail = (code: 'E_GONE' | 'E_CONTRACT' | 'E_DENIED', reason: string): Promise<BindResult> => {
      mine.close();
      return Promise.resolve({ ok: false, code, reason });
    };
    if (e === undefined) return fail('E_GONE', `the provider of ${shownName(String(key))} is gone`);
    if (e.cc !== core.cc) return fail('E_CONTRACT', `${e.path} speaks ${e.cc.name}, not ${core.cc.name}`);
    if (!e.mount) return rest === '' ? this.queue(e, mine, '', '') : fail('E_DENIED', `${e.path}: a bind of an exact name has no path below it (got ${String(rest)})`);
    if (typeof rest !== 'string' || (rest !== '' && !bindable(rest)) || (access !== 'read' && access !== 'write')) {
      return fail('E_DENIED', `${e.path}: the other domain routed a bind with a malformed path below the mount or access (${String(rest)}, ${String(access)})`);
    }
    return this.queue(e, mine, rest, access);
  }

  private queue(e: Entry, client: EndpointHandle, rest: string, access: string): Promise<BindResult> {
    return new Promise((resolve) => {
      e.pending.push({ client, rest, access, resolve });
      void this.pump(e);
    });
  }

  /** The nearest mount at or above `path` serving `cc`, and the rest of the path below it. */
  private mountFor(path: string, cc: CompiledContract): [Entry | undefined, string] {
    for (let p = path; p !== ''; p = p.slice(0, p.lastIndexOf('/'))) {
      const m = this.entries.get(mountKey(p, cc));
      if (m !== undefined) return [m, path.slice(p.length)];
    }
    return [undefined, ''];
  }

  private async pump(e: Entry): Promise<void> {
    if (e.busy) return;
    e.busy = true;
    try {
      for (let b = e.pending.shift(); b !== undefined; b = e.pending.shift()) {
        if (this.entries.get(e.key) !== e) { this.answerGone(b, e.path); continue; }
        e.provider.send('Connect', { client: b.client, path: b.rest, access: b.access });
        const m = (await e.provider.receive()) as Msg | { tag: '$closed' };
        if (m.tag === 'Accept') b.resolve({ ok: true });
        else if (m.tag === 'Refuse') {
          const back = (m as Msg)['client'] as EndpointHandle;
          back.close();
          b.resolve({ ok: false, code: 'E_REFUSED', reason: `${e.path} refused: ${String((m as Msg)['reason'])}` });
        } else {
          b.resolve({ ok: false, code: 'E_GONE', reason: `the provider of ${e.path} closed its listener` });
          if (this.entries.get(e.key) === e) this.remove(e);
        }
      }
    } finally {
      e.busy = false;
    }
  }
}

/** The compiled contract of a register or mount, once its path and contract are judged. */
function checked(owner: NameOwner, op: string, path: string, c: AnyContract, form: string): CompiledContract {
  if (typeof path !== 'string' || !PATH.test(path)) throw new NameError('E_NAME_PATH', `${owner.label}: ${op}(${String(path)}): ${form}`);
  const cc = compiledOf(c);
  if (cc === undefined) throw new NameError('E_NAME_CONTRACT', `${owner.label}: ${op}(${path}): not a contract`);
  return cc;
}

function mountKey(prefix: string, cc: CompiledContract): string {
  return `${prefix}//${cc.fingerprint}`;
}

/** How a directory key reads in `ps`: the path, or the mount point marked as one. */
export function shownName(key: string): string {
  const i = key.indexOf('//');
  return i < 0 ? key : `${key.slice(0, i)} (mount)`;
}
