// Reading whole files through the File contract, as every storage-benchmark client does: bind
// the path with File, Read in `chunk`-byte requests into one buffer until a short read, Close and
// wait for AckClose. Returns the bytes read (and the buffer), or why it failed.
// Rules for callers: `buf` is at least `chunk` bytes and comes back in the result, also on
// failure (null only when the file system died holding it). `sink`, when given, gets a copy of
// each Read's bytes (for the request list; the timed loops pass none). On failure the channel is
// closed without a Close: the file system closes the file when it sees the channel go.
import type { Abi, Bytes } from 'sing/runtime';
import { File } from 'sing/contracts/fs';

export interface ReadDone { readonly buf: Bytes | null; readonly bytes: number; readonly check: number; readonly error: string | null }

export async function readWhole(abi: Abi, path: string, buf: Bytes, chunk: number, sink?: (data: Uint8Array) => void): Promise<ReadDone> {
  const c = abi.channel(File);
  const r = await abi.bind(path, c.exp);
  if (!r.ok) { c.imp.close(); return { buf, bytes: 0, check: 0, error: `bind ${path}: ${r.code}: ${r.reason}` }; }
  const hello = await c.imp.receive();
  if (hello.tag !== 'Success') return { buf, bytes: 0, check: 0, error: `${path}: the file system went away` };
  let f = hello.ep;
  let b = buf;
  let off = 0;
  let check = 0;
  for (;;) {
    const m = await f.send('Read', { buf: b, bufOffset: 0, fileOffset: off, length: chunk }).receive();
    if (m.tag === '$closed') return { buf: null, bytes: off, check, error: `${path}: the file system went away during a Read` };
    f = m.ep;
    b = m.buf;
    if (m.tag === 'NakRead') { f.close(); return { buf: b, bytes: off, check, error: `${path}: Read at ${off}: ${m.code}: ${m.reason}` }; }
    if (m.bytesRead > 0) check = (check + b.get(0)) % 1_000_000_007;
    if (sink !== undefined) sink(b.read(0, m.bytesRead));
    off += m.bytesRead;
    if (m.bytesRead < chunk) break;
  }
  const closed = await f.send('Close').receive();
  if (closed.tag === '$closed') return { buf: b, bytes: off, check, error: `${path}: the file system went away at Close` };
  return { buf: b, bytes: off, check, error: null };
}

/** Reads each of `paths` whole, one after another, with the one buffer; stops at the first failure. */
export async function readAll(abi: Abi, paths: readonly string[], buf: Bytes, chunk: number): Promise<ReadDone> {
  let b = buf;
  let bytes = 0;
  let check = 0;
  for (const path of paths) {
    const r = await readWhole(abi, path, b, chunk);
    const back = r.buf;
    if (r.error !== null || back === null) return { buf: back, bytes, check, error: r.error ?? `${path}: no buffer came back` };
    b = back;
    bytes += r.bytes;
    check = (check + r.check) % 1_000_000_007;
  }
  return { buf: b, bytes, check, error: null };
}
