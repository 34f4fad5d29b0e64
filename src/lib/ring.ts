// Ring: a bounded FIFO used for channel queues; each item travels with one companion value
// (for channels: the message and the transition it was sent on).
// Rules for callers: the capacity is fixed at construction from the contract's queue bound;
// push on a full ring is a kernel bug (the contract compiler proved the bound), so it throws.
// After `shift()`, `aux` holds the shifted item's companion until the next shift.
// Invariants: `length` counts live items; slots outside the live range hold undefined so that a
// dequeued message is not kept alive by the queue.
export class Ring<T, A = undefined> {
  private readonly items: (T | undefined)[];
  private readonly auxes: (A | undefined)[];
  private head = 0;
  length = 0;
  aux: A | undefined = undefined;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
    this.auxes = new Array<A | undefined>(capacity);
  }

  push(item: T, aux?: A): void {
    if (this.length === this.capacity) throw new Error(`Ring: push beyond capacity ${this.capacity}`);
    let i = this.head + this.length;
    if (i >= this.capacity) i -= this.capacity;
    this.items[i] = item;
    this.auxes[i] = aux;
    this.length++;
  }

  shift(): T | undefined {
    if (this.length === 0) { this.aux = undefined; return undefined; }
    const h = this.head;
    const item = this.items[h];
    this.aux = this.auxes[h];
    this.items[h] = undefined;
    this.auxes[h] = undefined;
    this.head = h + 1 === this.capacity ? 0 : h + 1;
    this.length--;
    return item;
  }
}
