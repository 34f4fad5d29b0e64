// A directory of a mounted volume: its slots read once into an index (names, short names, free
// slots) and kept in step with every change the engine makes.
// Rules for callers: load with `Directory.load`; look names up with `find`; add entries with
// `add` (long-name entries in phase NAMES, the short entry in COMMIT) and remove them with
// `remove`. Slots freed before the last flush are not reused until a flush has written their
// release. Entries with invalid short names or attributes are kept out of the index (fsck
// reports them) but their slots are never reused.
// Invariants: every slot before the end mark (first byte 0x00) is accounted for; new entries
// written past the end mark are preceded there by deleted placeholders and followed by an end
// mark, both written in phase PREP; a directory never passes MAX_DIR_SLOTS slots.
import { clusterSector } from './boot.ts';
import { ORDER, type Epoch } from './cache.ts';
import { MAX_DIR_SLOTS, type Core } from './core.ts';
import { ATTR_DIR, ATTR_LFN, ATTR_VOLUME, DELETED, DOT, DOTDOT, NT_NO_83NAME, NT_RENAME_PENDING, decodeEntry, encodeEntry, sameName, sfnKey, type ShortEntry } from './dirent.ts';
import { FatError } from './errors.ts';
import { aliasWithTail, hashedBasis, checkLongName, checkShortBytes, lfnChecksum, lfnEntries, lfnPart, nameKey, planShort, shortText } from './names.ts';

export interface Entry {
  slot: number;
  /** First slot of its long-name entries (== slot when it has none). */
  lfnStart: number;
  longName: string | null;
  /** Its display name: the long name, else the short name with the NT case bits applied. */
  name: string;
  e: ShortEntry;
}

export interface DirProblem {
  readonly slot: number;
  readonly kind: 'orphan-lfn' | 'bad-lfn' | 'lfn-fields' | 'bad-name' | 'bad-attr' | 'dup-name' | 'label-outside-root' | 'after-end';
  readonly message: string;
  /** Slots the problem covers (to delete when repairing). */
  readonly slots: readonly number[];
}

const FREE = 0;
const USED = 1;
/** A deleted entry, all zero after its first byte. */
const PLACEHOLDER = (() => { const b = new Uint8Array(32); b[0] = DELETED; return b; })();
const RELEASED = 2;

export class Directory {
  readonly core: Core;
  /** First cluster; 0 for the FAT12/16 fixed root. */
  readonly first: number;
  path: string;
  readonly clusters: number[] = [];
  capacity = 0;
  private used = new Uint8Array(0);
  private released: number[] = [];
  /** No free slot lies before this one. */
  private freeHint = 0;
  /** Short names of entries removed (or detached) since the last flush: still on disk, not reusable. */
  private reserved = new Set<string>();
  /** Slots whose rename mark is cleared in the pending flush (not yet on disk). */
  private marked = new Set<number>();
  private releasedGen = 0;
  private end = 0;
  private readonly byKey = new Map<string, Entry>();
  private readonly bySlot = new Map<number, Entry>();
  private readonly shorts = new Set<string>();
  readonly problems: DirProblem[] = [];
  dotSlot = -1;
  dotdotSlot = -1;
  labelSlot = -1;
  /** Open files and directories that live here (a pinned directory is never dropped from memory). */
  pins = 0;

  private constructor(core: Core, first: number, path: string) {
    this.core = core;
    this.first = first;
    this.path = path;
  }

  /** Slots in use up to the end mark: what this directory costs to keep in memory. */
  get size(): number { return this.end; }

  get isFixedRoot(): boolean { return this.first === 0; }
  get isRoot(): boolean { return this.first === 0 || this.first === this.core.g.rootCluster; }
  private get fat32(): boolean { return this.core.g.type === 32; }

