// The checker (fsck) and the recovery a dirty mount runs: reads the whole FAT into memory, walks
// the tree from the root, and reports (and, asked to, repairs) what breaks the format's rules.
// Rules for callers: `checkVolume(core, io, { repair, dirty, clearDirty })` on a freshly opened volume
// (nothing cached dirty). With `repair`, directory fixes are flushed first (sizes lowered, broken
// entries deleted, names fixed), then the FAT is written to every copy, then FSInfo and the
// dirty mark: a cut during repair leaves a volume that is still marked dirty and checks again.
// Repairs follow fsck.fat's choices so that a repaired volume passes `fsck.fat -n`.
// Invariants: every cluster is claimed at most once; every walk stops at a cluster met before,
// so the whole check is bounded by the cluster count and the directory sizes.
import { FSINFO_LEAD, FSINFO_STRUCT, FSINFO_TRAIL } from './boot.ts';
import { ORDER } from './cache.ts';
import type { Core } from './core.ts';
import type { VolumeIO } from './device.ts';
import { ATTR_DIR, ATTR_LFN, DOT, DOTDOT, NT_NO_83NAME, NT_RENAME_PENDING, decodeEntry, encodeEntry, sameName, sfnKey } from './dirent.ts';
import { setDirty } from './dirty.ts';
import { Directory, type DirProblem, type Entry } from './directory.ts';
import { BAD, END } from './fat-table.ts';
import { FatImage } from './fat-image.ts';
import { le32, u32 } from './le.ts';
import { checkShortBytes, shortText } from './names.ts';
import { Problems, type FsckReport, type ProblemCode } from './problems.ts';

export type { FsckReport, Problem, ProblemCode } from './problems.ts';

interface DirItem { readonly first: number; readonly path: string; readonly parent: Directory | null; readonly entry: Entry | null; readonly parentFirst: number }
interface FileItem { readonly dir: Directory; readonly entry: Entry; readonly path: string; dropped: boolean }
type Stop = 'end' | 'free' | 'bad' | 'size' | 'loop' | 'cross';

const CODES: Record<DirProblem['kind'], ProblemCode> = {
  'orphan-lfn': 'ORPHAN_LFN', 'bad-lfn': 'BAD_LFN', 'lfn-fields': 'BAD_LFN', 'bad-name': 'BAD_NAME', 'dup-name': 'DUP_NAME',
  'bad-attr': 'BAD_ATTR', 'label-outside-root': 'LABEL', 'after-end': 'AFTER_END',
};

const CLAIMED = 1;
const WALKING = 2;

class Checker {
  readonly core: Core;
  readonly io: VolumeIO;
  readonly repair: boolean;
  readonly p: Problems;
  img!: FatImage;
  used!: Uint8Array;
  files = 0;
  directories = 0;

  constructor(core: Core, io: VolumeIO, repair: boolean) {
    this.core = core;
    this.io = io;
    this.repair = repair;
    this.p = new Problems();
  }

  get g() { return this.core.g; }

  /** Walks and claims a chain; stops (without claiming) at a free, bad or claimed cluster, or when `sizeLimit` bytes are covered. */
  async walk(first: number, sizeLimit: number | null): Promise<{ clusters: number[]; stop: Stop; at: number }> {
    const clusters: number[] = [];
    const cs = this.g.clusterSize;
    let c = first;
    let stop: Stop = 'end';
    for (;;) {
      const v = this.img.get(c);
      if (v === 0) { stop = 'free'; break; }
      if (v === BAD) { stop = 'bad'; break; }
      if (sizeLimit !== null && sizeLimit <= clusters.length * cs) { stop = 'size'; break; }
      if (this.used[c] === WALKING) { stop = 'loop'; break; }
      if (this.used[c] === CLAIMED) { stop = 'cross'; break; }
      this.used[c] = WALKING;
      clusters.push(c);
      if (v === END) break;
      c = v;
      if ((clusters.length & 4095) === 0) await this.core.pause();
    }
    for (const k of clusters) this.used[k] = CLAIMED;
    return { clusters, stop, at: c };
  }

  /** Ends a chain cut short by `walk` at its last kept cluster (true) or says it kept none (false). */
  cut(clusters: readonly number[]): boolean {
    const last = clusters[clusters.length - 1];
    if (last === undefined) return false;
    this.img.set(last, END);
    return true;
  }

