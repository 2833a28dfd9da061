/** The systems measured side by side, in the table's column order. */
export const TARGETS = [
  'ws',
  'uws',
  'socketio',
  'socketio-uws',
  'sente-express',
  'sente-express-before',
  'sente-uws',
  'sente-uws-bare',
  'sente-uws-ids',
  'sente-express-log',
  'sente-express-schema',
  'socketio-cluster',
  'sente-cluster',
] as const;
export type Target = (typeof TARGETS)[number];

/** How a load generator speaks to a target: its wire protocol. */
export type Family = 'raw' | 'socketio' | 'sente';

/** What the table and the JSON call each target, its protocol, and the baselines its ratios are taken against. */
export interface TargetInfo {
  readonly label: string;
  readonly family: Family;
  /** The raw server on the same I/O stack (`ws` or uWS). */
  readonly raw: Target;
  /** Socket.IO on the same I/O stack. */
  readonly socketio: Target;
  /**
   * The peers ask for this library's extensions (`sente-ext`): every push is
   * logged for replay and carries its position. Its ratio to `base` is the log's cost.
   */
  readonly ext?: { readonly base: Target } | undefined;
  /** The same server as `base`, with a contract whose zod schemas check every event and reply. */
  readonly schema?: { readonly base: Target } | undefined;
  /** The same server as `base`, with its Ajax answered before the app (`ajaxBeforeApp`): the Ajax scenarios only. */
  readonly beforeApp?: { readonly base: Target } | undefined;
  /**
   * The same server as `base`, loaded by the bare `ws` client speaking this library's wire as `@sente/client` does
   * (message ids on every request): the client WebSocket scenarios only. `@sente/client`'s ratio to it is the
   * client library's own cost, on the same server.
   */
  readonly bareClient?: { readonly base: Target } | undefined;
  /**
   * The same server as `base`, its peers asking for the extensions and giving every request a message id, as
   * `@sente/client` does: the WebSocket echo scenarios only. Its ratio to `base` is what remembering the ids costs.
   */
  readonly messageIds?: { readonly base: Target } | undefined;
  /** Three server processes sharing their clients on one Redis (the `cluster-fanout` scenario only). */
  readonly cluster?: true | undefined;
}

export const TARGET_INFO: Readonly<Record<Target, TargetInfo>> = {
  ws: { label: 'raw ws', family: 'raw', raw: 'ws', socketio: 'socketio' },
  uws: { label: 'raw uWS', family: 'raw', raw: 'uws', socketio: 'socketio-uws' },
  socketio: { label: 'Socket.IO', family: 'socketio', raw: 'ws', socketio: 'socketio' },
  'socketio-uws': { label: 'Socket.IO on uWS', family: 'socketio', raw: 'uws', socketio: 'socketio-uws' },
  'sente-express': { label: 'Sente on Express', family: 'sente', raw: 'ws', socketio: 'socketio' },
  'sente-express-before': { label: 'Sente on Express, Ajax before the app', family: 'sente', raw: 'ws', socketio: 'socketio', beforeApp: { base: 'sente-express' } },
  'sente-uws': { label: 'Sente on uWS', family: 'sente', raw: 'uws', socketio: 'socketio-uws' },
  'sente-uws-bare': { label: 'Sente on uWS, bare ws client', family: 'sente', raw: 'uws', socketio: 'socketio-uws', bareClient: { base: 'sente-uws' } },
  'sente-uws-ids': { label: 'Sente on uWS, message ids', family: 'sente', raw: 'uws', socketio: 'socketio-uws', messageIds: { base: 'sente-uws' } },
  'sente-express-log': { label: 'Sente on Express, push log', family: 'sente', raw: 'ws', socketio: 'socketio', ext: { base: 'sente-express' } },
  'sente-express-schema': { label: 'Sente on Express, zod schemas', family: 'sente', raw: 'ws', socketio: 'socketio', schema: { base: 'sente-express' } },
  'socketio-cluster': { label: 'Socket.IO + @socket.io/redis-adapter, 3 nodes', family: 'socketio', raw: 'ws', socketio: 'socketio-cluster', cluster: true },
  'sente-cluster': { label: 'Sente on Express + @sente/redis, 3 nodes', family: 'sente', raw: 'ws', socketio: 'socketio-cluster', cluster: true },
};

/** The targets of one server process (every scenario but `cluster-fanout`). */
export const SINGLE_TARGETS: readonly Target[] = TARGETS.filter((t) => TARGET_INFO[t].cluster !== true);
/** The targets of three server processes on one Redis. */
export const CLUSTER_TARGETS: readonly Target[] = TARGETS.filter((t) => TARGET_INFO[t].cluster === true);
/** Server processes of a cluster target. */
export const CLUSTER_NODES = 3;

/** Reads a comma-separated target filter. */
export function parseTargets(list: string): Target[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!(TARGETS as readonly string[]).includes(n)) throw new Error(`Unknown target "${n}"; known: ${TARGETS.join(', ')}`);
  return TARGETS.filter((t) => names.includes(t));
}
