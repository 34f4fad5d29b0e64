// Ring: a bounded FIFO used for channel queues.
// Rules for callers: the capacity is fixed at construction from the contract's queue bound;
// push on a full ring is a kernel bug (the contract compiler proved the bound), so it throws.
// Invariants: `length` counts live items; slots outside the live range hold undefined so that a
// dequeued message is not kept alive by the queue.
export class Ring<T> {
  private readonly items: (T | undefined)[];
  private head = 0;
  length = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    if (this.length === this.capacity) throw new Error(`Ring: push beyond capacity ${this.capacity}`);
    let i = this.head + this.length;
    if (i >= this.capacity) i -= this.capacity;
    this.items[i] = item;
    this.length++;
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    this.length--;
    return item;
  }
}
