// What installing costs: `sing install` of a ~500-line program (bench/programs/kvstore) cold, in a
// fresh process, and warm, reinstalling sources the store has already judged; beside them the peer,
// a plain strict type check of the same folder in its own fresh process, and the CPU-fuel tax.
// Rules: cold figures come from separate child processes (alternating sing and the peer), so no
// run warms the next; warm figures are medians inside one process.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable, median, progress } from './measure.ts';
import { runFuel } from './fuel.ts';

export interface InstallResult {
  program: string;
  lines: number;
  coldInstallMs: number;
  warmInstallMs: number;
  /** Installing into an empty store from a warm process: verify, compile and store from scratch. */
  reverifyInstallMs: number;
  /** The peer: a cold strict type check of the same program (no rules, no compile, no store). */
  coldTypecheckMs: number;
  fuelTax: number;
  ratios: { coldInstallOverTypecheck: number };
  targets: { coldAtMost1500ms: boolean; warmAtMost100ms: boolean; fuelTaxAtMost1_05: boolean };
}

const here = dirname(fileURLToPath(import.meta.url));
export const INSTALL_PROGRAM = join(here, 'programs/kvstore');

function child(args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'install.child.ts'), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench: install child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
}

function countLines(dir: string): number {
  const r = spawnSync('sh', ['-c', `cat $(find '${dir}' -name '*.ts') | grep -cv '^\\s*$'`], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

export async function runInstall(opts: { quick: boolean }): Promise<InstallResult> {
  const rounds = opts.quick ? 2 : 5;
  const cold: number[] = [];
  const peer: number[] = [];
  const warm: number[] = [];
  const reverify: number[] = [];
  let name = '';
  for (let i = 0; i < rounds; i++) {
    const s = child(['sing', INSTALL_PROGRAM, String(opts.quick ? 3 : 5)]);
    const t = child(['tsc', INSTALL_PROGRAM]);
    cold.push(s['coldMs'] as number);
    warm.push(...(s['warm'] as number[]));
    reverify.push(...(s['reverify'] as number[]));
    peer.push(t['typecheckMs'] as number);
    name = s['name'] as string;
    progress(`  round ${i + 1}: cold install ${(s['coldMs'] as number).toFixed(0)} ms, cold type check ${(t['typecheckMs'] as number).toFixed(0)} ms, warm ${median(s['warm'] as number[]).toFixed(1)} ms`);
  }
  const fuel = await runFuel({ quick: opts.quick });
  const coldInstallMs = median(cold);
  const warmInstallMs = median(warm);
  const coldTypecheckMs = median(peer);
  return {
    program: name,
    lines: countLines(INSTALL_PROGRAM),
    coldInstallMs,
    warmInstallMs,
    reverifyInstallMs: median(reverify),
    coldTypecheckMs,
    fuelTax: fuel.fuelTax,
    ratios: { coldInstallOverTypecheck: coldInstallMs / coldTypecheckMs },
    targets: { coldAtMost1500ms: coldInstallMs <= 1500, warmAtMost100ms: warmInstallMs <= 100, fuelTaxAtMost1_05: fuel.fuelTax <= 1.05 },
  };
}

/** The table `sing bench install` prints. */
export function installTable(t: InstallResult): string {
  const met = (b: boolean): string => (b ? 'yes' : 'NO');
  return formatTable([
    { measure: `cold install (${t.program}, ${t.lines} lines)`, sing: `${t.coldInstallMs.toFixed(0)} ms`, peer: `${t.coldTypecheckMs.toFixed(0)} ms cold type check`, ratio: `${t.ratios.coldInstallOverTypecheck.toFixed(2)}x`, target: '<= 1500 ms', met: met(t.targets.coldAtMost1500ms) },
    { measure: 'warm install (judged before)', sing: `${t.warmInstallMs.toFixed(1)} ms`, peer: '-', ratio: '-', target: '<= 100 ms', met: met(t.targets.warmAtMost100ms) },
    { measure: 'install into an empty store, warm process', sing: `${t.reverifyInstallMs.toFixed(0)} ms`, peer: '-', ratio: '-', target: '-', met: '-' },
    { measure: 'CPU fuel tax', sing: t.fuelTax.toFixed(3), peer: 'same image, checks stripped', ratio: '-', target: '<= 1.05', met: met(t.targets.fuelTaxAtMost1_05) },
  ]) + '\n';
}
