// Printing lowered Sing# contracts as a TypeScript module on sing/runtime's DSL: what
// `sing contract import` writes.
// Rules for callers: `printModule(all, wanted, title)` takes every contract lowered in one run
// (dependencies first, as lowerAll returns them) and the ones to print; it prints those, and before
// them every contract they carry endpoints of that is declared elsewhere (marked with a comment),
// each once. Contracts of one recursive group are printed together as one `contracts({...})` call
// (a contract that carries only its own endpoints is a plain `contract()`); a qualified name
// (`Ns.Name`) is exported as `Ns_Name`. Every printed contract is exported.
import { END } from '../contract.ts';
import { ident, type Lowered } from './lower.ts';

const ORDER = ['contract', 'contracts', 'inn', 'out', 'END', 'i32', 'u32', 'f64', 'bool', 'enumOf', 'record', 'bytes', 'text', 'exArray', 'exLayout', 'exPtr', 'exPointers', 'exRecord', 'exVector', 'endpointOf'];
const key = (s: string): string => (/^[A-Za-z_]\w*$/.test(s) ? s : `'${s}'`);

/** The contracts `wanted` needs printed with them, in dependency order, one per name. */
export function closure(all: readonly Lowered[], wanted: readonly Lowered[]): Lowered[] {
  const byName = new Map<string, Lowered>();
  for (const l of all) if (l.duplicateOf === null) byName.set(l.name, l);
  const chosen = new Map<string, Lowered>();
  for (const l of wanted) if (!chosen.has(l.name)) chosen.set(l.name, l);
  const work = [...chosen.values()];
  while (work.length > 0) {
    const l = work.pop() as Lowered;
    for (const n of [...l.deps, ...(l.group ?? [])]) {
      if (chosen.has(n)) continue;
      const d = byName.get(n);
      if (d === undefined) continue;
      chosen.set(n, d);
      work.push(d);
    }
  }
  const rank = new Map<string, number>();
  all.forEach((l, i) => { if (!rank.has(l.name)) rank.set(l.name, i); });
  return [...chosen.values()].sort((a, b) => (rank.get(a.name) ?? 0) - (rank.get(b.name) ?? 0));
}

export function printModule(all: readonly Lowered[], wanted: readonly Lowered[], title: string, runtime = 'sing/runtime'): string {
  const own = new Set(wanted.map((l) => l.name));
  const files = new Set(wanted.map((l) => l.file));
  const list = closure(all, wanted);
  const imports = new Set<string>();
  const body: string[] = [];
  const printed = new Set<string>();
  for (const l of list) {
    if (printed.has(l.name)) continue;
    const members = l.group !== null && l.group.length > 1 ? list.filter((x) => l.group?.includes(x.name)) : [l];
    for (const m of members) { printed.add(m.name); for (const i of m.imports) if (i !== 'contract') imports.add(i); }
    const lines: string[] = [];
    const foreign = members.filter((m) => !own.has(m.name) && !files.has(m.file));
    if (foreign.length > 0) lines.push(`// From ${foreign.map((m) => `${m.file.split('/').pop() ?? m.file} (${m.name})`).join(', ')}: this module's contracts carry its endpoints.`);
    for (const m of members) {
      for (const [k, v] of Object.entries(m.consts)) lines.push(`export const ${ident(m.name)}_${k} = ${JSON.stringify(v)};`);
    }
    if (members.length === 1) {
      imports.add('contract');
      lines.push(`export const ${ident(l.name)} = contract('${l.name}', ${definition(l, '', imports)});`);
    } else {
      imports.add('contracts');
      const names = members.map((m) => (ident(m.name) === m.name ? m.name : `'${m.name}': ${ident(m.name)}`));
      lines.push(`export const { ${names.join(', ')} } = contracts({`);
      for (const m of members) lines.push(`  ${key(m.name)}: ${definition(m, '  ', imports)},`);
      lines.push('});');
    }
    body.push(lines.join('\n'));
  }
  const used = ORDER.filter((x) => imports.has(x));
  const head = `// Imported from ${title} by \`sing contract import\`; Sing# directions are seen from the exporter.\n`
    + `import { ${used.join(', ')} } from '${runtime}';\n`;
  return `${head}\n${body.join('\n\n')}\n`;
}

/** `{ messages, initial, states }` of one contract, indented by `pad`. */
function definition(l: Lowered, pad: string, imports: Set<string>): string {
  const lines: string[] = ['{'];
  lines.push(`${pad}  messages: {`);
  for (const m of l.compiled.messages) {
    const fs = l.fields[m.tag] ?? [];
    imports.add(m.dir === 'in' ? 'inn' : 'out');
    lines.push(`${pad}    ${m.tag}: ${m.dir === 'in' ? 'inn' : 'out'}(${fs.length === 0 ? '' : `{ ${fs.map((f) => `${f.name}: ${f.ts}`).join(', ')} }`}),`);
  }
  lines.push(`${pad}  },`);
  lines.push(`${pad}  initial: '${l.snapshot.initial}',`);
  const entries = l.snapshot.entries ?? [];
  if (entries.length > 0) lines.push(`${pad}  entries: [${entries.map((e) => `'${e}'`).join(', ')}], // not reached from ${l.snapshot.initial}: a channel may start there`);
  lines.push(`${pad}  states: {`);
  for (const [st, row] of Object.entries(l.snapshot.states)) {
    const entries = Object.entries(row).map(([tag, to]) => {
      if (to === END) imports.add('END');
      return `${tag}: ${to === END ? 'END' : `'${to}'`}`;
    });
    lines.push(`${pad}    ${key(st)}: {${entries.length === 0 ? '' : ` ${entries.join(', ')} `}},`);
  }
  lines.push(`${pad}  },`);
  lines.push(`${pad}}`);
  return lines.join('\n');
}
