// The disk driver: a host file (resources.host.disk, bound by the system to a disk image) served as
// a DiskDevice at /dev/disk0. Each client gets its own thread; requests move the client's buffer to
// the kernel, which reads or writes the image straight into or out of it, and the buffer comes back
// with the answer.
// Rules for clients: see sing/contracts/disk. A request the device cannot serve (a range outside
// the disk, a length not a whole number of sectors, a write to a read-only image, a host error) is
// answered Nak with the buffer and a code; the driver never keeps a client's buffer.
// Invariants: one device, opened once; the driver ends when its listener closes.
import { bool, defineProgram, str, type BlockDevice, type IoError } from 'sing/runtime';
import { DiskDevice } from 'sing/contracts/disk';
import { listenDisk, type Medium, type MediumError } from '../shared/disk-server.ts';

/** A host I/O error in the words of the disk conversation. */
function mediumError(e: IoError | null): MediumError | null {
  return e === null ? null : { code: e.code, reason: e.message };
}

/** The host device as a Medium: transfers go to the kernel, which does the host I/O. */
function hostMedium(dev: BlockDevice, name: string): Medium {
  return {
    name,
    sectorSize: dev.sectorSize,
    sectorCount: dev.sectorCount,
    readOnly: dev.readOnly,
    async read(sector, count, buf, at) {
      const r = await dev.read(sector, count, buf, at);
      return { buf: r.buf, error: mediumError(r.error) };
    },
    async write(sector, count, buf, at) {
      const r = await dev.write(sector, count, buf, at);
      return { buf: r.buf, error: mediumError(r.error) };
    },
    async flush() { return mediumError(await dev.flush()); },
  };
}

export default defineProgram({
  name: 'disk',
  version: '1.0.0',
  category: 'driver',
  parameters: { name: str, readOnly: bool },
  exports: { dev: DiskDevice.exp('/dev/disk0') },
  resources: { exchangeHeap: '64KiB', host: { disk: { kind: 'file', path: 'disk.img' } } },
  console: true,
  async main({ dev, params, abi, console }) {
    let device: BlockDevice;
    try {
      device = abi.openDevice('disk', { readOnly: params.readOnly });
    } catch (e) {
      console.error(`disk: ${e instanceof Error ? e.message : String(e)}`);
      dev.close();
      return 2;
    }
    const medium = hostMedium(device, params.name === '' ? 'disk0' : params.name);
    const served = await listenDisk(dev, medium, abi);
    device.close();
    console.log(`disk ${medium.name}: closed after ${served} clients`);
    return 0;
  },
});
