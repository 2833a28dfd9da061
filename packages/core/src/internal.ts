/**
 * `@sente/core/internal`: the pieces the adapters, the client and the tests of
 * this repository share. Not public API: anything here may change in any release.
 */
export { Routers } from './router.js';
export { CLOSE_NORMAL, CLOSE_UNAUTHORIZED, CHSK_HANDSHAKE, CHSK_STATE, CHSK_RECV, CHSK_WS_PING, CHSK_WS_PONG, CHSK_TIMEOUT, CHSK_CLOSED, CHSK_ERROR, CHSK_REFRESH, WIRE_CLIENT_ID, WIRE_CSRF_TOKEN, WIRE_EXT, WIRE_POSITION } from './ids.js';
export { Timers } from './timers.js';
export type { Timer } from './timers.js';
export { createKeepAlive } from './keep-alive.js';
export type { KeepAlive, KeepAliveOptions } from './keep-alive.js';
export { checkRequest } from './security.js';
export type { Rejection } from './security.js';
export { FakeClock, settle } from './fake-clock.js';
export { seededRandom } from './seeded-random.js';
export { Outbox } from './outbox.js';
export { RepeatedText } from './repeated-text.js';
export { ERRORS } from './errors.js';
export { contractChecks, checkInbound, runSchema, isSchema, hasSchemas, badEventReply, badEventError, badReplyError } from './contract-check.js';
export type { ContractChecks, CheckResult } from './contract-check.js';
export { validateClient } from './contract-client.js';
export type { ValidatedClient } from './contract-client.js';
export { checkPush, checkUid } from './inbound.js';
export { sharedString, knownString, sharedHeaderValue } from './header-strings.js';
export { RAW_MADE_ON_READ } from './request.js';