  stopMessage(stop: Stop, at: number, kept: number): string {
    const cs = this.g.clusterSize;
    switch (stop) {
      case 'free': return `its chain reaches free cluster ${at}; ended after ${kept} clusters`;
      case 'bad': return `its chain reaches bad cluster ${at}; ended after ${kept} clusters`;
      case 'size': return `its chain is longer than its size needs; cut to ${kept} clusters (${kept * cs} bytes)`;
      case 'loop': return `its chain loops back to cluster ${at}; cut to ${kept} clusters`;
      case 'cross': return `its chain runs into cluster ${at}, which another file or directory owns; cut to ${kept} clusters`;
      case 'end': return '';
    }
  }

  async rangePass(): Promise<void> {
    const max = this.g.maxCluster;
    let bad = 0;
    let example = '';
    for (let c = 2; c <= max; c++) {
      const v = this.img.get(c);
      if (v === 1 || (v > max && v !== END && v !== BAD)) {
        if (bad === 0) example = `cluster ${c} links to ${v}`;
        bad++;
        this.img.set(c, END);
      }
      if ((c & 0xfff) === 0) await this.core.pause();
    }
    if (bad > 0) this.p.add('FAT_RANGE', '/', `${bad} FAT entries link outside clusters 2..${max} (first: ${example}); set to end of chain`);
  }

  /** Reads a directory, fixing (when repairing) the slots the parser refused, and reads it again after renames. */
  async readDir(item: DirItem, clusters: readonly number[]): Promise<Directory> {
    let d = await Directory.load(this.core, item.first, item.path, clusters, true);
    for (let round = 0; round < 3 && d.problems.length > 0; round++) {
      let renamed = false;
      const taken = new Set(d.list().map((e) => sfnKey(e.e.sfn)));
      for (const pr of d.problems) {
        const code = CODES[pr.kind];
        if (round === 0) this.p.add(code, item.path, pr.message);
        if (!this.repair) continue;
        if (item.entry !== null && pr.slot < 2 && pr.kind !== 'after-end') {
          // '.' and '..' are dots()'s to write afresh; what else the problem covers is dropped.
          const rest = pr.slots.filter((sl) => sl >= 2);
          if (rest.length > 0) await d.dropSlots(rest, ORDER.COMMIT);
          continue;
        }
        if (pr.kind === 'bad-name' || pr.kind === 'dup-name') {
          const w = d.where(pr.slot);
          const raw = decodeEntry(await this.core.cache.read(w.sector), w.offset, this.g.type === 32);
          const twin = pr.kind === 'dup-name' ? d.list().find((e) => sameName(e.e.sfn, raw.sfn)) : undefined;
          if (twin !== undefined && ((raw.ntres | twin.e.ntres) & NT_RENAME_PENDING) !== 0) {
            // An interrupted rename that kept the short name: the marked entry is the new one.
            if ((raw.ntres & NT_RENAME_PENDING) !== 0) await d.remove(twin, ORDER.COMMIT);
            else { await d.dropSlots(pr.slots, ORDER.COMMIT); continue; }
          }
          const sfn = freshAlias(raw.sfn, taken);
          taken.add(sfnKey(sfn));
          if (pr.slots.length > 1) await d.dropSlots(pr.slots.slice(0, -1), ORDER.COMMIT);
          await d.writeSlot(pr.slot, sfn, ORDER.COMMIT);
          await d.writeSlot(pr.slot, new Uint8Array([raw.ntres & ~NT_NO_83NAME]), ORDER.COMMIT, 12);
          renamed = true;
        } else if (pr.kind === 'lfn-fields') {
          await d.writeSlot(pr.slot, new Uint8Array(1), ORDER.COMMIT, 12);
          await d.writeSlot(pr.slot, new Uint8Array(2), ORDER.COMMIT, 26);
        } else if (pr.kind === 'after-end') {
          for (const slot of pr.slots) await d.writeSlot(slot, new Uint8Array(1), ORDER.COMMIT);
        } else {
          await d.dropSlots(pr.slots, ORDER.COMMIT);
        }
      }
      if (!renamed) break;
      d = await Directory.load(this.core, item.first, item.path, clusters, true);
    }
    return d;
  }

