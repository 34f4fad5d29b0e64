// Declared file claims (`resources.files`) as the installer judges them: which paths below mount
// points a program may bind, and whether it claims them for itself alone. As with host resources,
// installing a program whose claims overlap an installed program's is refused (E_RESOURCE_CONFLICT)
// when either of the two overlapping claims is exclusive; shared claims may overlap freely.
// Rules for callers: give stored manifests (`ProgramManifest`); a claim is 'read', 'write' or
// { access, exclusive? } there, and `fileClaimsOf` reads all three forms the same way.
// Invariants: two claims overlap exactly when some path is covered by both, as the name service
// covers paths (src/kernel/name-service.ts, accessOf): an exact claim covers its path, a subtree
// claim `/fs/www/**` covers `/fs/www` and everything below it. So equal paths, a path inside a
// subtree, and nested subtrees overlap; `/fs/www/**` and `/fs/wwwx` do not.
import type { ProgramManifest } from '../verifier/manifest-schema.ts';

export interface StoredClaim { readonly pattern: string; readonly access: 'read' | 'write'; readonly exclusive: boolean }

/** A stored manifest's file claims, in declaration order. */
export function fileClaimsOf(m: ProgramManifest): StoredClaim[] {
  return Object.entries(m.resources.files ?? {}).map(([pattern, c]) => (typeof c === 'string'
    ? { pattern, access: c, exclusive: false }
    : { pattern, access: c.access, exclusive: c.exclusive === true }));
}

/** The path a claim is rooted at, and whether it covers the subtree below it. */
function rootOf(pattern: string): { readonly root: string; readonly subtree: boolean } {
  return pattern.endsWith('/**') ? { root: pattern.slice(0, -3), subtree: true } : { root: pattern, subtree: false };
}

/** Whether `path` is `root` or below it. */
const within = (path: string, root: string): boolean => path === root || path.startsWith(`${root}/`);

/** Whether some path is covered by both claims (see the header). */
export function claimsOverlap(a: string, b: string): boolean {
  const x = rootOf(a);
  const y = rootOf(b);
  if (!x.subtree && !y.subtree) return x.root === y.root;
  if (x.subtree && y.subtree) return within(x.root, y.root) || within(y.root, x.root);
  return x.subtree ? within(y.root, x.root) : within(x.root, y.root);
}

/** Every overlap between `m`'s claims and another installed program's where either is exclusive,
 * as messages naming both programs and both patterns. */
export function fileClaimConflicts(m: ProgramManifest, others: readonly string[], manifestOf: (name: string) => ProgramManifest): string[] {
  const out: string[] = [];
  const mine = fileClaimsOf(m);
  if (mine.length === 0) return out;
  for (const n of others) {
    for (const theirs of fileClaimsOf(manifestOf(n))) {
      for (const c of mine) {
        if (!(c.exclusive || theirs.exclusive) || !claimsOverlap(c.pattern, theirs.pattern)) continue;
        const who = c.exclusive && theirs.exclusive ? 'both claim it exclusively' : c.exclusive ? `${m.name} claims it exclusively` : `${n} claims it exclusively`;
        out.push(`resources.files[${JSON.stringify(c.pattern)}]: ${m.name}'s ${c.access} claim on ${c.pattern} overlaps ${n}'s ${theirs.access} claim on ${theirs.pattern} (resources.files), and ${who}`);
      }
    }
  }
  return out;
}
