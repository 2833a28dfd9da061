import type { Packed } from './packer.js';

/**
 * The packed push batches waiting for one client, oldest first: between two
 * long-polls, while it reconnects, or while its socket's buffer is full.
 * Bounded in batches and in bytes: a batch bigger than the byte bound is not
 * kept at all (it could never fit).
 */
export class Outbox {
  private items: Packed[] = [];
  private head = 0;
  private byteCount = 0;

  constructor(
    private readonly maxBatches: number,
    private readonly maxBytes: number,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  /** Bytes held (text counted by its length, bytes by their byte length: cheap, and close for the ASCII of packed payloads). */
  get bytes(): number {
    return this.byteCount;
  }

  /** True when over either bound. */
  get overBound(): boolean {
    return this.length > this.maxBatches || this.byteCount > this.maxBytes;
  }

  peek(): Packed | undefined {
    return this.items[this.head];
  }

  push(payload: Packed): void {
    this.items.push(payload);
    this.byteCount += size(payload);
  }

  shift(): Packed | undefined {
    if (this.head >= this.items.length) return undefined;
    const p = this.items[this.head] as Packed;
    this.items[this.head++] = '';
    this.byteCount -= size(p);
    // Compact once the consumed head is most of the array: shift() stays O(1) amortised.
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return p;
  }

  /** Drops the oldest batches until within both bounds; returns how many went. */
  trim(): number {
    let n = 0;
    while (this.overBound) {
      this.shift();
      n++;
    }
    return n;
  }

  /** Drops everything; returns how many batches went. */
  clear(): number {
    const n = this.length;
    this.items = [];
    this.head = 0;
    this.byteCount = 0;
    return n;
  }
}

function size(p: Packed): number {
  return typeof p === 'string' ? p.length : p.byteLength;
}
