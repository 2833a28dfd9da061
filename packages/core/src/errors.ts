/** The stable codes of every error Sente raises or answers with. */
export type SenteErrorCode =
  | 'ERR_SENTE_BAD_OPTION'
  | 'ERR_SENTE_NO_CLIENT_ID'
  | 'ERR_SENTE_BAD_METHOD'
  | 'ERR_SENTE_BAD_CSRF'
  | 'ERR_SENTE_BAD_ORIGIN'
  | 'ERR_SENTE_UNAUTHORIZED'
  | 'ERR_SENTE_REJECTED'
  | 'ERR_SENTE_HOOK_FAILED'
  | 'ERR_SENTE_BAD_PACKAGE'
  | 'ERR_SENTE_PAYLOAD_TOO_LARGE'
  | 'ERR_SENTE_BAD_EVENT'
  | 'ERR_SENTE_BAD_UID'
  | 'ERR_SENTE_PACK_FAILED'
  | 'ERR_SENTE_QUEUE_OVERFLOW'
  | 'ERR_SENTE_UNDELIVERED'
  | 'ERR_SENTE_KEEPALIVE_TIMEOUT'
  | 'ERR_SENTE_SERVER_CLOSED'
  | 'ERR_SENTE_CLOSED'
  | 'ERR_SENTE_TIMEOUT'
  | 'ERR_SENTE_TRANSPORT';

/** Options of {@link SenteError}. */
export interface SenteErrorOptions {
  /** The HTTP status this error answers a request with. */
  status?: number;
  /** The WebSocket close code this error closes a socket with. */
  closeCode?: number;
  /** The underlying error. */
  cause?: unknown;
}

const BRAND = Symbol.for('sente.error');

/**
 * The one error class of Sente: a stable string `code`, plus the HTTP status or
 * WebSocket close code it is answered with, and the `cause`.
 *
 * @example
 * ```ts
 * try { server.send('u1', ['bad id']); }
 * catch (e) { if (isSenteError(e) && e.code === 'ERR_SENTE_BAD_EVENT') … }
 * ```
 */
export class SenteError extends Error {
  override readonly name = 'SenteError';
  readonly code: SenteErrorCode;
  readonly status: number | undefined;
  readonly closeCode: number | undefined;
  readonly [BRAND] = true;

  constructor(code: SenteErrorCode, message: string, options: SenteErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.closeCode = options.closeCode;
  }
}

/** True for a {@link SenteError}, even one from another copy of `@sente/core`. */
export function isSenteError(e: unknown): e is SenteError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}
