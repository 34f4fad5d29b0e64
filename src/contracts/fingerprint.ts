// Contract fingerprints: a contract's structure as one string, equal for interchangeable contracts,
// including contracts that carry their own endpoints or each other's (recursive contracts).
// Rules for callers: `fingerprints(members)` takes the snapshots of one definition group (one
// `contract()` call, or one `contracts({...})` call, or one strongly connected set of Sing#
// contracts) and returns each member's fingerprint. A field made by `endpointOf('Name', ...)`
// refers to the member of that name; every other field is described by its own `describe` (an
// endpoint of a contract defined earlier describes itself by that contract's fingerprint).
// Definition: a member that reaches no reference back to itself is written as before recursive
// contracts existed, `Name<in Tag(field:type,...);...|Initial|State{Tag->Next,...};...>` (with
// `|Initial+Entry+...|` when it has entry states). A member
// of a cycle of references is written `rec[B0&B1&...]`: the bodies of the members of its strongly
// connected component, numbered in the order a depth-first walk from it (messages, then fields, in
// declaration order) first meets them, each body written once, with a reference inside the
// component written `#k.side:State` (k: that member's number) and a reference leaving it written
// with the target's own fingerprint. Equal strings therefore mean isomorphic reference graphs with
// equal bodies, which is what interchangeable means; the size is linear in the component.
// Invariants: deterministic (no hashing, no object identity), independent of how members were
// grouped: a member that carries no reference back has the same fingerprint alone or in a group.
import type { MessageSpec } from './contract.ts';
import type { FieldType } from './field.ts';
import type { Snapshot } from './intern.ts';

/** The reference a field made by `endpointOf('Name', side, state)` holds. */
export interface RefSpec { readonly name: string; readonly side: 'imp' | 'exp'; readonly state: string }

/** The reference of a field, or undefined for any other field. */
export function refOf(t: FieldType<unknown>): RefSpec | undefined {
  return t.kind === 'endpoint' ? (t as { readonly ref?: RefSpec }).ref : undefined;
}

/** The members each member refers to, in message and field order (duplicates kept once). */
function edges(members: readonly Snapshot[], index: ReadonlyMap<string, number>): number[][] {
  return members.map((s) => {
    const out: number[] = [];
    for (const spec of Object.values(s.messages) as MessageSpec[]) {
      for (const t of Object.values(spec.fields) as FieldType<unknown>[]) {
        const r = refOf(t);
        const j = r === undefined ? undefined : index.get(r.name);
        if (j !== undefined && !out.includes(j)) out.push(j);
      }
    }
    return out;
  });
}

/** Tarjan's strongly connected components; components come out dependencies first. */
function components(next: readonly number[][]): number[][] {
  const n = next.length;
  const low = new Array<number>(n).fill(-1);
  const num = new Array<number>(n).fill(-1);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const out: number[][] = [];
  let counter = 0;
  const visit = (v: number): void => {
    num[v] = low[v] = counter++;
    stack.push(v);
    onStack[v] = true;
    for (const w of next[v] ?? []) {
      if (num[w] === -1) { visit(w); low[v] = Math.min(low[v] as number, low[w] as number); }
      else if (onStack[w] === true) low[v] = Math.min(low[v] as number, num[w] as number);
    }
    if (low[v] === num[v]) {
      const comp: number[] = [];
      for (;;) {
        const w = stack.pop() as number;
        onStack[w] = false;
        comp.push(w);
        if (w === v) break;
      }
      out.push(comp);
    }
  };
  for (let v = 0; v < n; v++) if (num[v] === -1) visit(v);
  return out;
}

/** Fingerprints of the members of one definition group, in member order. References to names
 * that are not members must have been refused before (they are written `@Name`). */
export function fingerprints(members: readonly Snapshot[]): string[] {
  const index = new Map(members.map((s, i) => [s.name, i]));
  const next = edges(members, index);
  const fp: (string | undefined)[] = members.map(() => undefined);
  const compOf = new Map<number, number[]>();
  const comps = components(next);
  for (const c of comps) for (const v of c) compOf.set(v, c);

  const body = (i: number, local: ReadonlyMap<number, number> | null): string => {
    const s = members[i] as Snapshot;
    const field = (t: FieldType<unknown>): string => {
      const r = refOf(t);
      if (r === undefined) return t.describe;
      const j = index.get(r.name);
      if (j === undefined) return `@${r.name}.${r.side}:${r.state}`;
      const k = local?.get(j);
      return `${k !== undefined ? `#${k}` : (fp[j] as string)}.${r.side}:${r.state}`;
    };
    const msgs = Object.entries(s.messages).map(([tag, m]) =>
      `${m.dir} ${tag}(${Object.entries(m.fields).map(([f, t]) => `${f}:${field(t)}`).join(',')})`);
    const states = Object.entries(s.states).map(([st, row]) => `${st}{${Object.entries(row).map(([t, n]) => `${t}->${n}`).join(',')}}`);
    return `${s.name}<${msgs.join(';')}|${[s.initial, ...(s.entries ?? [])].join('+')}|${states.join(';')}>`;
  };

  for (const comp of comps) {
    const recursive = comp.length > 1 || (next[comp[0] as number] ?? []).includes(comp[0] as number);
    for (const v of comp) {
      if (!recursive) { fp[v] = body(v, null); continue; }
      // Number the component's members in the order a walk from v meets them.
      const order: number[] = [];
      const local = new Map<number, number>();
      const walk = (u: number): void => {
        local.set(u, order.length);
        order.push(u);
        for (const w of next[u] ?? []) if (compOf.get(w) === comp && !local.has(w)) walk(w);
      };
      walk(v);
      fp[v] = `rec[${order.map((u) => body(u, local)).join('&')}]`;
    }
  }
  return fp as string[];
}
