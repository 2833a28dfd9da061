import { SenteError } from '@sente/core';
import type { SenteErrorCode } from '@sente/core';

/**
 * The codes of the connection problems the client diagnoses, each reported
 * once (per outage) through `onError` and kept in `state.lastError`:
 *
 * - `ERR_SENTE_PACKER_MISMATCH`: the server's first answer is not a handshake the packer can read.
 * - `ERR_SENTE_NOT_FOUND`: the server answered 404 (a wrong path).
 * - `ERR_SENTE_CONNECT_TIMEOUT`: no handshake (WebSocket, or Ajax handshake poll) within `wsConnectTimeoutMs`.
 * - `ERR_SENTE_FORBIDDEN`: 403, a refused CSRF token or origin. Terminal.
 * - `ERR_SENTE_UNAUTHORIZED`: 401, or the close code 4401. Terminal.
 * - `ERR_SENTE_UNREACHABLE`: no connection at all (refused, network down, DNS, CORS).
 */
export type ConnectionErrorCode =
  | 'ERR_SENTE_PACKER_MISMATCH'
  | 'ERR_SENTE_NOT_FOUND'
  | 'ERR_SENTE_CONNECT_TIMEOUT'
  | 'ERR_SENTE_FORBIDDEN'
  | 'ERR_SENTE_UNAUTHORIZED'
  | 'ERR_SENTE_UNREACHABLE';

/** The message of each code a WebSocket finds out: what to check (status-errors.ts has the others'). */
export const HINTS = {
  ERR_SENTE_PACKER_MISMATCH: 'Not a handshake: the same packer on both sides?',
  ERR_SENTE_CONNECT_TIMEOUT: 'No handshake in wsConnectTimeoutMs: a wrong path, or a proxy?',
  ERR_SENTE_UNAUTHORIZED: '401/4401: sign in, then reconnect(). Not retrying.',
} as const;

/** True for the codes after which retrying cannot help: the client stops. */
export const isTerminal = (code: string): boolean => code === 'ERR_SENTE_FORBIDDEN' || code === 'ERR_SENTE_UNAUTHORIZED';

/** A {@link SenteError} with `code`, its hint as the message, and `status` when an HTTP answer said it. */
export function connectionError(code: ConnectionErrorCode, status?: number, cause?: unknown, hint?: string): SenteError {
  // The codes are the client's own; @sente/core's SenteErrorCode does not list them yet.
  return new SenteError(code as SenteErrorCode, hint ?? HINTS[code as keyof typeof HINTS], { status: status as number, cause });
}
