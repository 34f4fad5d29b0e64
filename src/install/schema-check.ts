// The small pieces the system manifest's schema checks share (system.ts, distribution.ts): what a
// JSON object is, how a problem is reported, and the rule that a field nobody knows is an error.
// Rules for callers: a problem is reported as (field path, rule broken); nothing here throws.

export type Obj = Readonly<Record<string, unknown>>;
export type Bad = (field: string, rule: string) => void;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reports every key of `v` not in `known`, as a field of `kind`; `at` is `v`'s own path ('' at the top). */
export function unknownFields(v: Obj, at: string, kind: string, known: readonly string[], bad: Bad): void {
  for (const k of Object.keys(v)) if (!known.includes(k)) bad(at === '' ? k : `${at}.${k}`, `is not a field of ${kind} (known: ${known.join(', ')})`);
}
