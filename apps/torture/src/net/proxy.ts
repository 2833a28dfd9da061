import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

/** Which way bytes flow through the proxy. */
export type Direction = 'up' | 'down';

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Client-to-server bytes, when recording. */
  readonly recorded: Buffer[];
}

/** A cut waiting for its moment: after `afterBytes` more bytes one way, mid-chunk. */
interface PendingCut {
  readonly direction: Direction;
  remaining: number;
  readonly done: () => void;
}

/**
 * A loopback TCP proxy between clients and a server: it can cut every
 * connection, cut one in the middle of a frame or a body, refuse connections
 * for a while (a network outage), point at a restarted server, and record
 * what clients send.
 */
export class LoopbackProxy {
  private readonly pairs = new Set<Pair>();
  private readonly cuts: PendingCut[] = [];
  private down = false;
  /** Every connection's client-to-server bytes, when `record` is on. */
  readonly recordings: Buffer[][] = [];
  /** Connections cut so far (by any means). */
  cutCount = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    public target: number,
    private readonly record: boolean,
  ) {}

  static async start(target: number, options: { record?: boolean } = {}): Promise<LoopbackProxy> {
    let proxy: LoopbackProxy | undefined;
    const server = createServer((client) => proxy?.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new LoopbackProxy(server, (server.address() as AddressInfo).port, target, options.record ?? false);
    return proxy;
  }

  /** Connections open right now. */
  get open(): number {
    return this.pairs.size;
  }

  /** Drops every connection at once, both ways, with a reset. */
  cutAll(): void {
    for (const p of [...this.pairs]) this.drop(p);
  }

  /**
   * Cuts the next connection to carry `afterBytes` more bytes in `direction`,
   * right after the first `afterBytes` (so mid-frame or mid-body when the
   * chunk is longer); resolves once it did.
   */
  cutAfter(direction: Direction, afterBytes: number): Promise<void> {
    return new Promise((done) => this.cuts.push({ direction, remaining: Math.max(0, afterBytes), done }));
  }

  /** Cancels cuts that never happened. */
  cancelCuts(): void {
    for (const c of this.cuts.splice(0)) c.done();
  }

  /** An outage: every connection drops and new ones are refused until {@link restore}. */
  outage(): void {
    this.down = true;
    this.cutAll();
  }

  restore(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    this.cancelCuts();
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.down) {
      client.resetAndDestroy();
      return;
    }
    client.setNoDelay(true);
    const upstream = connect({ host: '127.0.0.1', port: this.target, noDelay: true });
    const pair: Pair = { client, upstream, recorded: [] };
    if (this.record) this.recordings.push(pair.recorded);
    this.pairs.add(pair);
    client.on('data', (d: Buffer) => this.forward(pair, 'up', d));
    upstream.on('data', (d: Buffer) => this.forward(pair, 'down', d));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    const gone = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', gone);
    upstream.on('error', gone);
    client.on('close', gone);
    upstream.on('close', gone);
  }

  private forward(pair: Pair, direction: Direction, d: Buffer): void {
    const cut = this.cuts.find((c) => c.direction === direction);
    if (cut !== undefined && d.length > cut.remaining) {
      // The cut lands inside this chunk: the head gets through, the rest never does.
      this.cuts.splice(this.cuts.indexOf(cut), 1);
      this.write(pair, direction, d.subarray(0, cut.remaining));
      setImmediate(() => {
        this.drop(pair);
        cut.done();
      });
      return;
    }
    if (cut !== undefined) cut.remaining -= d.length;
    this.write(pair, direction, d);
  }

  private write(pair: Pair, direction: Direction, d: Buffer): void {
    if (direction === 'up') {
      if (this.record) pair.recorded.push(Buffer.from(d));
      if (!pair.upstream.destroyed) pair.upstream.write(d);
    } else if (!pair.client.destroyed) pair.client.write(d);
  }

  private drop(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    this.cutCount++;
    pair.client.resetAndDestroy();
    pair.upstream.resetAndDestroy();
  }
}
