// The DiskDevice conversation, served over any medium: the disk driver's host file and the RAM
// disk's exchange-heap chunks both answer clients through this one loop, so they cannot differ
// in what they accept or refuse.
// Rules for callers: give a Medium whose transfers take the buffer and always hand it back (with
// an error value when they fail); `serveDisk` returns when the client says Bye or goes away.
// Invariants: every Read or Write is checked here before it reaches the medium (whole sectors,
// inside the buffer and the disk), and every buffer a client sends goes back to it.
import type { Abi, Bytes, Exp, Listener } from 'sing/runtime';
import type { DiskDevice } from 'sing/contracts/disk';

export interface MediumError { readonly code: string; readonly reason: string }
export interface Transfer { readonly buf: Bytes; readonly error: MediumError | null }

/** What a driver serves: whole sectors of some storage. */
export interface Medium {
  readonly name: string;
  readonly sectorSize: number;
  readonly sectorCount: number;
  readonly readOnly: boolean;
  read(sector: number, count: number, buf: Bytes, at: number): Promise<Transfer>;
  write(sector: number, count: number, buf: Bytes, at: number): Promise<Transfer>;
  flush(): Promise<MediumError | null>;
}

/** Why a transfer of `length` bytes at `offset` of a `size`-byte buffer, from `sector`, is refused. */
function refusal(m: Medium, what: string, size: number, offset: number, length: number, sector: number): string | null {
  const ss = m.sectorSize;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || !Number.isSafeInteger(sector) || offset < 0 || length < 0 || sector < 0) {
    return `${m.name}: ${what}: offset ${offset}, length ${length} and sector ${sector} must be whole numbers, not negative`;
  }
  if (length === 0 || length % ss !== 0) return `${m.name}: ${what}: a length of ${length} bytes is not a whole number of ${ss}-byte sectors`;
  if (offset + length > size) return `${m.name}: ${what}: ${length} bytes at ${offset} do not fit in the ${size}-byte buffer`;
  if (sector + length / ss > m.sectorCount) return `${m.name}: ${what}: sectors [${sector}, ${sector + length / ss}) are beyond the disk's ${m.sectorCount}`;
  return null;
}

export async function serveDisk(client: Exp<typeof DiskDevice>, m: Medium): Promise<void> {
  let at = client.send('Success');
  for (;;) {
    const r = await at.receive();
    switch (r.tag) {
      case 'GetDeviceName': at = r.ep.send('AckGetDeviceName', { name: m.name }); break;
      case 'GetDiskAttributes': at = r.ep.send('AckGetDiskAttributes', { readOnly: m.readOnly, removable: false }); break;
      case 'GetSectorSize': at = r.ep.send('AckGetSectorSize', { sectorSize: m.sectorSize }); break;
      case 'GetStartSector': at = r.ep.send('AckGetStartSector', { startSector: 0 }); break;
      case 'GetSectorCount': at = r.ep.send('AckGetSectorCount', { sectorCount: m.sectorCount }); break;
      case 'NoOp': at = r.ep.send('AckNoOp'); break;
      case 'Read': {
        const why = refusal(m, 'Read', r.data.length, r.offset, r.length, r.sector);
        if (why !== null) { at = r.ep.send('NakRead', { data: r.data, code: 'E_RANGE', reason: why }); break; }
        const t = await m.read(r.sector, r.length / m.sectorSize, r.data, r.offset);
        at = t.error === null ? r.ep.send('AckRead', { data: t.buf }) : r.ep.send('NakRead', { data: t.buf, code: t.error.code, reason: t.error.reason });
        break;
      }
      case 'Write': {
        const why = m.readOnly ? `${m.name}: Write: the disk is read-only` : refusal(m, 'Write', r.data.length, r.offset, r.length, r.sector);
        if (why !== null) { at = r.ep.send('NakWrite', { data: r.data, code: m.readOnly ? 'E_READ_ONLY' : 'E_RANGE', reason: why }); break; }
        const t = await m.write(r.sector, r.length / m.sectorSize, r.data, r.offset);
        at = t.error === null ? r.ep.send('AckWrite', { data: t.buf }) : r.ep.send('NakWrite', { data: t.buf, code: t.error.code, reason: t.error.reason });
        break;
      }
      case 'Flush': {
        const e = await m.flush();
        at = e === null ? r.ep.send('AckFlush') : r.ep.send('NakFlush', { code: e.code, reason: e.reason });
        break;
      }
      case 'Bye': case '$closed': return;
    }
  }
}

/** Accepts clients until the listener closes, each served in its own thread; returns how many. */
export async function listenDisk(listener: Listener<typeof DiskDevice>, medium: Medium, abi: Abi): Promise<number> {
  let l = listener;
  let served = 0;
  for (;;) {
    const m = await l.receive();
    if (m.tag === '$closed') return served;
    served++;
    abi.spawn(serveDisk, m.client, medium);
    l = m.ep.send('Accept');
  }
}
