// The web benchmark's table: what `sing bench web` prints without --json, from the result runWeb
// gives. Rules for callers: pure formatting; figures that are missing print as '-'.
import { formatTable } from './measure.ts';
import { KiB, type WebMixedRow, type WebResult, type WebRow } from './web.ts';

// ---- the table ----

const table = (rows: Parameters<typeof formatTable>[0]): string => `${formatTable(rows)}\n`;
const fmt = (x: number | null, d = 0): string => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(d));

export function webTable(r: WebResult): string {
  const out: string[] = [];
  out.push(`sing bench web: autocannon (pipelining 1) and each server in child processes of their own; ${r.method.rounds} round(s) of ${r.method.measureSec} s bursts after ${r.method.warmupSec} s warm-ups; medians over rounds (${r.method.cpus} CPUs, Node ${r.method.node})\n\n`);
  const cell = (x: WebRow | WebMixedRow, load: string): Record<string, string> => ({
    server: x.server, load, conns: String(x.connections), 'req/s': fmt(x.reqPerSec), 'p99 ms': fmt(x.p99Ms), 'p50 ms': fmt(x.p50Ms),
    'B/resp': fmt(x.bytesPerReq), 'server CPU': x.serverCpuPct === null ? '-' : `${fmt(x.serverCpuPct)}%`, 'autocannon CPU': `${fmt(x.loadCpuPct)}%`, 'other CPU': x.foreignCpuPct === null ? '-' : `${fmt(x.foreignCpuPct)}%`,
    errors: x.flagged ? `FLAGGED ${x.errors}/${x.timeouts}/${x.non2xx}` : '0',
  });
  out.push(table([
    ...r.rows.map((x) => cell(x, x.server.endsWith('app') ? `GET /counter (${x.fileBytes} B)` : `${x.fileBytes / KiB} KiB file`)),
    ...r.mixed.map((x) => cell(x, `WebFiles mix (${fmt(x.meanBytes / KiB, 1)} KiB mean)`)),
  ]));
  out.push('\n');
  out.push(table([
    ...r.ratios.map((x) => ({ comparison: x.name, value: x.ratio === null ? '-' : `${x.ratio.toFixed(2)}x`, rounds: x.rounds.map((v) => (v === null ? '-' : v.toFixed(2))).join(' ') })),
    ...r.overheads.map((o) => ({ comparison: `${o.server} overhead ${o.fileBytes / KiB} KiB x${o.connections}`, value: o.overheadPct === null ? '-' : `${o.overheadPct.toFixed(0)}%`, rounds: '' })),
  ]));
  out.push('\n');
  out.push(table(r.targets.map((t) => ({ target: t.name, ratio: t.ratio === null ? '-' : `${t.ratio.toFixed(2)}x`, met: t.met ? 'yes' : 'NO' }))));
  out.push('\n');
  if (r.cpuSplit.length > 0) {
    out.push(table(r.cpuSplit.map((s) => ({
      'CPU split (sing)': `${s.fileBytes / KiB} KiB x${s.connections}`, 'req/s': fmt(s.reqPerSec), kernel: `${s.busyPct.kernel}%`, net: `${s.busyPct.net}%`,
      web: `${s.busyPct.web}%`, fs: `${s.busyPct.fs}%`, other: `${s.busyPct.other}%`, idle: `${s.idlePct}%`,
    }))));
    out.push(`(shares of busy samples; ${r.cpuNote})\n`);
    for (const s of r.cpuSplit) {
      out.push(`\n${s.fileBytes / KiB} KiB: detail ${Object.entries(s.detail).map(([k, v]) => `${k} ${v}%`).join(', ')}\n`);
      out.push(table(s.top.slice(0, 10).map((f) => ({ function: f.fn, where: f.where, part: f.part, self: `${f.pct}%` }))));
    }
  } else {
    out.push(`CPU split: ${r.cpuNote}\n`);
  }
  for (const [k, why] of Object.entries(r.unavailable)) out.push(`\nNOT MEASURED: ${k} could not start: ${why}\n`);
  if (r.flaggedCells.length > 0) out.push(`\nFLAGGED cells (errors, timeouts, non-2xx or short answers):\n${r.flaggedCells.map((f) => `  ${f}`).join('\n')}\n`);
  return out.join('');
}

