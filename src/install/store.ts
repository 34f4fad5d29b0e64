// The install store: a directory holding sealed images, stored manifests and the system manifest.
// Rules for callers: everything is content-addressed except `system.json`, which names what is
// installed and is replaced atomically (write a temporary file, then rename) as the last step of
// any change — so a failed or interrupted install leaves at most unreferenced files, never a
// half-installed program. Whoever reads system.json to decide what to write does both inside
// `locked` (or `editSystem`), which serializes writers across processes and within one
// (store-lock.ts); `writeSystem` alone is for hand edits and tests.
// Reads verify what they read: an image whose code does not hash to its name, a manifest that does
// not hash to its name or fails the schema, or a system file that does not parse or fails the
// schema are E_STORE_CORRUPT naming the file; a file this user may not read or write is
// E_STORE_PERMISSION, a missing one E_STORE_MISSING (store-error.ts).
// The cache: `cache/<key>.json` records which manifest and image a set of sources (named by `key`,
// source.ts) produced, and for which key and program; `verdict` hands one out only when it
// belongs to the key asked about and its manifest and image exist, check, and name one program.
// Layout: system.json; lock; images/<sha256>.json; manifests/<sha256>.json; cache/<key>.json.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageHash, type ImageSource } from '../kernel/image-source.ts';
import { checkManifestJson, NAME_RE, type ProgramManifest } from '../verifier/manifest-schema.ts';
import { errno, fsFailure, StoreError } from './store-error.ts';
import { withStoreLock, type LockOptions } from './store-lock.ts';
import { checkSystemJson, emptySystem, type SystemManifest } from './system.ts';

export { StoreError } from './store-error.ts';

export interface CacheEntry {
  /** The source key the verdict was reached for (the file's own name). */
  readonly key: string;
  /** The program the sources declare. */
  readonly name: string;
  /** sha256 of the stored manifest. */
  readonly manifest: string;
  /** The sealed image's hash. */
  readonly image: string;
}

/** A cached verdict that belongs to the sources asked about, with its manifest loaded. */
export interface Verdict {
  readonly manifest: ProgramManifest;
  readonly manifestHash: string;
  readonly image: string;
}

export interface StoreOptions {
  /** How writers wait for each other (store-lock.ts). */
  readonly lock?: LockOptions;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const HEX = /^[0-9a-f]{64}$/;

export class InstallStore {
  readonly dir: string;
  readonly #lock: LockOptions;
  constructor(dir: string, opts: StoreOptions = {}) {
    this.dir = dir;
    this.#lock = opts.lock ?? {};
  }

  #path(...p: string[]): string { return join(this.dir, ...p); }

  #write(file: string, text: string, what: string): void {
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      writeFileSync(tmp, text);
      renameSync(tmp, file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw fsFailure(e, file, `write ${what}`);
    }
  }

