// Naming conventions the kernel's name service applies: allowMultiple families. As in
// Singularity's system manifest, a family such as `/dev/disk` names a kind of device of which a
// system may have several; its members are the family followed by a number (`/dev/disk0`,
// `/dev/disk1`, ...). A driver program exports one member (`DiskDevice.exp('/dev/disk0')`); when a
// second instance starts and that member is taken, the name service registers the family's lowest
// free member for it instead of refusing it (E_NAME_TAKEN), so one image can drive many devices.
// Rules for callers: a family is a path (`/dev/disk`); `checkFamilies` refuses anything else, and
// the kernel's default (DEFAULT_ALLOW_MULTIPLE) is used when the host gives none. Only manifest
// exports are numbered anew: `abi.register` names exactly what the program asks for.
// Invariants: `familyOf` is a pure function of the path and the family list; a path belongs to at
// most one family (the longest that matches), so the numbering is never ambiguous.
import { SingError } from '../lib/error.ts';

/** A naming option the kernel cannot use (thrown to the host constructing the kernel). */
export class NamingError extends SingError {
  constructor(message: string) { super('E_NAME_FAMILY', message); }
}

/** The families every kernel knows unless its host says otherwise (`new Kernel({ naming })`). */
export const DEFAULT_ALLOW_MULTIPLE: readonly string[] = Object.freeze(['/dev/disk', '/dev/ramdisk']);

/** The kernel option: which families a manifest export may be numbered in. */
export interface NamingOptions {
  /** Family paths (`/dev/disk`); replaces DEFAULT_ALLOW_MULTIPLE (give `[]` for none). */
  readonly allowMultiple?: readonly string[];
}

const PATH = /^(\/[\w.-]+)+$/;
const MEMBER_NUMBER = /^\d+$/;

/** The families `opts` lists, checked and frozen; `who` names the caller in a refusal. */
export function checkFamilies(opts: NamingOptions | undefined, who: string): readonly string[] {
  const list: unknown = opts?.allowMultiple ?? DEFAULT_ALLOW_MULTIPLE;
  if (!Array.isArray(list)) throw new NamingError(`${who}: naming.allowMultiple must be a list of family paths such as '/dev/disk'`);
  const out: string[] = [];
  list.forEach((f: unknown, i) => {
    if (typeof f !== 'string' || !PATH.test(f)) {
      throw new NamingError(`${who}: naming.allowMultiple[${i}] (${JSON.stringify(f)}) is not a family path: a family looks like /dev/disk, and its members are /dev/disk0, /dev/disk1, ...`);
    }
    if (!out.includes(f)) out.push(f);
  });
  return Object.freeze(out);
}

/** The family `path` is a numbered member of (`/dev/disk` for `/dev/disk3`), or null. */
export function familyOf(families: readonly string[], path: string): string | null {
  let best: string | null = null;
  for (const f of families) {
    if (path.length > f.length && path.startsWith(f) && MEMBER_NUMBER.test(path.slice(f.length)) && (best === null || f.length > best.length)) best = f;
  }
  return best;
}