  /**
   * Reads the directory at cluster `first` (0: the fixed root); `chain`, when given, is its cluster
   * chain as already walked. `pastEnd` (the checker) also reads the slots after the end mark and
   * reports those that are not empty (fsck.fat reads on past the mark; the format says they are free).
   */
  static async load(core: Core, first: number, path: string, chain?: readonly number[], pastEnd = false): Promise<Directory> {
    const d = new Directory(core, first, path);
    const g = core.g;
    const sectors: number[] = [];
    if (first === 0) {
      d.capacity = g.rootEntries;
      for (let i = 0; i < g.rootSectors; i++) sectors.push(g.rootStart + i);
    } else {
      const limit = Math.ceil((MAX_DIR_SLOTS * 32) / g.clusterSize);
      const walked = chain ?? await core.fat.chain(first, limit, `directory ${path}`, true);
      d.clusters.push(...walked.slice(0, limit));
      d.capacity = Math.min(MAX_DIR_SLOTS, (d.clusters.length * g.clusterSize) / 32);
      for (const c of d.clusters) for (let i = 0; i < g.sectorsPerCluster; i++) sectors.push(clusterSector(g, c) + i);
    }
    d.used = new Uint8Array(d.capacity);
    await d.parse(sectors);
    if (pastEnd && d.end < d.capacity) await d.afterEnd();
    return d;
  }

  /** Sector and byte offset of slot `i`. */
  where(i: number): { sector: number; offset: number } {
    const g = this.core.g;
    const byte = i * 32;
    if (this.first === 0) return { sector: g.rootStart + Math.floor(byte / g.bytesPerSector), offset: byte % g.bytesPerSector };
    const c = this.clusters[Math.floor(byte / g.clusterSize)];
    if (c === undefined) throw new FatError('E_INTERNAL', `directory ${this.path}: slot ${i} is past its ${this.capacity} slots`);
    const inCluster = byte % g.clusterSize;
    return { sector: clusterSector(g, c) + Math.floor(inCluster / g.bytesPerSector), offset: inCluster % g.bytesPerSector };
  }

  private async parse(sectors: readonly number[]): Promise<void> {
    const g = this.core.g;
    const perSector = g.bytesPerSector / 32;
    let seq: { start: number; next: number; sum: number; parts: string[]; count: number } | null = null;
    const orphan = (upTo: number): void => {
      if (seq === null) return;
      const slots: number[] = [];
      for (let i = seq.start; i < upTo; i++) slots.push(i);
      this.problems.push({ slot: seq.start, kind: 'orphan-lfn', message: `long-name entries at slots ${seq.start}..${upTo - 1} belong to no short entry`, slots });
      seq = null;
    };
    let slot = 0;
    this.end = this.capacity;
    outer: for (let si = 0; si < sectors.length; si++) {
      if ((si & 7) === 7) await this.core.pause();
      const s = sectors[si] as number;
      if (si % 32 === 0) await this.core.cache.prefetch(s, Math.min(32, sectors.length - si));
      const b = await this.core.cache.read(s);
      for (let k = 0; k < perSector; k++, slot++) {
        if (slot >= this.capacity) break outer;
        const o = k * 32;
        const b0 = b[o] ?? 0;
        if (b0 === 0) { orphan(slot); this.end = slot; break outer; }
        if (b0 === DELETED) { orphan(slot); continue; }
        this.used[slot] = USED;
        const attr = b[o + 11] ?? 0;
        if (attr === ATTR_LFN) {
          const ord = b0 & 0x3f;
          const sum = b[o + 13] ?? 0;
          if ((b[o + 12] ?? 0) !== 0 || (b[o + 26] ?? 0) !== 0 || (b[o + 27] ?? 0) !== 0) {
            this.problems.push({ slot, kind: 'lfn-fields', message: `long-name entry at slot ${slot}: its type byte or cluster field is not 0`, slots: [slot] });
          }
          const part = lfnPart(b.subarray(o, o + 32));
          if ((b0 & 0x40) !== 0) {
            orphan(slot);
            if (ord < 1 || ord > 20) { this.problems.push({ slot, kind: 'bad-lfn', message: `long-name entry at slot ${slot} has ordinal ${ord}`, slots: [slot] }); continue; }
            seq = { start: slot, next: ord - 1, sum, parts: new Array<string>(ord).fill(''), count: ord };
            seq.parts[ord - 1] = part;
          } else if (seq !== null && ord === seq.next && ord >= 1 && sum === seq.sum) {
            if (part.length !== 13) { orphan(slot + 1); continue; }
            seq.parts[ord - 1] = part;
            seq.next = ord - 1;
          } else {
            orphan(slot);
            this.problems.push({ slot, kind: 'orphan-lfn', message: `long-name entry at slot ${slot} (ordinal ${ord}) is out of sequence`, slots: [slot] });
          }
          continue;
        }
        const e = decodeEntry(b, o, this.fat32);
        let longName: string | null = null;
        let lfnStart = slot;
        if (seq !== null) {
          const complete = seq.next === 0 && seq.start + seq.count === slot;
          if (complete && seq.sum === lfnChecksum(e.sfn)) {
            const name = seq.parts.join('');
            if (checkLongName(name) === null) { longName = name; lfnStart = seq.start; seq = null; } else {
              this.problems.push({ slot: seq.start, kind: 'bad-lfn', message: `long name ${JSON.stringify(name)} at slot ${seq.start}: ${checkLongName(name) ?? ''}`, slots: range(seq.start, slot) });
              seq = null;
            }
          } else orphan(slot);
        }
        this.addParsed(slot, lfnStart, longName, e);
      }
    }
    orphan(Math.min(slot, this.capacity));
  }

