import type { Clock, Envelope, EnvelopeExt, HandshakeExt, OutEvent, Packed, Packer, SenteError } from '@sente/core';
import type { ReconnectorContext } from './reconnector.js';
import type { ReplyCallback } from './reply-callbacks.js';
import type { CloseReason, StateStore } from './state.js';
import type { QueryParams } from './urls.js';

/** What the client shares with its transports. */
export interface TransportContext extends ReconnectorContext {
  readonly clock: Clock;
  readonly packer: Packer;
  readonly state: StateStore;
  readonly clientId: string;
  /** The CSRF token for the next request, or `undefined` for none. */
  csrfToken(): string | undefined;
  /** The app's query params for the next request. */
  params(): QueryParams | undefined;
  /** The extensions of the last handshake (`maxPostEvents`: the most events the server takes in one Ajax POST); `undefined` from a Sente server. */
  ext(): HandshakeExt | undefined;
  /** Packs an outgoing envelope; throws when it is over `maxPayloadBytes`. */
  pack(envelope: Envelope): Packed;
  /** Processes a handshake received on `transport`. */
  handshake(transport: 'ws' | 'ajax', content: readonly [unknown, unknown]): void;
  /**
   * Delivers a batch of pushed events, with its envelope's extensions
   * (positions; or `q`: a server→client request, `content` its event).
   */
  receiveBatch(content: unknown, ext?: EnvelopeExt): void;
  /** The `sente-pos` query value (the position of the last push delivered), or `undefined`. */
  position(): string | undefined;
  /** Reports an error nobody else can take. */
  onError(error: unknown): void;
  /**
   * Reports a diagnosed connection problem (once per outage) and records it in
   * the state; true when it is terminal and the client has stopped.
   */
  report(error: SenteError): boolean;
  /**
   * Reads why a WebSocket failed off its `error` event, when it says (Node's
   * `ws` does; browsers never do), and hands the connection error to `report`:
   * later, once the code that reads it (in fallback.ts) is loaded.
   */
  diagnose(event: unknown, report: (error: SenteError) => void): void;
  /** The random source in [0, 1). */
  random(): number;
  /** True while the page is hidden (its timers throttled). */
  hidden(): boolean;
}

/** A channel socket implementation: WebSocket or Ajax long-polling. */
export interface Transport {
  /** Starts connecting (a no-op while connected); `later`: after the first backoff wait. */
  connect(later?: boolean): void;
  /**
   * Stops for good: closes, cancels every timer, fails waiting callbacks with
   * `chsk/error`. A `null` reason hands over to another transport: the state
   * stays as it is.
   */
  disconnect(reason: CloseReason | null, recordClose?: boolean): void;
  /** True while sends are in flight whose order a transport switch must keep (Ajax POSTs). */
  busy(): boolean;
  /**
   * Sends a validated event; `cb` (with `timeoutMs`) gets the outcome. False
   * when not handed over. `ext` goes as the envelope's 3rd element (a message
   * id; or `r`: then `event` is the answer to a server→client request).
   */
  send(event: OutEvent, cb: ReplyCallback | undefined, timeoutMs: number | undefined, ext?: EnvelopeExt): boolean;
  /** Breaks the connection as a network failure would. */
  breakConnection(closeWs: boolean, wsCode: number): void;
  /** Connects at once when closed and waiting to retry (the network came back). */
  kick(): void;
  /** Checks that an open connection still works (WebSocket: pings now). */
  checkHealth(): void;
  /** A connection shared by tabs: its client id, once known. */
  readonly clientId?: (() => string | undefined) | undefined;
  /** A connection shared by tabs: `reconnect()` reconnects the shared connection instead of this tab. */
  readonly reconnectShared?: (() => void) | undefined;
}

/** Reads a WebSocket frame or Ajax body as a packer's input; `undefined` when it is neither text nor bytes. */
export function asPacked(data: unknown): Packed | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

/** A client event's envelope, with the extensions' 3rd element when there is one. */
export { eventEnvelope as clientEnvelope } from '@sente/core';
