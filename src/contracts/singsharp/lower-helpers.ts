// Pieces of the Sing# lowering that need no pass state (lower.ts runs the passes): a message's
// arguments as fields, the warnings placed at their declarations, entry states, the strongly
// connected sets of contracts, and contract names as TypeScript identifiers.
// Rules for callers: pure functions; diagnostics go through the `diag` given.
import type { CompiledContract } from '../compiler.ts';
import type { Dir } from '../contract.ts';
import type { FieldType } from '../field.ts';
import type { Snapshot } from '../intern.ts';
import type { MessageDecl, Pos } from './parser.ts';
import type { Located, TypeLowerer } from './lower-types.ts';
import type { Entry, LoweredField, PhaseOne } from './lower.ts';
import { fieldName } from './type-map.ts';

type Diag = (file: string, pos: Pos, where: string | null, msg: string, severity?: 'error' | 'warning') => void;

/** A message's arguments as fields: names that collide with a message's own properties get an
 * underscore (type-map.ts). */
export function argsOf(m: Located<MessageDecl>, types: TypeLowerer, diag: Diag): { fs: LoweredField[]; map: Record<string, FieldType<unknown>> } {
  const fs: LoweredField[] = [];
  const map: Record<string, FieldType<unknown>> = Object.create(null) as Record<string, FieldType<unknown>>;
  const declared = new Set(m.decl.args.map((a) => a.name));
  const seen = new Set<string>();
  for (const a of m.decl.args) {
    const where = `message ${m.decl.name}: argument ${a.name}`;
    if (seen.has(a.name)) { diag(m.file, a.pos, where, 'declared twice'); continue; }
    seen.add(a.name);
    const r = types.arg(a.type, m.file, where);
    if (r === null) continue;
    const name = fieldName(a.name, declared);
    map[name] = r.type;
    fs.push({ name, type: r.type, ts: r.ts });
  }
  return { fs, map };
}

/** Rule 6: an endpoint moved in a state where its holder does not send first (legal; queued
 * messages move with it). */
export function movedWarning(diag: Diag, target: Snapshot, name: string, side: 'imp' | 'exp', st: string, file: string, pos: Pos, where: string): void {
  const row = target.states[st] ?? {};
  const holder: Dir = side === 'imp' ? 'in' : 'out';
  const other = Object.keys(row).filter((tag) => target.messages[tag]?.dir !== holder);
  if (other.length > 0) {
    diag(file, pos, where, `endpoint ${name}.${side === 'imp' ? 'Imp' : 'Exp'}:${st} moves in a state where the other side may send first (${other.join(', ')}); messages already queued move with it`, 'warning');
  }
}

/** The compiler's warnings, placed at the declaration they are about. */
export function compilerWarnings(diag: Diag, compiled: CompiledContract, p: PhaseOne, e: Entry): void {
  for (const w of compiled.warnings) {
    const ms = /^message (\w+) /.exec(w);
    const ss = /^state (\w+) (.*)$/.exec(w);
    if (ms !== null) {
      const tag = ms[1] as string;
      const m = p.msgDecls.get(tag) ?? p.msgDecls.get(tag.replace(/_+(in|out)_*$/, ''));
      diag(m?.file ?? e.file, m?.decl.pos ?? e.decl.pos, null, w, 'warning');
    } else if (ss !== null) {
      const o = p.origin.get(ss[1] as string);
      // An unreachable declared state makes its intermediate states unreachable too: say it once.
      if ((ss[2] as string).startsWith('cannot be reached') && o !== undefined && o.decl.name !== ss[1]) {
        if (compiled.warnings.includes(`state ${o.decl.name} ${ss[2] as string}`)) continue;
      }
      diag(o?.file ?? e.file, o?.decl.pos ?? e.decl.pos, `state ${ss[1] as string}`, ss[2] as string, 'warning');
    } else diag(e.file, e.decl.pos, null, w, 'warning');
  }
}

/** The first state, in table order, that neither `initial` nor `entries` reaches. */
export function firstUnreachable(initial: string, entries: readonly string[], states: Readonly<Record<string, Readonly<Record<string, string>>>>): string | undefined {
  const seen = new Set([initial, ...entries]);
  const work = [initial, ...entries];
  while (work.length > 0) {
    for (const to of Object.values(states[work.pop() as string] ?? {})) if (!seen.has(to)) { seen.add(to); work.push(to); }
  }
  return Object.keys(states).find((s) => !seen.has(s));
}

/** A contract's name as a TypeScript identifier (qualified names join with underscores). */
export function ident(name: string): string {
  return name.replace(/\./g, '_');
}

/** Tarjan's strongly connected components of the contract graph, dependencies first. */
export function components(nodes: readonly Entry[], graph: ReadonlyMap<Entry, readonly Entry[]>): Entry[][] {
  const num = new Map<Entry, number>();
  const low = new Map<Entry, number>();
  const stack: Entry[] = [];
  const on = new Set<Entry>();
  const out: Entry[][] = [];
  let counter = 0;
  const visit = (v: Entry): void => {
    num.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!num.has(w)) { visit(w); low.set(v, Math.min(low.get(v) as number, low.get(w) as number)); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v) as number, num.get(w) as number));
    }
    if (low.get(v) === num.get(v)) {
      const comp: Entry[] = [];
      for (;;) {
        const w = stack.pop() as Entry;
        on.delete(w);
        comp.push(w);
        if (w === v) break;
      }
      comp.sort((a, b) => a.index - b.index);
      out.push(comp);
    }
  };
  for (const v of nodes) if (!num.has(v)) visit(v);
  return out;
}
