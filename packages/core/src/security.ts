import { timingSafeEqual } from './timing-safe.js';
import { SKIP_CSRF_CHECK } from './ids.js';
import { headerValue } from './request.js';
import { textResponse } from './responses.js';
import type { SenteRequest, SenteResponse } from './request.js';

type MaybePromise<T> = T | Promise<T>;

/** The security hooks of a Sente server, run on every GET, POST and upgrade in Sente's order. */
export interface SecurityOptions<Raw = unknown> {
  /**
   * Runs first: return a response to reject the request, or nothing to go on
   * with the built-in checks (Sente 1.22's `:reject-fn`).
   * @default undefined
   */
  reject?: ((req: SenteRequest<Raw>) => MaybePromise<SenteResponse | null | undefined>) | undefined;
  /**
   * The reference CSRF token for a request, compared in constant time with the
   * token the client sent (query `csrf-token`, header `x-csrf-token` or
   * `x-xsrf-token`). Return {@link SKIP_CSRF_CHECK} to skip the check; nothing
   * (no reference token) rejects the request: the check fails closed. `null`
   * switches the CSRF check off.
   * @default reads `session.csrfToken` (then `session['csrf-token']`)
   */
  csrfToken?: ((req: SenteRequest<Raw>) => MaybePromise<string | null | undefined>) | null | undefined;
  /**
   * Validates the token the client sent instead of comparing it with
   * `csrfToken`: for CSRF libraries with salted or signed tokens (csrf-csrf,
   * @fastify/csrf-protection, koa-csrf). Takes precedence over `csrfToken`.
   * @default undefined
   */
  validateCsrf?: ((req: SenteRequest<Raw>, token: string | undefined) => MaybePromise<boolean>) | undefined;
  /** @default 403 "Bad CSRF token" */
  badCsrf?: ((req: SenteRequest<Raw>) => SenteResponse) | undefined;
  /**
   * The origins allowed to connect (exact `Origin` match; without an `Origin`
   * header, a `Referer` starting with `<origin>/`), or `'all'`.
   * @default 'all'
   */
  allowedOrigins?: 'all' | readonly string[] | undefined;
  /** @default 403 "Unauthorized origin" */
  badOrigin?: ((req: SenteRequest<Raw>) => SenteResponse) | undefined;
  /**
   * Whether the request may connect; falsy rejects with `unauthorized`.
   * @default undefined (every request is authorized)
   */
  authorized?: ((req: SenteRequest<Raw>) => MaybePromise<boolean>) | undefined;
  /** @default 401 "Unauthorized request" */
  unauthorized?: ((req: SenteRequest<Raw>) => SenteResponse) | undefined;
}

/** The default reference CSRF token: the session's `csrfToken` or `csrf-token`. */
export function sessionCsrfToken(req: SenteRequest): string | undefined {
  const s = req.session as Record<string, unknown> | null | undefined;
  if (typeof s !== 'object' || s === null) return undefined;
  const t = s['csrfToken'] ?? s['csrf-token'];
  return typeof t === 'string' ? t : undefined;
}

/** The CSRF token a request carries: query `csrf-token`, else header `x-csrf-token`, else `x-xsrf-token`. */
export function requestCsrfToken(req: SenteRequest): string | undefined {
  return req.query['csrf-token'] ?? headerValue(req.headers, 'x-csrf-token') ?? headerValue(req.headers, 'x-xsrf-token');
}

/**
 * Sente's origin rule: true for `'all'`; else when the `Origin` header equals an
 * allowed origin; else, only when there is no `Origin` header, when `Referer`
 * starts with `<allowed origin>/`.
 */
export function allowOrigin(allowed: 'all' | readonly string[], req: SenteRequest): boolean {
  if (allowed === 'all') return true;
  const origin = headerValue(req.headers, 'origin');
  if (origin !== undefined) return allowed.includes(origin);
  const referer = headerValue(req.headers, 'referer');
  return referer !== undefined && allowed.some((o) => referer.startsWith(`${o}/`));
}

/**
 * Sente's CSRF rule: the reference token `expected` (from `csrfToken`) against
 * the request's token. {@link SKIP_CSRF_CHECK} passes; a missing reference or
 * request token fails; otherwise a constant-time comparison.
 */
export function validCsrfToken(expected: string | null | undefined, req: SenteRequest): boolean {
  if (expected === SKIP_CSRF_CHECK) return true;
  if (typeof expected !== 'string' || expected.length === 0) return false;
  const sent = requestCsrfToken(req);
  return sent !== undefined && timingSafeEqual(sent, expected);
}

export const defaultBadCsrf = (): SenteResponse => textResponse(403, 'Bad CSRF token');
export const defaultBadOrigin = (): SenteResponse => textResponse(403, 'Unauthorized origin');
export const defaultUnauthorized = (): SenteResponse => textResponse(401, 'Unauthorized request');

/** A request the security pipeline turned away: why, and the response. */
export interface Rejection {
  readonly code: 'ERR_SENTE_REJECTED' | 'ERR_SENTE_BAD_CSRF' | 'ERR_SENTE_BAD_ORIGIN' | 'ERR_SENTE_UNAUTHORIZED';
  readonly response: SenteResponse;
}

/**
 * Runs the security pipeline in Sente's order (reject hook, CSRF, origin,
 * authorized hook): the rejection, or `undefined` to accept; a promise of it
 * when a hook runs, at once when only the origin is checked (no await to pay
 * on every request of a server with no such hook).
 */
export function checkRequest<Raw>(opts: SecurityOptions<Raw>, req: SenteRequest<Raw>): Rejection | undefined | Promise<Rejection | undefined> {
  if (opts.reject || opts.validateCsrf || opts.csrfToken !== null || opts.authorized) return checkWithHooks(opts, req);
  return allowOrigin(opts.allowedOrigins ?? 'all', req) ? undefined : { code: 'ERR_SENTE_BAD_ORIGIN', response: (opts.badOrigin ?? defaultBadOrigin)(req) };
}

async function checkWithHooks<Raw>(opts: SecurityOptions<Raw>, req: SenteRequest<Raw>): Promise<Rejection | undefined> {
  if (opts.reject) {
    const r = await opts.reject(req);
    if (r) return { code: 'ERR_SENTE_REJECTED', response: r };
  }
  if (opts.validateCsrf) {
    if (!(await opts.validateCsrf(req, requestCsrfToken(req)))) {
      return { code: 'ERR_SENTE_BAD_CSRF', response: (opts.badCsrf ?? defaultBadCsrf)(req) };
    }
  } else if (opts.csrfToken !== null) {
    const expected = await (opts.csrfToken ?? sessionCsrfToken)(req);
    if (!validCsrfToken(expected, req)) return { code: 'ERR_SENTE_BAD_CSRF', response: (opts.badCsrf ?? defaultBadCsrf)(req) };
  }
  if (!allowOrigin(opts.allowedOrigins ?? 'all', req)) {
    return { code: 'ERR_SENTE_BAD_ORIGIN', response: (opts.badOrigin ?? defaultBadOrigin)(req) };
  }
  if (opts.authorized && !(await opts.authorized(req))) {
    return { code: 'ERR_SENTE_UNAUTHORIZED', response: (opts.unauthorized ?? defaultUnauthorized)(req) };
  }
  return undefined;
}
