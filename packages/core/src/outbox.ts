import { HeadQueue } from './head-queue.js';
import type { Packed } from './packer.js';

/**
 * The packed push batches waiting for one client, oldest first: between two
 * long-polls, while it reconnects, or while its socket's buffer is full.
 * Bounded in batches and in bytes: a batch bigger than the byte bound is not
 * kept at all (it could never fit). Its queue is made when first needed: a
 * live socket's pushes go straight out, and most clients never queue anything.
 */
export class Outbox {
  private queue: HeadQueue<Packed> | undefined;
  private byteCount = 0;

  constructor(
    private readonly maxBatches: number,
    private readonly maxBytes: number,
  ) {}

  get length(): number {
    return this.queue === undefined ? 0 : this.queue.length;
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
    return this.queue?.at(0);
  }

  push(payload: Packed): void {
    (this.queue ??= new HeadQueue()).push(payload);
    this.byteCount += size(payload);
  }

  shift(): Packed | undefined {
    const q = this.queue;
    const p = q?.shift();
    if (p === undefined) return p;
    this.byteCount -= size(p);
    if (q?.length === 0) this.queue = undefined;
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
    this.queue = undefined;
    this.byteCount = 0;
    return n;
  }
}

function size(p: Packed): number {
  return typeof p === 'string' ? p.length : p.byteLength;
}