  /** Reports slots after the end mark whose first byte is not 0. */
  private async afterEnd(): Promise<void> {
    const slots: number[] = [];
    for (let i = this.end + 1; i < this.capacity; i++) {
      const w = this.where(i);
      if ((i & 127) === 0) await this.core.pause();
      if ((await this.core.cache.read(w.sector))[w.offset] !== 0) slots.push(i);
    }
    if (slots.length > 0) this.problems.push({ slot: slots[0] as number, kind: 'after-end', message: `${slots.length} slots after the end mark at slot ${this.end} are not empty`, slots });
  }

  private addParsed(slot: number, lfnStart: number, longName: string | null, e: ShortEntry): void {
    const isDotSlot = !this.isRoot && slot < 2;
    if (isDotSlot && slot === 0 && sameName(e.sfn, DOT)) { this.dotSlot = 0; return; }
    if (isDotSlot && slot === 1 && sameName(e.sfn, DOTDOT)) { this.dotdotSlot = 1; return; }
    if ((e.attr & ATTR_VOLUME) !== 0 && (e.attr & ATTR_DIR) === 0) {
      if (this.isRoot && this.labelSlot < 0) { this.labelSlot = slot; return; }
      this.problems.push({ slot, kind: 'label-outside-root', message: `slot ${slot} holds a volume label ${this.isRoot ? 'after another one' : 'outside the root directory'}`, slots: range(lfnStart, slot + 1) });
      return;
    }
    const why = checkShortBytes(e.sfn) ?? (longName === null && (e.ntres & NT_NO_83NAME) !== 0 ? "it has no long name but says it has no 8.3 name (NT byte bit 0x20, Linux's)" : null);
    if (why !== null) {
      this.problems.push({ slot, kind: 'bad-name', message: `short name ${JSON.stringify(shortText(e.sfn))} at slot ${slot}: ${why}`, slots: range(lfnStart, slot + 1) });
      return;
    }
    if ((e.attr & ATTR_VOLUME) !== 0) {
      this.problems.push({ slot, kind: 'bad-attr', message: `entry ${JSON.stringify(shortText(e.sfn))} at slot ${slot} is marked both directory and volume label`, slots: range(lfnStart, slot + 1) });
      return;
    }
    const entry: Entry = { slot, lfnStart, longName, name: longName ?? shortText(e.sfn, e.ntres), e };
    const key = sfnKey(e.sfn);
    if (this.shorts.has(key)) {
      this.problems.push({ slot, kind: 'dup-name', message: `short name ${JSON.stringify(shortText(e.sfn))} at slot ${slot} is already used in this directory`, slots: range(lfnStart, slot + 1) });
      return;
    }
    this.index(entry);
  }

  private index(entry: Entry): void {
    this.shorts.add(sfnKey(entry.e.sfn));
    this.bySlot.set(entry.slot, entry);
    const k1 = nameKey(shortText(entry.e.sfn));
    if (!this.byKey.has(k1)) this.byKey.set(k1, entry);
    if (entry.longName !== null) {
      const k2 = nameKey(entry.longName);
      if (!this.byKey.has(k2)) this.byKey.set(k2, entry);
    }
    for (let i = entry.lfnStart; i <= entry.slot; i++) this.used[i] = USED;
  }

