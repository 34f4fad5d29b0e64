// The network service's host ports: the listen slots (`listen0` … `listen7`) and connect slots
// (`connect0` … `connect7`) its manifest declares, as the spawner bound them; which Sing port each
// listen slot serves (the `ports` parameter, in slot order); and which Sing ports are being
// listened on right now.
// Rules for callers: `PortTable.open(abi, ports)` once at start (a reason string when `ports` is
// malformed or names a port whose slot the spawner did not bind); `listenSlot(port)` before a
// listen, `hold` and `release` around it; `connectSlot(dest)` with a destination spelt by
// `destination()`, the kernel's one spelling.
// Invariants: a Sing port has at most one listen slot and at most one listener at a time; a slot
// still at its placeholder (not bound by the spawner) serves nothing.
import type { Abi } from 'sing/runtime';

/** Slots of each kind the manifest declares (main.ts declares exactly these keys). */
export const SLOTS = 8;

/** The port a listen slot declares until the spawner binds it (listen0 is 65528, …). */
const PLACEHOLDER_PORT = 65528;

/** The destination a connect slot declares until the spawner binds it. */
function placeholderDestination(i: number): string { return `127.0.0.1:${PLACEHOLDER_PORT + i}`; }

/** A requested address and port in the kernel's spelling of a destination (`127.0.0.1:6379`,
 * `[::1]:6379`, `localhost:6379`), or null when it is no literal address or port 1..65535. */
export function destination(address: string, port: number): string | null {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  const a = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (a === 'localhost') return `localhost:${port}`;
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(a)) {
    return a.split('.').every((o) => Number(o) <= 255 && String(Number(o)) === o) ? `${a}:${port}` : null;
  }
  return /^[0-9A-Fa-f:.]+$/.test(a) && a.includes(':') ? `[${a.toLowerCase()}]:${port}` : null;
}

/** A listen slot: the Sing port it serves, its key, and the listener on it now (who, for refusals). */
interface ListenSlot { readonly port: number; readonly key: string; holder: string | null }

export class PortTable {
  readonly #listen = new Map<number, ListenSlot>();
  readonly #connect = new Map<string, string>();

  private constructor() {}

  /** Reads the slots as bound; `ports` is the comma list of Sing ports, in slot order. */
  static open(abi: Abi, ports: string): PortTable | string {
    const t = new PortTable();
    const list = ports.trim() === '' ? [] : ports.split(',').map((p) => p.trim());
    if (list.length > SLOTS) return `ports: ${list.length} ports named, but the service has ${SLOTS} listen slots`;
    for (let i = 0; i < list.length; i++) {
      const text = list[i] as string;
      const port = /^\d{1,5}$/.test(text) ? Number(text) : 0;
      if (port < 1 || port > 65535) return `ports: ${JSON.stringify(text)} is not a port 1..65535 (ports is a comma list such as "8080,9000")`;
      if (t.#listen.has(port)) return `ports: port ${port} is named twice`;
      const key = `listen${i}`;
      if (abi.resource(key).target === String(PLACEHOLDER_PORT + i)) {
        return `ports: port ${port} is served by the listen slot ${key}, which the spawner did not bind (host: { ${key}: '0' } for any free port)`;
      }
      t.#listen.set(port, { port, key, holder: null });
    }
    for (let i = 0; i < SLOTS; i++) {
      const key = `connect${i}`;
      const target = abi.resource(key).target;
      if (target !== placeholderDestination(i) && !t.#connect.has(target)) t.#connect.set(target, key);
    }
    return t;
  }

  /** The key of the slot that serves Sing port `port`, or null when none does. */
  listenSlot(port: number): string | null { return this.#listen.get(port)?.key ?? null; }

  /** Who listens on `port` now (null: no one). */
  holder(port: number): string | null { return this.#listen.get(port)?.holder ?? null; }

  /** Marks `port` listened on by `who`; false when someone already is. */
  hold(port: number, who: string): boolean {
    const s = this.#listen.get(port);
    if (s === undefined || s.holder !== null) return false;
    s.holder = who;
    return true;
  }

  release(port: number): void {
    const s = this.#listen.get(port);
    if (s !== undefined) s.holder = null;
  }

  /** The key of the slot bound to `dest` (the kernel's spelling), or null. */
  connectSlot(dest: string): string | null { return this.#connect.get(dest) ?? null; }

  /** The slots in use, for the service's first console line. */
  describe(abi: Abi): string {
    const listen = [...this.#listen.values()].map((s) => `${s.port} on ${s.key} (host port ${abi.resource(s.key).target})`);
    const connect = [...this.#connect.entries()].map(([dest, key]) => `${dest} on ${key}`);
    return `listen ${listen.length === 0 ? 'none' : listen.join(', ')}; connect ${connect.length === 0 ? 'none' : connect.join(', ')}`;
  }
}
