// fsck: checks a volume on a device without mounting it, and repairs it when asked.
// Rules for callers: `fsck(dev, { repair })`; without `repair` nothing is written (the device is
// opened read-only). A boot sector that breaks the format's rules rejects with E_BAD_BOOT (or
// E_TRUNCATED): there is no volume to check. With `repair`, the dirty mark is cleared at the end.
// Invariants: the same checker a dirty mount runs (check.ts).
import { checkVolume, type FsckReport } from './check.ts';
import type { SectorDevice } from './device.ts';
import { guarded } from './errors.ts';
import { openCore } from './volume.ts';

export interface FsckOptions {
  readonly repair?: boolean;
  readonly clock?: () => number;
  readonly pause?: () => PromiseLike<void>;
}

export function fsck(dev: SectorDevice, opts: FsckOptions = {}): Promise<FsckReport> {
  return guarded('fsck', undefined, async () => {
    const repair = opts.repair === true;
    const { core, io, dirty } = await openCore(dev, !repair, opts);
    return checkVolume(core, io, { repair, dirty, clearDirty: repair });
  });
}
