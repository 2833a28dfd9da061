/**
 * Every error Sente raises or answers with, in one table: its stable code, the
 * HTTP status it answers a request with, the WebSocket close code it closes a
 * socket with, and the public message a peer sees. Throw sites name a code
 * (and, at most, a detail for logs); nothing else picks a status or a close
 * code. `docs/reference/protocol.md` holds the same table, checked by a test.
 */
export const ERRORS = {
  ERR_SENTE_BAD_OPTION: { status: undefined, closeCode: undefined, message: 'Bad option' },
  ERR_SENTE_NO_CLIENT_ID: { status: 400, closeCode: undefined, message: 'Missing client id' },
  ERR_SENTE_BAD_METHOD: { status: 405, closeCode: undefined, message: 'Method not allowed' },
  ERR_SENTE_BAD_UPGRADE: { status: 426, closeCode: undefined, message: 'Upgrade Required' },
  ERR_SENTE_BAD_CSRF: { status: 403, closeCode: undefined, message: 'Bad CSRF token' },
  ERR_SENTE_BAD_ORIGIN: { status: 403, closeCode: undefined, message: 'Unauthorized origin' },
  ERR_SENTE_UNAUTHORIZED: { status: 401, closeCode: 4401, message: 'Unauthorized request' },
  ERR_SENTE_REJECTED: { status: undefined, closeCode: undefined, message: 'Rejected' },
  ERR_SENTE_HOOK_FAILED: { status: 500, closeCode: 1011, message: 'Internal error' },
  ERR_SENTE_BAD_PACKAGE: { status: 400, closeCode: 1007, message: 'Bad package' },
  ERR_SENTE_PAYLOAD_TOO_LARGE: { status: 413, closeCode: 1009, message: 'Payload too large' },
  ERR_SENTE_ABORTED: { status: 400, closeCode: undefined, message: 'Request aborted' },
  ERR_SENTE_BAD_EVENT: { status: undefined, closeCode: undefined, message: 'Bad event' },
  ERR_SENTE_BAD_UID: { status: 500, closeCode: undefined, message: 'Bad uid' },
  ERR_SENTE_CLIENT_ID_CLASH: { status: undefined, closeCode: undefined, message: 'Client id held by another uid' },
  ERR_SENTE_PACK_FAILED: { status: 500, closeCode: undefined, message: 'Cannot pack' },
  ERR_SENTE_QUEUE_OVERFLOW: { status: undefined, closeCode: 1013, message: 'Slow consumer' },
  ERR_SENTE_UNDELIVERED: { status: undefined, closeCode: undefined, message: 'Undelivered' },
  ERR_SENTE_KEEPALIVE_TIMEOUT: { status: undefined, closeCode: 4000, message: 'Keep-alive timeout' },
  ERR_SENTE_SERVER_CLOSED: { status: 503, closeCode: 1001, message: 'Server closing' },
  ERR_SENTE_OVER_CAPACITY: { status: 503, closeCode: 1013, message: 'Over capacity' },
  ERR_SENTE_DRAINING: { status: 503, closeCode: 1012, message: 'Server draining' },
  ERR_SENTE_RATE_LIMITED: { status: 429, closeCode: 4429, message: 'Rate limited' },
  ERR_SENTE_NOT_FOUND: { status: 404, closeCode: undefined, message: 'Not found' },
  ERR_SENTE_CLOSED: { status: undefined, closeCode: undefined, message: 'Closed' },
  ERR_SENTE_TIMEOUT: { status: undefined, closeCode: undefined, message: 'Timeout' },
  ERR_SENTE_UNSUPPORTED: { status: undefined, closeCode: undefined, message: 'Not supported by the peer' },
  ERR_SENTE_PACKER_MISMATCH: { status: undefined, closeCode: undefined, message: 'The server answered in another packer' },
  ERR_SENTE_CONNECT_TIMEOUT: { status: undefined, closeCode: undefined, message: 'No handshake in time' },
  ERR_SENTE_UNREACHABLE: { status: undefined, closeCode: undefined, message: 'Server unreachable' },
  ERR_SENTE_FORBIDDEN: { status: 403, closeCode: undefined, message: 'Forbidden' },
  ERR_SENTE_TRANSPORT: { status: undefined, closeCode: undefined, message: 'Transport error' },
  ERR_SENTE_BAD_REPLY: { status: undefined, closeCode: undefined, message: 'Bad reply' },
  ERR_SENTE_BACKPLANE_UNAVAILABLE: { status: 503, closeCode: undefined, message: 'Backplane unavailable' },
  ERR_SENTE_BACKPLANE_OVERFLOW: { status: undefined, closeCode: undefined, message: 'Backplane buffer full' },
  ERR_SENTE_BACKPLANE_FAILED: { status: undefined, closeCode: undefined, message: 'Backplane command failed' },
  ERR_SENTE_BACKPLANE_LOG_LOST: { status: undefined, closeCode: 1012, message: 'Push log lost' },
  ERR_SENTE_CREDENTIALS_EXPIRED: { status: 401, closeCode: 4401, message: 'Credentials expired' },
  ERR_SENTE_REFRESH_REFUSED: { status: undefined, closeCode: undefined, message: 'Refresh refused' },
} as const satisfies Record<string, { status: number | undefined; closeCode: number | undefined; message: string }>;