  /**
   * Checks '.' and '..' of a subdirectory (fsck.fat's rules); a repair writes them afresh over
   * whatever holds their slots (an entry there is lost: its clusters are freed as lost ones).
   * Returns true when it overwrote an entry the directory's index holds (read it again).
   */
  async dots(d: Directory, item: DirItem): Promise<boolean> {
    const want = [[DOT, item.first], [DOTDOT, item.parentFirst]] as const;
    let overwrote = false;
    for (let slot = 0; slot < 2; slot++) {
      const [name, first] = want[slot] as readonly [Uint8Array, number];
      const w = d.where(slot);
      const bytes = await this.core.cache.read(w.sector);
      const e = decodeEntry(bytes, w.offset, this.g.type === 32);
      const b0 = bytes[w.offset] ?? 0;
      const isName = sameName(e.sfn, name);
      if (isName && (e.attr & ATTR_DIR) !== 0 && e.first === first && e.attr !== ATTR_LFN) continue;
      const label = slot === 0 ? "'.'" : "'..'";
      const which = slot === 0 ? 'first' : 'second';
      this.p.add('DOT_ENTRY', item.path, isName ? `${label} names cluster ${e.first}, not ${first}`
        : b0 === 0 || b0 === 0xe5 ? `the ${which} slot should hold ${label} but is free`
          : `the ${which} slot holds ${JSON.stringify(shortText(e.sfn))} instead of ${label}; overwritten`);
      if (!this.repair) continue;
      if (d.entryAt(slot) !== undefined) overwrote = true;
      const fresh = { ...e, sfn: name, attr: ATTR_DIR, ntres: 0, first, size: 0, hiWord: 0 };
      if (b0 === 0 && slot === 0) await d.writeSlot(1, new Uint8Array(32), ORDER.COMMIT);
      if (b0 === 0 && slot === 1 && d.capacity > 2) {
        const w2 = d.where(2);
        if ((await this.core.cache.read(w2.sector))[w2.offset] !== 0) await d.writeSlot(2, new Uint8Array(1), ORDER.PREP);
      }
      await d.writeSlot(slot, encodeEntry(fresh, this.g.type === 32), ORDER.COMMIT);
    }
    return overwrote;
  }

  /** The volume label entry names no clusters (fsck.fat checks it as it checks a file). */
  async label(d: Directory): Promise<void> {
    const w = d.where(d.labelSlot);
    const e = decodeEntry(await this.core.cache.read(w.sector), w.offset, this.g.type === 32);
    if (e.first === 0 && e.size === 0) return;
    this.p.add('LABEL', '/', `the volume label entry names cluster ${e.first} and size ${e.size}; both set to 0`);
    if (this.repair) await d.writeSlot(d.labelSlot, encodeEntry({ ...e, first: 0, size: 0 }, this.g.type === 32), ORDER.COMMIT);
  }

