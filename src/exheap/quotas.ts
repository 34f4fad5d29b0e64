// Quotas: who may hold how much of an exchange heap. The heap (heap.ts) says where blocks are;
// this says whether an owner may take more, and keeps the promise that reserved quotas can be
// used.
// Rules for callers (the heap): `charge` every change of what an owner is charged (allocation,
// receipt, free, split), `fits` before anything that would charge beyond a reservation,
// `reserve`/`release` a process's quota when it is created and when it has ended; partitions for
// protection domains count as reserved too.
// Invariants: `unreserved` is the sum over owners of what each is charged beyond its reservation,
// and each account's `accountUsed` the sum over its owners of reservation plus that excess;
// `reserved + unreserved <= capacity` and `accountUsed <= accountCap` hold after every call that
// could break them is refused (only a receipt the caller then punishes may cross them, briefly).
import { HeapError, type BlockOwner } from './heap.ts';

/** What `o` is charged beyond its reservation. */
function excess(o: BlockOwner): number {
  return o.heapCharge > o.heapReserved ? o.heapCharge - o.heapReserved : 0;
}

/** What `o` counts against its account: its reservation and its charge beyond it. */
export function accounted(o: BlockOwner): number { return o.heapReserved + excess(o); }

export class Quotas {
  /** Bytes set aside for quotas and partitions. */
  reserved = 0;
  /** Bytes charged beyond reservations. */
  unreserved = 0;
  constructor(private readonly capacity: number) {}

  /** Bytes neither reserved nor held beyond a reservation. */
  room(): number { return this.capacity - this.reserved - this.unreserved; }

  /** Changes what `o` is charged, keeping `unreserved` and its account's use up to date. */
  charge(o: BlockOwner, delta: number): void {
    const before = excess(o);
    o.heapCharge += delta;
    const grew = excess(o) - before;
    this.unreserved += grew;
    const a = o.heapAccount;
    if (a !== null) a.accountUsed += grew;
  }

  /** Whether charging `o` `delta` more bytes keeps the heap's and its account's promises. */
  fits(o: BlockOwner, delta: number): boolean {
    const total = o.heapCharge + delta;
    const grew = (total > o.heapReserved ? total - o.heapReserved : 0) - excess(o);
    if (grew <= 0) return true;
    const a = o.heapAccount;
    if (a !== null && a.accountUsed + grew > a.accountCap) return false;
    return this.reserved + this.unreserved + grew <= this.capacity;
  }

  /** Sets aside `bytes` for `o` (its quota), or throws E_HEAP_RESERVE naming what is short. */
  reserve(o: BlockOwner, bytes: number): void {
    if (bytes === 0) return;
    const before = excess(o);
    const total = o.heapReserved + bytes;
    const after = o.heapCharge > total ? o.heapCharge - total : 0;
    const grows = bytes + (after - before);
    const a = o.heapAccount;
    if (a !== null && a.accountUsed + grows > a.accountCap) {
      throw new HeapError('E_HEAP_RESERVE', `${o.label}: cannot set aside an exchange-heap quota of ${bytes} bytes: ${a.label} already has ${a.accountUsed} of its ${a.accountCap} (limits.exchangeHeapPerTree)`);
    }
    if (this.reserved + this.unreserved + grows > this.capacity) {
      throw new HeapError('E_HEAP_RESERVE', `${o.label}: the exchange heap cannot set aside a quota of ${bytes} bytes: ${this.reserved} of its ${this.capacity} are reserved and ${this.unreserved} more are in use beyond reservations`);
    }
    this.reserved += bytes;
    o.heapReserved = total;
    this.unreserved += after - before;
    if (a !== null) a.accountUsed += grows;
  }

  /** Gives back everything set aside for `o`; what it is still charged (blocks it sent that are
   * still in flight) is from now on charged beyond any reservation, until received or dropped. */
  release(o: BlockOwner): void {
    const r = o.heapReserved;
    if (r === 0) return;
    const before = excess(o);
    this.reserved -= r;
    o.heapReserved = 0;
    this.unreserved += o.heapCharge - before;
    const a = o.heapAccount;
    if (a !== null) a.accountUsed += o.heapCharge - before - r;
  }
}
