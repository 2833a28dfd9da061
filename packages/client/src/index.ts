export { createSenteClient } from './client.js';
export { serveSharedConnection } from './shared-worker.js';
export type {
  SenteClient,
  CsrfTokenSource,
  HandshakeInfo,
  OpenFlags,
  StateEventData,
  HandshakeEventData,
  ClientEvents,
  SendOptions,
  BreakConnectionOptions,
} from './client.js';
export type { SenteClientOptions, TraceContext } from './options.js';
export type { TypedSenteClient, SenteClientOf, TypedClientEventMsg, TypedClientEvents, TypedSendOptions, ContractOption } from './typed-client.js';
export type { ClientState, ClientType, CloseReason, StateChange, WsErrorInfo, WsCloseInfo, CloseInfo } from './state.js';
export type { ClientEventMsg, ClientEventHandler, RouterOptions, Router } from './router.js';
export type { ReplyCallback } from './reply-callbacks.js';
export type { QueryParams } from './urls.js';
export { refreshCredentials, liveCredentials } from './credentials.js';
export type { RefreshResult, RefreshOptions, LiveCredentialsOptions } from './credentials.js';
export type { Credentials } from './live.js';
export type {
  WebSocketLike,
  WebSocketConstructor,
  WsMessageEventLike,
  WsCloseEventLike,
  FetchLike,
  FetchInit,
  ResponseLike,
} from './platform.js';
export type { ConnectionErrorCode } from './connection-errors.js';
export { exponentialBackoff, senteBackoff } from './backoff.js';
export type { ExponentialBackoffOptions } from './backoff.js';
export { SenteError, isSenteError, isCbSuccess, isCbError, defineContract, isBadEventReply } from '@sente/core';
export type { SenteEvent, SenteErrorCode, SenteContract, BadEventReply, ContractIssue, ReplyOutcome } from '@sente/core';