  async run(dirty: boolean, clearDirty: boolean): Promise<FsckReport> {
    const g = this.g;
    const cache = this.core.cache;
    await cache.flush();
    this.img = await FatImage.load(g, this.io, this.core.pause);
    this.used = new Uint8Array(g.maxCluster + 1);
    if (this.img.badMedia) { this.p.add('FAT_MEDIA', '/', 'FAT entry 0 does not hold the media byte and end marks; rebuilt'); this.img.fixMedia(); }
    if (this.img.mismatched.length > 0) this.p.add('FAT_MIRROR', '/', `FAT copies ${this.img.mismatched.map((k) => k + 1).join(', ')} differ from copy ${this.img.source + 1}; copied from it`);
    await this.rangePass();

    // Directories, breadth first; each directory's chain is claimed when it is read.
    const rootFirst = g.type === 32 ? g.rootCluster : 0;
    const queue: DirItem[] = [{ first: rootFirst, path: '/', parent: null, entry: null, parentFirst: 0 }];
    const byFirst = new Map<number, DirItem>([[rootFirst, queue[0] as DirItem]]);
    const dupDirs: DirItem[] = [];
    const fileItems: FileItem[] = [];
    const marked: { dir: Directory; entry: Entry; path: string }[] = [];
    for (let qi = 0; qi < queue.length; qi++) {
      const item = queue[qi] as DirItem;
      let clusters: number[] = [];
      if (item.first !== 0) {
        const w = await this.walk(item.first, null);
        clusters = w.clusters;
        if (w.stop !== 'end') {
          this.p.add(w.stop === 'loop' ? 'LOOP' : w.stop === 'cross' ? 'CROSS_LINK' : 'FREE_IN_CHAIN', item.path, `directory: ${this.stopMessage(w.stop, w.at, clusters.length)}`);
          if (!this.cut(clusters)) {
            if (item.entry === null) { this.img.set(item.first, END); this.used[item.first] = CLAIMED; clusters = [item.first]; }
            else {
              if (this.repair && item.parent !== null) await item.parent.remove(item.entry, ORDER.COMMIT);
              continue;
            }
          }
        }
      }
      this.directories++;
      let d = await this.readDir(item, clusters);
      if (item.entry !== null && await this.dots(d, item)) d = await Directory.load(this.core, item.first, item.path, clusters);
      if (d.labelSlot >= 0) await this.label(d);
      for (const e of d.list()) {
        const path = item.path === '/' ? `/${e.name}` : `${item.path}/${e.name}`;
        if ((e.e.ntres & NT_RENAME_PENDING) !== 0) marked.push({ dir: d, entry: e, path });
        if ((e.e.attr & ATTR_DIR) === 0) { this.files++; fileItems.push({ dir: d, entry: e, path, dropped: false }); continue; }
        if (e.e.size !== 0) {
          this.p.add('DIR_SIZE', path, `a directory's size field is ${e.e.size}, not 0`);
          if (this.repair) { e.e.size = 0; await d.rewrite(e, ORDER.COMMIT); }
        }
        const f = e.e.first;
        const parentFirst = item.entry === null ? 0 : item.first;
        if (f < 2 || f > g.maxCluster || f === item.first || f === rootFirst || (f === item.parentFirst && item.entry !== null)) {
          this.p.add('BAD_START', path, `directory entry names cluster ${f}, which cannot start a subdirectory; entry deleted`);
          if (this.repair) await d.remove(e, ORDER.COMMIT);
          continue;
        }
        const sub: DirItem = { first: f, path, parent: d, entry: e, parentFirst };
        if (byFirst.has(f) || this.used[f] !== 0) { dupDirs.push(sub); continue; }
        byFirst.set(f, sub);
        queue.push(sub);
      }
      await this.core.pause();
    }

    // Two entries naming one directory: an interrupted rename (one is marked) or a cross-link.
    for (const x of dupDirs) {
      const o = byFirst.get(x.first);
      const xMarked = x.entry !== null && (x.entry.e.ntres & NT_RENAME_PENDING) !== 0;
      if (o !== undefined && o.entry !== null && o.parent !== null && xMarked) {
        this.p.add('RENAME_PENDING', x.path, `an interrupted rename left ${o.path} and ${x.path} naming one directory; finished it`);
        if (this.repair) {
          await o.parent.remove(o.entry, ORDER.COMMIT);
          const d = await Directory.load(this.core, x.first, x.path, this.walkClaimed(x.first));
          await d.setDotDot(x.parentFirst, ORDER.COMMIT);
        }
        continue;
      }
      this.p.add('CROSS_LINK', x.path, `directory entry names cluster ${x.first}, which ${o?.path ?? 'another directory'} owns; entry deleted`);
      if (this.repair && x.parent !== null && x.entry !== null) await x.parent.remove(x.entry, ORDER.COMMIT);
    }

    // Files renamed when the cut came: the marked entry is the new name; drop the old one.
    const byCluster = new Map<number, FileItem[]>();
    for (const f of fileItems) {
      if (f.entry.e.first === 0) continue;
      const list = byCluster.get(f.entry.e.first);
      if (list === undefined) byCluster.set(f.entry.e.first, [f]); else list.push(f);
    }
    const itemOf = new Map<Entry, FileItem>(fileItems.map((f) => [f.entry, f]));
    for (const m of marked) {
      if (itemOf.get(m.entry)?.dropped === true) continue;
      if ((m.entry.e.attr & ATTR_DIR) === 0 && m.entry.e.first !== 0) {
        for (const f of byCluster.get(m.entry.e.first) ?? []) {
          if (f.entry === m.entry || f.dropped) continue;
          this.p.add('RENAME_PENDING', m.path, `an interrupted rename left ${f.path} and ${m.path} naming one file; finished it`);
          f.dropped = true;
          if (this.repair) await f.dir.remove(f.entry, ORDER.COMMIT);
        }
      }
      this.p.add('RENAME_PENDING', m.path, 'the entry still carries the mark of an unfinished rename; cleared');
      if (this.repair) await m.dir.clearMark(m.entry);
    }

    // File chains.
    const cs = g.clusterSize;
    for (const f of fileItems) {
      if (f.dropped) continue;
      const e = f.entry.e;
      let changed = false;
      if (e.first !== 0 && (e.first < 2 || e.first > g.maxCluster)) {
        this.p.add('BAD_START', f.path, `first cluster ${e.first} is outside clusters 2..${g.maxCluster}; file emptied`);
        e.first = 0; e.size = 0; changed = true;
      }
      let kept = 0;
      if (e.first !== 0) {
        const w = await this.walk(e.first, e.size);
        kept = w.clusters.length;
        if (w.stop !== 'end') {
          const code = w.stop === 'size' ? 'CHAIN_BEYOND_SIZE' : w.stop === 'loop' ? 'LOOP' : w.stop === 'cross' ? 'CROSS_LINK' : w.stop === 'bad' ? 'BAD_CLUSTER_IN_CHAIN' : 'FREE_IN_CHAIN';
          this.p.add(code, f.path, this.stopMessage(w.stop, w.at, kept));
          if (!this.cut(w.clusters)) { e.first = 0; changed = true; }
        }
      }
      if (e.size > kept * cs) {
        this.p.add('SIZE_BEYOND_CHAIN', f.path, `size ${e.size} passes its chain of ${kept} clusters (${kept * cs} bytes); size lowered`);
        e.size = kept * cs;
        changed = true;
      }
      if (changed && this.repair) await f.dir.rewrite(f.entry, ORDER.COMMIT);
    }

    // Clusters no chain owns.
    let lost = 0;
    let free = 0;
    let firstFree = 0;
    for (let c = 2; c <= g.maxCluster; c++) {
      const v = this.img.get(c);
      if (v !== 0 && v !== BAD && this.used[c] === 0) { lost++; this.img.set(c, 0); }
      if (this.img.get(c) === 0) { free++; if (firstFree === 0) firstFree = c; }
      if ((c & 0xfff) === 0) await this.core.pause();
    }
    if (lost > 0) this.p.add('LOST_CLUSTERS', '/', `${lost} clusters are allocated but belong to no file or directory; freed`);

    const bootFix = await this.bootChecks(await this.rootLabel(rootFirst), free, firstFree);
    if (dirty) this.p.add('DIRTY', '/', `the volume is marked dirty (not cleanly unmounted)${clearDirty ? '; mark cleared' : ''}`);

    if (this.repair) {
      await cache.flush();
      await this.img.writeBack(this.io, this.core.pause);
      await this.io.flush(true);
      cache.forgetAll();
      await bootFix();
      if (clearDirty) await setDirty(this.core, false);
      await cache.flush();
    }
    this.core.fat.freeCount = free;
    this.core.fat.nextFree = firstFree === 0 ? 2 : firstFree;
    return this.p.report(this.repair, { files: this.files, directories: this.directories, freeClusters: free, lostClusters: lost });
  }

