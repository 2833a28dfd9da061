import type { SenteError } from './errors.js';
import type { SenteEvent } from './event.js';
import type { EnvelopeExt } from './envelope.js';
import type { ErrorContext, ResolvedOptions } from './options.js';
import type { Packed, Packer } from './packer.js';
import type { Timers } from './timers.js';
import type { KeepAliveSweep } from './keep-alive.js';
import type { ServerMetrics } from './metrics.js';
import type { ClientConn, Transport } from './client-conn.js';
import type { SenteRequest } from './request.js';

/** Who sent an event. */
export interface ClientIdentity {
  readonly uid: string;
  readonly clientId: string;
  readonly transport: Transport;
  readonly request: SenteRequest;
}

/** The constant payloads, packed once per server. */
export interface PackedConstants {
  readonly ping: Packed;
  readonly timeout: Packed;
  readonly dummy: Packed;
}

/**
 * What the server lends its clients and sessions: options, packer, timers,
 * and the few calls back into it. Direct calls, no events.
 */
export interface Hub {
  readonly opts: ResolvedOptions<unknown>;
  readonly packer: Packer;
  readonly timers: Timers;
  /** The keep-alive of every WebSocket (`undefined` when `wsKaliveMs` is null). */
  readonly keepAlive: KeepAliveSweep | undefined;
  readonly packed: PackedConstants;
  readonly metrics: ServerMetrics;
  /**
   * Hands an event to the routers; one with a message id (`ext.m`, from a
   * client of the extensions) only the first time, a retry getting the first
   * one's reply. `ext.a` releases the replies the client says it got.
   */
  dispatch(event: SenteEvent, from: ClientIdentity, reply: ((value: unknown) => boolean) | undefined, ext: EnvelopeExt | undefined): void;
  /** A client answered the server's request `id`. */
  answer(id: string, value: unknown, from: ClientIdentity): void;
  /** A client opened a channel: it counts in the connected uids from now on. */
  connected(client: ClientConn): void;
  /** A client of the extensions handed fresh credentials on its WebSocket (`chsk/refresh`). */
  refresh(client: ClientConn, data: unknown, reply: ((value: unknown) => boolean) | undefined): void;
  /** A client's grace period ran out: it is gone. */
  expired(client: ClientConn): void;
  /** Reports to `onError`. */
  report(error: SenteError, context: ErrorContext): void;
}
