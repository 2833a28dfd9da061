import type { Transport } from './client-conn.js';
import type {
  EventData,
  EventIdOf,
  IsUntyped,
  Received,
  RequestIdOf,
  RequestPayload,
  RequestReply,
  Sent,
  SenteContract,
  ServerAnswer,
  ServerPushEvent,
  ServerRequestEvent,
  ServerRequestIdOf,
} from './contract.js';
import type { SenteRequest } from './request.js';
import type { Router, RouterOptions } from './router.js';
import type { SenteServer } from './server.js';
import type { ClientAddress, SendOptions, ServerEventMsg } from './server-types.js';

/** What every message of a typed server router has, whatever its id. */
interface TypedMsgBase<Raw, C extends SenteContract> {
  /** The sender's uid (`sente/nil-uid` when it has none). */
  readonly uid: string;
  /** The sender's client id. */
  readonly clientId: string;
  /** The transport the event came on. */
  readonly transport: Transport;
  /** The request: for WebSocket, the upgrade request, frozen for the socket's life. */
  readonly request: SenteRequest<Raw>;
  /** The server, for sending from a handler. */
  readonly server: SenteServerOf<Raw, C>;
}

/** A fire-and-forget event of the contract: no reply. */
type EventMsg<Raw, C extends SenteContract> = {
  [K in EventIdOf<C>]: TypedMsgBase<Raw, C> & {
    readonly id: K;
    readonly data: Received<EventData<C, K>>;
    readonly event: readonly [id: K, data: Received<EventData<C, K>>];
    readonly reply?: undefined;
  };
}[EventIdOf<C>];

/** A request of the contract: `reply` takes the declared reply (absent when the client asked for none). */
type RequestMsg<Raw, C extends SenteContract> = {
  [K in RequestIdOf<C>]: TypedMsgBase<Raw, C> & {
    readonly id: K;
    readonly data: Received<RequestPayload<C, K>>;
    readonly event: readonly [id: K, data: Received<RequestPayload<C, K>>];
    /** Sends the reply at most once, on either transport; returns whether it was sent. */
    readonly reply?: ((value: Sent<RequestReply<C, K>>) => boolean) | undefined;
  };
}[RequestIdOf<C>];

/** Sente's own messages: a uid's first client came or its last one left, or a client sent something invalid. */
type SystemMsg<Raw, C extends SenteContract> = TypedMsgBase<Raw, C> &
  (
    | { readonly id: 'chsk/uidport-open' | 'chsk/uidport-close'; readonly data: string; readonly event: readonly [id: 'chsk/uidport-open' | 'chsk/uidport-close', uid: string]; readonly reply?: undefined }
    | { readonly id: 'chsk/bad-event'; readonly data: unknown; readonly event: readonly [id: 'chsk/bad-event', data: unknown]; readonly reply?: undefined }
  );

/**
 * A message of a typed server router: a union over the contract's ids, so
 * that `msg.id` narrows `msg.data` and `msg.reply`.
 */
export type TypedServerEventMsg<Raw, C extends SenteContract> = EventMsg<Raw, C> | RequestMsg<Raw, C> | SystemMsg<Raw, C>;

/** A server router's message: {@link ServerEventMsg} without a contract, {@link TypedServerEventMsg} with one. */
export type ServerMsgOf<Raw, C extends SenteContract> = IsUntyped<C> extends true ? ServerEventMsg<Raw> : TypedServerEventMsg<Raw, C>;

/**
 * A server typed by contract `C`: the same object as {@link SenteServer}, its
 * router, pushes and requests checked against the contract.
 */
export interface TypedSenteServer<Raw, C extends SenteContract>
  extends Omit<SenteServer<Raw>, 'startRouter' | 'send' | 'sendToClient' | 'broadcast' | 'request'> {
  /** Starts a router; `msg.id` narrows `msg.data` and `msg.reply`. See {@link SenteServer.startRouter}. */
  startRouter(handler: (msg: TypedServerEventMsg<Raw, C>) => unknown, options?: RouterOptions<TypedServerEventMsg<Raw, C>>): Router;
  /** Pushes a contract push to every client of `uid` (`['chsk/close']` closes them). See {@link SenteServer.send}. */
  send(uid: string, event: ServerPushEvent<C> | readonly [id: 'chsk/close'], options?: SendOptions): void;
  /** Pushes a contract push to one client. See {@link SenteServer.sendToClient}. */
  sendToClient(client: string | ClientAddress, event: ServerPushEvent<C>, options?: SendOptions): void;
  /** Pushes a contract push to every connected uid. See {@link SenteServer.broadcast}. */
  broadcast(event: ServerPushEvent<C>, options?: SendOptions): void;
  /** Asks one client a contract server request; resolves with its answer. See {@link SenteServer.request}. */
  request<K extends ServerRequestIdOf<C>>(client: string | ClientAddress, event: ServerRequestEvent<C, K>, timeoutMs?: number): Promise<ServerAnswer<C, K>>;
}

/** The server an app gets: {@link SenteServer} without a contract, {@link TypedSenteServer} with one. */
export type SenteServerOf<Raw, C extends SenteContract> = IsUntyped<C> extends true ? SenteServer<Raw> : TypedSenteServer<Raw, C>;
