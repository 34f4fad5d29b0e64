// What the checker reports: one Problem per finding (codes below), capped so a hostile image
// cannot make the report itself unbounded.
// Rules for callers: match on `code`; `path` is the file or directory concerned ('/' for the
// volume as a whole). A report with no problems means the volume follows every rule checked.
// Invariants: at most MAX_LISTED problems are listed; `omitted` counts the rest.
export type ProblemCode =
  | 'DIRTY' | 'FAT_MIRROR' | 'FAT_MEDIA' | 'FAT_RANGE' | 'LOOP' | 'CROSS_LINK' | 'BAD_START'
  | 'FREE_IN_CHAIN' | 'BAD_CLUSTER_IN_CHAIN' | 'SIZE_BEYOND_CHAIN' | 'CHAIN_BEYOND_SIZE' | 'LOST_CLUSTERS'
  | 'ORPHAN_LFN' | 'BAD_LFN' | 'BAD_NAME' | 'DUP_NAME' | 'BAD_ATTR' | 'DOT_ENTRY' | 'DIR_SIZE'
  | 'FREE_COUNT' | 'FSINFO' | 'RENAME_PENDING' | 'LABEL' | 'AFTER_END';

export interface Problem {
  readonly code: ProblemCode;
  readonly path: string;
  readonly message: string;
}

export interface FsckReport {
  readonly problems: readonly Problem[];
  /** Problems found beyond those listed. */
  readonly omitted: number;
  /** True when repairs were asked for and written. */
  readonly repaired: boolean;
  readonly files: number;
  readonly directories: number;
  readonly freeClusters: number;
  readonly lostClusters: number;
}

const MAX_LISTED = 1000;

export class Problems {
  private readonly list: Problem[] = [];
  private omitted = 0;
  add(code: ProblemCode, path: string, message: string): void {
    if (this.list.length < MAX_LISTED) this.list.push({ code, path, message });
    else this.omitted++;
  }
  get count(): number { return this.list.length + this.omitted; }
  report(repaired: boolean, counts: { files: number; directories: number; freeClusters: number; lostClusters: number }): FsckReport {
    return { problems: this.list.slice(), omitted: this.omitted, repaired: repaired && this.count > 0, ...counts };
  }
}
