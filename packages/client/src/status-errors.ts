import type { SenteError } from '@sente/core';
import type { ConnectionErrorCode, connectionError } from './connection-errors.js';

/**
 * The connection errors an HTTP status or a `ws` error event says, in
 * fallback.ts: only the Ajax transport and Node's `ws` package see them
 * (browsers never say why a WebSocket failed). `connectionError` is handed
 * over (see lazy-ajax.ts).
 */
type Make = typeof connectionError;

/** The message of the codes found out here (connection-errors.ts has the others'). */
export const STATUS_HINTS: Readonly<Partial<Record<ConnectionErrorCode, string>>> = {
  ERR_SENTE_NOT_FOUND: '404: is the path right?',
  ERR_SENTE_FORBIDDEN: '403: a wrong CSRF token or origin? Not retrying.',
  ERR_SENTE_UNREACHABLE: 'Cannot connect: is the server up?',
};

const BY_STATUS: Readonly<Record<number, ConnectionErrorCode>> = { 404: 'ERR_SENTE_NOT_FOUND', 403: 'ERR_SENTE_FORBIDDEN', 401: 'ERR_SENTE_UNAUTHORIZED' };

/** The connection error an HTTP status (of an Ajax answer, or of a refused upgrade) means, if any. */
export function errorForStatus(status: number, make: Make): SenteError | undefined {
  const code = BY_STATUS[status];
  return code === undefined ? undefined : make(code, status, undefined, STATUS_HINTS[code]);
}

/**
 * The connection error a WebSocket `error` event shows, when the WebSocket
 * implementation says why (the `ws` package on Node does; browsers never do).
 */
export function errorOfWsEvent(event: unknown, make: Make): SenteError | undefined {
  const message = (event as { message?: unknown } | null)?.message;
  if (typeof message !== 'string') return undefined;
  const status = /response: (\d{3})/.exec(message);
  if (status !== null) return errorForStatus(Number(status[1]), make);
  return /ECONNREFUSED|ENOTFOUND|UNREACH/.test(message) ? make('ERR_SENTE_UNREACHABLE', undefined, event, STATUS_HINTS.ERR_SENTE_UNREACHABLE) : undefined;
}
