export { Keyword, kw, isKeyword, keywordName } from './keyword.js';
export { SenteError, isSenteError, senteError, asSenteError } from './errors.js';
export type { SenteErrorCode, SenteErrorOptions } from './errors.js';
export { CHSK, NIL_UID, ALL_USERS_WITHOUT_UID, SKIP_CSRF_CHECK, PONG, AJAX_CB_MARKER, CLOSE_CODES, WIRE, EXT_VERSION, MAX_POST_EVENTS } from './ids.js';
export { formatRetryHint, parseRetryHint, parseRetryAfter, retryDelay } from './retry-hint.js';
export type { RetryHint } from './retry-hint.js';
export type { CbErrorValue } from './ids.js';
export { isReservedId, isNamespacedId, isEvent, validateEvent, asEvent, assertEvent, toWireEvent, fromWireEvent, eventsFor } from './event.js';
export type { EventId, SenteEvent, EventMap, EventOf, WireEvent, OutEvent } from './event.js';
export {
  envelopes,
  handshakeEnvelope,
  batchEnvelope,
  replyEnvelope,
  pongEnvelope,
  eventEnvelope,
  decodeEnvelope,
  isKeywordContent,
} from './envelope.js';
export type { Envelope, DecodedEnvelope } from './envelope.js';
export type { Packer, Packed, TextParts } from './packer.js';
export { payloadText } from './packer.js';
export { systemClock, randomId } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { collectBody, payloadTooLarge } from './body.js';
export { parseQuery, headerValue } from './request.js';
export type { SenteRequest, SenteResponse, SenteHeaders, SenteBody, SessionOf } from './request.js';
export { textResponse, payloadHeaders, payloadResponse, errorResponse, NO_CONTENT } from './responses.js';
export type { HttpExchange, UpgradeExchange, OpenSocket, SocketChannel, SocketOps, SocketListener } from './adapter.js';
export { mountSente, requestPath, requestSearch } from './mount.js';
export type { Mount, MountOptions } from './mount.js';
export { allowOrigin, validCsrfToken, requestCsrfToken, sessionCsrfToken } from './security.js';
export type { SecurityOptions } from './security.js';
export { timingSafeEqual } from './timing-safe.js';
export { isCbError, isCbSuccess } from './cb.js';
export { SenteServer, createSenteServer } from './server.js';
export { defineContract, isBadEventReply } from './contract.js';
export type {
  SenteContract,
  SchemaContract,
  RequestSpec,
  StandardSchemaV1,
  ContractIssue,
  BadEventReply,
  ReplyOutcome,
  IsUntyped,
  Received,
  Sent,
  EventTuple,
  EventIdOf,
  RequestIdOf,
  PushIdOf,
  ServerRequestIdOf,
  EventData,
  PushData,
  RequestPayload,
  RequestReply,
  ServerRequestPayload,
  ServerRequestReply,
  ClientSendEvent,
  ClientRequestEvent,
  ClientReply,
  ServerPushEvent,
  ServerRequestEvent,
  ServerAnswer,
  ReceivedPush,
} from './contract.js';
export type { TypedSenteServer, TypedServerEventMsg, ServerMsgOf, SenteServerOf } from './typed-server.js';
export type { ServerEventMsg, SendOptions, ServerStats, ClientAddress, Transport, DrainOptions, ClientInfo } from './server.js';
export type { ConnectionLimits } from './admission.js';
export type { RateLimit, RateLimits } from './rate-limit.js';
export type { PushLog, PushLogLimits, LogPosition, LogEntry, Recovery } from './push-log.js';
export type { EnvelopeExt } from './envelope.js';
export { positionedBatchEnvelope, requestEnvelope, answerEnvelope, postBatchEnvelope } from './envelope.js';
export type { Delivery } from './delivery.js';
export type { Backplane, BackplaneNode, BackplaneEntry, BackplaneClient, BackplanePresence } from './backplane.js';
export { MAX_TOPIC_BYTES, isTopic } from './backplane.js';
export type { SenteServerOptions, ErrorContext } from './options.js';
export type { ConnectedUids, ConnectedUidsChange, ConnectedUidsListener } from './connected-uids.js';
export type { EventHandler, Router, RouterOptions } from './router.js';
export { isHandshake, readHandshake } from './handshake.js';
export type { Handshake, HandshakeExt } from './handshake.js';
export { Sym, isSym } from './sym.js';
export { Uuid, isUuid } from './uuid.js';
export { isPlainObject, setOwn, buildMap, keyIdentity } from './maps.js';
export type { ObjectKeys } from './maps.js';
