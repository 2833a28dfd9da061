import type { Clock, SenteServer, TimerHandle } from '@sente/core';
import type { Tally } from './tally.js';
import type { InspectedClient, InspectedCluster, InspectedNode, InspectorSnapshot } from './snapshot.js';

/** What a sampler reads and how. */
export interface SamplerOptions {
  /** What of the app server the sampler reads. */
  readonly server: Pick<SenteServer, 'stats' | 'clients' | 'connectedUids'>;
  readonly tally: Readonly<Tally>;
  /** False when the tally holds only `eventsIn` (no probe): the other counts are shown as unknown. */
  readonly probed: boolean;
  readonly intervalMs: number;
  readonly maxClients: number;
  readonly showRemoteAddress: boolean;
  readonly actions: InspectorSnapshot['actions'];
  readonly clock: Clock;
  /** Gets each snapshot the timer takes (it may stop the sampler). */
  readonly publish: (snapshot: InspectorSnapshot) => void;
  /**
   * With a backplane: given this node's sample (`advance`: a timer's, to send
   * to the other nodes), answers the cluster's view.
   * @default undefined (`cluster` is null)
   */
  readonly cluster?: ((own: Omit<InspectedNode, 'nodeId' | 'watched'>, advance: boolean) => InspectedCluster) | undefined;
}

/**
 * Samples the app server every `intervalMs` while someone watches: the
 * stats, the client list and the rates since the last sample. Its one timer
 * runs only between {@link Sampler.start} and {@link Sampler.stop}.
 */
export class Sampler {
  private timer: TimerHandle | undefined;
  private last: { at: number; eventsIn: number; pushesOut: number; batchesOut: number; batchedEvents: number };
  private latest: InspectorSnapshot | undefined;

  constructor(private readonly o: SamplerOptions) {
    this.last = this.mark();
  }

  /** True while the timer runs. */
  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Starts sampling (idempotent); rates start from now. */
  start(): void {
    if (this.timer !== undefined) return;
    this.last = this.mark();
    this.schedule();
  }

  /** Stops sampling (idempotent). */
  stop(): void {
    if (this.timer === undefined) return;
    this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The latest snapshot, or a fresh one when none was taken yet (rates then read 0). */
  current(): InspectorSnapshot {
    return this.latest ?? this.take(false);
  }

  private schedule(): void {
    this.timer = this.o.clock.setTimeout(() => {
      const snapshot = this.take(true);
      this.schedule();
      this.o.publish(snapshot);
    }, this.o.intervalMs);
  }

  private mark(): SamplerOptions['tally'] & { at: number } {
    const t = this.o.tally;
    return { ...t, at: this.o.clock.now() };
  }

  /** Takes a snapshot; `advance` moves the rates' window to now. */
  private take(advance: boolean): InspectorSnapshot {
    const { server, tally, probed } = this.o;
    const now = this.o.clock.now();
    const seconds = Math.max(now - this.last.at, 1) / 1000;
    const per = (n: number, was: number): number => Math.round(((n - was) / seconds) * 10) / 10;
    const batches = tally.batchesOut - this.last.batchesOut;
    const rates = {
      eventsIn: advance ? per(tally.eventsIn, this.last.eventsIn) : 0,
      pushesOut: probed ? (advance ? per(tally.pushesOut, this.last.pushesOut) : 0) : null,
      batchesOut: probed ? (advance ? per(tally.batchesOut, this.last.batchesOut) : 0) : null,
      batchSize: probed ? (batches > 0 ? Math.round(((tally.batchedEvents - this.last.batchedEvents) / batches) * 10) / 10 : 0) : null,
    };
    if (advance) this.last = { at: now, eventsIn: tally.eventsIn, pushesOut: tally.pushesOut, batchesOut: tally.batchesOut, batchedEvents: tally.batchedEvents };
    const all = server.clients();
    all.sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
    const clients: InspectedClient[] = all.slice(0, this.o.maxClients).map((c) => ({
      uid: c.uid,
      clientId: c.clientId,
      transport: c.transport,
      live: c.live,
      since: c.since,
      queuedBatches: c.queuedBatches,
      queuedBytes: c.queuedBytes,
      userAgent: c.userAgent ?? null,
      remoteAddress: this.o.showRemoteAddress ? (c.remoteAddress ?? null) : null,
    }));
    const uids = server.connectedUids;
    const stats = server.stats();
    const totals = {
        eventsIn: tally.eventsIn,
        pushesOut: probed ? tally.pushesOut : null,
        handshakes: probed ? tally.handshakes : null,
        replayHits: probed ? tally.replayHits : null,
        replayMisses: probed ? tally.replayMisses : null,
        fallbacks: probed ? tally.fallbacks : null,
        reupgrades: probed ? tally.reupgrades : null,
    };
    const errors = probed ? Object.fromEntries(tally.errors) : null;
    const closes = probed ? Object.fromEntries(tally.closes) : null;
    const cluster = this.o.cluster?.({ at: now, stats, rates, totals, errors, closes, clientCount: all.length }, advance) ?? null;
    const snapshot: InspectorSnapshot = {
      at: now,
      intervalMs: this.o.intervalMs,
      stats,
      uids: { ws: uids.ws.size, ajax: uids.ajax.size, any: uids.any.size },
      rates,
      totals,
      errors,
      closes,
      clients,
      clientCount: all.length,
      actions: this.o.actions,
      cluster,
    };
    if (advance) this.latest = snapshot;
    return snapshot;
  }
}
