import type { ServerStats, Transport } from '@sente/core';

/** One client, as the page lists it. */
export interface InspectedClient {
  readonly uid: string;
  readonly clientId: string;
  readonly transport: Transport;
  /** False between polls or while it reconnects. */
  readonly live: boolean;
  /** When it first connected, ms since the epoch. */
  readonly since: number;
  readonly queuedBatches: number;
  readonly queuedBytes: number;
  readonly userAgent: string | null;
  /** Only when the app allows it (`showRemoteAddress`). */
  readonly remoteAddress: string | null;
}

/** Per second, over the last sampling interval; `null` when the app gave no probe to count it. */
export interface InspectedRates {
  readonly eventsIn: number;
  readonly pushesOut: number | null;
  readonly batchesOut: number | null;
  /** Events per batch sent in the interval (0 when none were sent). */
  readonly batchSize: number | null;
}

/** Since the inspector started; `null` without a probe. */
export interface InspectedTotals {
  readonly eventsIn: number;
  readonly pushesOut: number | null;
  readonly handshakes: number | null;
  readonly replayHits: number | null;
  readonly replayMisses: number | null;
  /** Clients that came on Ajax while counted on WebSocket (fallbacks), and the other way (re-upgrades). */
  readonly fallbacks: number | null;
  readonly reupgrades: number | null;
}

/** What the inspector pushes to its viewers once per interval (the `sente-inspector/snapshot` event). */
export interface InspectorSnapshot {
  /** When it was taken, ms since the epoch. */
  readonly at: number;
  readonly intervalMs: number;
  readonly stats: ServerStats;
  readonly uids: { readonly ws: number; readonly ajax: number; readonly any: number };
  readonly rates: InspectedRates;
  readonly totals: InspectedTotals;
  /** Problems reported to `onError` since the start, by code; `null` without a probe. */
  readonly errors: Readonly<Record<string, number>> | null;
  /** WebSocket close codes since the start, by code; `null` without a probe. */
  readonly closes: Readonly<Record<string, number>> | null;
  /** The clients, by uid then client id, at most `maxClients` of them. */
  readonly clients: readonly InspectedClient[];
  /** How many clients there are in all (more than `clients.length` past `maxClients`). */
  readonly clientCount: number;
  /** The actions the app opted into. */
  readonly actions: { readonly disconnect: boolean; readonly testPush: boolean };
  /**
   * Every node of the cluster and their sum, when the inspector was given the
   * server's backplane (with its side channel); `null` otherwise. The rest of
   * the snapshot is this node's, but `uids`, which a backplane makes cluster-wide.
   */
  readonly cluster: InspectedCluster | null;
}

/** One node of a cluster, as its inspector samples it (what it sends the others, once per interval). */
export interface InspectedNode {
  /** The node's backplane id. */
  readonly nodeId: string;
  /** When it was sampled, ms since the epoch (the node's clock). */
  readonly at: number;
  /** True when someone watches the inspector on that node: the others then sample too. */
  readonly watched: boolean;
  readonly stats: ServerStats;
  readonly rates: InspectedRates;
  readonly totals: InspectedTotals;
  readonly errors: Readonly<Record<string, number>> | null;
  readonly closes: Readonly<Record<string, number>> | null;
  /** Its clients (WebSocket and Ajax). */
  readonly clientCount: number;
}

/** The nodes of a cluster, as heard by this node's inspector, and their sum. */
export interface InspectedCluster {
  /** This node's id. */
  readonly nodeId: string;
  /** The nodes heard from within `staleAfterMs` (this one included), by id. */
  readonly nodes: readonly InspectedNode[];
  /** The sum over {@link nodes}: counts, rates and errors added up (a count is `null` only when no node has it). */
  readonly total: Omit<InspectedNode, 'nodeId' | 'at' | 'watched'> & { readonly nodes: number };
  /** How long a node that stops sending stays listed: 3 sampling intervals. */
  readonly staleAfterMs: number;
}

/** The event ids between the inspector and its page. */
export const INSPECTOR_EVENTS = {
  /** Server → page: an {@link InspectorSnapshot}. */
  snapshot: 'sente-inspector/snapshot',
  /** Page → server, with a reply: the latest snapshot, at once. */
  hello: 'sente-inspector/hello',
  /** Page → server, with a reply: `{ uid }`, closes the uid's connections. */
  disconnect: 'sente-inspector/disconnect',
  /** Page → server, with a reply: `{ uid }`, pushes {@link INSPECTOR_EVENTS.test} to the uid. */
  testPush: 'sente-inspector/test-push',
  /** The test event pushed to an app's uid: `[id, { at }]`. */
  test: 'sente-inspector/test',
} as const;
