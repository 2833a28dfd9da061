/**
 * A server's "reconnect after N ± J ms" hint: sent when it drains, restarts or
 * is over a limit, so that its clients come back spread out instead of all at
 * once. On WebSocket it travels in the close reason (`retry=5000~2000`); on
 * HTTP as a `Retry-After` header (seconds).
 */
export interface RetryHint {
  /** The delay the server asks for, in ms. */
  readonly afterMs: number;
  /** The client picks its delay uniformly in `afterMs ± jitterMs` (never below 0). */
  readonly jitterMs: number;
}

const PATTERN = /(?:^|\s)retry=(\d{1,9})~(\d{1,9})(?:\s|$)/;

/** The close-reason token of a hint: `retry=<afterMs>~<jitterMs>`. */
export function formatRetryHint(hint: RetryHint): string {
  return `retry=${Math.max(0, Math.round(hint.afterMs))}~${Math.max(0, Math.round(hint.jitterMs))}`;
}

/** Reads the hint in a WebSocket close reason; `undefined` when there is none. */
export function parseRetryHint(reason: string | undefined): RetryHint | undefined {
  if (typeof reason !== 'string') return undefined;
  const m = PATTERN.exec(reason);
  return m === null ? undefined : { afterMs: Number(m[1]), jitterMs: Number(m[2]) };
}

/**
 * Reads an HTTP `Retry-After` header given in seconds (RFC 9110; the date form
 * is not used by Sente servers); the jitter is half the delay.
 */
export function parseRetryAfter(header: string | null | undefined): RetryHint | undefined {
  if (typeof header !== 'string' || !/^\s*\d{1,7}\s*$/.test(header)) return undefined;
  const afterMs = Number(header) * 1000;
  return { afterMs, jitterMs: afterMs / 2 };
}

/** The HTTP `Retry-After` value of a hint: whole seconds, rounded up, at least 1. */
export function formatRetryAfter(hint: RetryHint): string {
  return String(Math.max(1, Math.ceil(hint.afterMs / 1000)));
}

/** Picks a delay in `afterMs ± jitterMs` with `random` (in [0, 1)). */
export function retryDelay(hint: RetryHint, random: () => number = Math.random): number {
  return Math.max(0, hint.afterMs + (2 * random() - 1) * hint.jitterMs);
}
