import type {
  ClientReply,
  ClientRequestEvent,
  ClientSendEvent,
  IsUntyped,
  PushData,
  PushIdOf,
  Received,
  ReceivedPush,
  ReplyOutcome,
  RequestIdOf,
  Sent,
  SenteContract,
  ServerRequestIdOf,
  ServerRequestPayload,
  ServerRequestReply,
} from '@sente/core';
import type { ClientEvents, HandshakeEventData, SenteClient, StateEventData } from './client.js';
import type { Router } from './router.js';

/** The `contract` option of `createSenteClient`. */
export interface ContractOption<C extends SenteContract> {
  /**
   * The contract shared with the server (see the typed-contracts guide). Its
   * types check `send` and `request` and narrow router messages; its
   * schemas, when it has any, check the replies and pushes that arrive (an
   * invalid reply rejects with `ERR_SENTE_BAD_REPLY`, an invalid push is
   * dropped and reported to `onError`). For a contract that is only a type,
   * pass it as a type argument instead: `createSenteClient<Chat>(…)`.
   * @default undefined (untyped, nothing checked)
   */
  contract?: C | undefined;
}

interface TypedMsgBase<C extends SenteContract> {
  /** The client it came from. */
  readonly client: TypedSenteClient<C>;
}

type PushMsg<C extends SenteContract> = {
  [K in PushIdOf<C>]: TypedMsgBase<C> & {
    readonly id: K;
    readonly data: Received<PushData<C, K>>;
    readonly event: readonly [id: K, data: Received<PushData<C, K>>];
    readonly reply?: undefined;
  };
}[PushIdOf<C>];

type ServerRequestMsg<C extends SenteContract> = {
  [K in ServerRequestIdOf<C>]: TypedMsgBase<C> & {
    readonly id: K;
    readonly data: Received<ServerRequestPayload<C, K>>;
    readonly event: readonly [id: K, data: Received<ServerRequestPayload<C, K>>];
    /** Answers the server's request; the first call counts. */
    readonly reply: (value: Sent<ServerRequestReply<C, K>>) => void;
  };
}[ServerRequestIdOf<C>];

type SystemMsg<C extends SenteContract> = TypedMsgBase<C> &
  (
    | { readonly id: 'chsk/state'; readonly data: StateEventData; readonly event: readonly [id: 'chsk/state', data: StateEventData]; readonly reply?: undefined }
    | { readonly id: 'chsk/handshake'; readonly data: HandshakeEventData; readonly event: readonly [id: 'chsk/handshake', data: HandshakeEventData]; readonly reply?: undefined }
    | { readonly id: 'chsk/recv'; readonly data: ReceivedPush<C>; readonly event: readonly [id: 'chsk/recv', data: ReceivedPush<C>]; readonly reply?: undefined }
  );

/**
 * A message of a typed client router: a union over the contract's pushes and
 * server requests and Sente's own `chsk/*` messages, so that `msg.id` narrows
 * `msg.data` and `msg.reply`.
 */
export type TypedClientEventMsg<C extends SenteContract> = PushMsg<C> | ServerRequestMsg<C> | SystemMsg<C>;

/** What `on` of a typed client listens to. */
export interface TypedClientEvents<C extends SenteContract> extends Omit<ClientEvents, 'event'> {
  /** Every push of the contract, in arrival order. */
  event: ReceivedPush<C>;
}

/** Options of a typed `send` of a request. */
export interface TypedSendOptions<R> {
  /** How long `cb` waits for the reply. */
  timeoutMs: number;
  /** Gets the reply, a `BadEventReply`, or `'chsk/closed'`, `'chsk/timeout'` or `'chsk/error'`. */
  cb: (reply: ReplyOutcome<R>) => void;
}

/**
 * A client typed by contract `C`: the same object as {@link SenteClient},
 * its sends, requests, listeners and router checked against the contract.
 */
export interface TypedSenteClient<C extends SenteContract> extends Omit<SenteClient, 'on' | 'startRouter' | 'send' | 'request'> {
  /** Listens to state changes, handshakes or the contract's pushes; returns the remover. */
  on<K extends keyof TypedClientEvents<C>>(kind: K, listener: (payload: TypedClientEvents<C>[K]) => void): () => void;
  /** Starts a router; `msg.id` narrows `msg.data` and `msg.reply`. See {@link SenteClient.startRouter}. */
  startRouter(handler: (msg: TypedClientEventMsg<C>) => unknown, options?: { errorHandler?: (error: unknown, msg: TypedClientEventMsg<C>) => void }): Router;
  /** Sends one of the contract's events (fire-and-forget). See {@link SenteClient.send}. */
  send(event: ClientSendEvent<C>, options?: { flush?: boolean | undefined }): boolean;
  /** Sends one of the contract's requests; `cb` gets its reply. */
  send<K extends RequestIdOf<C>>(event: ClientRequestEvent<C, K>, options: TypedSendOptions<ClientReply<C, K>>): boolean;
  /** Sends one of the contract's requests; `cb` gets its reply within `timeoutMs`. */
  send<K extends RequestIdOf<C>>(event: ClientRequestEvent<C, K>, timeoutMs: number, cb: (reply: ReplyOutcome<ClientReply<C, K>>) => void): boolean;
  /**
   * Sends one of the contract's requests and resolves with its reply. Rejects
   * as {@link SenteClient.request} does, and with `ERR_SENTE_BAD_EVENT` when
   * the server's schema refused the payload, `ERR_SENTE_BAD_REPLY` when the
   * reply fails this client's schema.
   */
  request<K extends RequestIdOf<C>>(event: ClientRequestEvent<C, K>, timeoutMs: number): Promise<ClientReply<C, K>>;
}

/** The client an app gets: {@link SenteClient} without a contract, {@link TypedSenteClient} with one. */
export type SenteClientOf<C extends SenteContract> = IsUntyped<C> extends true ? SenteClient : TypedSenteClient<C>;