  private unindex(entry: Entry): void {
    this.shorts.delete(sfnKey(entry.e.sfn));
    this.bySlot.delete(entry.slot);
    for (const k of [nameKey(shortText(entry.e.sfn)), entry.longName === null ? null : nameKey(entry.longName)]) {
      if (k !== null && this.byKey.get(k) === entry) this.byKey.delete(k);
    }
  }

  find(name: string): Entry | undefined { return this.byKey.get(nameKey(name)); }

  /** The indexed entries in slot order. */
  list(): Entry[] { return [...this.bySlot.values()].sort((a, b) => a.slot - b.slot); }

  entryAt(slot: number): Entry | undefined { return this.bySlot.get(slot); }

  /** True when nothing but '.', '..' and free slots is left (invalid entries count as something). */
  isEmpty(): boolean { return this.bySlot.size === 0 && this.problems.every((p) => p.kind === 'orphan-lfn' || p.kind === 'after-end'); }

  async writeSlot(slot: number, bytes: Uint8Array, epoch: Epoch, offset = 0): Promise<void> {
    const w = this.where(slot);
    await this.core.cache.update(w.sector, w.offset + offset, bytes, epoch);
  }

  /** Finds (or makes, by growing the directory) `k` consecutive free slots; returns the first. */
  private async allocSlots(k: number): Promise<number> {
    this.refresh();
    for (;;) {
      let run = 0;
      let firstFree = -1;
      for (let i = this.freeHint; i < this.capacity; i++) {
        if (this.used[i] !== FREE) { run = 0; continue; }
        if (firstFree < 0) firstFree = i;
        if (++run === k) {
          this.freeHint = firstFree === i - k + 1 ? i + 1 : firstFree;
          return i - k + 1;
        }
      }
      if (firstFree >= 0) this.freeHint = firstFree;
      await this.grow();
    }
  }

  private async grow(): Promise<void> {
    const g = this.core.g;
    const perCluster = g.clusterSize / 32;
    if (this.first === 0) throw new FatError('E_DIR_FULL', `directory ${this.path}: the root directory's ${this.capacity} entries are all used`, { path: this.path });
    if (this.capacity + perCluster > MAX_DIR_SLOTS) throw new FatError('E_DIR_FULL', `directory ${this.path}: a directory holds at most ${MAX_DIR_SLOTS} entries`, { path: this.path });
    const last = this.clusters[this.clusters.length - 1] as number;
    const [c] = await this.core.fat.allocate(1, last, `growing directory ${this.path}`);
    if (c === undefined) throw new FatError('E_INTERNAL', `growing directory ${this.path}: no cluster came back`);
    const zero = new Uint8Array(g.bytesPerSector);
    for (let i = 0; i < g.sectorsPerCluster; i++) await this.core.cache.fresh(clusterSector(g, c) + i, zero, ORDER.PREP);
    await this.core.fat.set(last, c, ORDER.LINK);
    this.clusters.push(c);
    const grown = new Uint8Array(this.capacity + perCluster);
    grown.set(this.used);
    this.used = grown;
    this.capacity += perCluster;
  }

