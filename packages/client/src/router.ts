import type { SenteEvent } from '@sente/core';
import type { TraceContext } from './options.js';
import type { SenteClient } from './client.js';

/**
 * What a router handler receives (Sente's client event-msg): `chsk/state`,
 * `chsk/handshake`, and each event the server pushed.
 */
export interface ClientEventMsg {
  /** The event id, e.g. `'chsk/handshake'` or `'chat/message'`. */
  readonly id: string;
  /** The event data (`undefined` for a one-element event). */
  readonly data: unknown;
  /** The whole event, `[id, data]`. */
  readonly event: SenteEvent;
  /** The client it came from, to reply with `send` or read `state`. */
  readonly client: SenteClient;
  /**
   * Only on a server→client request (`server.request(...)`): answers it.
   * The first call counts; later ones do nothing. A request never answered
   * times out on the server.
   */
  readonly reply?: ((value: unknown) => void) | undefined;
  /**
   * Only on a server→client request sent from inside a traced server span (a
   * server with an OpenTelemetry SDK): its W3C trace context, to continue the
   * trace on the client.
   */
  readonly traceContext?: TraceContext | undefined;
}

/** A router's handler; a returned promise's rejection counts as a handler error. */
export type ClientEventHandler = (msg: ClientEventMsg) => unknown;

/** Options of `startRouter`. */
export interface RouterOptions {
  /**
   * Gets what the handler throws or rejects with, and the message it was
   * handling. The router keeps running either way.
   * @default the client's `onError`
   */
  errorHandler?: (error: unknown, msg: ClientEventMsg) => void;
}

/** A running router. */
export interface Router {
  /** Stops delivering messages to the handler. */
  stop(): void;
}
