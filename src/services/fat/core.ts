// What the parts of a mounted volume share: geometry, cache, FAT, the injected clock and pause.
// Rules for callers: one Core per mounted volume; call `pause()` inside every loop whose length the
// disk decides (it yields only when a turn has run long); `flushGen` grows by one after every completed
// cache flush (directories use it to know when slots freed earlier may be reused).
// Invariants: none beyond its parts'.
import type { Geometry } from './boot.ts';
import type { SectorCache } from './cache.ts';
import type { FatTable } from './fat-table.ts';

/** The engine's yield point in long loops: cheap to call often; yields when a turn has run long. */
export type Pause = () => Promise<void>;

const DONE = Promise.resolve();

/**
 * A Pause that calls the caller's `pause` (its way of yielding a turn) once at least `sliceMs`
 * of `clock` time have passed since the last one; without a `pause` it never yields.
 */
export function pacer(pause: (() => PromiseLike<void>) | undefined, clock: () => number, sliceMs = 8): Pause {
  if (pause === undefined) return () => DONE;
  let last = clock();
  return async () => {
    const now = clock();
    if (now - last < sliceMs) return;
    await pause();
    last = clock();
  };
}

export interface Core {
  readonly g: Geometry;
  readonly cache: SectorCache;
  readonly fat: FatTable;
  readonly pause: Pause;
  readonly clock: () => number;
  flushGen: number;
}

/** Slots a directory may have (the format's limit: 65,536 entries, 2 MiB). */
export const MAX_DIR_SLOTS = 65536;
