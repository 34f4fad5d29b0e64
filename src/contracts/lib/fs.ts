// The file-system contracts (after the RDK's FileContract and DirectoryServiceContract): an open
// file, and a directory that enumerates, creates, deletes, renames and opens what is in it. A file
// system mounts both at its mount point (`abi.mount('/fs', File)`, `abi.mount('/fs', Directory)`),
// so a program binds `/fs/www/index.html` with File and gets the open file as its channel.
// Rules for clients: names inside a Directory are single names (no '/'; Rename's may be relative
// paths below the directory, 'sub/a.txt'); SetAttributes with modified 0 leaves the time; a
// channel bound with read access changes nothing; offsets and lengths are
// bytes; a data transfer carries an exchange-heap buffer that always comes back (Ack or Nak). A
// refusal says a stable code (E_NOT_FOUND, E_EXISTS, E_NOT_EMPTY, E_NOT_DIRECTORY, E_IS_DIRECTORY,
// E_ACCESS (a read-only file, or one opened without write), E_DENIED (the channel was granted read
// only), E_READ_ONLY (the volume), E_NO_SPACE, E_DIR_FULL, E_TOO_BIG, E_NAME, E_BUSY, E_RANGE,
// E_IO, E_CORRUPT, E_UNMOUNTED) and a reason naming the path.
// Volume is the mounted file system itself, bound at the mount point (`/fs`): its statistics, a
// flush of everything, and a clean unmount (after which the file system ends).
// Invariants: an endpoint handed in to be opened comes back on refusal (nothing is lost), and the
// Directory contract carries endpoints of its own kind (a sub-directory opened through it).
import { bool, bytes, contract, endpointOf, exLayout, exPtr, exVector, f64, inn, out, record, str, text, END } from 'sing/runtime';

/** What a file or directory is, as GetAttributes reports it. Times are milliseconds since the Unix
 * epoch (FAT keeps two-second steps for modification, days for access). */
export const Attributes = record({
  size: f64, directory: bool, readOnly: bool, hidden: bool, system: bool, archive: bool,
  created: f64, modified: f64, accessed: f64,
});

/** One directory entry in an enumeration: a tree of blocks (the names are text blocks). */
export const DirEntry = exLayout({ size: 'u64', modified: 'f64', directory: 'bool', readOnly: 'bool', hidden: 'bool', name: exPtr(text), shortName: exPtr(text) });

export const File = contract('File', {
  messages: {
    Success: out(),
    Read: inn({ buf: bytes, bufOffset: f64, fileOffset: f64, length: f64 }),
    AckRead: out({ buf: bytes, bytesRead: f64 }),
    NakRead: out({ buf: bytes, code: str, reason: str }),
    Write: inn({ buf: bytes, bufOffset: f64, fileOffset: f64, length: f64 }),
    AckWrite: out({ buf: bytes, bytesWritten: f64 }),
    NakWrite: out({ buf: bytes, code: str, reason: str }),
    GetAttributes: inn(),
    AckGetAttributes: out({ attributes: Attributes }),
    NakGetAttributes: out({ code: str, reason: str }),
    Truncate: inn({ size: f64 }),
    AckTruncate: out(),
    NakTruncate: out({ code: str, reason: str }),
    Flush: inn(),
    AckFlush: out(),
    NakFlush: out({ code: str, reason: str }),
    Close: inn(),
    AckClose: out(),
  },
  initial: 'Start',
  states: {
    Start: { Success: 'Ready' },
    Ready: { Read: 'Reading', Write: 'Writing', GetAttributes: 'Attributes', Truncate: 'Truncating', Flush: 'Flushing', Close: 'Closing' },
    Reading: { AckRead: 'Ready', NakRead: 'Ready' },
    Writing: { AckWrite: 'Ready', NakWrite: 'Ready' },
    Attributes: { AckGetAttributes: 'Ready', NakGetAttributes: 'Ready' },
    Truncating: { AckTruncate: 'Ready', NakTruncate: 'Ready' },
    Flushing: { AckFlush: 'Ready', NakFlush: 'Ready' },
    Closing: { AckClose: END },
  },
});

export const Directory = contract('Directory', {
  messages: {
    Success: out(),
    Enumerate: inn(),
    AckEnumerate: out({ entries: exVector(DirEntry) }),
    GetAttributes: inn({ name: str }),
    AckGetAttributes: out({ attributes: Attributes }),
    SetAttributes: inn({ name: str, readOnly: bool, hidden: bool, system: bool, archive: bool, modified: f64 }),
    CreateFile: inn({ name: str }),
    CreateDirectory: inn({ name: str }),
    DeleteFile: inn({ name: str }),
    DeleteDirectory: inn({ name: str }),
    Rename: inn({ from: str, to: str }),
    AckOp: out(),
    NakOp: out({ code: str, reason: str }),
    OpenFile: inn({ name: str, write: bool, file: endpointOf(File, 'exp', 'Start') }),
    AckOpenFile: out(),
    NakOpenFile: out({ code: str, reason: str, file: endpointOf(File, 'exp', 'Start') }),
    OpenDirectory: inn({ name: str, dir: endpointOf('Directory', 'exp', 'Start') }),
    AckOpenDirectory: out(),
    NakOpenDirectory: out({ code: str, reason: str, dir: endpointOf('Directory', 'exp', 'Start') }),
    Close: inn(),
    AckClose: out(),
  },
  initial: 'Start',
  states: {
    Start: { Success: 'Ready' },
    Ready: {
      Enumerate: 'Enumerating', GetAttributes: 'Attributes', SetAttributes: 'Op', CreateFile: 'Op', CreateDirectory: 'Op',
      DeleteFile: 'Op', DeleteDirectory: 'Op', Rename: 'Op', OpenFile: 'OpeningFile', OpenDirectory: 'OpeningDirectory', Close: 'Closing',
    },
    Enumerating: { AckEnumerate: 'Ready', NakOp: 'Ready' },
    Attributes: { AckGetAttributes: 'Ready', NakOp: 'Ready' },
    Op: { AckOp: 'Ready', NakOp: 'Ready' },
    OpeningFile: { AckOpenFile: 'Ready', NakOpenFile: 'Ready' },
    OpeningDirectory: { AckOpenDirectory: 'Ready', NakOpenDirectory: 'Ready' },
    Closing: { AckClose: END },
  },
});

export const Volume = contract('Volume', {
  messages: {
    Success: out(),
    GetStats: inn(),
    AckGetStats: out({ device: str, fatType: f64, label: str, clusterSize: f64, clusters: f64, freeClusters: f64, readOnly: bool, recovered: bool }),
    NakGetStats: out({ code: str, reason: str }),
    Flush: inn(),
    AckFlush: out(),
    NakFlush: out({ code: str, reason: str }),
    Unmount: inn(),
    AckUnmount: out(),
    NakUnmount: out({ code: str, reason: str }),
  },
  initial: 'Start',
  states: {
    Start: { Success: 'Ready' },
    Ready: { GetStats: 'Stats', Flush: 'Flushing', Unmount: 'Unmounting' },
    Stats: { AckGetStats: 'Ready', NakGetStats: 'Ready' },
    Flushing: { AckFlush: 'Ready', NakFlush: 'Ready' },
    Unmounting: { AckUnmount: END, NakUnmount: 'Ready' },
  },
});
