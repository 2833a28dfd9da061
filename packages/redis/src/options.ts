import { senteError } from '@sente/core';
import type { Packer, PushLogLimits } from '@sente/core';

/** Options of {@link createRedisBackplane}. Bad values throw `ERR_SENTE_BAD_OPTION`. */
export interface RedisBackplaneOptions {
  /** The Redis server. @default 'redis://127.0.0.1:6379' */
  url?: string | undefined;
  /** Every key and channel starts with it: servers (and emitters) of one app share it. @default 'sente' */
  prefix?: string | undefined;
  /**
   * Pub/sub for the per-uid channels: sharded (`SSUBSCRIBE`/`SPUBLISH`, Redis
   * 7+), classic, or sharded when the server supports it.
   * @default 'auto'
   */
  pubsub?: 'auto' | 'sharded' | 'classic' | undefined;
  /** How often a node tells Redis it is alive, and sweeps the nodes that stopped. @default 5000 */
  heartbeatMs?: number | undefined;
  /**
   * How long a node's presence (its connected uids, its client ids) outlives
   * its last heartbeat: the connected uids of a node that stopped without
   * leaving are gone within `presenceTtlMs + heartbeatMs`.
   * @default 15000
   */
  presenceTtlMs?: number | undefined;
  /**
   * Pushes held for Redis while it is unreachable (in order, sent when it is
   * back); past this, new pushes are dropped and reported (`ERR_SENTE_BACKPLANE_OVERFLOW`).
   * @default 10000
   */
  maxBufferedPushes?: number | undefined;
  /**
   * How long a handshake waits for the log (its position and replay) before
   * it is answered 503 (`ERR_SENTE_BACKPLANE_UNAVAILABLE`); the client retries.
   * @default 5000
   */
  timeoutMs?: number | undefined;
  /** How long a node stays subscribed to a uid after its last client there left (a reload comes back within it). @default 1000 */
  releaseDelayMs?: number | undefined;
  /** This node's id (letters, digits, `-`, `_`). @default random */
  nodeId?: string | undefined;
}

/** Options of {@link createRedisEmitter}. */
export interface RedisEmitterOptions {
  /** The Redis server. @default 'redis://127.0.0.1:6379' */
  url?: string | undefined;
  /** The servers' prefix. @default 'sente' */
  prefix?: string | undefined;
  /** The servers' packer. @default the JSON packer (`@sente/packer-json`) */
  packer?: Packer | undefined;
  /** The servers' `replay` option (the log's bounds). @default the servers' defaults */
  replay?: Partial<PushLogLimits> | undefined;
  /** As the servers' (`'auto'` asks the server once). @default 'auto' */
  pubsub?: 'auto' | 'sharded' | 'classic' | undefined;
}

/** The servers' default `replay` bounds. */
export const DEFAULT_REPLAY: PushLogLimits = { maxEntries: 1000, maxBytes: 1024 * 1024, maxAgeMs: 120_000, positionTtlMs: 600_000 };

/** `v` when it is a positive finite number, else `fallback`; throws on anything else but undefined. */
export function positive(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw senteError('ERR_SENTE_BAD_OPTION', `@sente/redis: ${name} must be a positive number`);
  return v;
}
