// A block owner for the exchange heap's unit tests: what a process is to the heap (its list of
// blocks, its bytes and charge, its quota), with violations recorded instead of ending anyone.
// Rules: tests only; each `owner()` gets a fresh pid and label.
import type { Block, BlockOwner } from './heap.ts';

export class TestOwner implements BlockOwner {
  blockHead: Block | null = null;
  heapBytes = 0;
  heapBlocks = 0;
  heapCharge = 0;
  heapReserved = 0;
  heapAccount = null;
  readonly violations: Error[] = [];
  constructor(readonly pid: number, readonly label: string, readonly heapQuota = Infinity, readonly trusted = false) {}
  violate(error: Error): void { this.violations.push(error); }
}

let nextPid = 1;
/** A fresh owner with `quota` bytes (no limit by default). */
export const owner = (quota = Infinity, trusted = false): TestOwner => new TestOwner(nextPid, `owner${nextPid++}`, quota, trusted);
