// The disk device contract (after the RDK's DiskDeviceContract): what a block-device driver SIP
// exports at /dev/diskN and what a file system binds. The driver opens the conversation with
// Success; then one request at a time: the device's name, attributes, sector size, start sector and
// sector count, and Read/Write of whole sectors carrying an exchange-heap buffer that comes back
// with the answer, Flush (everything acknowledged before is durable), NoOp.
// Rules for clients: `offset`/`length` are bytes within the buffer (length a whole number of
// sectors, offset + length within the buffer); `sector` is the first sector of the transfer.
// Invariants the drivers keep: the buffer always comes back, acknowledged or refused (the RDK's
// NakRead dropped it); a refusal names the error (`code`: E_RANGE, E_READ_ONLY, E_IO) and says why.
import { bool, bytes, contract, f64, inn, out, str, END } from 'sing/runtime';

export const DiskDevice = contract('DiskDevice', {
  messages: {
    Success: out(),
    GetDeviceName: inn(),
    AckGetDeviceName: out({ name: str }),
    GetDiskAttributes: inn(),
    AckGetDiskAttributes: out({ readOnly: bool, removable: bool }),
    GetSectorSize: inn(),
    AckGetSectorSize: out({ sectorSize: f64 }),
    GetStartSector: inn(),
    AckGetStartSector: out({ startSector: f64 }),
    GetSectorCount: inn(),
    AckGetSectorCount: out({ sectorCount: f64 }),
    Read: inn({ data: bytes, offset: f64, length: f64, sector: f64 }),
    AckRead: out({ data: bytes }),
    NakRead: out({ data: bytes, code: str, reason: str }),
    Write: inn({ data: bytes, offset: f64, length: f64, sector: f64 }),
    AckWrite: out({ data: bytes }),
    NakWrite: out({ data: bytes, code: str, reason: str }),
    Flush: inn(),
    AckFlush: out(),
    NakFlush: out({ code: str, reason: str }),
    NoOp: inn(),
    AckNoOp: out(),
    Bye: inn(),
  },
  initial: 'Start',
  states: {
    Start: { Success: 'Ready' },
    Ready: {
      GetDeviceName: 'Name', GetDiskAttributes: 'Attributes', GetSectorSize: 'SectorSize', GetStartSector: 'StartSector',
      GetSectorCount: 'SectorCount', Read: 'Reading', Write: 'Writing', Flush: 'Flushing', NoOp: 'NoOp', Bye: END,
    },
    Name: { AckGetDeviceName: 'Ready' },
    Attributes: { AckGetDiskAttributes: 'Ready' },
    SectorSize: { AckGetSectorSize: 'Ready' },
    StartSector: { AckGetStartSector: 'Ready' },
    SectorCount: { AckGetSectorCount: 'Ready' },
    Reading: { AckRead: 'Ready', NakRead: 'Ready' },
    Writing: { AckWrite: 'Ready', NakWrite: 'Ready' },
    Flushing: { AckFlush: 'Ready', NakFlush: 'Ready' },
    NoOp: { AckNoOp: 'Ready' },
  },
});
