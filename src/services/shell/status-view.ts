// The shell's windows on the running system, from the status service (/status,
// sing/contracts/status): `ps` (processes), `names` (the namespace as a tree), `mount` (the mount
// points) and `free` (the exchange heap). Nothing here reaches the kernel but through the service.
// Rules for callers: `statusCommand` returns the text to print or throws an Error naming what
// failed (no status service, a bad word); each call binds /status once and closes the channel.
import type { Abi, Imp } from 'sing/runtime';
import { Status } from 'sing/contracts/status';

function columns(rows: readonly (readonly string[])[], right: readonly number[]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (right.includes(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n') + '\n';
}

function size(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)}M` : n >= 1024 ? `${(n / 1024).toFixed(1)}K` : String(n);
}

async function open(abi: Abi): Promise<Imp<typeof Status, 'Ready'>> {
  const ch = abi.channel(Status);
  const b = await abi.bind('/status', ch.exp);
  if (!b.ok) { ch.imp.close(); throw new Error(`the status service does not answer at /status (${b.reason})`); }
  return ch.imp;
}

const GONE = 'the status service went away';

export async function statusCommand(abi: Abi, name: 'ps' | 'names' | 'mount' | 'free', args: readonly string[]): Promise<string> {
  if (args.length > 0) throw new Error('takes no words');
  const st = await open(abi);
  if (name === 'ps') {
    const m = await st.send('GetProcesses').receive();
    if (m.tag !== 'Processes') throw new Error(GONE);
    m.ep.close();
    return columns([
      ['PID', 'PPID', 'PROGRAM', 'STATE', 'DOMAIN', 'FUEL', 'HEAP', 'BLOCKS', 'ENDPOINTS'],
      ...m.processes.map((p) => [String(p.pid), String(p.ppid), p.program, p.state, p.domain, String(p.fuel), size(p.heapBytes), String(p.heapBlocks), String(p.endpoints)]),
    ], [0, 1, 5, 6, 7, 8]);
  }
  if (name === 'free') {
    const m = await st.send('GetHeap').receive();
    if (m.tag !== 'Heap') throw new Error(GONE);
    m.ep.close();
    const h = m.heap;
    return columns([
      ['', 'TOTAL', 'USED', 'FREE', 'LIVE', 'BLOCKS', 'RESERVED', 'FRAGMENTED'],
      ['exchange heap', size(h.capacity), size(h.used), size(h.free), size(h.live), String(h.blocks), size(h.reserved), `${(h.fragmentation * 100).toFixed(0)}%`],
    ], [1, 2, 3, 4, 5, 6, 7]);
  }
  const names = await st.send('GetNames').receive();
  if (names.tag !== 'Names') throw new Error(GONE);
  const pm = await names.ep.send('GetProcesses').receive();
  if (pm.tag !== 'Processes') throw new Error(GONE);
  pm.ep.close();
  // One line a name: the contracts a mount point serves (File, Directory, Volume) together.
  const grouped: { path: string; pid: number; mount: boolean; contracts: string[] }[] = [];
  for (const n of names.names) {
    const g = grouped.find((x) => x.path === n.path && x.pid === n.pid && x.mount === n.mount);
    if (g === undefined) grouped.push({ path: n.path, pid: n.pid, mount: n.mount, contracts: [n.contract] });
    else g.contracts.push(n.contract);
  }
  const who = (pid: number): string => `${pm.processes.find((p) => p.pid === pid)?.program ?? (pid === 0 ? 'kernel' : '?')}[${String(pid)}]`;
  if (name === 'mount') {
    const mounts = grouped.filter((n) => n.mount);
    return mounts.map((n) => `${n.path}  ${n.contracts.join(', ')}  served by ${who(n.pid)}\n`).join('') || 'nothing is mounted\n';
  }
  // names: the namespace as a tree, each name with its contract and provider.
  let out = '/\n';
  const shown = new Set<string>();
  for (const n of grouped) {
    const parts = n.path.split('/').filter((p) => p !== '');
    for (let i = 0; i < parts.length; i++) {
      const prefix = `/${parts.slice(0, i + 1).join('/')}`;
      const leaf = i === parts.length - 1;
      if (!leaf && shown.has(prefix)) continue;
      const pad = '  '.repeat(i + 1);
      out += leaf ? `${pad}${parts[i] ?? ''}${n.mount ? '/**' : ''}  ${n.contracts.join(', ')}  ${who(n.pid)}\n` : `${pad}${parts[i] ?? ''}/\n`;
      shown.add(prefix);
    }
  }
  return out;
}
