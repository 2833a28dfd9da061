import type { Backplane, Clock, ServerStats } from '@sente/core';
import type { InspectedCluster, InspectedNode, InspectedRates, InspectedTotals } from './snapshot.js';

/** The backplane topic on which every node's inspector sends its sample. */
export const SAMPLES_TOPIC = 'sente-inspector/samples';

/** The most nodes a cluster view keeps (others are ignored until one goes). */
const MAX_NODES = 256;

/** What a node sends when its inspector closes: the others drop it at once. */
interface Goodbye {
  readonly nodeId: string;
  readonly gone: true;
}

type Heard = { node: InspectedNode; heardAt: number };

/**
 * The inspector's side of a cluster: sends this node's sample on the
 * backplane's side channel once per interval, keeps what it hears from the
 * other nodes (a node not heard from for `staleAfterMs` goes), and adds them up.
 */
export class ClusterView {
  private readonly heard = new Map<string, Heard>();
  private unsubscribe: (() => void) | undefined;
  /** Until when another node's viewer asked for samples (its samples say `watched`). */
  private watchedUntil = 0;

  constructor(
    private readonly backplane: Required<Pick<Backplane, 'nodeId' | 'publishTopic' | 'subscribeTopic'>>,
    private readonly clock: Clock,
    readonly staleAfterMs: number,
    /** Called when a node with viewers is heard: this node samples too. */
    private readonly onWatched: () => void,
  ) {}

  get nodeId(): string {
    return this.backplane.nodeId;
  }

  /** True while another node's viewer was heard within `staleAfterMs`. */
  get watchedElsewhere(): boolean {
    return this.clock.now() < this.watchedUntil;
  }

  /** Starts listening (idempotent). */
  listen(): void {
    this.unsubscribe ??= this.backplane.subscribeTopic(SAMPLES_TOPIC, (data) => this.hear(data));
  }

  /** This node's sample, for the others; then the cluster as this node sees it. */
  share(own: InspectedNode, send: boolean): InspectedCluster {
    if (send) this.backplane.publishTopic(SAMPLES_TOPIC, own);
    return this.view(own);
  }

  /** Stops listening, and tells the others this node's inspector is gone. */
  close(): void {
    if (this.unsubscribe === undefined) return;
    this.unsubscribe();
    this.unsubscribe = undefined;
    this.heard.clear();
    const bye: Goodbye = { nodeId: this.nodeId, gone: true };
    this.backplane.publishTopic(SAMPLES_TOPIC, bye);
  }

  private hear(data: unknown): void {
    if (typeof data !== 'object' || data === null) return;
    const d = data as Partial<InspectedNode> & Partial<Goodbye>;
    if (typeof d.nodeId !== 'string' || d.nodeId === this.nodeId) return;
    if (d.gone === true) return void this.heard.delete(d.nodeId);
    if (!isNodeSample(d)) return;
    if (!this.heard.has(d.nodeId) && this.heard.size >= MAX_NODES) return;
    const now = this.clock.now();
    this.heard.set(d.nodeId, { node: d, heardAt: now });
    if (d.watched) {
      this.watchedUntil = now + this.staleAfterMs;
      this.onWatched();
    }
  }

  private view(own: InspectedNode): InspectedCluster {
    const now = this.clock.now();
    const nodes = [own];
    for (const [id, h] of this.heard) {
      if (now - h.heardAt > this.staleAfterMs) this.heard.delete(id);
      else nodes.push(h.node);
    }
    nodes.sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
    return { nodeId: this.nodeId, nodes, total: sum(nodes), staleAfterMs: this.staleAfterMs };
  }
}

function isNodeSample(d: Partial<InspectedNode>): d is InspectedNode {
  const obj = (v: unknown): boolean => typeof v === 'object' && v !== null;
  return typeof d.at === 'number' && typeof d.clientCount === 'number' && obj(d.stats) && obj(d.rates) && obj(d.totals);
}

/** `a + b`, where `null` is "not counted": null only when both are. */
const add = (a: number | null, b: number | null | undefined): number | null => (b === null || b === undefined ? a : (a ?? 0) + b);
const round = (n: number): number => Math.round(n * 10) / 10;

function merge(into: Record<string, number> | null, from: Readonly<Record<string, number>> | null): Record<string, number> | null {
  if (from === null || typeof from !== 'object') return into;
  const out = into ?? {};
  for (const [k, v] of Object.entries(from)) if (typeof v === 'number') out[k] = (out[k] ?? 0) + v;
  return out;
}

/** The sum of the nodes' samples. */
function sum(nodes: readonly InspectedNode[]): InspectedCluster['total'] {
  const stats: Record<string, number> = {};
  let eventsIn = 0;
  let pushesOut: number | null = null;
  let batchesOut: number | null = null;
  let batched: number | null = null;
  const totals: Record<string, number | null> = {};
  let errors: Record<string, number> | null = null;
  let closes: Record<string, number> | null = null;
  let clientCount = 0;
  for (const n of nodes) {
    for (const [k, v] of Object.entries(n.stats)) if (typeof v === 'number') stats[k] = (stats[k] ?? 0) + v;
    eventsIn += n.rates.eventsIn;
    pushesOut = add(pushesOut, n.rates.pushesOut);
    batchesOut = add(batchesOut, n.rates.batchesOut);
    if (n.rates.batchesOut !== null && n.rates.batchSize !== null) batched = (batched ?? 0) + n.rates.batchesOut * n.rates.batchSize;
    for (const [k, v] of Object.entries(n.totals)) totals[k] = k === 'eventsIn' ? (totals[k] ?? 0) + (v ?? 0) : add(totals[k] ?? null, v);
    errors = merge(errors, n.errors);
    closes = merge(closes, n.closes);
    clientCount += n.clientCount;
  }
  const rates: InspectedRates = {
    eventsIn: round(eventsIn),
    pushesOut: pushesOut === null ? null : round(pushesOut),
    batchesOut: batchesOut === null ? null : round(batchesOut),
    batchSize: batchesOut === null ? null : batchesOut > 0 ? round((batched ?? 0) / batchesOut) : 0,
  };
  return {
    nodes: nodes.length,
    stats: stats as unknown as ServerStats,
    rates,
    totals: totals as unknown as InspectedTotals,
    errors,
    closes,
    clientCount,
  };
}