  /**
   * A short name for `name` that no entry here holds on disk, with its NT case bits; `lfn` says
   * whether long entries are needed. A name that fits 8.3 keeps its own short name: when an entry
   * removed since the last flush still holds it on disk, the cache is flushed first (so the disk
   * never shows two entries with one short name), unless that entry is `same` (a rename that only
   * changes case: the rename mark tells the two apart).
   */
  private async shortFor(name: string, same: Uint8Array | null): Promise<{ sfn: Uint8Array; ntres: number; lfn: boolean }> {
    this.refresh();
    const plan = planShort(name);
    if (plan.fits) {
      const key = sfnKey(plan.sfn);
      if (this.reserved.has(key) && !(same !== null && sameName(same, plan.sfn))) {
        await this.core.cache.flush();
        this.refresh();
      }
      return { sfn: plan.sfn, ntres: plan.ntres, lfn: false };
    }
    const free = (sfn: Uint8Array): boolean => !this.shorts.has(sfnKey(sfn)) && !this.reserved.has(sfnKey(sfn));
    // As Windows does: ~1 to ~4 on the basis, then a hash of the name in the basis (so that many
    // names with one basis do not try every tail), then every tail.
    for (let n = 1; n <= 4; n++) {
      const sfn = aliasWithTail(plan.basis, plan.ext, n);
      if (free(sfn)) return { sfn, ntres: 0, lfn: true };
    }
    const hashed = hashedBasis(plan.basis, name);
    for (let n = 1; n <= 9; n++) {
      const sfn = aliasWithTail(hashed, plan.ext, n);
      if (free(sfn)) return { sfn, ntres: 0, lfn: true };
    }
    for (let n = 5; n <= 999999; n++) {
      const sfn = aliasWithTail(plan.basis, plan.ext, n);
      if (free(sfn)) return { sfn, ntres: 0, lfn: true };
    }
    throw new FatError('E_DIR_FULL', `directory ${this.path}: no free short alias for ${JSON.stringify(name)}`, { path: this.path });
  }

  /**
   * Adds an entry named `name` with the given fields (its short name and NT case bits are chosen
   * here). Long-name entries are written in phase NAMES, the short entry in `epoch` (COMMIT).
   */
  async add(name: string, fields: Omit<ShortEntry, 'sfn'>, epoch: Epoch = ORDER.COMMIT, same: Uint8Array | null = null): Promise<Entry> {
    const short = await this.shortFor(name, same);
    const longs = short.lfn ? lfnEntries(name, lfnChecksum(short.sfn)) : [];
    const k = longs.length + 1;
    const start = await this.allocSlots(k);
    const slot = start + k - 1;
    if (slot + 1 > this.end) {
      // Past the end mark (0x00: nothing after it counts). Before any new entry can reach the
      // disk, the slots up to ours hold deleted placeholders and the slot after ours ends the
      // directory, so a cut never leaves a long-name entry hidden behind an end mark (fsck.fat
      // reads past end marks) nor exposes whatever the slots held before.
      for (let i = Math.max(start, this.end); i <= slot; i++) await this.writeSlot(i, PLACEHOLDER, ORDER.PREP);
      if (slot + 1 < this.capacity) {
        const w = this.where(slot + 1);
        if ((await this.core.cache.read(w.sector))[w.offset] !== 0) await this.writeSlot(slot + 1, new Uint8Array(1), ORDER.PREP);
      }
      this.end = slot + 1;
    }
    for (let i = 0; i < longs.length; i++) await this.writeSlot(start + i, longs[i] as Uint8Array, ORDER.NAMES);
    const e: ShortEntry = { ...fields, sfn: short.sfn, ntres: (fields.ntres & ~0x18) | short.ntres };
    await this.writeSlot(slot, encodeEntry(e, this.fat32), epoch);
    const entry: Entry = { slot, lfnStart: start, longName: short.lfn ? name : null, name: short.lfn ? name : shortText(short.sfn, short.ntres), e };
    this.index(entry);
    return entry;
  }

  /** Rewrites an entry's short entry from `entry.e` in phase `epoch`. */
  /** `rewrite` done at once when the entry's sector is cached; false when the caller must `rewrite`. */
  rewriteNow(entry: Entry, epoch: Epoch): boolean {
    const w = this.where(entry.slot);
    return this.core.cache.updateNow(w.sector, w.offset, encodeEntry(entry.e, this.fat32), epoch);
  }

  async rewrite(entry: Entry, epoch: Epoch): Promise<void> {
    await this.writeSlot(entry.slot, encodeEntry(entry.e, this.fat32), epoch);
  }

  /** Clears the rename mark of `entry` in phase FREE. */
  async clearMark(entry: Entry): Promise<void> {
    this.refresh();
    this.marked.add(entry.slot);
    entry.e.ntres &= ~NT_RENAME_PENDING;
    await this.writeSlot(entry.slot, new Uint8Array([entry.e.ntres]), ORDER.FREE, 12);
  }

  /** Takes an entry out of the index (its name is free to reuse) while its slots stay taken. */
  detach(entry: Entry): void {
    if (this.bySlot.get(entry.slot) !== entry) return;
    this.unindex(entry);
    this.refresh();
    this.reserved.add(sfnKey(entry.e.sfn));
  }

