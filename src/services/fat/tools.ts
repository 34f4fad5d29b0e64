// The file system's one-shot modes: format the disk, or check it (and repair it), then end. They
// run in the same SIP as the mounted file system, over the same disk channel (sing disk create and
// sing fsck start the SIP in these modes), so no host-side code ever touches the image's format.
// Rules for callers: the disk is connected and nothing has mounted it; the caller ends the program
// with the status returned. Reports go to the console: one line each, or with `json` one JSON line.
// Invariants: check never writes (the engine opens the device read-only); repair clears the dirty
// mark only when the checker could finish.
import type { DiskClient } from './disk-client.ts';
import { FatError } from './errors.ts';
import { format } from './format.ts';
import { fsck } from './fsck.ts';
import type { FatType } from './boot.ts';

export interface Console { log(...a: unknown[]): void; error(...a: unknown[]): void }

export interface ToolOptions {
  readonly clock: () => number;
  readonly pause: () => PromiseLike<void>;
  readonly json: boolean;
}

/** Formats the disk: FAT12, 16 or 32 (0 chooses by size). Status 0, or 1 with the reason. */
export async function formatDisk(disk: DiskClient, fatType: number, label: string, o: ToolOptions, console: Console): Promise<number> {
  if (fatType !== 0 && fatType !== 12 && fatType !== 16 && fatType !== 32) {
    console.error(`fat format ${disk.path}: fatType must be 12, 16 or 32 (or 0 to choose by size), got ${fatType}`);
    return 2;
  }
  try {
    const l = await format(disk, { clock: o.clock, pause: o.pause, ...(fatType === 0 ? {} : { fat: fatType as FatType }), ...(label === '' ? {} : { label }) });
    await disk.flush();
    const line = { device: disk.path, fatType: l.type, clusters: l.clusterCount, clusterSize: l.sectorsPerCluster * l.bytesPerSector, sectors: l.totalSectors };
    console.log(o.json ? JSON.stringify(line) : `formatted ${disk.path} as FAT${l.type}: ${l.clusterCount} clusters of ${line.clusterSize} bytes`);
    return 0;
  } catch (e) {
    console.error(`fat format ${disk.path}: ${e instanceof FatError ? `${e.code}: ` : ''}${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

/**
 * Checks the volume (and repairs it). Status: 0 clean; 1 problems found (check) or found and
 * repaired (repair); 4 the volume cannot be checked (a bad boot sector, an I/O error).
 */
export async function checkDisk(disk: DiskClient, repair: boolean, o: ToolOptions, console: Console): Promise<number> {
  try {
    const r = await fsck(disk, { repair, clock: o.clock, pause: o.pause });
    if (repair) await disk.flush();
    if (o.json) console.log(JSON.stringify({ device: disk.path, ...r }));
    else {
      for (const p of r.problems) console.log(`${p.code} ${p.path}: ${p.message}`);
      if (r.omitted > 0) console.log(`... and ${r.omitted} more problems`);
      const found = r.problems.length + r.omitted;
      console.log(`${disk.path}: ${r.files} files, ${r.directories} directories, ${r.freeClusters} free clusters; ${found === 0 ? 'clean' : `${found} problem${found === 1 ? '' : 's'}${r.repaired ? ', repaired' : ''}`}`);
    }
    return r.problems.length + r.omitted === 0 ? 0 : 1;
  } catch (e) {
    console.error(`fat ${repair ? 'repair' : 'check'} ${disk.path}: ${e instanceof FatError ? `${e.code}: ` : ''}${e instanceof Error ? e.message : String(e)}`);
    return 4;
  }
}
