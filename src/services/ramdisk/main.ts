// The RAM disk: a DiskDevice over one exchange-heap block, at /dev/ramdisk0. It answers exactly as
// the disk driver does (the same conversation, src/services/shared/disk-server.ts, and the same
// conformance suite), with memory in place of a host file.
// Rules for clients: see sing/contracts/disk; Flush is immediate (nothing is durable anyway).
// Invariants: the store is allocated zero-filled at start and freed at exit; the driver is trusted
// so that it may keep a raw view of its own store (never of a client's buffer beyond one call).
import { defineProgram, i32, str, type Bytes } from 'sing/runtime';
import { DiskDevice } from 'sing/contracts/disk';
import { listenDisk, type Medium } from '../shared/disk-server.ts';

const SECTOR = 512;

function memoryMedium(store: Uint8Array, name: string): Medium {
  return {
    name,
    sectorSize: SECTOR,
    sectorCount: store.length / SECTOR,
    readOnly: false,
    read(sector: number, count: number, buf: Bytes, at: number) {
      buf.write(store.subarray(sector * SECTOR, (sector + count) * SECTOR), at);
      return Promise.resolve({ buf, error: null });
    },
    write(sector: number, count: number, buf: Bytes, at: number) {
      store.set(buf.read(at, at + count * SECTOR), sector * SECTOR);
      return Promise.resolve({ buf, error: null });
    },
    flush() { return Promise.resolve(null); },
  };
}

export default defineProgram({
  name: 'ramdisk',
  version: '1.0.0',
  category: 'driver',
  trusted: true,
  parameters: { name: str, sizeKiB: i32 },
  exports: { dev: DiskDevice.exp('/dev/ramdisk0') },
  resources: { exchangeHeap: '4MiB' },
  console: true,
  async main({ dev, params, abi, console }) {
    const kib = params.sizeKiB === 0 ? 1024 : params.sizeKiB;
    if (kib < 1 || kib > 3072) {
      console.error(`ramdisk: sizeKiB must be between 1 and 3072 (the exchange-heap quota holds the disk and the buffers in flight), got ${kib}`);
      dev.close();
      return 2;
    }
    const block = abi.alloc(kib * 1024);
    const medium = memoryMedium(block.raw(), params.name === '' ? 'ramdisk0' : params.name);
    const served = await listenDisk(dev, medium, abi);
    block.free();
    console.log(`ramdisk ${medium.name}: closed after ${served} clients`);
    return 0;
  },
});
