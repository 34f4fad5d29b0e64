// The store: the service's data, in plain Maps of strings and numbers, shared by every client
// thread of the process. Rules: keys are 1 to 256 characters without control characters; values
// are at most 64 KiB of text; the store holds at most `capacity` keys (a Put of a new key beyond
// that is rejected, an overwrite is not). Each key carries a version, bumped on every write.
// Nothing here touches endpoints or exchange-heap blocks: those stay in the thread that owns them.

export const MAX_KEY = 256;
export const MAX_VALUE = 64 * 1024;

export interface Entry { readonly key: string; readonly value: string; readonly version: number }

export type PutResult =
  | { readonly ok: true; readonly created: boolean; readonly version: number }
  | { readonly ok: false; readonly reason: string };

export interface Counters { gets: number; hits: number; puts: number; deletes: number; scans: number }

/** Why a key is not acceptable, or undefined when it is. */
export function badKey(key: string): string | undefined {
  if (key.length === 0) return 'the key is empty';
  if (key.length > MAX_KEY) return `the key is longer than ${MAX_KEY} characters`;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return `the key holds a control character at ${i}`;
  }
  return undefined;
}

export class Store {
  readonly name: string;
  readonly capacity: number;
  readonly counters: Counters = { gets: 0, hits: 0, puts: 0, deletes: 0, scans: 0 };
  private readonly values = new Map<string, string>();
  private readonly versions = new Map<string, number>();
  /** Characters held in keys and values, kept as entries come and go. */
  private chars = 0;

  constructor(name: string, capacity: number) {
    this.name = name;
    this.capacity = Math.max(1, capacity | 0);
  }

  get size(): number { return this.values.size; }
  get bytes(): number { return this.chars; }

  get(key: string): Entry | undefined {
    this.counters.gets++;
    const value = this.values.get(key);
    if (value === undefined) return undefined;
    this.counters.hits++;
    return { key, value, version: this.versions.get(key) ?? 0 };
  }

  put(key: string, value: string): PutResult {
    const bad = badKey(key);
    if (bad !== undefined) return { ok: false, reason: bad };
    if (value.length > MAX_VALUE) return { ok: false, reason: `the value is longer than ${MAX_VALUE} characters` };
    const old = this.values.get(key);
    if (old === undefined && this.values.size >= this.capacity) {
      return { ok: false, reason: `the store is full (${this.capacity} keys)` };
    }
    this.counters.puts++;
    const version = (this.versions.get(key) ?? 0) + 1;
    this.chars += old === undefined ? key.length + value.length : value.length - old.length;
    this.values.set(key, value);
    this.versions.set(key, version);
    return { ok: true, created: old === undefined, version };
  }

  delete(key: string): boolean {
    const old = this.values.get(key);
    if (old === undefined) return false;
    this.counters.deletes++;
    this.chars -= key.length + old.length;
    this.values.delete(key);
    this.versions.delete(key);
    return true;
  }

  /** The keys starting with `prefix`, in order, at most `limit` of them; `more` when cut short. */
  scan(prefix: string, limit: number): { keys: string[]; more: boolean } {
    this.counters.scans++;
    const keys = this.matching(prefix);
    const n = Math.max(0, Math.min(limit, keys.length));
    return { keys: keys.slice(0, n), more: keys.length > n };
  }

  /** The entries whose keys start with `prefix`, in key order. */
  entries(prefix: string): Entry[] {
    return this.matching(prefix).map((key) => ({
      key,
      value: this.values.get(key) ?? '',
      version: this.versions.get(key) ?? 0,
    }));
  }

  /** Removes every key starting with `prefix`; returns how many went. */
  clear(prefix: string): number {
    let n = 0;
    for (const key of this.matching(prefix)) if (this.delete(key)) n++;
    return n;
  }

  private matching(prefix: string): string[] {
    const out: string[] = [];
    for (const key of this.values.keys()) if (key.startsWith(prefix)) out.push(key);
    return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