  /** The clusters a walk already claimed, from `first` (for re-reading a directory). */
  walkClaimed(first: number): number[] {
    const out: number[] = [];
    let c = first;
    for (let i = 0; i <= this.g.clusterCount; i++) {
      out.push(c);
      const v = this.img.get(c);
      if (v === END || v < 2 || v > this.g.maxCluster) break;
      c = v;
    }
    return out;
  }

  /** The root directory's volume label entry's 11 bytes, or null. */
  async rootLabel(rootFirst: number): Promise<Uint8Array | null> {
    const root = await Directory.load(this.core, rootFirst, '/', rootFirst === 0 ? undefined : this.walkClaimed(rootFirst));
    if (root.labelSlot < 0) return null;
    const w = root.where(root.labelSlot);
    return (await this.core.cache.read(w.sector)).slice(w.offset, w.offset + 11);
  }

  /** FSInfo and label checks; returns the repair to run after the FAT is written. */
  async bootChecks(rootLabel: Uint8Array | null, free: number, firstFree: number): Promise<() => Promise<void>> {
    const g = this.g;
    const fixes: (() => Promise<void>)[] = [];
    if (g.type === 32 && g.fsInfoSector !== 0) {
      const s = await this.core.cache.read(g.fsInfoSector);
      const sigOk = u32(s, 0) === FSINFO_LEAD && u32(s, 484) === FSINFO_STRUCT && u32(s, 508) === FSINFO_TRAIL;
      const count = u32(s, 488);
      if (!sigOk) this.p.add('FSINFO', '/', 'the FSInfo sector has bad signatures; rewritten');
      else if (count !== 0xffffffff && count !== free) this.p.add('FREE_COUNT', '/', `FSInfo says ${count} clusters are free, the FAT ${free}; corrected`);
      fixes.push(async () => {
        const c = this.core.cache;
        await c.update(g.fsInfoSector, 0, le32(FSINFO_LEAD), ORDER.FREE);
        await c.update(g.fsInfoSector, 484, new Uint8Array([...le32(FSINFO_STRUCT), ...le32(free), ...le32(firstFree === 0 ? 0xffffffff : firstFree)]), ORDER.FREE);
        await c.update(g.fsInfoSector, 508, le32(FSINFO_TRAIL), ORDER.FREE);
      });
    }
    // The labels, as fsck.fat judges them: a boot sector label needs a root entry, and the root
    // entry's label wins when the two differ (a boot sector without the extended signature gets
    // one, with serial 0, as fsck.fat writes it).
    const boot = await this.core.cache.read(0);
    const at = g.type === 32 ? 0x47 : 0x2b;
    const sigAt = g.type === 32 ? 0x42 : 0x26;
    const hasSig = boot[sigAt] === 0x29;
    const noName = new Uint8Array([0x4e, 0x4f, 0x20, 0x4e, 0x41, 0x4d, 0x45, 0x20, 0x20, 0x20, 0x20]);
    const bootLabel = hasSig ? boot.slice(at, at + 11) : null;
    const want = rootLabel ?? noName;
    if ((bootLabel !== null && !sameName(bootLabel, want)) || (bootLabel === null && rootLabel !== null)) {
      const shown = bootLabel === null ? '(none)' : JSON.stringify(shortText(bootLabel));
      this.p.add('LABEL', '/', rootLabel === null
        ? `the boot sector's label ${shown} has no volume label entry in the root directory; label removed`
        : `the boot sector's label ${shown} differs from the root directory's ${JSON.stringify(shortText(rootLabel))}; copied from the root`);
      fixes.push(async () => {
        for (const sector of g.backupBootSector !== 0 ? [0, g.backupBootSector] : [0]) {
          if (!hasSig) {
            const ext = new Uint8Array(27);
            ext[0] = 0x29;
            ext.set(noName, 5);
            ext.set([...(g.type === 32 ? 'FAT32   ' : g.type === 16 ? 'FAT16   ' : 'FAT12   ')].map((ch) => ch.charCodeAt(0)), 16);
            await this.core.cache.update(sector, sigAt, ext, ORDER.FREE);
          }
          await this.core.cache.update(sector, at, want, ORDER.FREE);
        }
      });
    }
    return async () => { for (const f of fixes) await f(); };
  }
}

