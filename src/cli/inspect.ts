// `sing ps`, `sing kill PID`, `sing status` and `sing top`: host commands against the system
// running on a store (`--store DIR`, else $SING_STORE, else ~/.sing), through its control socket
// (control.ts). `ps` prints a header line and one process a line (`--json`: one JSON object);
// `top` prints the processes by CPU fuel used since its last frame, every `--interval` ms
// (default 1000), `--count` frames (default: until Ctrl-C).
// Rules: exit 0 on success, 1 when no system runs or it refused (its words on stderr), 2 for bad
// usage (UsageError).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { askControl, ControlError } from './control.ts';
import type { ChannelRow, HeapRow, ProcessRow } from './status-client.ts';
import { UsageError } from './system.ts';

export const INSPECT_USAGE = `  ps [--json] | kill PID | status [--json] | top [--interval MS] [--count N]
                              look into the system sing boot runs on the store (its control socket)
`;

/** Columns padded to their widest cell; `right` says which are numbers, aligned right. */
function table(rows: readonly (readonly string[])[], right: (column: number) => boolean = (i) => i < 2 || i >= 5): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (right(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

function kib(n: number): string { return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)}M` : n >= 1024 ? `${(n / 1024).toFixed(1)}K` : `${n}`; }

/** The `ps` table: a header and one process a line. */
export function psTable(ps: readonly ProcessRow[], fuel: (p: ProcessRow) => number = (p) => p.fuel, fuelHead = 'FUEL'): string {
  return table([
    ['PID', 'PPID', 'PROGRAM', 'STATE', 'DOMAIN', fuelHead, 'HEAP', 'BLOCKS', 'ENDPOINTS'],
    ...ps.map((p) => [String(p.pid), String(p.ppid), p.program, p.state, p.domain, String(fuel(p)), kib(p.heapBytes), String(p.heapBlocks), String(p.endpoints)]),
  ]);
}

/** The channels between processes (the kernel's own console channels left out): contract, each
 * end's holder and state, and the messages queued. */
export function channelTable(chs: readonly ChannelRow[], ps: readonly ProcessRow[]): string {
  const name = (pid: number): string => (pid < 0 ? '(in transit)' : pid === 0 ? 'kernel' : `${ps.find((p) => p.pid === pid)?.program ?? '?'}[${pid}]`);
  const rows = chs.filter((c) => c.imp.pid !== 0 && c.exp.pid !== 0);
  return table([
    ['ID', 'QUEUED', 'CONTRACT', 'IMPORTER', 'STATE', 'EXPORTER', 'STATE'],
    ...rows.map((c) => [String(c.id), String(c.imp.queued + c.exp.queued), c.contract, name(c.imp.pid), c.imp.state, name(c.exp.pid), c.exp.state]),
  ], (i) => i < 2);
}

async function ask(store: string, req: Record<string, unknown>): Promise<Record<string, unknown>> {
  const a = await askControl(store, req);
  if (a['ok'] !== true) throw new ControlError('E_REFUSED', String(a['error'] ?? 'refused'));
  return a;
}

export async function inspectCommand(cmd: 'ps' | 'kill' | 'status' | 'top', args: readonly string[]): Promise<number> {
  let values: { store?: string | undefined; json?: boolean | undefined; interval?: string | undefined; count?: string | undefined };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...args], strict: true, allowPositionals: cmd === 'kill',
      options: { store: { type: 'string' }, json: { type: 'boolean' }, interval: { type: 'string' }, count: { type: 'string' } },
    }));
  } catch (e) {
    throw new UsageError(`${cmd}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (values.json !== undefined && cmd !== 'ps' && cmd !== 'status') throw new UsageError(`${cmd}: --json is for ps and status`);
  if ((values.interval !== undefined || values.count !== undefined) && cmd !== 'top') throw new UsageError(`${cmd}: --interval and --count are for top`);
  const store = values.store ?? process.env['SING_STORE'] ?? join(homedir(), '.sing');
  const out = (s: string): void => { process.stdout.write(`${s}\n`); };
  try {
    if (cmd === 'ps') {
      const a = await ask(store, { cmd: 'ps' });
      const ps = a['processes'] as ProcessRow[];
      out(values.json === true ? JSON.stringify({ processes: ps }) : psTable(ps));
      return 0;
    }
    if (cmd === 'kill') {
      const pid = Number(positionals[0]);
      if (positionals.length !== 1 || !Number.isInteger(pid) || pid < 1) throw new UsageError('kill takes one pid, a whole number');
      await ask(store, { cmd: 'kill', pid });
      out(`killed ${pid}`);
      return 0;
    }
    if (cmd === 'status') {
      const a = await ask(store, { cmd: 'status' });
      if (values.json === true) { out(JSON.stringify(a)); return 0; }
      const h = a['heap'] as HeapRow;
      const ps = a['processes'] as ProcessRow[];
      out(`system pid ${String(a['pid'])} at ${String(a['url'])} since ${String(a['since'])}`);
      out(`${ps.length} processes, ${String(a['channelCount'])} channels, ${(a['names'] as unknown[]).length} names; exchange heap ${kib(h.used)} used of ${kib(h.capacity)} in ${h.blocks} blocks (${kib(h.free)} free)`);
      out(channelTable(a['channels'] as ChannelRow[], ps));
      return 0;
    }
    const interval = values.interval === undefined ? 1000 : Number(values.interval);
    const count = values.count === undefined ? Infinity : Number(values.count);
    if (!Number.isInteger(interval) || interval < 100) throw new UsageError('top: --interval takes a whole number of ms, at least 100');
    if (count !== Infinity && (!Number.isInteger(count) || count < 1)) throw new UsageError('top: --count takes a whole number of frames, at least 1');
    let last = new Map<number, number>();
    const clear = process.stdout.isTTY === true;
    for (let frame = 0; frame < count; frame++) {
      if (frame > 0) await new Promise((r) => setTimeout(r, interval));
      const ps = (await ask(store, { cmd: 'ps' }))['processes'] as ProcessRow[];
      const since = (p: ProcessRow): number => p.fuel - (last.get(p.pid) ?? (frame === 0 ? p.fuel : 0));
      const sorted = [...ps].sort((x, y) => since(y) - since(x) || x.pid - y.pid);
      if (clear) process.stdout.write('\x1b[H\x1b[2J');
      out(`sing top: ${ps.length} processes, fuel used in the last ${frame === 0 ? '0' : String(interval)} ms (Ctrl-C ends)`);
      out(psTable(sorted, since, 'FUEL/TICK'));
      if (!clear) out('');
      last = new Map(ps.map((p) => [p.pid, p.fuel]));
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    process.stderr.write(`sing ${cmd}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