  /** The text of `file`, or undefined when it does not exist. */
  #readText(file: string, what: string): string | undefined {
    try { return readFileSync(file, 'utf8'); } catch (e) {
      if (errno(e) === 'ENOENT') return undefined;
      throw fsFailure(e, file, `read ${what}`);
    }
  }

  #read(file: string, what: string): string {
    const text = this.#readText(file, what);
    if (text === undefined) throw new StoreError('E_STORE_MISSING', `${file}: ${what} is missing from the install store`);
    return text;
  }

  #ensure(): void {
    for (const d of ['images', 'manifests', 'cache']) {
      try { mkdirSync(this.#path(d), { recursive: true }); } catch (e) { throw fsFailure(e, this.#path(d), 'create the folder'); }
    }
  }

  /** Runs `fn` holding the store's lock (store-lock.ts); `what` tells a waiting process who holds it. */
  locked<T>(what: string, fn: () => T | Promise<T>): Promise<T> {
    return withStoreLock(this.dir, what, fn, this.#lock);
  }

  /** Reads the system manifest, edits it and writes it back, holding the lock throughout. */
  editSystem(what: string, edit: (s: SystemManifest) => SystemManifest | Promise<SystemManifest>): Promise<SystemManifest> {
    return this.locked(what, async () => {
      const next = await edit(this.readSystem());
      this.writeSystem(next);
      return next;
    });
  }

  // ---- images ----

  putImage(img: ImageSource): void {
    this.#ensure();
    const file = this.#path('images', `${img.hash}.json`);
    this.#write(file, JSON.stringify({ name: img.name, hash: img.hash, globals: img.globals, code: img.code }), 'the image'); // always: repairs a damaged copy
  }

  /** The image stored under `hash`, checked against its hash. */
  getImage(hash: string): ImageSource {
    if (!HEX.test(hash)) throw new StoreError('E_STORE_CORRUPT', `image hash ${JSON.stringify(hash)} is not a sha256 digest`);
    const file = this.#path('images', `${hash}.json`);
    const text = this.#read(file, 'the image');
    let v: unknown;
    try { v = JSON.parse(text); } catch {
      throw new StoreError('E_STORE_CORRUPT', `${file}: the image does not parse: the store was altered or damaged`);
    }
    const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
    const ok = typeof o['name'] === 'string' && typeof o['code'] === 'string' && Array.isArray(o['globals'])
      && (o['globals'] as unknown[]).every((g) => typeof g === 'string') && o['hash'] === hash
      && imageHash(o['code'], o['globals'] as string[]) === hash;
    if (!ok) throw new StoreError('E_STORE_CORRUPT', `${file}: the image's content does not match its hash ${hash.slice(0, 12)}: the store was altered or damaged`);
    return Object.freeze({ name: o['name'] as string, hash, code: o['code'] as string, globals: Object.freeze([...(o['globals'] as string[])]) });
  }

  // ---- manifests ----

  putManifest(m: ProgramManifest): string {
    this.#ensure();
    const text = JSON.stringify(m, null, 2);
    const h = sha256(text);
    this.#write(this.#path('manifests', `${h}.json`), text, 'the manifest'); // always: repairs a damaged copy
    return h;
  }

  getManifest(h: string): ProgramManifest {
    if (!HEX.test(h)) throw new StoreError('E_STORE_CORRUPT', `manifest hash ${JSON.stringify(h)} is not a sha256 digest`);
    const file = this.#path('manifests', `${h}.json`);
    const text = this.#read(file, 'the manifest');
    if (sha256(text) !== h) throw new StoreError('E_STORE_CORRUPT', `${file}: the manifest's content does not match its hash: the store was altered or damaged`);
    let v: unknown;
    try { v = JSON.parse(text); } catch { throw new StoreError('E_STORE_CORRUPT', `${file}: the manifest does not parse`); }
    const problems = checkManifestJson(v);
    if (problems.length > 0) throw new StoreError('E_STORE_CORRUPT', `${file}: the manifest fails the schema: ${problems.join('; ')}`);
    return v as ProgramManifest;
  }

  // ---- the system manifest ----

  readSystem(): SystemManifest {
    const file = this.#path('system.json');
    const text = this.#readText(file, 'the system manifest');
    if (text === undefined) return emptySystem();
    let v: unknown;
    try { v = JSON.parse(text); } catch { throw new StoreError('E_STORE_CORRUPT', `${file}: the system manifest does not parse`); }
    const problems = checkSystemJson(v);
    if (problems.length > 0) throw new StoreError('E_STORE_CORRUPT', `${file}: the system manifest fails the schema: ${problems.join('; ')}`);
    return v as SystemManifest;
  }

  /** Replaces the system manifest in one rename: the commit point of every change. */
  writeSystem(s: SystemManifest): void {
    const problems = checkSystemJson(s);
    if (problems.length > 0) throw new StoreError('E_STORE_CORRUPT', `refusing to write a system manifest that fails the schema: ${problems.join('; ')}`);
    try { mkdirSync(this.dir, { recursive: true }); } catch (e) { throw fsFailure(e, this.dir, 'create the install store'); }
    this.#write(this.#path('system.json'), `${JSON.stringify(s, null, 2)}\n`, 'the system manifest');
  }

  // ---- the verification cache ----

  /** The cache entry stored under `key`, if it parses and was written for that key; a damaged
   * entry is a miss, an unreadable one E_STORE_PERMISSION. */
  getCache(key: string): CacheEntry | undefined {
    if (!HEX.test(key)) return undefined;
    const text = this.#readText(this.#path('cache', `${key}.json`), 'a cached verdict');
    if (text === undefined) return undefined;
    let v: unknown;
    try { v = JSON.parse(text); } catch { return undefined; }
    const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
    const { name, manifest, image } = o;
    if (o['key'] !== key || typeof name !== 'string' || !NAME_RE.test(name) || typeof manifest !== 'string' || !HEX.test(manifest) || typeof image !== 'string' || !HEX.test(image)) return undefined;
    return { key, name, manifest, image };
  }

  putCache(e: CacheEntry): void {
    this.#ensure();
    this.#write(this.#path('cache', `${e.key}.json`), JSON.stringify(e), 'a cached verdict');
  }

  /** The verdict cached for the sources `key` (whose entry file is `entry`), when it belongs to
   * them: written for this key, its manifest and image present and intact, both of the program
   * the entry names, the manifest's entry the sources' entry. Anything else is a miss. */
  verdict(key: string, entry: string): Verdict | undefined {
    const c = this.getCache(key);
    if (c === undefined) return undefined;
    try {
      const manifest = this.getManifest(c.manifest);
      const image = this.getImage(c.image);
      if (manifest.name !== c.name || image.name !== c.name || manifest.entry !== entry) return undefined;
      return { manifest, manifestHash: c.manifest, image: c.image };
    } catch (e) {
      if (e instanceof StoreError && (e.code === 'E_STORE_CORRUPT' || e.code === 'E_STORE_MISSING')) return undefined;
      throw e;
    }
  }

  /** Removes images and manifests no installed program refers to, and cache entries that point at
   * them, holding the lock (an install in progress elsewhere writes its files under it). */
  collect(): Promise<number> {
    return this.locked('gc', () => {
      const s = this.readSystem();
      const images = new Set(Object.values(s.programs).map((p) => p.image));
      const manifests = new Set(Object.values(s.programs).map((p) => p.manifest));
      let n = 0;
      const sweep = (dir: string, keep: (h: string) => boolean): void => {
        let names: string[];
        try { names = readdirSync(this.#path(dir)); } catch (e) {
          if (errno(e) === 'ENOENT') return;
          throw fsFailure(e, this.#path(dir), 'list the folder');
        }
        for (const f of names) {
          const h = f.replace(/\.json$/, '');
          if (!keep(h)) { rmSync(this.#path(dir, f), { force: true }); n++; }
        }
      };
      sweep('images', (h) => images.has(h));
      sweep('manifests', (h) => manifests.has(h));
      sweep('cache', (h) => { const c = this.getCache(h); return c !== undefined && images.has(c.image) && manifests.has(c.manifest); });
      return n;
    });
  }
}
