// The volume's dirty mark: bit 0 of the boot sector's state byte (all FAT types, as Windows NT
// and Linux keep it) and, on FAT16/32, the clean-shutdown bit of FAT entry 1. fsck.fat reads both.
// Rules for callers: set at a read-write mount before any other change is written, cleared at a
// clean unmount after everything else is flushed; both go through the cache in phase PREP.
// Invariants: no other bit of either field is touched.
import { ORDER } from './cache.ts';
import type { Core } from './core.ts';

export async function setDirty(core: Core, dirty: boolean): Promise<void> {
  const g = core.g;
  const boot = await core.cache.read(0);
  const state = boot[g.stateOffset] ?? 0;
  const want = dirty ? state | 1 : state & ~1;
  if (want !== state) await core.cache.update(0, g.stateOffset, new Uint8Array([want]), ORDER.PREP);
  if (g.type === 16 || g.type === 32) {
    const bit = g.type === 16 ? 0x8000 : 0x08000000;
    const raw = await core.fat.raw(1);
    const v = dirty ? (raw & ~bit) >>> 0 : (raw | bit) >>> 0;
    if (v !== raw) await core.fat.setRaw(1, v, ORDER.PREP);
  }
}
