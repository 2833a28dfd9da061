/**
 * A FIFO queue on a circular array whose capacity is a power of two: `push`
 * and `shift` are O(1) and allocate nothing once the queue has reached its
 * size (the array doubles when full, and is let go when the queue empties),
 * and items are read by position from the oldest. For a queue held at a bound
 * (a uid's push log at `maxEntries`, one in, one out per push), where
 * {@link HeadQueue}'s compaction would copy the array again and again.
 */
export class Ring<T> {
  private items: (T | undefined)[] = [];
  /** The slot of the oldest item. */
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** The item `i` places from the oldest (0: the oldest), if any. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.items[(this.head + i) & (this.items.length - 1)];
  }

  push(item: T): void {
    const items = this.items;
    if (this.count === items.length) {
      this.grow();
      return this.push(item);
    }
    items[(this.head + this.count) & (items.length - 1)] = item;
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const items = this.items;
    const item = items[this.head];
    items[this.head] = undefined;
    this.head = (this.head + 1) & (items.length - 1);
    if (--this.count === 0) this.clear();
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.count = 0;
  }

  private grow(): void {
    const old = this.items;
    const next = new Array<T | undefined>(Math.max(8, old.length * 2));
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.items = next;
    this.head = 0;
  }
}