/** A valid short name unused in `taken`, made from `sfn` (bad bytes become '_', then ~N tails). */
function freshAlias(sfn: Uint8Array, taken: ReadonlySet<string>): Uint8Array {
  const base = new Uint8Array(11);
  for (let i = 0; i < 11; i++) {
    const b = sfn[i] ?? 0x20;
    const ok = b >= 0x20 && b !== 0x7f && !'*?<>|"\\/:.'.includes(String.fromCharCode(b));
    base[i] = ok ? b : 0x5f;
  }
  if (base[0] === 0x20) base[0] = 0x5f;
  if (checkShortBytes(base) === null && !taken.has(sfnKey(base))) return base;
  let stem = '';
  for (let i = 0; i < 8; i++) stem += String.fromCharCode(base[i] ?? 0x20);
  stem = stem.replace(/ +$/, '');
  for (let n = 1; n < 1000000; n++) {
    const tail = `~${n}`;
    const name = (stem.slice(0, 8 - tail.length) + tail).padEnd(8, ' ');
    const out = new Uint8Array(11);
    for (let i = 0; i < 8; i++) out[i] = name.charCodeAt(i);
    out.set(base.subarray(8, 11), 8);
    if (!taken.has(sfnKey(out))) return out;
  }
  return base;
}

export async function checkVolume(core: Core, io: VolumeIO, opts: { repair: boolean; dirty: boolean; clearDirty: boolean }): Promise<FsckReport> {
  return new Checker(core, io, opts.repair).run(opts.dirty, opts.clearDirty);
}