/** The stable codes of every error Sente raises or answers with. */
export type SenteErrorCode = keyof typeof ERRORS;

/** Options of {@link SenteError}. */
export interface SenteErrorOptions {
  /** The HTTP status it answers with, or saw (`senteError` takes it from the table). */
  status?: number | undefined;
  /** The close code it closes with, or saw (`senteError` takes it from the table). */
  closeCode?: number | undefined;
  /** The underlying error. */
  cause?: unknown;
}

const BRAND = Symbol.for('sente.error');

/**
 * The one error class of Sente: a stable string `code`, plus the HTTP status or
 * WebSocket close code it is answered with (from {@link ERRORS}), and the `cause`.
 *
 * @example
 * ```ts
 * import { isSenteError, createSenteServer } from '@sente/core';
 * import { json } from '@sente/packer-json';
 * const server = createSenteServer({ packer: json });
 * try { server.send('u1', ['bad id']); }
 * catch (e) { if (isSenteError(e) && e.code === 'ERR_SENTE_BAD_EVENT') console.log(e.message); }
 * ```
 */
export class SenteError extends Error {
  override readonly name = 'SenteError';
  // Declared, not initialised: the constructor sets them (and a browser bundle carries no field list).
  declare readonly code: SenteErrorCode;
  declare readonly status: number | undefined;
  declare readonly closeCode: number | undefined;
  readonly [BRAND] = true;

  /**
   * Prefer {@link senteError}, which takes the status and close code from the
   * table; the class itself does not read the table, so that a browser bundle
   * of the client does not carry it.
   * @param message The detail, for logs; peers see the table's public message.
   */
  constructor(code: SenteErrorCode, message: string = code, options: SenteErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.closeCode = options.closeCode;
  }
}

/** What a peer is told of `error`: the table's message (a detail may name internals). */
export function publicMessage(error: SenteError): string {
  return ERRORS[error.code]?.message ?? error.code;
}

/** The error for `code`, with `detail` for logs and the `cause`. */
export function senteError(code: SenteErrorCode, detail?: string, cause?: unknown): SenteError {
  const { status, closeCode, message } = ERRORS[code];
  return new SenteError(code, detail ?? message, { status, closeCode, cause });
}

/** True for a {@link SenteError}, even one from another copy of `@sente/core`. */
export function isSenteError(e: unknown): e is SenteError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}

/** `e` when it is a {@link SenteError}, else a `code` error caused by it. */
export function asSenteError(e: unknown, code: SenteErrorCode, detail?: string): SenteError {
  return isSenteError(e) ? e : senteError(code, detail, e);
}