  /** Puts a detached entry back (an operation that detached it failed before writing). */
  reattach(entry: Entry): void {
    if (!this.bySlot.has(entry.slot)) this.index(entry);
  }

  /** True while slots or names this directory released wait for a flush (it must stay in memory). */
  get pending(): boolean {
    return this.releasedGen === this.core.flushGen && (this.released.length > 0 || this.reserved.size > 0 || this.marked.size > 0);
  }

  /** True while the entry's rename mark is still on disk (its clearing not yet flushed). */
  markPending(entry: Entry): boolean {
    this.refresh();
    return this.marked.has(entry.slot);
  }

  /** Deletes an entry: its short entry in `shortEpoch`, its long-name entries in CLEAN. */
  async remove(entry: Entry, shortEpoch: Epoch): Promise<void> {
    this.detach(entry);
    this.reserved.add(sfnKey(entry.e.sfn));
    await this.writeSlot(entry.slot, new Uint8Array([DELETED]), shortEpoch);
    for (let i = entry.lfnStart; i < entry.slot; i++) await this.writeSlot(i, new Uint8Array([DELETED]), ORDER.CLEAN);
    this.releaseSlots(entry.lfnStart, entry.slot + 1);
  }

  /** Deletes slots that hold no indexed entry (fsck's repairs), in phase `epoch`. */
  async dropSlots(slots: readonly number[], epoch: Epoch): Promise<void> {
    for (const s of slots) {
      await this.writeSlot(s, new Uint8Array([DELETED]), epoch);
      const e = this.bySlot.get(s);
      if (e !== undefined) { this.unindex(e); this.reserved.add(sfnKey(e.e.sfn)); }
      this.releaseSlots(s, s + 1);
    }
  }

  /** After a flush, slots and short names released before it are free again. */
  private refresh(): void {
    if (this.releasedGen === this.core.flushGen) return;
    for (const s of this.released) {
      if (this.used[s] !== RELEASED) continue;
      this.used[s] = FREE;
      if (s < this.freeHint) this.freeHint = s;
    }
    this.released = [];
    this.reserved.clear();
    this.marked.clear();
    this.releasedGen = this.core.flushGen;
  }

  private releaseSlots(from: number, to: number): void {
    this.refresh();
    for (let i = from; i < to; i++) { this.used[i] = RELEASED; this.released.push(i); }
  }

  /** Points this directory's '..' at `parentFirst` (0 for the root) in phase `epoch`. */
  async setDotDot(parentFirst: number, epoch: Epoch): Promise<void> {
    const b = new Uint8Array(2);
    b[0] = parentFirst & 0xff; b[1] = (parentFirst >>> 8) & 0xff;
    await this.writeSlot(1, b, epoch, 26);
    if (this.fat32) {
      const hi = Math.floor(parentFirst / 0x10000);
      await this.writeSlot(1, new Uint8Array([hi & 0xff, hi >>> 8]), epoch, 20);
    }
  }

  /** The fresh first cluster of a new directory: '.', '..' and zeros, written in phase PREP. */
  static async initCluster(core: Core, c: number, parentFirst: number, stamp: Omit<ShortEntry, 'sfn' | 'attr' | 'first' | 'size' | 'ntres' | 'hiWord'>): Promise<void> {
    const g = core.g;
    const fat32 = g.type === 32;
    const first = new Uint8Array(g.bytesPerSector);
    const base = { ...stamp, attr: ATTR_DIR, ntres: 0, hiWord: 0, size: 0 };
    first.set(encodeEntry({ ...base, sfn: DOT, first: c }, fat32), 0);
    first.set(encodeEntry({ ...base, sfn: DOTDOT, first: parentFirst === g.rootCluster ? 0 : parentFirst }, fat32), 32);
    await core.cache.fresh(clusterSector(g, c), first, ORDER.PREP);
    const zero = new Uint8Array(g.bytesPerSector);
    for (let i = 1; i < g.sectorsPerCluster; i++) await core.cache.fresh(clusterSector(g, c) + i, zero, ORDER.PREP);
  }
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}


