// The host's client of the status service (/status, src/services/status): how `sing ps`, `sing
// status` and `sing top` (through the control socket) see a running system — the same answers the
// shell's `ps`, `names`, `mount` and `free` get, from the same service.
// Rules for callers: `systemStatus(kernel)` binds /status, asks every question once and closes; it
// throws a StatusError (E_NO_STATUS) when no status service answers (not started, or being
// restarted by its supervisor), so a caller can say so rather than guess.
import type { Kernel } from '../kernel/kernel.ts';
import { SingError } from '../lib/error.ts';
import { Status } from '../contracts/lib/status.ts';
import type { Payload } from '../contracts/field.ts';
import type { Imp } from '../contracts/view.ts';

export class StatusError extends SingError {}

type Row<M extends keyof typeof Status['messages']> = Payload<typeof Status['messages'][M]['fields']>;
export type ProcessRow = Row<'Processes'>['processes'][number];
export type ChannelRow = Row<'Channels'>['channels'][number];
export type NameRow = Row<'Names'>['names'][number];
export type HeapRow = Row<'Heap'>['heap'];

export interface StatusReport {
  readonly processes: readonly ProcessRow[];
  readonly channels: readonly ChannelRow[];
  readonly channelCount: number;
  readonly names: readonly NameRow[];
  readonly heap: HeapRow;
}

/** Everything the status service says about the system now. */
export async function systemStatus(k: Kernel): Promise<StatusReport> {
  const ch = k.hostChannel(Status);
  const b = await k.names.bind(k.owner, '/status', ch.exp);
  if (!b.ok) {
    ch.imp.close();
    throw new StatusError('E_NO_STATUS', `the status service does not answer at /status (${b.reason}); it is not running, or is being restarted`);
  }
  let ep: Imp<typeof Status, 'Ready'> = ch.imp;
  const lost = (): never => { throw new StatusError('E_NO_STATUS', 'the status service went away while answering'); };
  const p = await ep.send('GetProcesses').receive();
  if (p.tag !== 'Processes') return lost();
  const c = await p.ep.send('GetChannels').receive();
  if (c.tag !== 'Channels') return lost();
  const n = await c.ep.send('GetNames').receive();
  if (n.tag !== 'Names') return lost();
  const h = await n.ep.send('GetHeap').receive();
  if (h.tag !== 'Heap') return lost();
  ep = h.ep;
  ep.close();
  return { processes: p.processes, channels: c.channels, channelCount: c.total, names: n.names, heap: h.heap };
}
