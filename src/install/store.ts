// The install store: a directory holding sealed images, stored manifests and the system manifest.
// Rules for callers: everything is content-addressed except `system.json`, which names what is
// installed and is replaced atomically (write a temporary file, then rename) as the last step of
// any change — so a failed or interrupted install leaves at most unreferenced files, never a
// half-installed program. Reads verify what they read: an image whose code does not hash to its
// name, a manifest that does not hash to its name or fails the schema, or a system file that does
// not parse are reported as E_STORE_CORRUPT naming the file.
// Layout: system.json; images/<sha256>.json; manifests/<sha256>.json; cache/<sha256>.json (what the
// verifier concluded about a given set of sources, so a repeated install skips the work).
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageHash, type ImageSource } from '../kernel/image-source.ts';
import { SingError } from '../lib/error.ts';
import { checkManifestJson, type ProgramManifest } from '../verifier/manifest-schema.ts';
import { checkSystemJson, emptySystem, type SystemManifest } from './system.ts';

export class StoreError extends SingError {
  constructor(code: 'E_STORE_CORRUPT' | 'E_STORE_MISSING' | 'E_STORE_IO', message: string) { super(code, message); }
}

export interface CacheEntry {
  /** sha256 of the stored manifest. */
  readonly manifest: string;
  /** The sealed image's hash. */
  readonly image: string;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const HEX = /^[0-9a-f]{64}$/;

export class InstallStore {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  #path(...p: string[]): string { return join(this.dir, ...p); }

  #write(file: string, text: string): void {
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      writeFileSync(tmp, text);
      renameSync(tmp, file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw new StoreError('E_STORE_IO', `${file}: cannot write: ${(e as Error).message}`);
    }
  }

  #read(file: string, what: string): string {
    if (!existsSync(file)) throw new StoreError('E_STORE_MISSING', `${file}: ${what} is missing from the install store`);
    return readFileSync(file, 'utf8');
  }

  #ensure(): void {
    for (const d of ['images', 'manifests', 'cache']) mkdirSync(this.#path(d), { recursive: true });
  }

  // ---- images ----

  putImage(img: ImageSource): void {
    this.#ensure();
    const file = this.#path('images', `${img.hash}.json`);
    this.#write(file, JSON.stringify({ name: img.name, hash: img.hash, globals: img.globals, code: img.code })); // always: repairs a damaged copy
  }

  /** The image stored under `hash`, checked against its hash. */
  getImage(hash: string): ImageSource {
    if (!HEX.test(hash)) throw new StoreError('E_STORE_CORRUPT', `image hash ${JSON.stringify(hash)} is not a sha256 digest`);
    const file = this.#path('images', `${hash}.json`);
    let v: unknown;
    try { v = JSON.parse(this.#read(file, 'the image')); } catch (e) {
      if (e instanceof StoreError) throw e;
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
    const file = this.#path('manifests', `${h}.json`);
    this.#write(file, text); // always: repairs a damaged copy
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
    if (!existsSync(file)) return emptySystem();
    let v: unknown;
    try { v = JSON.parse(readFileSync(file, 'utf8')); } catch { throw new StoreError('E_STORE_CORRUPT', `${file}: the system manifest does not parse`); }
    const problems = checkSystemJson(v);
    if (problems.length > 0) throw new StoreError('E_STORE_CORRUPT', `${file}: the system manifest fails the schema: ${problems.join('; ')}`);
    return v as SystemManifest;
  }

  /** Replaces the system manifest in one rename: the commit point of every change. */
  writeSystem(s: SystemManifest): void {
    const problems = checkSystemJson(s);
    if (problems.length > 0) throw new StoreError('E_STORE_CORRUPT', `refusing to write a system manifest that fails the schema: ${problems.join('; ')}`);
    mkdirSync(this.dir, { recursive: true });
    this.#write(this.#path('system.json'), `${JSON.stringify(s, null, 2)}\n`);
  }

  // ---- the verification cache ----

  getCache(key: string): CacheEntry | undefined {
    const file = this.#path('cache', `${key}.json`);
    if (!existsSync(file)) return undefined;
    try {
      const v = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      if (typeof v['manifest'] === 'string' && HEX.test(v['manifest']) && typeof v['image'] === 'string' && HEX.test(v['image'])) return { manifest: v['manifest'], image: v['image'] };
    } catch { /* a damaged cache entry is only a miss */ }
    return undefined;
  }

  putCache(key: string, e: CacheEntry): void {
    this.#ensure();
    this.#write(this.#path('cache', `${key}.json`), JSON.stringify(e));
  }

  /** Removes images and manifests no installed program refers to, and cache entries that point at them. */
  collect(): number {
    const s = this.readSystem();
    const images = new Set(Object.values(s.programs).map((p) => p.image));
    const manifests = new Set(Object.values(s.programs).map((p) => p.manifest));
    let n = 0;
    const sweep = (dir: string, keep: (h: string) => boolean): void => {
      if (!existsSync(this.#path(dir))) return;
      for (const f of readdirSync(this.#path(dir))) {
        const h = f.replace(/\.json$/, '');
        if (!keep(h)) { rmSync(this.#path(dir, f), { force: true }); n++; }
      }
    };
    sweep('images', (h) => images.has(h));
    sweep('manifests', (h) => manifests.has(h));
    sweep('cache', (h) => { const c = this.getCache(h); return c !== undefined && images.has(c.image) && manifests.has(c.manifest); });
    return n;
  }
}
